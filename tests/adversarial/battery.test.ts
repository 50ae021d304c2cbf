// The adversarial battery: stack configs an attacker or a careless user would write, each either
// refused with exit 2 naming its field, or accepted and then checked where it lands by the real
// programs (bash -n, shellcheck, nginx -t, cloud-init schema, Debian's crontab, PostgreSQL 15),
// with no secret value in anything rendered. Every case renders in this one process through
// render's own code; each program then checks each distinct artefact once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { tempDirs } from "../support/tmp";
import { needs, needsImages } from "../support/requirements";
import { Cluster, PG_BIN, startCluster } from "../support/postgres";
import * as h from "../support/nginx";
import { TEST_DEPLOY_PRIVATE_KEY } from "../support/prod-stack";
import { validateConfig } from "../../config/validate";
import { CaseClass, CLASSES, readRendered } from "./case";
import { INJECTION_CASES } from "./cases-injection";
import { ARTEFACT_CASES } from "./cases-artefacts";
import { PRIVILEGE_CASES } from "./cases-privilege";
import { VALUES_ROUND_TWO_CASES } from "./cases-values-round-two";
import { bashScripts, CaseResult, Distinct, everyFile, nginxBundle, renderCases, SECRET_VALUES } from "./harness";
import { generatedPasswords, leaksIn } from "../support/leaks";
import { bashSyntax, cloudInit, crontabSyntax, crontabWritten, databaseScripts, postgresShim, shellcheck, watchtowerSchedule } from "./checks";

const CASES = [...INJECTION_CASES, ...ARTEFACT_CASES, ...PRIVILEGE_CASES, ...VALUES_ROUND_TWO_CASES];
const dir = tempDirs()(path.join(os.tmpdir(), "battery-"));
let results: CaseResult[] = [];
const accepted = () => results.filter((r) => r.status === 0);
const who = (r: CaseResult) => `${r.c.cls}: ${r.c.name}`;

before(async () => {
    results = await renderCases(CASES, dir);
});

test("the battery tries at least 80 configs, refused and accepted ones in every class", () => {
    assert.ok(CASES.length >= 80, `${CASES.length} cases`);
    for (const cls of Object.keys(CLASSES) as CaseClass[]) assert.ok(CASES.some((c) => c.cls === cls), `no case for ${cls}`);
    assert.equal(new Set(CASES.map((c) => `${c.cls}: ${c.name}`)).size, CASES.length, "case names are unique");
});

for (const c of CASES) {
    const result = () => results.find((r) => r.c === c)!;
    if (c.refused) {
        const { field, says } = c.refused;
        test(`${c.cls}: refuses ${c.name}`, () => {
            const r = result();
            assert.equal(r.status, 2, `expected exit 2, rendered instead`);
            const line = r.problems.find((l) => l.startsWith(`${field}: `));
            assert.ok(line, `no line for ${field}; got:\n${r.problems.join("\n")}`);
            assert.match(line, says);
            assert.match(line, / \((got .+|line \d+)\)$/, "the line ends with the bad value or the file's line");
            assert.equal(fs.existsSync(path.join(r.out, "resources.json")), false, "nothing rendered");
        });
    } else {
        test(`${c.cls}: accepts ${c.name}, and it lands right`, () => {
            const r = result();
            assert.equal(r.status, 0, r.problems.join("\n"));
            c.lands?.(readRendered(r.out), r.raw!);
        });
    }
}

/** Each distinct bash script any accepted case rendered, once. */
function distinctScripts(): string[] {
    const d = new Distinct<string>();
    for (const r of accepted()) for (const f of bashScripts(r.out)) d.add(fs.readFileSync(f, "utf8"), f, who(r));
    return d.entries.map((e) => e.value);
}

test("bash -n parses every rendered script", { skip: needs("bash") }, () => {
    const scripts = distinctScripts();
    assert.ok(scripts.length > 30, `${scripts.length} distinct scripts`);
    assert.deepEqual(bashSyntax(scripts), []);
});

test("shellcheck finds nothing in any rendered script", { skip: needs("shellcheck") }, () => {
    assert.deepEqual(shellcheck(distinctScripts()), []);
});

test("nginx -t loads every rendered nginx configuration, delivered by the production script", { skip: needs("docker", "openssl", "root") || needsImages(h.NGINX_IMAGE) }, async () => {
    const bundles = new Distinct<CaseResult>();
    for (const r of accepted()) bundles.add(nginxBundle(r.out), r, who(r));
    assert.ok(bundles.entries.length >= 5, `${bundles.entries.length} distinct nginx configurations`);
    const sb = await h.sandbox();
    const failures: string[] = [];
    let nginx: h.RunningNginx | undefined;
    try {
        for (const { value, cases } of bundles.entries) {
            const cfg = validateConfig(value.raw);
            // The first one starts nginx; every later one goes through `nginx -t` and a reload.
            if (!nginx) nginx = await h.serve(sb, cfg).catch((e) => void failures.push(`${cases.join(", ")}: ${e.message}`));
            else {
                const d = h.deliver(sb, cfg);
                if (d.status !== 0) failures.push(`${cases.join(", ")}: ${d.stderr}`);
            }
        }
    } finally {
        await nginx?.stop();
        h.cleanup(sb);
    }
    assert.deepEqual(failures, []);
});

test("cloud-init schema accepts every user data, and PyYAML reads its deploy user and key as written", { skip: needs("cloud-init", "python3", "ssh-keygen") }, () => {
    const userData = new Distinct<CaseResult>();
    for (const r of accepted()) {
        const file = path.join(r.out, "files/var/lib/cloud/instance/user-data.txt");
        if (fs.existsSync(file)) userData.add(fs.readFileSync(file, "utf8"), r, who(r));
    }
    assert.ok(userData.entries.length >= 5, `${userData.entries.length} distinct user data`);
    const failures = userData.entries.flatMap(({ value, cases }) => {
        const cfg = validateConfig(value.raw);
        return cloudInit(path.join(value.out, "files/var/lib/cloud/instance/user-data.txt"), cfg.server.deployUser, cfg.server.sshPublicKey!, dir).map((f) => `${cases[0]}: ${f}`);
    });
    assert.deepEqual(failures, []);
});

test("Debian's crontab parses every crontab the platform writes, and the runner stays one quoted word", { skip: needs("crontab") }, () => {
    const tabs = new Distinct<string>();
    for (const r of accepted()) {
        const block = crontabWritten(readRendered(r.out).script("scheduler-jobs"), dir);
        if (block) tabs.add(block, block, who(r));
    }
    assert.ok(tabs.entries.length >= 3, `${tabs.entries.length} distinct crontabs`);
    for (const { value, cases } of tabs.entries) {
        assert.equal(crontabSyntax(value, dir), undefined, cases.join(", "));
        for (const line of value.split("\n").filter((l) => /^[0-9*]/.test(l))) assert.match(line, /^(\S+ ){5}'\/[^']+\/bin\/run-job' [a-z][a-z0-9-]*$/, line);
    }
});

test("every Watchtower schedule has six fields in range", { skip: needs("crontab") }, () => {
    const schedules = new Set<string>();
    for (const r of accepted()) {
        const envs = readRendered(r.out).names().includes("mhylle-watchtower") ? (readRendered(r.out).inputs("mhylle-watchtower").envs as string[]) : [];
        for (const e of envs) if (e.startsWith("WATCHTOWER_SCHEDULE=")) schedules.add(e.slice("WATCHTOWER_SCHEDULE=".length));
    }
    assert.ok(schedules.size >= 2, [...schedules].join(" | "));
    assert.deepEqual([...schedules].map((s) => watchtowerSchedule(s, dir)).filter(Boolean), []);
});

let pg: Cluster | undefined;
const pgSkip = needs("root") || (fs.existsSync(`${PG_BIN}/initdb`) ? false : needs(`${PG_BIN}/initdb`));
after(() => pg?.stop());

test("every rendered database script runs on PostgreSQL 15, and each app's role reaches only its own database", { skip: pgSkip }, () => {
    pg = startCluster();
    const sets = new Distinct<{ r: CaseResult; apps: string[] }>();
    for (const r of accepted()) {
        const apps = validateConfig(r.raw).apps.filter((a) => a.database).map((a) => a.name);
        const scripts = fs.readdirSync(path.join(r.out, "scripts")).filter((s) => /database/.test(s)).sort();
        sets.add(scripts.map((s) => fs.readFileSync(path.join(r.out, "scripts", s), "utf8")).join("\0"), { r, apps }, who(r));
    }
    assert.ok(sets.entries.length >= 3, `${sets.entries.length} distinct sets of database scripts`);
    const shim = postgresShim(dir);
    const failures = sets.entries.flatMap(({ value, cases }) => databaseScripts(path.join(value.r.out, "scripts"), value.apps, pg!, shim).map((f) => `${cases[0]}: ${f}`));
    assert.deepEqual(failures, []);
});

test("no secret value is in any rendered file, script (a command's argv) or resources.json", () => {
    const privateKeyLines = TEST_DEPLOY_PRIVATE_KEY.split("\n").filter((l) => l.length >= 20 && !l.startsWith("-----"));
    const secrets = [...SECRET_VALUES.values(), ...privateKeyLines];
    assert.ok(SECRET_VALUES.size >= 6, `the battery handed out registry tokens and backup keys: ${[...SECRET_VALUES.keys()].join(", ")}`);
    const leaks: string[] = [];
    const generatedNames = new Set<string>();
    for (const r of accepted()) {
        // The exact values the mocks generated for this case, from each password's name and length.
        const generated = generatedPasswords(JSON.parse(fs.readFileSync(path.join(r.out, "resources.json"), "utf8")));
        for (const name of generated.keys()) generatedNames.add(name);
        const files = everyFile(r.out);
        for (const { file, text } of files) for (const s of secrets) if (text.includes(s)) leaks.push(`${file}: ${s.slice(0, 20)}…`);
        leaks.push(...leaksIn(files, generated));
    }
    assert.ok(generatedNames.has("app1-db-password") && generatedNames.has("monitoring-postgres-exporter-password"), `generated passwords searched for: ${[...generatedNames].join(", ")}`);
    assert.deepEqual(leaks, []);
});

test("tls: the DHE suites negotiate RFC 7919's ffdhe2048 group", { skip: needs("docker", "openssl", "root") || needsImages(h.NGINX_IMAGE) }, async () => {
    const sb = await h.sandbox();
    const nginx = await h.serve(sb, h.config({ domain: "battery.example", apps: [h.app("app1")] }));
    try {
        const r = spawnSync("openssl", ["s_client", "-connect", `127.0.0.1:${sb.ports.https}`, "-servername", "battery.example", "-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"], { input: "", encoding: "utf8", timeout: 20_000 });
        assert.match(r.stdout, /Cipher is DHE-RSA-AES128-GCM-SHA256/, r.stdout + r.stderr);
        assert.match(r.stdout, /Server Temp Key: DH, 2048 bits/);
    } finally {
        await nginx.stop();
        h.cleanup(sb);
    }
});
