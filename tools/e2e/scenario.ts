// The end-to-end run: the platform brought up from tests/e2e/stack.yaml on this machine's Docker,
// then every release scenario (scenarios/releases.ts) and every day-two change the real engine
// handles differently from the mocks (scenarios/day-two.ts). One JSON object of outcomes and
// figures; tests/e2e/platform.test.ts asserts the outcomes, `npm run bench` prints the figures.
import type { LocalPlatform, RawConfig } from "./platform";
import { run } from "./applier";
import { DATABASE_NETWORK, POOLER_CONTAINER, POSTGRES_CONTAINER, appNetwork } from "../../config/naming";
import { get, psql, serviceContainers } from "./scenarios/common";
import { LOAD_PATHS, brokenRelease, failingAfterSwitch, naive, releaseUnderLoad, reloadSwitch, sameConfigAgain } from "./scenarios/releases";
import { postgresReplaced, recreatedOutsidePulumi, secondUp } from "./scenarios/day-two";
import { NEXT_NGINX, nginxImageChange } from "./scenarios/nginx-image";
import { nginxFailedImage } from "./scenarios/nginx-failed-image";
import { statusPage } from "./scenarios/status";
import { certificateRenewal } from "./scenarios/certificate-renewal";

export type ScenarioResult = Awaited<ReturnType<typeof runScenario>>;

/** The config every later step keeps: app1's backend at version 2 (after the first release). */
const released = (raw: RawConfig) => void (raw.apps[0].backend.image = "local/demo/backend:2");

async function bringUp(p: LocalPlatform) {
    const up = await p.up();
    if (!up.ok) throw new Error(`bring-up failed: ${up.error}`);
    const routes: Record<string, number> = {};
    for (const path of ["/health", ...LOAD_PATHS, "/unknown"]) routes[path] = (await get(p.baseUrl + path)).status;
    const databases: Record<string, number> = {};
    for (const app of ["app1", "app2"]) databases[`${app}_db`] = Number((await psql(`${app}_db`, "SELECT count(*) FROM visits")).stdout.trim() || -1);
    const cross = await psql("app2_db", "SELECT 1", "app1", p.generated("app1-db-password"));
    // The same through PgBouncer (its own psql, to its own port): PostgreSQL still refuses app1.
    const pooled = (db: string) => run("docker", ["exec", POOLER_CONTAINER, "psql", "-XAt", `postgresql://app1:${p.generated("app1-db-password")}@127.0.0.1:5432/${db}`, "-c", "SELECT current_user"]);
    const [crossPooled, ownPooled] = [await pooled("app2_db"), await pooled("app1_db")];
    // The superuser's password reaches PostgreSQL as a file: `docker inspect` shows only its path.
    const inspected = (await run("docker", ["inspect", POSTGRES_CONTAINER])).stdout;
    const superuserPasswordInInspect = inspected.includes(p.generated("database-superuser-password"));
    return { ok: up.ok, routes, databases, isolation: cross.code === 0 ? "app1 reached app2_db" : cross.stderr.trim(), isolationThroughPooler: { app2Db: crossPooled.code === 0 ? "app1 reached app2_db" : crossPooled.stderr.trim(), app1Db: ownPooled.stdout.trim() }, network: await networkIsolation(), superuserPasswordInInspect };
}

/**
 * From inside app1's backend: PostgreSQL answers, app2's containers do not (no shared network).
 * Each refusal is paired with a control: the probing tools exist in app1's backend, and the very
 * same probes from app2's frontend (which shares app2's network) reach app2's backend, by name
 * and by its address on app2's network.
 */
async function networkIsolation() {
    const [app1] = await serviceContainers("app1", "backend");
    const [app2] = await serviceContainers("app2", "backend");
    const [app2Frontend] = await serviceContainers("app2", "frontend");
    const app2Ip = (await run("docker", ["inspect", "-f", `{{(index .NetworkSettings.Networks "${appNetwork("app2")}").IPAddress}}`, app2])).stdout.trim();
    const tryFrom = async (container: string, cmd: string) => (await run("docker", ["exec", container, "bash", "-c", cmd])).code === 0;
    const networks = (await run("docker", ["inspect", "-f", "{{range $k, $_ := .NetworkSettings.Networks}}{{$k}} {{end}}", app1])).stdout.trim().split(" ");
    const resolve = "getent hosts app2-backend-blue || getent hosts app2-backend-green";
    const reach = `curl -fsS -m 3 -o /dev/null http://${app2Ip}:3000/health`;
    return {
        reachesPostgres: await tryFrom(app1, "timeout 3 bash -c 'exec 3<>/dev/tcp/postgres/5432'"),
        resolvesApp2: await tryFrom(app1, resolve),
        reachesApp2ByAddress: await tryFrom(app1, reach),
        onDatabaseNetwork: networks.includes(DATABASE_NETWORK),
        app2Address: app2Ip,
        probeToolsInApp1: await tryFrom(app1, "command -v getent && command -v curl"),
        control: { resolvesApp2: await tryFrom(app2Frontend, resolve), reachesApp2ByAddress: await tryFrom(app2Frontend, reach) },
    };
}

export async function runScenario(p: LocalPlatform, log: (line: string) => void) {
    log("bringing up the platform from " + p.configFile);
    await p.down();
    const up = await bringUp(p);
    const release = await releaseUnderLoad(p, log);
    const rerun = await sameConfigAgain(p);
    const broken = await brokenRelease(p, log);
    const watchRollback = await failingAfterSwitch(p, log);
    const reload = await reloadSwitch(p, log);
    // Back to the released config (the watch rolled the failing version back; `up` fails until then).
    const restored = await p.up(released);
    if (!restored.ok) throw new Error(`could not return to the released config: ${restored.error}`);
    const status = await statusPage(p);
    const dayTwo = {
        secondUp: await secondUp(p, released),
        nginxImageChange: await nginxImageChange(p, released, log),
        // From the image the change above left running, to one that cannot start, and back.
        nginxFailedImage: await nginxFailedImage(p, (raw) => (released(raw), (raw.images.nginx = NEXT_NGINX)), log),
        outOfBandRecreate: await recreatedOutsidePulumi(p, released, log),
        postgresReplace: await postgresReplaced(p, released, log),
    };
    const renewal = await certificateRenewal(p, released, log);
    // Last: it goes around the platform and leaves a container the platform did not make.
    const naiveResult = await naive(p, log);
    return {
        requests: release.requests + broken.requests,
        failed: release.failed + broken.failed,
        non2xx: release.non2xx + broken.non2xx,
        cutoverSeconds: release.cutoverSeconds,
        healthyToSwitchSeconds: release.healthyToSwitchSeconds,
        release,
        rerun,
        brokenRelease: broken,
        watchRollback,
        reloadSwitch: reload,
        naive: naiveResult,
        bringUp: up,
        status,
        ...dayTwo,
        certificateRenewal: renewal,
    };
}
