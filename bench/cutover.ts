// Release and day-two figures from one end-to-end run (tools/e2e/scenario.ts): the blue-green
// release against the old reload-based switch and a naive recreate, how fast a healthy container
// takes traffic and a bad one is pulled, and what replacing nginx or PostgreSQL costs.
import { runScenarioProcess } from "../tools/e2e/run";

type Lost = { failed: number; non2xx: number; requests: number };

export async function benchCutover(emit: (line: Record<string, unknown>) => void): Promise<void> {
    const s = runScenarioProcess("inherit");
    const lost = (l: { failed: number; non2xx: number }) => l.failed + l.non2xx;
    const line = (metric: string, value: number | null, unit: string, extra: Record<string, unknown> = {}) => emit({ bench: "cutover", metric, value, unit, ...extra });
    line("healthy_to_switch_seconds", s.healthyToSwitchSeconds, "s", { target: 1.5, note: "new container answers its health check -> nginx routes to it" });
    line("blue_green_cutover_seconds", s.cutoverSeconds, "s", { note: "release start -> nginx routes to the new container" });
    line("blue_green_failed_requests", lost(s.release), "requests", { of: s.release.requests, rps: s.release.rps });
    line("blue_green_strict_client_failed_requests", lost(s.release.strict), "requests", { of: s.release.strict.requests });
    // Before and after in one run: the same clients that never retry, across the old switch (one
    // nginx reload) and across a release with the marker switch (no reload).
    const by = (clients: (Lost & { client: string })[]) => Object.fromEntries(clients.map((c) => [c.client, lost(c)]));
    const before = by(s.reloadSwitch.clients);
    const after = by(s.release.clients);
    for (const client of Object.keys(after)) {
        line("dropped_per_switch", after[client], "requests", { client, switch: "marker (no reload)", requests: s.release.clients.find((c) => c.client === client)!.requests });
        line("dropped_per_switch", before[client] ?? null, "requests", { client, switch: "nginx reload (before)", requests: s.reloadSwitch.clients.find((c) => c.client === client)?.requests });
    }
    line("dropped_per_switch_total", Object.values(after).reduce((a, b) => a + b, 0), "requests", { before: Object.values(before).reduce((a, b) => a + b, 0), ratio: "after/before" });
    line("bad_release_5xx_served", s.watchRollback.served5xx, "responses", { note: "5xx users got from a version failing every request, before the switch back" });
    line("bad_release_first_5xx_to_rollback_seconds", s.watchRollback.firstErrorToRollbackSeconds, "s");
    line("broken_release_failed_requests", lost(s.brokenRelease), "requests", { of: s.brokenRelease.requests });
    line("naive_recreate_failed_requests", lost(s.naive), "requests", { of: s.naive.requests, downtimeSeconds: s.naive.downtimeSeconds });
    line("naive_vs_blue_green_failure_rate", s.naive.requests ? lost(s.naive) / s.naive.requests : 0, "ratio", { blueGreen: s.release.requests ? lost(s.release) / s.release.requests : 0 });
    // A new nginx image: the new server starts beside the old one in the holder's namespace.
    const n = s.nginxImageChange;
    line("nginx_image_change_refused_connections", n.wrk.refused + n.browser.refused, "connections", { upSeconds: n.upSeconds, note: "wrk and the browser-like client, through the whole up" });
    line("nginx_image_change_failed_requests", lost(n.browser), "requests", { client: "browser-like (retries a closed keep-alive once)", of: n.browser.requests, retried: n.browser.retried });
    for (const [client, c] of [["wrk GET (never retries)", n.wrk], ["h2load (never retries)", n.h2load], ["strict (never retries)", n.strict]] as const)
        line("nginx_image_change_failed_requests", lost(c), "requests", { client, of: c.requests });
    line("nginx_image_change_idle_keepalive_next_request", n.idleAfterChange.secondStatus, "status", { note: "null: lost, as after one graceful reload (reloadSwitch.idleAfterReload)", afterReload: s.reloadSwitch.idleAfterReload.secondStatus });
    line("postgres_replace_write_outage_seconds", s.postgresReplace.writeOutageSeconds, "s", { rowsLost: Math.max(0, s.postgresReplace.rowsBefore + s.postgresReplace.acknowledgedWrites - s.postgresReplace.rowsAfter), failedWrites: s.postgresReplace.failedWrites });
    line("out_of_band_recreate_outage_seconds", s.outOfBandRecreate.outageSeconds, "s", { lost: s.outOfBandRecreate.lost });
    line("certificate_renewal_failed_requests", s.certificateRenewal.failed, "requests", { of: s.certificateRenewal.requests, newCertificateServedSeconds: s.certificateRenewal.renewal?.pickupSeconds ?? null, note: "the cert-renew job against Pebble under every client: no nginx reload" });
}

if (require.main === module) benchCutover((l) => console.log(JSON.stringify(l)));
