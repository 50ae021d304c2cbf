// npm run e2e [-- --config FILE] [--keep] [--down]
// The platform on this machine's Docker engine, from what the program declares (see tools/e2e/).
//   (no flags)     the blue-green scenario under load; prints one JSON line of figures
//   --config FILE  bring up another stack config instead of tests/e2e/stack.yaml
//   --keep         leave the platform running and print its published ports as JSON
//   --down         remove everything the run created
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { LocalPlatform } from "./e2e/platform";
import { runScenario } from "./e2e/scenario";
import { holdLock } from "./e2e/lock";

const ROOT = path.resolve(__dirname, "..");
// Loopback only, against the platform's bootstrap self-signed certificate; TLS itself is proven by
// the proxy and certificate tests.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
// This Docker (Debian's 20.10) has no buildx: image builds use the classic builder.
process.env.DOCKER_BUILDKIT = "0";

function usage(message: string): never {
    console.error(`${message}\nusage: npm run e2e -- [--config FILE] [--keep] [--down]`);
    process.exit(64);
}

/**
 * Registry images of the shipped stacks and their locally built stand-ins (no registry here).
 * postgres:15 is also the pooler's base (images.pgbouncer): its stand-in is local/postgres:15 with
 * trixie's apt source, where PgBouncer is 1.24 as in the official image's PGDG repository.
 */
const STAND_INS: Record<string, string> = { "nginx:1.30": "local/nginx:1.30", "postgres:15": "local/postgres:15-trixie-apt" };
/** The base the demo Dockerfiles build on here, instead of Docker Hub's node image. */
const LOCAL_BUILD_BASE = "local/node-npm:bookworm";

const exists = (image: string) => spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status === 0;
const imageId = (image: string) => spawnSync("docker", ["image", "inspect", "-f", "{{.Id}}", image], { encoding: "utf8" }).stdout.trim();

function prepare() {
    for (const script of ["tools/dockerd.sh", "tests/support/images/build.sh"]) {
        const r = spawnSync("bash", [path.join(ROOT, script)], { stdio: ["ignore", "ignore", "inherit"] });
        if (r.status !== 0) usage(`${script} failed`);
    }
    // The shipped stacks name Docker Hub's images: the local stand-ins answer to those names.
    // A name left on an older stand-in (postgres:15 on local/postgres:15, before the pooler) moves.
    for (const [name, local] of Object.entries(STAND_INS)) if (exists(local) && imageId(name) !== imageId(local)) spawnSync("docker", ["tag", local, name], { stdio: "inherit" });
    if (!process.env.PLATFORM_BUILD_ARGS && exists(LOCAL_BUILD_BASE)) process.env.PLATFORM_BUILD_ARGS = JSON.stringify({ BASE_IMAGE: LOCAL_BUILD_BASE });
}

/** One run at a time per machine: every run uses the same container names on the shared engine. */
const LOCK = "/var/lock/mhylle-platform-e2e.lock";

async function main() {
    holdLock(LOCK, "MHYLLE_E2E_LOCKED", 1800, __filename);
    const argv = process.argv.slice(2);
    let config = path.join(ROOT, "tests/e2e/stack.yaml");
    const flags = new Set<string>();
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--config") config = path.resolve(argv[++i] ?? usage("--config needs a file"));
        else if (argv[i] === "--keep" || argv[i] === "--down") flags.add(argv[i]);
        else usage(`unknown argument ${argv[i]}`);
    }
    const log = (line: string) => console.error(`e2e ${new Date().toISOString().slice(11, 23)}: ${line}`);
    const platform = new LocalPlatform(config, log);
    if (flags.has("--down")) {
        // `pulumi destroy`, then what it left behind (nothing, when it works): one JSON line.
        const destroyed = await platform.destroy();
        const leftovers = await platform.leftovers();
        console.log(JSON.stringify({ ok: destroyed.ok, error: destroyed.error ?? "", commandsRun: destroyed.commands.map((c) => c.name), leftovers }));
        await platform.down();
        if (!destroyed.ok || Object.values(leftovers).some((l) => (Array.isArray(l) ? l.length : l))) process.exit(1);
        return;
    }
    prepare();
    if (config !== path.join(ROOT, "tests/e2e/stack.yaml") || flags.has("--keep")) {
        const r = await platform.up();
        if (!r.ok) throw new Error(r.error);
        if (flags.has("--keep")) console.log(JSON.stringify({ http: platform.cfg.proxy.httpPort, https: platform.cfg.proxy.httpsPort, url: platform.baseUrl }));
        else await platform.down();
        return;
    }
    const result = await runScenario(platform, log);
    console.log(JSON.stringify(result));
    await platform.down();
}

main().catch((err) => {
    console.error(`e2e: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
