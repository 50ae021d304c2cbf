// Bad stack config stops the program before any resource is registered, with field-named lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { record } from "../../tools/record";

test("the program refuses bad config with a RunError and registers nothing", async () => {
    const { program } = await import("../../stacks/program");
    let error: unknown;
    const { resources } = await record({ apps: [{ name: "App1", frontend: { image: "x" }, backend: { image: "y:1" } }] }, () =>
        program().catch((err) => {
            error = err;
        }),
    );
    assert.ok(error instanceof pulumi.RunError, "a RunError is printed by Pulumi without a stack trace");
    const message = (error as Error).message;
    assert.match(message, /apps\[0\]\.name: must be lower-case .* \(got "App1"\)/);
    assert.match(message, /apps\[0\]\.frontend\.image: needs a tag or a digest.* \(got "x"\)/);
    assert.deepEqual(resources.map((r) => r.name), []);
});
