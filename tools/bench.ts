// npm run bench: every benchmark, one JSON line per figure. Speed targets are checked here,
// never by timed tests.
import { benchCutover } from "../bench/cutover";
import { benchProxy } from "../bench/proxy";
import { benchNginxPod } from "../bench/nginx-pod";
import { benchFleet } from "../bench/fleet";
import { benchPitr } from "../bench/pitr";
import { benchPitrFootprint } from "../bench/pitr-footprint";
import { spawnSync } from "node:child_process";
import { PITR_IMAGE, s3rverPath } from "../tests/support/pitr";
import { benchTlsHandshake } from "../bench/tls-handshake";
import { benchPooler } from "../bench/pooler";
import { POOLER_IMAGE, POSTGRES_NEXT_IMAGE } from "../tests/support/pooler-lab";

const emit = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

async function main() {
    await benchProxy();
    await benchNginxPod(emit);
    await benchTlsHandshake(emit);
    await benchCutover(emit);
    benchFleet(emit);
    // Needs s3rver (the off-site bucket's stand-in); a machine without it reports so.
    if (s3rverPath()) await benchPitr(emit);
    else emit({ bench: "pitr", skipped: "needs s3rver (PLATFORM_TEST_S3RVER=<its folder>)" });
    // Memory and WAL volume of archiving: Docker and the pgBackRest test image only.
    if (spawnSync("docker", ["image", "inspect", PITR_IMAGE], { stdio: "ignore" }).status === 0) await benchPitrFootprint(emit);
    else emit({ bench: "pitr-footprint", skipped: `needs Docker and ${PITR_IMAGE} (tests/support/images/build.sh)` });
    // The pause while PostgreSQL's image changes behind PgBouncer, the pooler hop's cost and memory.
    const poolerImages = [POOLER_IMAGE, POSTGRES_NEXT_IMAGE];
    if (poolerImages.every((i) => spawnSync("docker", ["image", "inspect", i], { stdio: "ignore" }).status === 0)) await benchPooler(emit);
    else emit({ bench: "pooler", skipped: `needs Docker and ${poolerImages.join(", ")} (tests/support/images/build.sh, then an e2e run for the -next image)` });
}

main().catch((err) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
