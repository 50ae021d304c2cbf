// An app's secret env files (secrets/containers/<app>-<service>-<10 hex>.env) are removed by name,
// exactly: app names may start with another's (`shop` and `shop-backend`), and removing `shop`
// must leave `shop-backend`'s files, which its running containers mount.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { CONTAINER_SECRETS_DIR, removeServiceScript } from "../../../render/app/release";

test("removing app shop's backend leaves app shop-backend's secret files", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "secret-names-"));
    const dir = path.join(root, CONTAINER_SECRETS_DIR);
    fs.mkdirSync(dir, { recursive: true });
    const files = ["shop-backend-0123456789.env", "shop-backend-backend-abcdef0123.env", "shop-backend-frontend-abcdef0123.env", "shop-frontend-0123456789.env"];
    for (const f of files) fs.writeFileSync(path.join(dir, f), "export X='y'\n");
    // No container runs: docker answers nothing.
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const r = spawnSync("bash", ["-c", removeServiceScript(root, "shop", "backend", "com.example=shop-backend")], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["shop-backend-backend-abcdef0123.env", "shop-backend-frontend-abcdef0123.env", "shop-frontend-0123456789.env"]);
    fs.rmSync(root, { recursive: true, force: true });
});
