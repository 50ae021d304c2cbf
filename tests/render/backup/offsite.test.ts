// Off-site copy: Scaleway cannot be reached from here, so `docker run` is intercepted (every
// other docker call is real) to prove what the production job hands to rclone: keys only in a
// 0600 config file mounted read-only, never on the command line or in its environment; this run's dumps only; a failed upload fails the job.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { POSTGRES_IMAGE, needsImages, opsRoot, psql, removeContainers, sh, startPostgres } from "../../support/ops";
import { appDatabaseSql, ROLE_PASSWORD_ENV } from "../../../render/database-sql";
import { installOffsiteEnvScript, offsiteEnvFile } from "../../../render/backup/offsite";
import { TEST_SERVER_ACCESS, TEST_AGE_RECIPIENT } from "../../support/prod-stack";

const PG = "opstest-offsite-postgres";
const ACCESS = "SCWOPSTESTACCESSKEY1";
const SECRET = "0f3a6c1e-opstest-secret-key-value";
const skip = needsImages(POSTGRES_IMAGE);
const ops = skip
    ? undefined
    : opsRoot({
          target: "scaleway",
          domain: "mhylle.com",
          server: TEST_SERVER_ACCESS,
          backups: { offsite: { enabled: true, bucket: "mhylle-backups", region: "nl-ams", recipient: TEST_AGE_RECIPIENT } },
      });
const fake = () => path.join(ops!.root, "fake");
const env = (extra: Record<string, string> = {}) => ({ ...ops!.env, PLATFORM_POSTGRES_CONTAINER: PG, PATH: `${fake()}:${process.env.PATH}`, FAKE_DIR: fake(), ...extra });

before(() => {
    if (skip) return;
    startPostgres(PG);
    psql(PG, "postgres", appDatabaseSql("app1"), { [ROLE_PASSWORD_ENV]: "pw" });
    fs.mkdirSync(fake(), { recursive: true });
    const realDocker = sh("sh", ["-c", "command -v docker"]).stdout.trim();
    fs.writeFileSync(
        path.join(fake(), "docker"),
        `#!/usr/bin/env bash
# Intercepts "docker run" (the rclone upload); everything else goes to the real docker.
if [ "$1" = run ]; then
  printf '%s\\n' "$@" > "$FAKE_DIR/run-args"
  while [ $# -gt 0 ]; do
    case "$1:$2" in -v:*:/run/platform/rclone.conf:ro) f=\${2%:/run/platform/rclone.conf:ro}; stat -c %a "$f" > "$FAKE_DIR/env-mode"; cp "$f" "$FAKE_DIR/env-seen" ;; esac
    shift
  done
  [ -z "\${FAKE_FAIL:-}" ] || { echo "Failed to copy: AccessDenied: Access Denied" >&2; exit 1; }
  exit 0
fi
exec ${realDocker} "$@"
`,
        { mode: 0o755 },
    );
});
after(() => {
    removeContainers(PG);
    ops?.cleanup();
});

test("the env file is installed from stdin with mode 0600 in a 0700 folder; stdin without keys is refused", { skip }, () => {
    const script = installOffsiteEnvScript(ops!.root);
    const bad = sh("bash", ["-c", script], { input: "RCLONE_CONFIG_OFFSITE_TYPE=s3\n" });
    assert.notEqual(bad.code, 0);
    assert.ok(!fs.existsSync(path.join(ops!.root, "secrets/offsite.env")));
    const good = sh("bash", ["-c", script], { input: offsiteEnvFile("nl-ams", ACCESS, SECRET) });
    assert.equal(good.code, 0, good.stderr);
    assert.equal(fs.statSync(path.join(ops!.root, "secrets/offsite.env")).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(ops!.root, "secrets")).mode & 0o777, 0o700);
    assert.ok(!script.includes(SECRET));
});

test("the backup job uploads this run's dumps with keys only in the env file", { skip }, () => {
    const r = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env() });
    assert.equal(r.code, 0, fs.readFileSync(path.join(ops!.root, "logs/jobs/backup.log"), "utf8"));
    const args = fs.readFileSync(path.join(fake(), "run-args"), "utf8").split("\n");
    assert.ok(!args.some((a) => a.includes(SECRET) || a.includes(ACCESS)), "no key on the command line");
    assert.ok(args.includes("--rm") && args.includes("rclone/rclone:1.68.2") && args.includes("OFFSITE:mhylle-backups"), args.join(" "));
    // Only this run's files are staged (encrypted) for the upload.
    const mount = args[args.findIndex((a) => a.endsWith(":/data:ro"))];
    const stamp = /offsite-(\d{8}T\d{6}Z):\/data:ro$/.exec(mount)![1];
    assert.ok(fs.existsSync(path.join(ops!.root, "backups/app1_db", `app1_db_${stamp}.dump`)), "the staged run is this run's dump");
    assert.equal(fs.readFileSync(path.join(fake(), "env-mode"), "utf8").trim(), "600");
    assert.match(fs.readFileSync(path.join(fake(), "env-seen"), "utf8"), /^\[OFFSITE\]\n(.*\n)*endpoint = s3\.nl-ams\.scw\.cloud$/m);
    assert.ok(!args.includes("--env-file"), "no env file: its keys would be in docker inspect");
    assert.match(fs.readFileSync(path.join(ops!.root, "state/backups/last.tsv"), "utf8"), /^offsite\tok\t/m);
    // Nor in the job's log.
    assert.ok(!fs.readFileSync(path.join(ops!.root, "logs/jobs/backup.log"), "utf8").includes(SECRET));
});

test("a failed upload fails the job and names the cause; the local dumps stay", { skip }, () => {
    const r = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env({ FAKE_FAIL: "1" }) });
    assert.notEqual(r.code, 0);
    const summary = fs.readFileSync(path.join(ops!.root, "state/backups/last.tsv"), "utf8");
    assert.match(summary, /^offsite\tfailed\t0\t0\t-\tupload failed: Failed to copy: AccessDenied/m);
    assert.match(summary, /^app1_db\tok\t/m);
});

test("without the env file the upload is reported missing, not skipped silently", { skip }, () => {
    fs.rmSync(path.join(ops!.root, "secrets/offsite.env"));
    const r = sh(path.join(ops!.root, "bin/run-job"), ["backup"], { env: env() });
    assert.notEqual(r.code, 0);
    assert.match(fs.readFileSync(path.join(ops!.root, "state/backups/last.tsv"), "utf8"), /^offsite\tfailed\t.*missing .*secrets\/offsite\.env; run pulumi up/m);
});
