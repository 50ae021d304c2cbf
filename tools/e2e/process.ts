// Running a program and collecting what it printed: the engine double's way to reach Docker and bash.
import { spawn } from "node:child_process";

/** Variables added to this process's environment (DOCKER_HOST: another engine, standing in for another server). */
export type Env = Record<string, string> | undefined;

export function run(cmd: string, args: string[], input?: string, env?: Env): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], ...(env ? { env: { ...process.env, ...env } } : {}) });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
        child.stdin.on("error", () => undefined); // a script that never reads stdin
        child.stdin.end(input ?? "");
    });
}

/** `docker ARGS`; throws with docker's message when it fails. */
export async function docker(args: string[], env?: Env): Promise<string> {
    const r = await run("docker", args, undefined, env);
    if (r.code !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr.trim()}`);
    return r.stdout.trim();
}

/**
 * Runs `step` for every name once its dependencies finished, at most `parallel` at a time: how the
 * engine walks the graph (step_executor.go).
 */
export async function inDependencyOrder(names: string[], deps: (n: string) => readonly string[], parallel: number, step: (n: string) => Promise<void>) {
    const known = new Set(names);
    const done = new Map<string, Promise<void>>();
    let running = 0;
    const waiting: (() => void)[] = [];
    const slot = async () => {
        while (running >= parallel) await new Promise<void>((r) => waiting.push(r));
        running++;
    };
    const release = () => {
        running--;
        waiting.shift()?.();
    };
    const start = (n: string, path: string[]): Promise<void> => {
        if (path.includes(n)) throw new Error(`dependency cycle: ${[...path, n].join(" -> ")}`);
        if (!done.has(n)) {
            const before = deps(n).filter((d) => known.has(d)).map((d) => start(d, [...path, n]));
            done.set(n, Promise.all(before).then(async () => {
                await slot();
                try {
                    await step(n);
                } finally {
                    release();
                }
            }));
        }
        return done.get(n)!;
    };
    await Promise.all(names.map((n) => start(n, [])));
}
