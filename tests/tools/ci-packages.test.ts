// A test's host programs come from .ci/run: every program a test needs (`needs(...)`) or spawns
// must be in a Debian package .ci/run installs (or one it depends on), or in every Debian base
// system. A machine where CI once passed because a program was installed by hand (a host nginx,
// 2026-12) cannot hide a missing install step again.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { BASE_SYSTEM, HOST_PROGRAMS, ciPackages, missingFromCi, programsIn, testSources } from "../support/host-programs";

const ROOT = path.resolve(__dirname, "../..");
const CI_RUN = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
const uses = testSources(ROOT).flatMap((f) => programsIn(fs.readFileSync(f, "utf8"), path.relative(ROOT, f)));
const usedPrograms = new Set(uses.map((u) => u.program));

test("the scan finds the programs tests are known to run, in needs(...) and in spawns", () => {
    for (const p of ["docker", "openssl", "psql", "wrk", "h2load", "haproxy", "shellcheck", "chromium", "pebble", "certbot", "flock"])
        assert.ok(usedPrograms.has(p), `${p} not found by the scan`);
    assert.ok(usedPrograms.size >= 25, [...usedPrograms].join(" "));
});

test("every program a test needs or spawns comes from a package .ci/run installs, or from the base system", () => {
    assert.deepEqual(missingFromCi(uses, CI_RUN), []);
});

test("removing a package from .ci/run fails the check, naming the program and the package", () => {
    for (const [pkg, program] of [["haproxy", "haproxy"], ["nghttp2-client", "h2load"], ["postgresql-15", "psql"], ["openssh-client", "ssh-keygen"]]) {
        const without = CI_RUN.replace(new RegExp(`^(packages=\\([\\s\\S]*?)\\b${pkg.replace(/[.+]/g, "\\$&")}\\b`, "m"), "$1");
        assert.notDeepEqual(ciPackages(without), ciPackages(CI_RUN), `${pkg} was not removed from the copy`);
        const problems = missingFromCi(uses, without);
        assert.ok(problems.some((l) => l.startsWith(`${program} (`) && l.includes(`add ${pkg} to .ci/run`)), `${pkg}: ${problems.join("\n")}`);
    }
});

test("a program no entry describes fails the check, naming it", () => {
    const problems = missingFromCi([...uses, { program: "nginx", file: "tests/x.test.ts" }], CI_RUN);
    assert.deepEqual(problems, ["nginx (tests/x.test.ts): not in tests/support/host-programs.ts; add the Debian package that provides it, and install that package in .ci/run"]);
});

const dpkg = spawnSync("dpkg-query", ["--version"], { stdio: "ignore" }).status === 0;
const installed = (pkg: string) => spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" }).stdout?.includes("install ok installed") ?? false;

// The table is a claim about Debian; where dpkg knows the packages (every CI machine, after
// .ci/run installed them), it is checked against what they hold and what they depend on.
test("each package in the table holds its program, and each chain .ci/run relies on is a real dependency", { skip: dpkg ? false : "needs dpkg (a Debian machine)" }, () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const [program, { pkg, via }] of Object.entries(HOST_PROGRAMS)) {
        if (!installed(pkg)) {
            if (process.env.CI === "true" && (BASE_SYSTEM.has(pkg) || usedPrograms.has(program))) wrong.push(`${pkg} is not installed after .ci/run`);
            continue;
        }
        const files = spawnSync("dpkg-query", ["-L", pkg], { encoding: "utf8" }).stdout.split("\n");
        const paths = program.startsWith("/") ? [program] : [`/usr/bin/${program}`, `/usr/sbin/${program}`, `/bin/${program}`, `/sbin/${program}`];
        if (!paths.some((p) => files.includes(p))) wrong.push(`${pkg} holds none of ${paths.join(", ")}`);
        const chain = [...(via ?? []), pkg];
        for (let i = 0; i + 1 < chain.length; i++) {
            const depends = spawnSync("dpkg-query", ["-W", "-f=${Depends} ${Pre-Depends}", chain[i]], { encoding: "utf8" }).stdout ?? "";
            if (!new RegExp(`(^|[ ,|])${chain[i + 1].replace(/[.+]/g, "\\$&")}([ ,(]|$)`).test(depends)) wrong.push(`${chain[i]} does not depend on ${chain[i + 1]} (${depends})`);
        }
        checked++;
    }
    assert.deepEqual(wrong, []);
    assert.ok(checked >= 10, `${checked} entries checked`);
});
