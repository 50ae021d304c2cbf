// npm run bench: every benchmark, one JSON line per figure. Speed targets are checked here,
// never by timed tests.
import { benchCutover } from "../bench/cutover";
import { benchProxy } from "../bench/proxy";
import { benchFleet } from "../bench/fleet";
import { benchTlsHandshake } from "../bench/tls-handshake";

const emit = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

async function main() {
    await benchProxy();
    await benchTlsHandshake(emit);
    await benchCutover(emit);
    benchFleet(emit);
}

main().catch((err) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
