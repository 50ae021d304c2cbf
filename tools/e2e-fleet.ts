// npm run e2e:fleet [-- --bench]
// The platform on two servers behind the load balancer's stand-in, with the managed database's
// stand-in (tools/e2e/fleet/); needs root (its own Docker engines, PostgreSQL, HAProxy). Prints one
// JSON line: the scenario's outcomes, or with --bench the throughput figures.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { FleetRig } from "./e2e/fleet/rig";
import { runFleetScenario } from "./e2e/fleet/scenario";
import { benchFleet } from "./e2e/fleet/bench";
import { holdLock } from "./e2e/lock";

process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
process.env.DOCKER_BUILDKIT = "0";
/** The machine's Docker lock: the rig copies images from its engine and shares its iptables. */
const LOCK = "/var/lock/mhylle-docker.lock";

async function main() {
    holdLock(LOCK, "MHYLLE_DOCKER_LOCKED", 3600, __filename);
    const argv = process.argv.slice(2);
    const r = spawnSync("bash", [path.resolve(__dirname, "../tests/support/images/build.sh")], { stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) throw new Error("tests/support/images/build.sh failed");
    const log = (line: string) => console.error(`e2e-fleet ${new Date().toISOString().slice(11, 23)}: ${line}`);
    const rig = new FleetRig(log);
    try {
        const bench = argv.includes("--bench");
        // The bench gives each server its own share of the cores (FLEET_SERVER_CPUS, default a quarter of
        // one): two servers then have twice one server's CPU, and the clients, HAProxy and the
        // database keep the rest, so the ratio measures the design rather than two engines
        // competing for the same two cores.
        await rig.start(bench ? process.env.FLEET_SERVER_CPUS ?? "0.25" : "max");
        const result = bench ? await benchFleet(rig, log) : await runFleetScenario(rig, log);
        console.log(JSON.stringify(result));
    } catch (err) {
        log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        throw err;
    } finally {
        if (!argv.includes("--keep")) await rig.stop();
    }
}

main().catch((err) => {
    console.error(`e2e-fleet: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
});
