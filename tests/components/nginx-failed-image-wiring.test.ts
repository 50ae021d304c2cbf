// Under mocks: the nginx server (create before delete) gets the ready command that stops a new
// server failing its check, and the guard that renames a still-running old half of its name; the
// delete-before-replace containers (PostgreSQL, the pooler) keep the plain ones. The behaviour on
// real containers: tests/adversarial/nginx-failed-image.test.ts, tests/tools/engine-double-revert-replacement.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { prodConfig, recordProgram } from "../support/program";

test("only the nginx server's ready command stops a container that fails, and only its guard renames", async () => {
    const p = await recordProgram(prodConfig());
    const create = (name: string) => p.byName(name).inputs.create as string;
    assert.match(create("mhylle-nginx-server-ready"), /did not pass its health check[\s\S]*docker stop -t 30 "\$name"[\s\S]*exit 1/);
    assert.match(create("mhylle-nginx-server-guard"), /docker rename "\$name" "\$name-replaced-/);
    for (const other of ["mhylle-postgres", "mhylle-pgbouncer"]) {
        assert.doesNotMatch(create(`${other}-ready`), /docker stop/, `${other}'s ready`);
        assert.doesNotMatch(create(`${other}-guard`), /docker rename/, `${other}'s guard`);
        assert.match(create(`${other}-guard`), /docker stop -t/, `${other}'s guard still stops the old container of its name`);
    }
});
