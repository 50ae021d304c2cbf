// An older server lacks acl (cloud-init installs it only on servers made after it joined the list;
// user data is in ignoreChanges): the nginx delivery's grant fails naming the runbook that installs it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { grantNginxReadFunction } from "../../../render/nginx/cert-access";

const RUNBOOK = "docs/runbooks/upgrade-an-older-server.md";

test("without setfacl the grant fails naming the runbook that installs acl, and the runbook exists", () => {
    // A PATH with no setfacl on it: what the deploy user's shell finds on such a server.
    const r = spawnSync("/bin/bash", ["-c", `set -e\n${grantNginxReadFunction()}\ngrant_nginx_read /nonexistent/certs example.test\necho granted`], { env: { PATH: "/nonexistent" }, encoding: "utf8" });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /granted/);
    assert.match(r.stderr, new RegExp(`setfacl not found: install the acl package.*\\(${RUNBOOK.replace(/[./]/g, "\\$&")}\\)`));
    const runbook = fs.readFileSync(path.join(__dirname, "../../..", RUNBOOK), "utf8");
    assert.match(runbook, /apt-get install -y acl age/);
    assert.match(fs.readFileSync(path.join(__dirname, "../../../docs/runbooks/README.md"), "utf8"), /\(upgrade-an-older-server\.md\)/);
});
