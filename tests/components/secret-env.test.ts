// secretEnv reaches the container: serviceEnv puts each variable's value (read from its secret
// config key) into the env file the release installs, and the whole file is then a secret; a
// service without secretEnv keeps its env as it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { serviceEnv } from "../../components/app";
import { validateConfig } from "../../config/validate";

const cfg = validateConfig({
    apps: [{ name: "app1", frontend: { image: "a/f:1", env: { GREETING: "hello" }, secretEnv: { API_TOKEN: "app1ApiToken" } }, backend: { image: "a/b:1" } }],
});
const app = cfg.apps[0];
const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const secret = <T>(o: pulumi.Output<T>) => (o as unknown as { isSecret: Promise<boolean> }).isSecret;

test("a secretEnv variable is in the env file with its secret's value, after the plain env", async () => {
    const env = serviceEnv(app, "frontend", undefined, undefined, { app1ApiToken: pulumi.secret("tok-123") });
    assert.equal(await value(env), "PORT=8080\nAPP_NAME=app1\nGREETING=hello\nAPI_TOKEN=tok-123\n");
    assert.equal(await secret(env), true, "the env file is a secret in state");
});

test("without secretEnv the frontend's env file is as before (plain)", async () => {
    const env = serviceEnv({ ...app, frontend: { ...app.frontend, secretEnv: {} } }, "frontend");
    assert.equal(await value(env), "PORT=8080\nAPP_NAME=app1\nGREETING=hello\n");
});

test("a secretEnv key without its value fails before anything is declared", () => {
    assert.throws(() => serviceEnv(app, "frontend"), /no value for the secret config key app1ApiToken/);
});
