// One adversarial stack config: what an attacker or a careless user writes, and what must happen to
// it: refused with exit 2 naming the field, or accepted and then checked where it lands.
import * as fs from "node:fs";
import * as path from "node:path";
import { TEST_SERVER_ACCESS } from "../support/prod-stack";

export const CLASSES = {
    credentials: "registry credentials reference only their own secret",
    dataDir: "local.dataDir is a plain folder of its own, quoted where it lands",
    postgresNames: "app names never land on PostgreSQL built-in or reserved names",
    max5xx: "a fractional release.max5xxPercent is compared exactly",
    artefacts: "values that look valid but break a rendered artefact",
    files: "bad stack files exit 2 with FILE: PROBLEM (line N)",
    privilege: "least privilege: no root in containers or as the deploy user",
    ssh: "SSH: only real admin addresses, never the whole internet unless opted in; only real keys",
    postgresMajor: "PostgreSQL stays on major version 15",
    tls: "TLS follows Mozilla intermediate completely",
    values: "values that would reach another app, the host or a secret are refused with the fix",
} as const;
export type CaseClass = keyof typeof CLASSES;

/** What a rendered case gives its checks. */
export interface Rendered {
    readonly out: string;
    /** A file put on the server, by its server path (e.g. /opt/platform/nginx/nginx.conf). */
    file(serverPath: string): string;
    /** A command's script, e.g. script("app1-backend-release"). */
    script(resource: string, op?: "create" | "delete"): string;
    /** A resource's inputs from resources.json (secrets as "[secret]"). */
    inputs(resource: string): Record<string, any>;
    /** Every resource's name. */
    names(): string[];
}

export interface Case {
    readonly cls: CaseClass;
    readonly name: string;
    /** Stack config (written as a Pulumi stack file), or the stack file's whole text or bytes. */
    readonly config: Record<string, unknown> | string | Buffer;
    /** Secret config keys the stack file declares as `secure:`. */
    readonly secrets?: readonly string[];
    /** Refused: the field named first on a problem line, and what the line says. */
    readonly refused?: { readonly field: string; readonly says: RegExp };
    /** Accepted: where the value lands, checked beyond the shared checks every accepted case gets. */
    readonly lands?: (r: Rendered, raw: Record<string, unknown>) => void;
}

export const app = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    frontend: { image: `ghcr.io/mhylle/${name}-frontend:1.0.0` },
    backend: { image: `ghcr.io/mhylle/${name}-backend:1.0.0` },
    ...extra,
});
export const withService = (name: string, service: "frontend" | "backend", fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const a = app(name, extra) as Record<string, any>;
    return { ...a, [service]: { ...a[service], ...fields } };
};

/** The local target with one app; `extra` replaces top-level keys. */
export const local = (extra: Record<string, unknown> = {}) => ({ target: "local", apps: [app("app1")], ...extra });

/** The scaleway target with the test key and admin address; `server` fields merge over them. */
export function scaleway(extra: Record<string, unknown> = {}) {
    const { server, ...rest } = extra as { server?: Record<string, unknown> };
    return { target: "scaleway", domain: "battery.example.com", server: { ...TEST_SERVER_ACCESS, ...server }, apps: [app("app1")], ...rest };
}

export const refuse = (cls: CaseClass, name: string, config: Case["config"], field: string, says: RegExp, secrets?: string[]): Case => ({ cls, name, config, refused: { field, says }, secrets });
export const accept = (cls: CaseClass, name: string, config: Case["config"], lands?: Case["lands"], secrets?: string[]): Case => ({ cls, name, config, lands, secrets });

/** Reads a rendered output folder for a case's checks. */
export function readRendered(out: string): Rendered {
    const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { name: string; inputs: Record<string, any> }[];
    return {
        out,
        file: (p) => fs.readFileSync(path.join(out, "files", p), "utf8"),
        script: (name, op = "create") => fs.readFileSync(path.join(out, "scripts", `${name}.${op}.sh`), "utf8"),
        inputs: (name) => {
            const r = resources.find((x) => x.name === name);
            if (!r) throw new Error(`no resource ${name}; have ${resources.map((x) => x.name).join(", ")}`);
            return r.inputs;
        },
        names: () => resources.map((x) => x.name),
    };
}
