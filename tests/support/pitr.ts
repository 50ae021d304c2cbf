// For the point-in-time recovery tests: a real S3 server on this machine (s3rver, over HTTPS with a
// CA made here, answering as s3.fr-par.scw.cloud through the containers' --add-host), a Docker
// network, PostgreSQL 15 with pgBackRest (local/postgres:15-pgbackrest) started with production's
// archiving command, and the production pitr scripts installed in a temp platform root.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, exec, waitFor } from "./containers";
import { freePort } from "./ports";
import { inCI, needsImages } from "./requirements";
import { validateConfig } from "../../config/validate";
import type { BackupsConfig } from "../../config/schema";
import { productionTargets } from "../../render/backup/layout";
import { archivingCommand, pgbackrestConf, PGBACKREST_CONF, PGDATA, PITR_BUCKET_SUFFIX } from "../../render/backup/pgbackrest";
import { connectScript, PGBACKREST_HOST, POSTGRES_HOST, postgresSideConf, repoHostConf } from "../../render/backup/pgbackrest-host";
import { etcFolder, signed } from "./pitr-host";
import { pitrSchedule } from "../../render/backup/pitr-jobs";
import { restoreCommandScript } from "../../render/backup/restore";
import { jobFiles } from "../../render/schedule";

export const PITR_IMAGE = process.env.PLATFORM_TEST_PITR_IMAGE ?? "local/postgres:15-pgbackrest";
/** The region's endpoint, as production's config names it; the containers resolve it to this machine. */
export const S3_HOST = "s3.fr-par.scw.cloud";
/** The dumps' bucket the config names; pgBackRest's repo2 is its own bucket beside it (BUCKET). */
const DUMPS_BUCKET = "pitr-bucket";
export const BUCKET = `${DUMPS_BUCKET}${PITR_BUCKET_SUFFIX}`;
const CA_IN_CONTAINER = "/etc/pgbackrest/test-ca.crt";

/** Where s3rver is: the devDependency, or PLATFORM_TEST_S3RVER (a package folder installed elsewhere). */
export function s3rverPath(): string | undefined {
    if (process.env.PLATFORM_TEST_S3RVER) return process.env.PLATFORM_TEST_S3RVER;
    try {
        return path.dirname(require.resolve("s3rver/package.json"));
    } catch {
        return undefined;
    }
}

/** Skip reason (or throw in CI) unless Docker, the image and s3rver are there. */
export function needsPitr(): string | false {
    const images = needsImages(PITR_IMAGE);
    if (images) return images;
    if (s3rverPath()) return false;
    const reason = "needs the npm package s3rver (a devDependency, or PLATFORM_TEST_S3RVER=<its folder>)";
    if (inCI) throw new Error(`${reason}; CI=true so this test may not skip`);
    return reason;
}

/** The test's backups config: pitr on with a short archive_timeout, repo2 in the test's bucket. */
export function pitrBackups(archiveTimeoutSeconds: number): BackupsConfig {
    const b = validateConfig({ backups: { pitr: { enabled: true, archiveTimeoutSeconds } } }).backups;
    return { ...b, offsite: { ...b.offsite, enabled: true, bucket: DUMPS_BUCKET } };
}

export interface PitrLab {
    readonly prefix: string;
    readonly root: string;
    readonly network: string;
    readonly backups: BackupsConfig;
    /** PLATFORM_* variables pointing the production scripts at this lab. */
    readonly env: Record<string, string>;
    /** `docker run` arguments every pgBackRest container needs here (network, endpoint, CA). */
    readonly dockerArgs: string[];
    readonly pg: string;
    /** With the repository host: what the stack's connect step printed at each start. */
    readonly connectLog: string[];
    /** Where pgBackRest's backups and `info` run: the repository host, or pg without one. */
    readonly pb: string;
    readonly dataVolume: string;
    readonly repoVolume: string;
    /** The S3 server's files on this machine (what the bucket holds). */
    readonly s3Dir: string;
    startPostgres(): Promise<void>;
    /** psql as the superuser in the live container; throws on error. */
    psql(db: string, sql: string, timeoutMs?: number): Promise<string>;
    /** A production script from <root>/bin with its arguments, run with the lab's environment (30 min at most). */
    bin(name: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
    stop(): Promise<void>;
}

/**
 * repoHost: production's layout with the bucket (render/backup/pgbackrest-host.ts): pgBackRest's
 * repositories, passphrase and bucket key on a repository host; PostgreSQL pushes to it over TLS.
 */
export async function startLab(prefix: string, archiveTimeoutSeconds: number, opts: { repoHost?: boolean } = {}): Promise<PitrLab> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const root = path.join(dir, "root");
    const s3Dir = path.join(dir, "s3");
    const tls = path.join(dir, "tls");
    for (const d of [root, s3Dir, tls, path.join(root, "secrets"), path.join(root, "bin")]) fs.mkdirSync(d, { recursive: true });
    const network = `${prefix}-net`;
    await docker(["network", "rm", network], { allowFail: true });
    await docker(["network", "create", network]);
    const gateway = (await docker(["network", "inspect", network, "-f", "{{(index .IPAM.Config 0).Gateway}}"])).stdout.trim();

    // A CA of our own and a certificate for the endpoint's name (pgBackRest 2.45 matches DNS names only).
    const openssl = async (args: string[]) => {
        const r = await exec("openssl", args);
        if (r.code !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
    };
    const t = (f: string) => path.join(tls, f);
    await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=pitr-test-ca", "-keyout", t("ca.key"), "-out", t("ca.crt")]);
    await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${S3_HOST}`, "-keyout", t("s3.key"), "-out", t("s3.csr")]);
    fs.writeFileSync(t("ext.cnf"), `subjectAltName=DNS:${S3_HOST}\n`);
    await openssl(["x509", "-req", "-in", t("s3.csr"), "-CA", t("ca.crt"), "-CAkey", t("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", t("ext.cnf"), "-out", t("s3.crt")]);
    fs.chmodSync(t("ca.crt"), 0o644);

    const port = await freePort();
    const s3 = startS3rver(gateway, port, s3Dir, t("s3.key"), t("s3.crt"));
    await waitFor("s3rver to listen", 20_000, async () => (s3.ready ? true : undefined));

    const backups = pitrBackups(archiveTimeoutSeconds);
    let conf = path.join(root, PGBACKREST_CONF);
    // The production rendering, pointed at the test's endpoint port and CA.
    const secrets = { cipherPass: "test cipher passphrase", s3Key: "S3RVER", s3Secret: "S3RVER" };
    const endpoint = { host: S3_HOST, port, caFile: CA_IN_CONTAINER };
    let repoEtc = "";
    let pgEtc = "";
    if (opts.repoHost) {
        await signed(tls, "repo", PGBACKREST_HOST);
        await signed(tls, "pg", POSTGRES_HOST);
        repoEtc = etcFolder(dir, tls, "repo", repoHostConf(backups, secrets, endpoint));
        pgEtc = etcFolder(dir, tls, "pg", postgresSideConf(backups));
        // The scripts mount the repository host's file (0600, owned by postgres) into their throwaway containers.
        conf = path.join(repoEtc, "pgbackrest.conf");
        // The mount point of the CA file the containers get inside the read-only folder.
        for (const etc of [repoEtc, pgEtc]) fs.copyFileSync(t("ca.crt"), path.join(etc, path.basename(CA_IN_CONTAINER)));
    } else {
        fs.writeFileSync(conf, pgbackrestConf(backups, secrets, endpoint), { mode: 0o644 });
    }
    const { jobs, commands } = pitrSchedule(productionTargets("/opt/platform"), backups);
    // restore-database hands its dump to the restore command, installed beside it in production.
    commands.push({ name: "restore", script: restoreCommandScript(productionTargets("/opt/platform")) });
    for (const f of jobFiles(root, jobs, commands)) fs.writeFileSync(path.join(root, "bin", f.path), f.content, { mode: 0o755 });

    const pg = `${prefix}-pg`;
    const pb = opts.repoHost ? `${prefix}-repo` : pg;
    const dataVolume = `${prefix}-data`;
    const repoVolume = `${prefix}-repo1`;
    const dockerArgs = ["--network", network, "--add-host", `${S3_HOST}:${gateway}`, "-v", `${t("ca.crt")}:${CA_IN_CONTAINER}:ro`];
    const env: Record<string, string> = {
        PLATFORM_ROOT: root,
        PLATFORM_POSTGRES_CONTAINER: pg,
        PLATFORM_PITR_REPO_VOLUME: repoVolume,
        PLATFORM_PITR_DOCKER_ARGS: dockerArgs.join(" "),
        PLATFORM_PITR_CONF: conf,
        PLATFORM_PITR_PB_CONTAINER: pb,
    };
    const connectLog: string[] = [];
    const pgReady = () =>
        waitFor("PostgreSQL to accept connections over TCP", 120_000, async () =>
            (await exec("docker", ["exec", pg, "pg_isready", "-q", "-h", "127.0.0.1"])).code === 0 ? true : undefined);
    // As the stack runs them (components/pgbackrest-host.ts, components/database.ts): the repository
    // host with repo1's volume, PostgreSQL with PostgreSQL's side of the file and its TLS server.
    async function startWithRepoHost() {
        if ((await docker(["inspect", pb], { allowFail: true })).code !== 0) {
            await docker([
                "run", "-d", "--name", pb, "--user", "postgres", ...dockerArgs, "--network-alias", PGBACKREST_HOST,
                "-v", `${repoEtc}:/etc/pgbackrest:ro`, "-v", `${repoVolume}:/var/lib/pgbackrest`,
                "--entrypoint", "pgbackrest", PITR_IMAGE, "server",
            ]);
        }
        await docker([
            "run", "-d", "--name", pg, "--user", "postgres", ...dockerArgs, "--network-alias", POSTGRES_HOST,
            "-e", "POSTGRES_PASSWORD=test", "-e", `PGDATA=${PGDATA}`,
            "--tmpfs", "/var/run/postgresql", "--tmpfs", "/tmp", "--tmpfs", "/var/spool/pgbackrest:uid=999,gid=999,mode=0700",
            "-v", `${dataVolume}:/var/lib/postgresql/data`, "-v", `${pgEtc}:/etc/pgbackrest:ro`,
            PITR_IMAGE, ...archivingCommand(backups.pitr),
        ]);
        await pgReady();
        // The stack's own step for each new pair of containers: PostgreSQL's TLS server, the stanza.
        const connect = await exec("bash", ["-c", `export PLATFORM_POSTGRES_CONTAINER=${pg} PLATFORM_PITR_PB_CONTAINER=${pb}\n${connectScript("lab", "lab")}`], { timeoutMs: 120_000 });
        if (connect.code !== 0) throw new Error(`pgbackrest-connect failed: ${connect.stderr}`);
        connectLog.push(connect.stdout + connect.stderr);
    }
    const lab: PitrLab = {
        prefix, root, network, backups, env, dockerArgs, pg, pb, connectLog, dataVolume, repoVolume, s3Dir,
        async startPostgres() {
            if (opts.repoHost) return startWithRepoHost();

            // As components/database.ts runs it: the data volume, the config read-only, archiving on.
            await docker([
                "run", "-d", "--name", pg, "--user", "postgres", ...dockerArgs,
                "-e", "POSTGRES_PASSWORD=test", "-e", `PGDATA=${PGDATA}`,
                "--tmpfs", "/var/run/postgresql", "--tmpfs", "/tmp",
                "-v", `${dataVolume}:/var/lib/postgresql/data`, "-v", `${repoVolume}:/var/lib/pgbackrest`,
                "-v", `${conf}:/etc/pgbackrest/pgbackrest.conf:ro`,
                PITR_IMAGE, ...archivingCommand(backups.pitr),
            ]);
            await waitFor("PostgreSQL to accept connections over TCP", 120_000, async () =>
                (await exec("docker", ["exec", pg, "pg_isready", "-q", "-h", "127.0.0.1"])).code === 0 ? true : undefined);
        },
        async psql(db, sql, timeoutMs = 60_000) {
            const r = await exec("docker", ["exec", "-i", pg, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", db], { input: sql, timeoutMs });
            if (r.code !== 0) throw new Error(`psql ${db}: ${r.stderr}`);
            return r.stdout.trim();
        },
        async bin(name, ...args) {
            return runWithEnv(path.join(root, "bin", name), args, env, 1_800_000);
        },
        async stop() {
            const names = (await docker(["ps", "-aq", "--filter", `name=^${prefix}-`])).stdout.split("\n").filter(Boolean);
            if (names.length) await docker(["rm", "-f", ...names], { allowFail: true });
            const volumes = (await docker(["volume", "ls", "-q", "--filter", `name=^${prefix}-`])).stdout.split("\n").filter(Boolean);
            if (volumes.length) await docker(["volume", "rm", "-f", ...volumes], { allowFail: true });
            await docker(["network", "rm", network], { allowFail: true });
            s3.child.kill("SIGTERM");
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
    return lab;
}

function startS3rver(address: string, port: number, dir: string, key: string, cert: string): { child: ChildProcess; ready: boolean } {
    const pkg = s3rverPath();
    if (!pkg) throw new Error("s3rver is not installed");
    // Its own process: the test's event loop waits on docker while pgBackRest talks to it.
    const program = `
const S3rver = require(${JSON.stringify(pkg)});
const fs = require("fs");
new S3rver({ address: ${JSON.stringify(address)}, port: ${port}, directory: ${JSON.stringify(dir)}, silent: true,
  key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}),
  // Requests to s3.<region>.scw.cloud are path-style, as pgBackRest sends them (repo2-s3-uri-style=path).
  serviceEndpoint: "scw.cloud", configureBuckets: [{ name: ${JSON.stringify(BUCKET)} }] })
  .run().then(() => console.log("listening"), (e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ["-e", program], { stdio: ["ignore", "pipe", "inherit"] });
    const state = { child, ready: false };
    child.stdout!.on("data", (d) => { if (String(d).includes("listening")) state.ready = true; });
    return state;
}

function runWithEnv(file: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", (d) => { stderr += d; });
        child.on("error", reject);
        child.on("close", (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
    });
}
