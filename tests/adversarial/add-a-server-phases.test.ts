// Going from one server to several (docs/runbooks/add-a-server.md), read as a reviewer would: the
// combinations of loadBalancer.phase with other fields that would take the site down, each refused
// by validation naming the field, the value and the fix; and what the program builds for them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { problems, refuses } from "../support/config-problems";
import { prodConfig } from "../support/program";

/** prod's config with the managed database, `count` servers, and the load balancer's fields. */
function config(count: number, loadBalancer: Record<string, unknown>): Record<string, unknown> {
    const raw = prodConfig();
    return { ...raw, server: { ...(raw.server as object), count }, database: { ...(raw.database as object), managed: { enabled: true } }, loadBalancer };
}

test("letsEncrypt false while server 1 still serves the internet is refused: the load balancer would serve no HTTPS to browsers that saw server 1's HSTS", () => {
    // Server 1 alone serves HTTPS with HSTS (two years, render/nginx/headers.ts); from phase
    // certificate on the load balancer, where DNS points, would have no port 443 at all.
    for (const phase of ["dns", "certificate"]) refuses(config(2, { phase, letsEncrypt: false }), "loadBalancer.letsEncrypt", /^loadBalancer\.letsEncrypt: is false .*HSTS.*set loadBalancer\.letsEncrypt: true .*docs\/runbooks\/add-a-server\.md\) \(got false\)$/);
    // Controls: the move with the certificate, and several servers made without one (no server ever served HTTPS alone).
    assert.deepEqual(problems(config(2, { phase: "dns" })), []);
    assert.deepEqual(problems(config(2, { phase: "certificate" })), []);
    assert.deepEqual(problems(config(2, { phase: "done", letsEncrypt: false })), []);
});
