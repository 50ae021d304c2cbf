// `docker create` arguments for a docker.Container's inputs, as the provider creates it
// (resourceDockerContainerCreate). Throws on any input it does not understand.
import * as fs from "node:fs";
import type { RecordedResource } from "../record";
import { shq } from "../../render/shell";

/** Inputs the double turns into `docker create` flags (or uses at create/delete time). */
const KNOWN = [
    "name", "image", "command", "restart", "memory", "memorySwap", "logDriver", "logOpts", "securityOpts", "capabilities", "readOnly", "tmpfs",
    "labels", "envs", "volumes", "ports", "networksAdvanced", "healthcheck", "wait", "waitTimeout", "user", "destroyGraceSeconds",
    "networkMode", "stopSignal", "sysctls", "init",
];

function only(r: RecordedResource, inputs: Record<string, unknown>, known: string[]) {
    const unknown = Object.keys(inputs).filter((k) => !known.includes(k));
    if (unknown.length) throw new Error(`${r.type} ${r.name}: the engine double does not understand ${unknown.join(", ")}; teach tools/e2e/container-args.ts before using it`);
}

export function containerArgs(r: RecordedResource, inputs: Record<string, any>): { create: string[]; extraNetworks: { name: string; aliases: string[] }[] } {
    only(r, inputs, KNOWN);
    const a: string[] = ["--name", inputs.name];
    if (inputs.restart) a.push(`--restart=${inputs.restart}`);
    if (inputs.memory) a.push(`--memory=${inputs.memory}m`);
    if (inputs.memorySwap) a.push(`--memory-swap=${inputs.memorySwap}m`);
    if (inputs.logDriver) a.push(`--log-driver=${inputs.logDriver}`);
    for (const [k, v] of Object.entries(inputs.logOpts ?? {})) a.push(`--log-opt=${k}=${v}`);
    for (const o of inputs.securityOpts ?? []) a.push(`--security-opt=${o}`);
    if (inputs.capabilities) {
        only(r, inputs.capabilities, ["adds", "drops"]);
        for (const c of inputs.capabilities.drops ?? []) a.push(`--cap-drop=${c}`);
        for (const c of inputs.capabilities.adds ?? []) a.push(`--cap-add=${c}`);
    }
    if (inputs.readOnly) a.push("--read-only");
    for (const [path, opts] of Object.entries(inputs.tmpfs ?? {})) a.push(`--tmpfs=${path}:${opts}`);
    if (inputs.user) a.push(`--user=${inputs.user}`);
    if (inputs.init) a.push("--init");
    if (inputs.stopSignal) a.push(`--stop-signal=${inputs.stopSignal}`);
    for (const [k, v] of Object.entries(inputs.sysctls ?? {})) a.push(`--sysctl=${k}=${v}`);
    for (const l of (inputs.labels ?? []) as { label: string; value: string }[]) a.push(`--label=${l.label}=${l.value}`);
    for (const e of inputs.envs ?? []) a.push("--env", e);
    for (const v of inputs.volumes ?? []) {
        only(r, v, ["hostPath", "volumeName", "containerPath", "readOnly"]);
        const source = v.hostPath ?? v.volumeName;
        // dockerd creates a missing bind source as a folder.
        if (v.hostPath && !fs.existsSync(v.hostPath)) fs.mkdirSync(v.hostPath, { recursive: true });
        a.push(`--volume=${source}:${v.containerPath}${v.readOnly ? ":ro" : ""}`);
    }
    for (const p of inputs.ports ?? []) {
        only(r, p, ["internal", "external", "ip", "protocol"]);
        a.push(`--publish=${p.ip ? `${p.ip}:` : ""}${p.external}:${p.internal}/${p.protocol ?? "tcp"}`);
    }
    const networks = (inputs.networksAdvanced ?? []) as { name: string; aliases?: string[] }[];
    for (const n of networks) only(r, n, ["name", "aliases"]);
    // Another container's namespace (container:<id>): no network of its own to join.
    if (inputs.networkMode) {
        if (networks.length || (inputs.ports ?? []).length) throw new Error(`${r.name}: networkMode ${inputs.networkMode} with networks or ports of its own`);
        a.push(`--network=${inputs.networkMode}`);
    }
    if (networks[0]) {
        a.push(`--network=${networks[0].name}`);
        for (const alias of networks[0].aliases ?? []) a.push(`--network-alias=${alias}`);
    }
    if (inputs.healthcheck) {
        const h = inputs.healthcheck;
        only(r, h, ["tests", "interval", "timeout", "retries", "startPeriod"]);
        const [kind, ...cmd] = h.tests as string[];
        if (kind !== "CMD") throw new Error(`${r.name}: healthcheck ${kind} not understood`);
        // --health-cmd runs through /bin/sh; quote each word so CMD's argv survives.
        a.push(`--health-cmd=${cmd.map(shq).join(" ")}`);
        if (h.interval) a.push(`--health-interval=${h.interval}`);
        if (h.timeout) a.push(`--health-timeout=${h.timeout}`);
        if (h.retries) a.push(`--health-retries=${h.retries}`);
        if (h.startPeriod) a.push(`--health-start-period=${h.startPeriod}`);
    }
    a.push(inputs.image, ...(inputs.command ?? []));
    return { create: a, extraNetworks: networks.slice(1).map((n) => ({ name: n.name, aliases: n.aliases ?? [] })) };
}
