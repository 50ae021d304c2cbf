// backups.pitr on the production stack under mocks: the derived image built on the server before
// the provider looks for it, archiving in PostgreSQL's command, the local repository's protected
// volume, pgbackrest.conf delivered as a secret file, and the jobs installed. Off: none of it.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { CONTAINER, REMOTE_COMMAND, Recorded, isSecret, prodConfig, recordProgram, reveal } from "../support/program";
import { derivedImage } from "../../render/backup/postgres-image";

const SECRETS = { backupCipherPass: "pitr-test-cipher-passphrase", backupAccessKey: "SCWTESTKEY", backupSecretKey: "pitr-test-s3-secret" };
let on: Recorded;
let off: Recorded;

before(async () => {
    const raw = prodConfig();
    // The server's own repository only: with the bucket too it is refused for now (config/rules.ts).
    on = await recordProgram({ ...raw, backups: { pitr: { enabled: true } } }, SECRETS);
    off = await recordProgram(raw, {});
});

test("PostgreSQL runs the derived image with archiving on; the image is built on the server first", () => {
    const pg = on.byName("mhylle-postgres");
    const image = on.byName("mhylle-postgres-image");
    assert.match(String(image.inputs.name), /^mhylle-local\/postgres-pgbackrest:15-[0-9a-f]{16}$/);
    assert.equal(image.inputs.name, derivedImage(pgBase(on)));
    assert.deepEqual(pg.inputs.command, [
        "postgres", "-c", "wal_level=replica", "-c", "archive_mode=on",
        "-c", "archive_command=pgbackrest --stanza=platform archive-push %p", "-c", "archive_timeout=60",
    ]);
    const build = on.byName("postgres-pgbackrest-image");
    assert.equal(build.type, REMOTE_COMMAND);
    assert.ok(image.options.dependsOn.includes(build.name), "the RemoteImage looks for the tag after the build made it");
    assert.match(String(build.inputs.stdin), /^FROM \$\{BASE\}$/m);
});

/** The base the build script was rendered for: its `base=` line. */
function pgBase(p: Recorded): string {
    const m = /^base='([^']+)'/m.exec(String(p.byName("postgres-pgbackrest-image").inputs.create));
    assert.ok(m, "the build script names its base");
    return m[1];
}

test("the stanza is made as soon as PostgreSQL is ready, for each new container", () => {
    const stanza = on.byName("pgbackrest-stanza");
    assert.ok(stanza.options.dependsOn.includes("mhylle-postgres-ready"), stanza.options.dependsOn.join(", "));
    assert.match(String(stanza.inputs.create), /^docker exec --user postgres 'mhylle-postgres' pgbackrest --stanza=platform stanza-create$/m);
    assert.match(String(stanza.inputs.create), /^# container /m);
});

test("the base is the pinned postgres image", () => {
    assert.match(pgBase(on), /^postgres:15(@sha256:[0-9a-f]{64})?$/);
});

test("the local repository is a protected volume; pgbackrest.conf is a secret file, mounted read-only", () => {
    const repo = on.byName("postgres-pgbackrest");
    assert.equal(repo.options.protect, true);
    assert.equal(repo.options.retainOnDelete, true);
    const mounts = on.byName("mhylle-postgres").inputs.volumes as any[];
    assert.ok(mounts.some((v) => v.volumeName === "postgres-pgbackrest" && v.containerPath === "/var/lib/pgbackrest"));
    assert.ok(mounts.some((v) => v.hostPath === "/opt/platform/secrets/pgbackrest.conf" && v.containerPath === "/etc/pgbackrest/pgbackrest.conf" && v.readOnly === true));
    const conf = on.byName("pgbackrest-config");
    assert.ok(isSecret(conf.inputs.stdin), "the config (passphrase, bucket keys) is secret in state");
    assert.match(String(reveal(conf.inputs.stdin)), /^repo1-cipher-pass=pitr-test-cipher-passphrase$/m);
    // No secret anywhere in the container's inputs (what docker inspect would show).
    const container = JSON.stringify(on.byName("mhylle-postgres").inputs);
    for (const v of Object.values(SECRETS)) assert.ok(!container.includes(v), `${v} in the container's inputs`);
});

test("the pitr jobs and restores are installed by the Scheduler", () => {
    const jobs = on.ofType(REMOTE_COMMAND).find((c) => /pitr-full/.test(String(c.inputs.create)));
    assert.ok(jobs, "a command installs pitr-full");
    assert.match(String(jobs.inputs.create), /restore-drill/);
});

test("with pitr off nothing of it is declared and PostgreSQL runs the pinned image as before", () => {
    assert.throws(() => off.byName("postgres-pgbackrest-image"));
    assert.throws(() => off.byName("pgbackrest-config"));
    assert.throws(() => off.byName("pgbackrest-stanza"));
    assert.equal(off.byName("mhylle-postgres").inputs.command, undefined);
    assert.match(String(off.byName("mhylle-postgres-image").inputs.name), /^postgres:15/);
    assert.equal(off.ofType(CONTAINER).length, on.ofType(CONTAINER).length);
});
