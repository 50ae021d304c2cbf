// Stack config of backups and monitoring: defaults, and one failing case per rule, each naming its field.
import { test } from "node:test";
import { problems } from "../support/config-problems";
import assert from "node:assert/strict";
import { validateConfig } from "../../config/validate";
import { memoryBudget } from "../../config/rules";
import { TEST_SERVER_ACCESS, TEST_AGE_RECIPIENT } from "../support/prod-stack";

const scaleway = {
    target: "scaleway",
    domain: "mhylle.com",
    server: TEST_SERVER_ACCESS,
};


function onlyProblem(raw: Record<string, unknown>, field: string): string {
    const found = problems(raw);
    assert.equal(found.length, 1, `expected one problem, got:\n${found.join("\n")}`);
    assert.ok(found[0].startsWith(`${field}: `), found[0]);
    return found[0];
}

test("defaults: daily backups kept 7 days and 4 weeks, status every 5 minutes, monthly maintenance, no exporters", () => {
    const cfg = validateConfig({});
    assert.equal(cfg.backups.enabled, true);
    assert.equal(cfg.backups.keepDaily, 7);
    assert.equal(cfg.backups.keepWeekly, 4);
    assert.equal(cfg.backups.offsite.enabled, false);
    assert.equal(cfg.monitoring.schedule, "*/5 * * * *");
    assert.equal(cfg.monitoring.maintenanceSchedule, "0 3 1 * *");
    assert.equal(cfg.monitoring.prometheus.enabled, false);
});

test("a six-field schedule is refused: the crontab has five fields", () => {
    assert.match(onlyProblem({ backups: { schedule: "0 30 2 * * *" } }, "backups.schedule"), /has 6 fields but a crontab schedule takes 5/);
});

test("keepDaily and keepWeekly both 0 is refused", () => {
    assert.match(onlyProblem({ backups: { keepDaily: 0, keepWeekly: 0 } }, "backups.keepDaily"), /every backup would be deleted/);
});

test("off-site without a bucket is refused", () => {
    assert.match(onlyProblem({ ...scaleway, backups: { offsite: { enabled: true, recipient: TEST_AGE_RECIPIENT } } }, "backups.offsite.bucket"), /is required/);
});

test("off-site on the local target is refused", () => {
    assert.match(onlyProblem({ backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT } } }, "backups.offsite.enabled"), /needs target scaleway/);
});

test("off-site with backups disabled is refused", () => {
    const found = problems({ ...scaleway, backups: { enabled: false, offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT } } });
    assert.ok(found.some((p) => p.startsWith("backups.offsite.enabled: is true but backups.enabled is false")), found.join("\n"));
});

test("off-site expiry shorter than local retention is refused", () => {
    assert.match(onlyProblem({ ...scaleway, backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT, expireDays: 10 } } }, "backups.offsite.expireDays"), /set at least 28/);
});

test("a bad bucket name is refused", () => {
    assert.match(onlyProblem({ ...scaleway, backups: { offsite: { enabled: true, bucket: "Mhylle_Backups", recipient: TEST_AGE_RECIPIENT } } }, "backups.offsite.bucket"), /bucket name/);
});

test("an unpinned rclone image is refused", () => {
    assert.match(onlyProblem({ backups: { offsite: { image: "rclone/rclone:latest" } } }, "backups.offsite.image"), /pinned/);
});

test("certFailDays not below certWarnDays is refused", () => {
    assert.match(onlyProblem({ monitoring: { certWarnDays: 7, certFailDays: 7 } }, "monitoring.certFailDays"), /below monitoring.certWarnDays/);
});

test("exporters without monitoring are refused", () => {
    assert.match(onlyProblem({ monitoring: { enabled: false, prometheus: { enabled: true } } }, "monitoring.prometheus.enabled"), /monitoring.enabled is false/);
});

test("exporters count in the memory budget", () => {
    const off = memoryBudget(validateConfig({}));
    const on = memoryBudget(validateConfig({ monitoring: { prometheus: { enabled: true, memoryMb: 48 } } }));
    assert.equal(on.coreMb - off.coreMb, 96);
});

test("a valid off-site config passes", () => {
    assert.deepEqual(problems({ ...scaleway, backups: { offsite: { enabled: true, bucket: "mhylle-backups", recipient: TEST_AGE_RECIPIENT } } }), []);
});
