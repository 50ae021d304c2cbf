// tools/update-budget.ts claims to never under-count one `pulumi up`'s waits. With several servers
// the load balancer's own waits come on top: terraform-provider-scaleway v2.79.0
// internal/services/lb/helpers_lb.go defaultLbLbTimeout (15 min) bounds the load balancer's create
// and delete (lb.go), its certificate's create (certificate.go: waitForLB, CreateCertificate, then
// waitForCertificate), and every backend and frontend change (each waits for the load balancer).
// Phase certificate of docs/runbooks/add-a-server.md spends its time in exactly these.
import { test } from "node:test";
import assert from "node:assert/strict";
import { destroyWaits, upWaits } from "../../tools/update-budget";

const LB_MINUTES = 15;
const minutesFor = (waits: { what: string; minutes: number }[], pattern: RegExp) => waits.filter((w) => pattern.test(w.what)).reduce((sum, w) => sum + w.minutes, 0);

test("the up budget counts the load balancer's create, its certificate and its backend and frontend changes", () => {
    const waits = upWaits({ apps: [] });
    assert.ok(minutesFor(waits, /load balancer created/) >= LB_MINUTES, waits.map((w) => w.what).join("; "));
    assert.ok(minutesFor(waits, /load balancer's certificate/) >= LB_MINUTES, waits.map((w) => w.what).join("; "));
    assert.ok(minutesFor(waits, /load balancer's backends and frontends/) >= LB_MINUTES, waits.map((w) => w.what).join("; "));
});

test("the destroy budget counts the load balancer's delete", () => {
    const waits = destroyWaits();
    assert.ok(minutesFor(waits, /load balancer deleted/) >= LB_MINUTES, waits.map((w) => w.what).join("; "));
});
