// The off-site copy leaves the server encrypted (issue 23, item 12): the production backup job,
// run for real against a real PostgreSQL, with `docker run` (the rclone upload) intercepted to
// keep a copy of exactly what rclone was given. What was uploaded is not the dump, decrypts to it
// with the identity, and a recipient age cannot encrypt to fails the job with nothing uploaded.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { POSTGRES_IMAGE, needsImages, opsRoot, psql, removeContainers, sh, startPostgres } from "../../support/ops";
import { needs } from "../../support/requirements";
import { appDatabaseSql, ROLE_PASSWORD_ENV } from "../../../render/database-sql";
import { installOffsiteEnvScript, offsiteEnvFile } from "../../../render/backup/offsite";
import { ageRecipientOf } from "../../../config/age-key";
import { TEST_SERVER_ACCESS } from "../../support/prod-stack";

const PG = "opstest-offsite-enc-postgres";
const skip = needsImages(POSTGRES_IMAGE) || needs("age", "age-keygen");
let identity = "";
let recipient = "";
let ops: ReturnType<typeof opsRoot> | undefined;
const fake = () => path.join(ops!.root, "fake");
const uploaded = () => path.join(fake(), "uploaded");
const env = (extra: Record<string, string> = {}) => ({ ...ops!.env, PLATFORM_POSTGRES_CONTAINER: PG, PATH: `${fake()}:${process.env.PATH}`, FAKE_DIR: fake(), ...extra });
const jobLog = () => fs.readFileSync(path.join(ops!.root, "logs/jobs/backup.log"), "utf8");
const summary = () => fs.readFileSync(path.join(ops!.root, "state/backups/last.tsv"), "utf8");
/** The installed production job file: the one that holds the rendered recipient. */
const jobFile = () => fs.readdirSync(path.join(ops!.root, "bin"), { recursive: true, encoding: "utf8" }).map((f) => path.join(ops!.root, "bin", f)).find((f) => fs.statSync(f).isFile() && fs.readFileSync(f, "utf8").includes("recipient="))!;

before(() => {
    if (skip) return;
    identity = sh("age-keygen", []).stdout;
    recipient = ageRecipientOf(identity)!;
    assert.equal(sh("age-keygen", ["-y"], { input: identity }).stdout.trim(), recipient, "config/age-key.ts derives the recipient age-keygen does");
    ops = opsRoot({
        target: "scaleway",
        domain: "mhylle.com",
        server: TEST_SERVER_ACCESS,
        backups: { offsite: { enabled: true, bucket: "mhylle-backups", region: "nl-ams", recipient } },
    });
    startPostgres(PG);
    psql(PG, "postgres", appDatabaseSql("app1"), { [ROLE_PASSWORD_ENV]: "pw" });
    psql(PG, "app1_db", "CREATE TABLE secrets (v text); INSERT INTO secrets VALUES ('plaintext-marker-0d9e')");
    fs.mkdirSync(fake(), { recursive: true });
    const realDocker = sh("sh", ["-c", "command -v docker"]).stdout.trim();
    fs.writeFileSync(
        path.join(fake(), "docker"),
        `#!/usr/bin/env bash
# Intercepts "docker run" (the rclone upload): keeps the arguments and a copy of the folder mounted
# at /data, which is everything rclone could upload. Every other docker call is real.
if [ "$1" = run ]; then
  printf '%s\\n' "$@" > "$FAKE_DIR/run-args"
  while [ $# -gt 0 ]; do
    if [ "$1" = -v ] && [[ "$2" == *:/data:ro ]]; then rm -rf "$FAKE_DIR/uploaded"; cp -a "\${2%:/data:ro}" "$FAKE_DIR/uploaded"; fi
    shift
  done
  exit 0
fi
exec ${realDocker} "$@"
`,
        { mode: 0o755 },
    );
    const install = sh("bash", ["-c", installOffsiteEnvScript(ops.root)], { input: offsiteEnvFile("nl-ams", "SCWENCTESTACCESSKEY1", "enc-test-secret") });
    assert.equal(install.code, 0, install.stderr);
});
after(() => {
    removeContainers(PG);
    ops?.cleanup();
});

function uploadedFiles(): string[] {
    return fs.readdirSync(uploaded(), { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(uploaded(), f)).isFile()).sort();
}

test("rclone is given only age-encrypted copies of this run's dumps, which decrypt to the dumps with the identity", { skip }, () => {
    const r = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env() });
    assert.equal(r.code, 0, jobLog());
    const files = uploadedFiles();
    const stamp = /_(\d{8}T\d{6}Z)\.dump\.age$/.exec(files.find((f) => f.startsWith("app1_db/"))!)![1];
    assert.deepEqual(files, [`app1_db/app1_db_${stamp}.dump.age`, `globals/globals_${stamp}.sql.age`]);
    const idFile = path.join(ops!.root, "identity.txt");
    fs.writeFileSync(idFile, identity, { mode: 0o600 });
    for (const f of files) {
        const sent = fs.readFileSync(path.join(uploaded(), f));
        const plain = fs.readFileSync(path.join(ops!.root, "backups", f.replace(/\.age$/, "")));
        assert.ok(sent.subarray(0, 21).equals(Buffer.from("age-encryption.org/v1")), `${f} is an age file`);
        assert.ok(!sent.includes(Buffer.from("plaintext-marker-0d9e")) && !sent.includes(Buffer.from("app1_db")), `${f} holds no plaintext`);
        const dec = sh("bash", ["-c", 'age --decrypt -i "$1" "$2" | base64 -w0', "_", idFile, path.join(uploaded(), f)]);
        assert.equal(dec.code, 0, dec.stderr);
        assert.equal(dec.stdout, plain.toString("base64"), `${f} decrypts to the local dump`);
    }
    // A put-only key: rclone must neither list, read nor create (components/backups.ts).
    const args = fs.readFileSync(path.join(fake(), "run-args"), "utf8").split("\n");
    for (const flag of ["--no-check-dest", "--s3-no-check-bucket", "--s3-no-head"]) assert.ok(args.includes(flag), `${flag} in ${args.join(" ")}`);
    assert.match(summary(), /^offsite\tok\t/m);
    assert.deepEqual(fs.readdirSync(path.join(ops!.root, "state/backups")).filter((f) => f.startsWith("offsite-")), [], "the staging folder is removed");
});

test("a recipient age refuses fails the job and the alert summary, and rclone is never run", { skip }, () => {
    const file = jobFile();
    const original = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, original.replace(`recipient='${recipient}'`, "recipient='age1notarecipient'"));
    try {
        fs.rmSync(path.join(fake(), "run-args"), { force: true });
        const r = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env() });
        assert.notEqual(r.code, 0);
        assert.match(summary(), /^offsite\tfailed\t0\t0\t-\tencryption failed, nothing was uploaded: .*recipient/m);
        assert.match(summary(), /^app1_db\tok\t/m, "the local dump is still made");
        assert.ok(!fs.existsSync(path.join(fake(), "run-args")), "no upload was attempted");
    } finally {
        fs.writeFileSync(file, original);
    }
});

test("an empty recipient fails the job the same way: never an unencrypted upload", { skip }, () => {
    const file = jobFile();
    const original = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, original.replace(`recipient='${recipient}'`, "recipient=''"));
    try {
        fs.rmSync(path.join(fake(), "run-args"), { force: true });
        const r = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env() });
        assert.notEqual(r.code, 0);
        assert.match(summary(), /^offsite\tfailed\t.*encryption failed, nothing was uploaded/m);
        assert.ok(!fs.existsSync(path.join(fake(), "run-args")), "no upload was attempted");
    } finally {
        fs.writeFileSync(file, original);
    }
});

test("a server without age (one cloud-init made before it) fails the job naming the package, nothing uploaded", { skip }, () => {
    // Every program of this machine but age's, as a server without the package has them.
    const bin = path.join(ops!.root, "no-age-bin");
    fs.mkdirSync(bin, { recursive: true });
    for (const dir of (process.env.PATH ?? "").split(":").filter((d) => d && fs.existsSync(d)))
        for (const name of fs.readdirSync(dir))
            if (!name.startsWith("age") && !fs.existsSync(path.join(bin, name))) fs.symlinkSync(path.join(dir, name), path.join(bin, name));
    fs.rmSync(path.join(fake(), "run-args"), { force: true });
    const r = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env({ PATH: `${fake()}:${bin}` }) });
    assert.notEqual(r.code, 0);
    assert.match(summary(), /^offsite\tfailed\t.*age is not installed on this server, nothing was uploaded: install it as docs\/runbooks\/upgrade-an-older-server\.md shows/m);
    assert.ok(!fs.existsSync(path.join(fake(), "run-args")), "no upload was attempted");
});
