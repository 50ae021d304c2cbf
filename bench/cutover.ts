// Cutover figures from the end-to-end scenario: blue-green against a naive recreate, in one run.
import { runScenarioProcess } from "../tools/e2e/run";

export async function benchCutover(emit: (line: Record<string, unknown>) => void): Promise<void> {
    const s = runScenarioProcess("inherit");
    const lost = (l: { failed: number; non2xx: number }) => l.failed + l.non2xx;
    emit({ bench: "cutover", metric: "blue_green_cutover_seconds", value: s.cutoverSeconds, unit: "s" });
    emit({ bench: "cutover", metric: "blue_green_failed_requests", value: lost(s.release), unit: "requests", of: s.release.requests, rps: s.release.rps });
    emit({ bench: "cutover", metric: "blue_green_strict_client_failed_requests", value: lost(s.release.strict), unit: "requests", of: s.release.strict.requests, note: "client that never retries; nginx reload closes idle keep-alive connections" });
    emit({ bench: "cutover", metric: "broken_release_failed_requests", value: lost(s.brokenRelease), unit: "requests", of: s.brokenRelease.requests });
    emit({ bench: "cutover", metric: "naive_recreate_failed_requests", value: lost(s.naive), unit: "requests", of: s.naive.requests, downtimeSeconds: s.naive.downtimeSeconds });
    emit({ bench: "cutover", metric: "naive_vs_blue_green_failure_rate", value: s.naive.requests ? lost(s.naive) / s.naive.requests : 0, unit: "ratio", blueGreen: s.release.requests ? lost(s.release) / s.release.requests : 0 });
}

if (require.main === module) benchCutover((l) => console.log(JSON.stringify(l)));
