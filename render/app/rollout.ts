// A release over several servers: each server's release installed in phases (release.ts), and the
// coordinator that rolls it (rollout.sh, run where `pulumi up` runs). See rollout.sh for the
// sequence and what happens when any part of it fails.
import * as fs from "node:fs";
import * as path from "node:path";
import type { ServiceKind } from "../../config/naming";
import { heredoc, script, shq } from "../shell";
import { ReleaseInput, finalPhaseScript, pendingFile, preparePhaseScript, removeServiceScript } from "./release";
import { SECRETS_DIR } from "../secret-file";

export const ROLLOUT_SCRIPT = path.join(__dirname, "rollout.sh");

/** Where a server keeps a service's installed release: prepare.sh, phase.sh and the entry point `run`. */
export const releaseDir = (app: string, service: ServiceKind) => `releases/${app}-${service}`;
const envFile = (app: string, service: ServiceKind) => `${SECRETS_DIR}/release-${app}-${service}.env`;

/** The entry point the coordinator runs on a server: run prepare|finish|revert. */
export function runEntryPoint(root: string, app: string, service: ServiceKind): string {
    return [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        `dir=${shq(`${root}/${releaseDir(app, service)}`)} env=${shq(`${root}/${envFile(app, service)}`)}`,
        'case "${1:-}" in',
        '  prepare) exec bash "$dir/prepare.sh" <"$env" ;;',
        '  finish | revert) exec bash "$dir/phase.sh" "$1" ;;',
        '  *) echo "usage: $0 prepare|finish|revert" >&2; exit 64 ;;',
        "esac",
        "",
    ].join("\n");
}

/**
 * Installs a service's release on one server (stdin: its env file): nothing that serves changes.
 * The coordinator runs it afterwards.
 */
export function installReleaseScript(r: ReleaseInput): string {
    const dir = `${r.root}/${releaseDir(r.app, r.service)}`;
    const put = (name: string, text: string, mode: string) => [`cat >"$dir/${name}.tmp" ${heredoc(text, "PLATFORM_RELEASE_EOF")}`, `chmod ${mode} "$dir/${name}.tmp" && mv -f "$dir/${name}.tmp" "$dir/${name}"`];
    return script(
        `dir=${shq(dir)} env=${shq(`${r.root}/${envFile(r.app, r.service)}`)}`,
        'mkdir -p "$dir" && chmod 700 "$dir"',
        'mkdir -p "$(dirname "$env")" && chmod 700 "$(dirname "$env")"',
        '( umask 077 && cat >"$env.tmp" ) && mv -f "$env.tmp" "$env"',
        ...put("prepare.sh", preparePhaseScript(r), "0700"),
        ...put("phase.sh", finalPhaseScript(r), "0700"),
        ...put("run", runEntryPoint(r.root, r.app, r.service), "0700"),
        `echo "installed the release of ${r.app} ${r.service} (${r.image.replace(/["$`\\]/g, "")}); the rollout switches to it"`,
    );
}

/** When an app leaves stack config: its containers go (as a single server's), then its installed release. */
export function removeInstalledServiceScript(root: string, app: string, service: ServiceKind, label: string): string {
    return [
        removeServiceScript(root, app, service, label),
        script(`rm -rf ${shq(`${root}/${releaseDir(app, service)}`)}`, `rm -f ${shq(`${root}/${envFile(app, service)}`)} ${shq(`${root}/${pendingFile(app, service)}`)}`),
    ].join("");
}

export interface RolloutServer {
    /** How people name it in a failure: "server 2 (51.159.168.241)". */
    readonly label: string;
    /** Words that run a command on the server: ssh ... user@host, or env DOCKER_HOST=... locally. */
    readonly runner: readonly string[];
    /** The platform root on that server. */
    readonly root: string;
    /** What the server installed (prepare script and env): a new value means a new release to roll. */
    readonly identity: string;
}

export function rolloutScript(app: string, service: ServiceKind, image: string, servers: readonly RolloutServer[]): string {
    if (!servers.length) throw new Error("a rollout needs servers");
    const fns = servers.map((s, i) => `on_server_${i}() { ${[...s.runner, "bash", `${s.root}/${releaseDir(app, service)}/run`].map(shq).join(" ")} "$@"; }`);
    return script(
        `app=${shq(app)} service=${shq(service)} image=${shq(image)}`,
        `servers=(${servers.map((s) => shq(s.label)).join(" ")})`,
        // What each server installed: a change here (a new image, settings, env) rolls the release again.
        ...servers.map((s, i) => `# server ${i + 1} release ${s.identity}`),
        ...fns,
        "",
        fs.readFileSync(ROLLOUT_SCRIPT, "utf8"),
    );
}
