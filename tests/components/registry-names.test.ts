// The login command of each registry has a resource name of its own: two hosts never share one
// (ghcr.io and ghcr-io did), and a login keeps the identity it had before the names changed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loginResourceName } from "../../components/registry";

const name = (server: string, all: string[]) => loginResourceName("registry-login", server, all);

test("hosts of letters, digits and dots keep the names they always had, with no alias", () => {
    assert.deepEqual(name("ghcr.io", ["ghcr.io", "quay.io"]), { name: "registry-login-ghcr-io", aliases: [] });
});

test("hosts that used to collide get different names", () => {
    const all = ["ghcr.io", "ghcr-io", "localhost:5000", "localhost-5000", "localhost.5000"];
    const names = all.map((s) => name(s, all).name);
    assert.equal(new Set(names).size, all.length, names.join(", "));
    assert.match(name("ghcr-io", all).name, /^registry-login-ghcr-io_[0-9a-f]{8}$/);
});

test("a hyphenated host keeps its old identity through an alias, unless another host of the config claims that old name", () => {
    assert.deepEqual(name("my-registry.example", ["my-registry.example"]).aliases, ["registry-login-my-registry-example"]);
    assert.deepEqual(name("ghcr-io", ["ghcr-io", "ghcr.io"]).aliases, [], "ghcr.io holds registry-login-ghcr-io");
});
