// A secretEnv value becomes one `NAME=value` line of the service's env file: a line break would
// start variables of its own (`DEBUG=1`, `NODE_OPTIONS=--require …`). Such a value is refused by
// the preflight, naming the secret config key, before any resource is declared, and the value is
// never echoed. A value on one line is accepted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { prodConfig } from "../support/prod-stack";

const base = prodConfig();
const raw = { ...base, apps: (base.apps as any[]).map((a: any, i: number) => (i === 0 ? { ...a, backend: { ...a.backend, secretEnv: { STRIPE_KEY: "app1StripeKey" } } } : a)) };

async function run(value: string): Promise<{ refused?: Error; resources: number }> {
    const { program } = await import("../../stacks/program");
    const { record } = await import("../../tools/record");
    let refused: Error | undefined;
    const recorded = await record(raw, () => program().catch((e: unknown) => void (refused = e as Error)), { secrets: { app1StripeKey: value } });
    return { refused, resources: recorded.resources.length };
}

for (const [what, value] of [
    ["a line break (a PEM key pasted as is)", "-----BEGIN KEY-----\nsecret-body-line\n-----END KEY-----"],
    ["a carriage return", "secret-body-line\rNODE_OPTIONS=--inspect"],
    ["a NUL", "secret-body-line\0more"],
] as const) {
    test(`a secretEnv value with ${what} is refused before anything is declared, naming the key, without echoing it`, async () => {
        const { refused, resources } = await run(value);
        assert.ok(refused, "refused");
        assert.match(refused!.message, /^app1StripeKey: holds a line break or NUL, which an env file cannot carry/m);
        assert.ok(!refused!.message.includes("secret-body-line"), "the value is not echoed");
        assert.equal(resources, 0, "no resource was declared");
    });
}

test("a secretEnv value on one line is accepted", async () => {
    const { refused, resources } = await run("sk_live_0123456789abcdef");
    assert.equal(refused, undefined, String(refused?.message));
    assert.ok(resources > 0);
});
