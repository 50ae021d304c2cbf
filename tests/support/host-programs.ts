// Which Debian package gives each host program a test runs, and how .ci/run brings it: a test's
// host programs come from .ci/run (or from every Debian base system), never from a machine that
// had them installed by hand. tests/tools/ci-packages.test.ts reads every test for the programs it
// needs or spawns and checks each against this table and against .ci/run's package list.
import * as fs from "node:fs";
import * as path from "node:path";

export interface Provider {
    /** The Debian package that holds the program (checked against `dpkg -L` where it is installed). */
    readonly pkg: string;
    /**
     * When .ci/run installs a package that depends on `pkg` rather than `pkg` itself: the chain,
     * first the package .ci/run names, each depending on the next, the last depending on `pkg`.
     */
    readonly via?: readonly string[];
}

/**
 * Packages of Priority `required` in Debian 12: debootstrap's minbase installs them, so every
 * Debian system has their programs (bash, coreutils' date/sleep/base64, util-linux's flock and
 * runuser, mount, tar, sed, findutils). Anything else a test runs must be in .ci/run.
 */
export const BASE_SYSTEM = new Set(["bash", "coreutils", "dash", "findutils", "sed", "grep", "tar", "util-linux", "mount", "gzip", "diffutils"]);

/** Every host program a test needs or spawns, by the name the test uses. */
export const HOST_PROGRAMS: Readonly<Record<string, Provider>> = {
    bash: { pkg: "bash" },
    sh: { pkg: "dash" },
    "/bin/bash": { pkg: "bash" },
    sed: { pkg: "sed" },
    date: { pkg: "coreutils" },
    sleep: { pkg: "coreutils" },
    base64: { pkg: "coreutils" },
    timeout: { pkg: "coreutils" },
    mkfifo: { pkg: "coreutils" },
    find: { pkg: "findutils" },
    tar: { pkg: "tar" },
    flock: { pkg: "util-linux" },
    runuser: { pkg: "util-linux" },
    setpriv: { pkg: "util-linux" },
    mount: { pkg: "mount" },
    umount: { pkg: "mount" },
    docker: { pkg: "docker.io" },
    debootstrap: { pkg: "debootstrap" },
    psql: { pkg: "postgresql-client-common", via: ["postgresql-15", "postgresql-client-15"] },
    "/usr/lib/postgresql/15/bin/initdb": { pkg: "postgresql-15" },
    "/usr/lib/postgresql/15/bin/psql": { pkg: "postgresql-client-15", via: ["postgresql-15"] },
    certbot: { pkg: "certbot" },
    pebble: { pkg: "pebble" },
    "pebble-challtestsrv": { pkg: "pebble" },
    openssl: { pkg: "openssl" },
    testssl: { pkg: "testssl.sh" },
    curl: { pkg: "curl" },
    wrk: { pkg: "wrk" },
    setfacl: { pkg: "acl" },
    getfacl: { pkg: "acl" },
    h2load: { pkg: "nghttp2-client" },
    jq: { pkg: "jq" },
    strace: { pkg: "strace" },
    shellcheck: { pkg: "shellcheck" },
    "cloud-init": { pkg: "cloud-init" },
    crontab: { pkg: "cron" },
    python3: { pkg: "python3-minimal", via: ["python3"] },
    git: { pkg: "git" },
    age: { pkg: "age" },
    "age-keygen": { pkg: "age" },
    chromium: { pkg: "chromium" },
    haproxy: { pkg: "haproxy" },
    ssh: { pkg: "openssh-client" },
    "/usr/sbin/sshd": { pkg: "openssh-server" },
    "ssh-keygen": { pkg: "openssh-client" },
    "ssh-agent": { pkg: "openssh-client" },
    "ssh-add": { pkg: "openssh-client" },
    pgrep: { pkg: "procps" },
    ip: { pkg: "iproute2" },
    unshare: { pkg: "util-linux" },
    ufw: { pkg: "ufw" },
};

/** tests/support/postgres.ts's PG_BIN, as tests write it in template literals. */
const PG_BIN = "/usr/lib/postgresql/15/bin";
/** Names in needs(...) that are not programs. */
const NOT_PROGRAMS = new Set(["root"]);

/** The packages .ci/run installs: the words of its `packages=( ... )` list, comments left out. */
export function ciPackages(ciRun: string): string[] {
    const block = /^packages=\(\n([\s\S]*?)^\)/m.exec(ciRun);
    if (!block) throw new Error(".ci/run has no packages=( ... ) list");
    return block[1].split("\n").flatMap((line) => line.replace(/#.*/, "").trim().split(/\s+/).filter(Boolean));
}

export interface ProgramUse {
    readonly program: string;
    readonly file: string;
}

// The names a test passes to needs(...), and calls whose first argument is a literal program and second an argv
// array: spawnSync("psql", [...]), run("wrk", [...]), and the helpers tests wrap them in.
const NEEDS = /\bneeds\(([^)]*)\)/g;
const ARGV_CALL = /\b([A-Za-z_$][\w$]*)\(\s*["'`]([^"'`$\s]+)["'`]\s*,\s*\[/g;
/** Functions called with a literal and an array that start no program. */
const NOT_SPAWNS = new Set(["name", "filesOf", "test", "describe", "it", "line", "deepEqual", "equal", "includes"]);

/** Every program a source file needs or spawns. */
export function programsIn(source: string, file: string): ProgramUse[] {
    const text = source.replaceAll("${PG_BIN}", PG_BIN);
    const uses: ProgramUse[] = [];
    for (const m of text.matchAll(NEEDS))
        for (const lit of m[1].matchAll(/["'`]([^"'`]+)["'`]/g)) if (!NOT_PROGRAMS.has(lit[1])) uses.push({ program: lit[1], file });
    for (const m of text.matchAll(ARGV_CALL)) if (!NOT_SPAWNS.has(m[1])) uses.push({ program: m[2], file });
    return uses;
}

/** Source files that tests run: the tests, their support, and the tools and benches they start. */
export function testSources(root: string): string[] {
    const own = [path.join(root, "tests/support/host-programs.ts"), path.join(root, "tests/tools/ci-packages.test.ts")];
    const walk = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) return e.name === "node_modules" ? [] : walk(p);
            return /\.(ts|mjs)$/.test(e.name) ? [p] : [];
        });
    return ["tests", "tools", "bench"].flatMap((d) => walk(path.join(root, d))).filter((f) => !own.includes(f));
}

/** One line per program .ci/run would not bring: the program, where it is used, and the fix. */
export function missingFromCi(uses: readonly ProgramUse[], ciRun: string): string[] {
    const installed = new Set(ciPackages(ciRun));
    const problems = new Set<string>();
    for (const { program, file } of uses) {
        const p = HOST_PROGRAMS[program];
        if (!p) {
            problems.add(`${program} (${file}): not in tests/support/host-programs.ts; add the Debian package that provides it, and install that package in .ci/run`);
            continue;
        }
        if (BASE_SYSTEM.has(p.pkg)) continue;
        const brought = p.via ? p.via[0] : p.pkg;
        if (!installed.has(brought)) problems.add(`${program} (${file}): its package ${brought} is not installed by .ci/run; add ${brought} to .ci/run's packages`);
    }
    return [...problems].sort();
}
