// For the repository-host test: production's network shape on Docker. The database network is
// --internal (as production's: components/networks), PostgreSQL is on it alone; the repository
// host is on it and on an ordinary network whose gateway is this machine, where s3rver answers as
// s3.fr-par.scw.cloud. A CA made here signs the two pgBackRest peers' certificates (CN = the
// container names production uses) and the S3 endpoint's.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { docker, exec, waitFor } from "./containers";
import { BUCKET, PITR_IMAGE, S3_HOST, s3rverPath } from "./pitr";
import { PGBACKREST_REPO1_PATH } from "../../render/backup/pgbackrest";
import { PGBACKREST_HOST, POSTGRES_HOST, TLS_FILES } from "../../render/backup/pgbackrest-host";

/** The TLS files' paths inside the folder mounted at /etc/pgbackrest. */
const TLS_TEST = {
    ca: path.relative("/etc/pgbackrest", TLS_FILES.ca),
    cert: path.relative("/etc/pgbackrest", TLS_FILES.cert),
    key: path.relative("/etc/pgbackrest", TLS_FILES.key),
};
const S3_CA_IN_CONTAINER = "/etc/pgbackrest/s3-ca.crt";

export interface HostLab {
    readonly dir: string;
    readonly s3Dir: string;
    /** The S3 server's address on the egress network. */
    readonly s3Address: string;
    readonly s3Port: number;
    readonly s3CaFile: string;
    readonly pg: string;
    readonly repo: string;
    /** The S3 server's container: `docker stop` it to take the bucket away. */
    readonly s3: string;
    /** Starts the repository host with this pgbackrest.conf. */
    startRepoHost(conf: string): Promise<void>;
    /** Starts PostgreSQL on the internal network alone with this pgbackrest.conf and archiving command, and its pgBackRest TLS server. */
    startPostgres(conf: string, command: string[]): Promise<void>;
    psql(sql: string): Promise<string>;
    stop(): Promise<void>;
}

const openssl = async (args: string[]) => {
    const r = await exec("openssl", args);
    if (r.code !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
};

export async function signed(dir: string, name: string, cn: string) {
    const f = (x: string) => path.join(dir, `${name}.${x}`);
    await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${cn}`, "-keyout", f("key"), "-out", f("csr")]);
    fs.writeFileSync(f("ext"), `subjectAltName=DNS:${cn}\n`);
    await openssl(["x509", "-req", "-in", f("csr"), "-CA", path.join(dir, "ca.crt"), "-CAkey", path.join(dir, "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", f("ext"), "-out", f("crt")]);
}

/** A folder mounted at /etc/pgbackrest: the conf and the TLS files, owned by postgres (uid 999), keys 0600. */
export function etcFolder(dir: string, tls: string, peer: string, conf: string): string {
    const etc = path.join(dir, `etc-${peer}`);
    fs.mkdirSync(path.join(etc, "tls"), { recursive: true });
    fs.writeFileSync(path.join(etc, "pgbackrest.conf"), conf, { mode: 0o600 });
    fs.copyFileSync(path.join(tls, "ca.crt"), path.join(etc, TLS_TEST.ca));
    fs.copyFileSync(path.join(tls, `${peer}.crt`), path.join(etc, TLS_TEST.cert));
    fs.copyFileSync(path.join(tls, `${peer}.key`), path.join(etc, TLS_TEST.key));
    fs.copyFileSync(path.join(tls, "ca.crt"), path.join(etc, "s3-ca.crt"));
    fs.chmodSync(path.join(etc, TLS_TEST.key), 0o600);
    for (const f of [etc, path.join(etc, "tls"), ...["pgbackrest.conf", "s3-ca.crt", TLS_TEST.ca, TLS_TEST.cert, TLS_TEST.key].map((x) => path.join(etc, x))]) fs.chownSync(f, 999, 999);
    return etc;
}

export async function startHostLab(prefix: string): Promise<HostLab> {
    try {
        return await start(prefix);
    } catch (e) {
        await removeAll(prefix);
        throw e;
    }
}

async function removeAll(prefix: string) {
    await docker(["rm", "-f", `${prefix}-pg`, `${prefix}-repo`, `${prefix}-s3`], { allowFail: true });
    await docker(["volume", "rm", "-f", `${prefix}-data`, `${prefix}-repo1`], { allowFail: true });
    for (const n of [`${prefix}-db`, `${prefix}-out`]) await docker(["network", "rm", n], { allowFail: true });
}

async function start(prefix: string): Promise<HostLab> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    const tls = path.join(dir, "tls");
    const s3Dir = path.join(dir, "s3");
    fs.mkdirSync(tls);
    fs.mkdirSync(s3Dir);
    const internal = `${prefix}-db`;
    const egress = `${prefix}-out`;
    for (const n of [internal, egress]) await docker(["network", "rm", n], { allowFail: true });
    await docker(["network", "create", "--internal", internal]);
    await docker(["network", "create", egress]);

    await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=pitrhost-test-ca", "-keyout", path.join(tls, "ca.key"), "-out", path.join(tls, "ca.crt")]);
    await signed(tls, "repo", PGBACKREST_HOST);
    await signed(tls, "pg", POSTGRES_HOST);
    await signed(tls, "s3", S3_HOST);

    // s3rver in a container on the egress network, not on this machine: a container on an internal
    // network still reaches the host's own addresses (Docker 20.10 gives it a route to the
    // gateway), which production's bucket is not. The image has Node (tests/support/images/build.sh).
    const s3Port = 8443;
    const s3 = `${prefix}-s3`;
    await docker([
        "run", "-d", "--name", s3, "--user", "0", "--network", egress, "--network-alias", S3_HOST,
        "-v", `${fs.realpathSync(s3rverModules())}:/opt/s3/node_modules:ro`, "-v", `${tls}:/tls:ro`, "-v", `${s3Dir}:/s3`,
        "--entrypoint", "node", PITR_IMAGE, "-e", s3rverProgram(s3Port),
    ]);
    await waitFor("s3rver to listen", 30_000, async () => ((await docker(["logs", s3], { allowFail: true })).stdout.includes("listening") ? true : undefined));
    const s3Address = (await docker(["inspect", s3, "-f", `{{(index .NetworkSettings.Networks "${egress}").IPAddress}}`])).stdout.trim();

    const pg = `${prefix}-pg`;
    const repo = `${prefix}-repo`;
    return {
        dir, s3Dir, s3Address, s3Port, s3CaFile: S3_CA_IN_CONTAINER, pg, repo, s3,
        async startRepoHost(conf) {
            const etc = etcFolder(dir, tls, "repo", conf);
            await docker([
                "run", "-d", "--name", repo, "--user", "postgres", "--network", internal, "--network-alias", PGBACKREST_HOST,
                "-v", `${etc}:/etc/pgbackrest:ro`, "-v", `${prefix}-repo1:${PGBACKREST_REPO1_PATH}`,
                "--entrypoint", "pgbackrest", PITR_IMAGE, "server",
            ]);
            await docker(["network", "connect", egress, repo]);
        },
        async startPostgres(conf, command) {
            const etc = etcFolder(dir, tls, "pg", conf);
            await docker([
                "run", "-d", "--name", pg, "--user", "postgres", "--network", internal, "--network-alias", POSTGRES_HOST,
                "-e", "POSTGRES_PASSWORD=test", "-e", "PGDATA=/var/lib/postgresql/data/pgdata",
                "--tmpfs", "/var/run/postgresql", "--tmpfs", "/tmp", "--tmpfs", "/var/spool/pgbackrest:uid=999,gid=999,mode=0700",
                "-v", `${etc}:/etc/pgbackrest:ro`, "-v", `${prefix}-data:/var/lib/postgresql/data`,
                PITR_IMAGE, ...command,
            ]);
            await waitFor("PostgreSQL to accept connections", 120_000, async () =>
                (await exec("docker", ["exec", pg, "pg_isready", "-q", "-h", "127.0.0.1"])).code === 0 ? true : undefined);
            await docker(["exec", "-d", "--user", "postgres", pg, "pgbackrest", "server"]);
        },
        async psql(sql) {
            const r = await exec("docker", ["exec", "-i", pg, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", "postgres"], { input: sql });
            if (r.code !== 0) throw new Error(`psql: ${r.stderr}`);
            return r.stdout.trim();
        },
        async stop() {
            await removeAll(prefix);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}


/** node_modules holding s3rver and its dependencies, mounted at /opt/s3/node_modules in the S3 server's container. */
function s3rverModules(): string {
    const pkg = s3rverPath();
    if (!pkg) throw new Error("s3rver is not installed");
    return path.dirname(pkg);
}

// As tests/support/pitr.ts's startS3rver: path-style requests to s3.<region>.scw.cloud, HTTPS with the test CA's certificate.
const s3rverProgram = (port: number) => `
const S3rver = require("/opt/s3/node_modules/s3rver");
const fs = require("fs");
new S3rver({ address: "0.0.0.0", port: ${port}, directory: "/s3", silent: true,
  key: fs.readFileSync("/tls/s3.key"), cert: fs.readFileSync("/tls/s3.crt"),
  serviceEndpoint: "scw.cloud", configureBuckets: [{ name: ${JSON.stringify(BUCKET)} }] })
  .run().then(() => console.log("listening"), (e) => { console.error(e); process.exit(1); });`;
