// Issue 25 added containers to every server with its own PostgreSQL: the nginx holder, PgBouncer,
// and, during an nginx image change, a second nginx beside the first (create before delete). The
// memory budget must count them, or a config that fits on paper overcommits the 4 GB server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryBudget } from "../../config/rules";
import { validateConfig } from "../../config/validate";
import { HOLDER_MEMORY_MB, POOLER_MEMORY_MB } from "../../config/core-memory";
import { problems } from "../support/config-problems";
import { prodConfig } from "../support/prod-stack";

test("the nginx holder and the pooler count in the core budget; without the pooler (managed database) only the holder", () => {
    const cfg = validateConfig({});
    const b = memoryBudget(cfg);
    const named = cfg.proxy.memoryMb + cfg.database.memoryMb + (cfg.autoUpdater.enabled ? cfg.autoUpdater.memoryMb : 0);
    assert.equal(b.coreMb, named + HOLDER_MEMORY_MB + POOLER_MEMORY_MB);
    const raw = prodConfig() as Record<string, any>;
    raw.database = { ...raw.database, sharedDb: true, sharedDbGrants: ["app1", "app2"], managed: { enabled: true } };
    const managed = validateConfig(raw);
    assert.equal(memoryBudget(managed).coreMb, managed.proxy.memoryMb + (managed.autoUpdater.enabled ? managed.autoUpdater.memoryMb : 0) + HOLDER_MEMORY_MB);
});

test("an nginx image change runs two nginx servers: the overlap is the larger of a release's second container and nginx", () => {
    const big = memoryBudget(validateConfig({ proxy: { memoryMb: 1024 } }));
    assert.equal(big.releaseMb, 1024, "nginx's second server is the largest overlap");
    const small = memoryBudget(validateConfig({ proxy: { memoryMb: 64 } }));
    assert.ok(small.releaseMb < 1024);
});

test("a config that fits only without the holder, the pooler and nginx's overlap is refused", () => {
    const raw = { proxy: { memoryMb: 512 } };
    const cfg = validateConfig(raw);
    const services = cfg.apps.flatMap((a) => [a.frontend.memoryMb, a.backend.memoryMb]);
    // What the budget counted before: nginx, PostgreSQL, Watchtower, the apps and one release overlap.
    const oldNeeded = cfg.proxy.memoryMb + cfg.database.memoryMb + (cfg.autoUpdater.enabled ? cfg.autoUpdater.memoryMb : 0) + services.reduce((a, b) => a + b, 0) + (services.length ? Math.max(...services) : 0);
    // Reserve exactly what that left free: it must no longer fit.
    const found = problems({ ...raw, server: { reservedMb: cfg.server.memoryMb - oldNeeded } });
    assert.ok(found.some((l) => l.startsWith("apps: ") && /memory limits need/.test(l)), found.join("\n"));
});
