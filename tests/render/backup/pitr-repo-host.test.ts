// WAL from a PostgreSQL whose networks are all internal reaches the bucket through the pgBackRest
// repository host (render/backup/pgbackrest-host.ts): real PostgreSQL 15 and pgBackRest 2.45 in
// containers, production's archiving command and rendered configs, s3rver as the bucket. Before
// the repository host, production's PostgreSQL had no route to the bucket (config/rules.ts refused
// backups.pitr with backups.offsite); the test shows it still has none, and the WAL arrives anyway.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { docker, exec, waitFor } from "../../support/containers";
import { BUCKET, needsPitr, pitrBackups } from "../../support/pitr";
import { startHostLab, type HostLab } from "../../support/pitr-host";
import { archivingCommand, PGBACKREST_REPO1_PATH, PGBACKREST_REPO2_PATH, PGBACKREST_STANZA } from "../../../render/backup/pgbackrest";
import { postgresSideConf, repoHostConf } from "../../../render/backup/pgbackrest-host";

const secrets = { cipherPass: "correct horse battery staple", s3Key: "S3RVER", s3Secret: "S3RVER" };

test("PostgreSQL's pgbackrest.conf names the repository host for both repositories over TLS and holds no passphrase and no bucket key", () => {
    const conf = postgresSideConf(pitrBackups(60));
    for (const n of [1, 2]) {
        assert.match(conf, new RegExp(`^repo${n}-host=mhylle-pgbackrest$`, "m"));
        assert.match(conf, new RegExp(`^repo${n}-host-type=tls$`, "m"));
        assert.match(conf, new RegExp(`^repo${n}-host-key-file=/etc/pgbackrest/tls/server.key$`, "m"));
    }
    assert.doesNotMatch(conf, /cipher-pass|s3-key|correct horse|repo\d-path|repo\d-type/);
    assert.match(conf, /^archive-async=y$/m);
    assert.match(conf, /^tls-server-auth=mhylle-pgbackrest=platform$/m, "only the repository host may call PostgreSQL's pgBackRest");
});

test("the repository host's pgbackrest.conf holds both repositories and reaches PostgreSQL over TLS; only PostgreSQL's certificate may call it", () => {
    const conf = repoHostConf(pitrBackups(60), secrets);
    assert.match(conf, /^repo1-path=\/var\/lib\/pgbackrest$/m);
    assert.match(conf, /^repo2-type=s3$/m);
    assert.match(conf, /^repo2-s3-key-secret=S3RVER$/m);
    assert.match(conf, /^tls-server-auth=mhylle-postgres=platform$/m);
    assert.match(conf, /^\[platform\]\npg1-host=mhylle-postgres\npg1-host-type=tls$/m);
});

const skip = needsPitr();
let lab: HostLab;

before(async () => {
    if (skip) return;
    lab = await startHostLab("pitrhost");
});
after(async () => {
    await lab?.stop();
});

test("WAL written on an internal-only network arrives in repo1 and in the bucket through the repository host", { skip, timeout: 300_000 }, async () => {
    const backups = pitrBackups(5);
    const endpoint = { host: "s3.fr-par.scw.cloud", port: lab.s3Port, caFile: lab.s3CaFile };
    await lab.startRepoHost(repoHostConf(backups, secrets, endpoint));
    await lab.startPostgres(postgresSideConf(backups), archivingCommand(backups.pitr));

    // PostgreSQL itself has no route to the bucket (the premise: production's networks are internal).
    const direct = await exec("docker", ["exec", lab.pg, "timeout", "5", "bash", "-c", `exec 3<>/dev/tcp/${lab.s3Address}/${lab.s3Port}`]);
    assert.notEqual(direct.code, 0, "PostgreSQL reached the S3 server directly: the test would not show the repository host's part");

    // As production's stanza job runs it: on the repository host (pgBackRest requires it there).
    const stanza = await docker(["exec", "--user", "postgres", lab.repo, "pgbackrest", `--stanza=${PGBACKREST_STANZA}`, "stanza-create"], { allowFail: true });
    assert.equal(stanza.code, 0, `stanza-create: ${stanza.stderr}`);

    const segment = await lab.psql("CREATE TABLE t (x int); INSERT INTO t VALUES (1); SELECT pg_walfile_name(pg_switch_wal());");
    assert.match(segment, /^[0-9A-F]{24}$/);
    const folder = `archive/${PGBACKREST_STANZA}/15-1/${segment.slice(0, 16)}`;
    const inBucket = path.join(lab.s3Dir, BUCKET, PGBACKREST_REPO2_PATH.slice(1), folder);
    const arrived = await waitFor(`segment ${segment} in the bucket`, 120_000, async () => {
        const files = fs.existsSync(inBucket) ? fs.readdirSync(inBucket).filter((f) => f.startsWith(`${segment}-`) && f.endsWith("._S3rver_object")) : [];
        return files.length ? files : undefined;
    });
    assert.equal(arrived.length, 1);
    const local = await docker(["exec", lab.repo, "find", `${PGBACKREST_REPO1_PATH}/${folder}`, "-name", `${segment}-*`]);
    assert.match(local.stdout, new RegExp(`${segment}-[0-9a-f]{40}\\.zst`), "the segment is in repo1 on the repository host's volume too");
    // PostgreSQL learns it when archive_command returns, a moment after the files land.
    await waitFor(`PostgreSQL to count ${segment} as archived`, 120_000, async () =>
        (await lab.psql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")) >= segment ? true : undefined);
});

