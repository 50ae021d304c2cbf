// Issue 23 item 14, second half: the host firewall (UFW) admits SSH from server.adminCidrs only
// (server.hostSshRule). Every admin range reaches a shell command, ufw's argv and cloud-init's
// YAML, so each value is refused (exit 2, the field, the value, the fix) before anything renders,
// through the real render path; what is accepted lands in canonical form; the script itself
// refuses a bad value before it runs ufw; and `up` on a GitHub-hosted runner with the host rule
// on is refused before any resource.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { accept, readRendered, refuse, scaleway, local, type Case } from "./case";
import { CaseResult, renderCases } from "./harness";
import { tempDirs } from "../support/tmp";
import { HOST_FIREWALL_PATH, HOST_FIREWALL_SCRIPT } from "../../render/host-firewall";
import { record } from "../../tools/record";
import { prodConfig, TEST_DEPLOY_PUBLIC_KEY } from "../support/prod-stack";

const cidrs = (...adminCidrs: string[]) => scaleway({ server: { adminCidrs } });
const REFUSED: Case[] = [
    refuse("ssh", "an IPv6 address with an interface zone", cidrs("2a01:4f8:c0c:1::1%eth0/128"), "server.adminCidrs[0]", /names a network interface .*write the address alone, e\.g\. 2a01:4f8:c0c:1::1\/128/),
    refuse("ssh", "an interface zone on the local target", local({ server: { adminCidrs: ["2a01:4f8::1%eth0/128"] } }), "server.adminCidrs[0]", /must be a CIDR/),
    refuse("ssh", "a zero-padded prefix length", cidrs("51.159.0.10/032"), "server.adminCidrs[0]", /must be a CIDR/),
    refuse("ssh", "an IPv4-mapped IPv6 address", cidrs("::ffff:51.159.0.10/128"), "server.adminCidrs[0]", /IPv4-mapped IPv6 range: .* no IPv4 client in it gets in; write it as IPv4: 51\.159\.0\.10\/32/),
    refuse("ssh", "IPv4-mapped, even with the internet opted in", scaleway({ server: { adminCidrs: ["::ffff:0.0.0.0/96"], sshOpenToInternet: true } }), "server.adminCidrs[0]", /IPv4-mapped .*write it as IPv4: 0\.0\.0\.0\/0/),
    refuse("ssh", "a host rule that is neither mode", scaleway({ server: { hostSshRule: "off" } }), "server.hostSshRule", /adminCidrs.*securityGroupOnly/),
    // Already refused before the host rule; kept here because the host rule is now theirs too.
    refuse("ssh", "the whole internet with the host rule on, not opted in", cidrs("0.0.0.0/0"), "server.adminCidrs[0]", /the whole internet.*server\.sshOpenToInternet: true/),
    refuse("ssh", "a shell command after the range", cidrs("51.159.0.10/32; reboot"), "server.adminCidrs[0]", /must be a CIDR/),
    refuse("ssh", "a YAML document break in a range", cidrs("51.159.0.10/32\n---\nruncmd: [reboot]"), "server.adminCidrs[0]", /must be a CIDR/),
    refuse("ssh", "an option for ufw", cidrs("--dry-run"), "server.adminCidrs[0]", /must be a CIDR/),
];

type CloudInit = { runcmd: string[][]; write_files: { path: string; content: string; permissions: string }[] };
const cloudInit = (r: ReturnType<typeof readRendered>): CloudInit => parse(r.file("/var/lib/cloud/instance/user-data.txt").replace(/^#cloud-config\n/, "")) as CloudInit;
const scriptRun = (ci: CloudInit) => ci.runcmd.filter((c) => c[1] === HOST_FIREWALL_PATH);

const ACCEPTED: Case[] = [
    accept("ssh", "adminCidrs (the default): UFW admits port 22 from the admin ranges only, canonical, at first boot and on every up", cidrs("51.159.0.10/32", "2A01:E0A:1::/48"), (r) => {
        const ci = cloudInit(r);
        assert.deepEqual(scriptRun(ci), [["python3", HOST_FIREWALL_PATH, "adminCidrs", "51.159.0.10/32", "2a01:e0a:1::/48"]]);
        assert.deepEqual(ci.runcmd.filter((c) => c[0] === "ufw" && c.some((w) => /\b22\b/.test(w))), [], "no other port-22 rule");
        const installed = ci.write_files.find((f) => f.path === HOST_FIREWALL_PATH);
        assert.equal(installed?.content, HOST_FIREWALL_SCRIPT);
        assert.equal(installed?.permissions, "0755");
        const enable = ci.runcmd.findIndex((c) => c.join(" ") === "ufw --force enable");
        assert.ok(ci.runcmd.indexOf(scriptRun(ci)[0]) < enable, "the rule is in before UFW is enabled");
        assert.match(r.script("ssh-firewall"), / python3 - 'adminCidrs' '51\.159\.0\.10\/32' '2a01:e0a:1::\/48' <<'PLATFORM_EOF'\n/);
    }),
    accept("ssh", "securityGroupOnly: port 22 from anywhere, the security group decides", scaleway({ server: { hostSshRule: "securityGroupOnly" } }), (r) => {
        assert.deepEqual(scriptRun(cloudInit(r)), [["python3", HOST_FIREWALL_PATH, "securityGroupOnly"]]);
        assert.match(r.script("ssh-firewall"), / python3 - 'securityGroupOnly' <<'PLATFORM_EOF'\n/);
    }),
];

const dir = tempDirs()(path.join(os.tmpdir(), "host-firewall-cases-"));
let results: CaseResult[] = [];
before(async () => {
    results = await renderCases([...REFUSED, ...ACCEPTED], dir);
});

for (const c of REFUSED) {
    test(`refuses ${c.name}`, () => {
        const r = results.find((x) => x.c === c)!;
        assert.equal(r.status, 2, "expected exit 2, rendered instead");
        const line = r.problems.find((l) => l.startsWith(`${c.refused!.field}: `));
        assert.ok(line, `no line for ${c.refused!.field}; got:\n${r.problems.join("\n")}`);
        assert.match(line, c.refused!.says);
        assert.match(line, / \(got .+\)$/, "the line ends with the bad value");
        assert.equal(fs.existsSync(path.join(r.out, "resources.json")), false, "nothing rendered");
    });
}
for (const c of ACCEPTED) {
    test(`accepts ${c.name}`, () => {
        const r = results.find((x) => x.c === c)!;
        assert.equal(r.status, 0, r.problems.join("\n"));
        c.lands!(readRendered(r.out), r.raw!);
    });
}

// The script on the server checks again (a hand-run, a config from an older program): a fake ufw
// on PATH records whether it was ever called.
function runScript(args: string[]) {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "host-firewall-bin-"));
    const calls = path.join(bin, "calls");
    fs.writeFileSync(path.join(bin, "ufw"), `#!/bin/sh\necho "$*" >> ${calls}\n`, { mode: 0o755 });
    const r = spawnSync("python3", ["-", ...args], { input: HOST_FIREWALL_SCRIPT, encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` } });
    const ran = fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "";
    fs.rmSync(bin, { recursive: true, force: true });
    return { code: r.status, stderr: r.stderr, ran };
}

test("the script refuses a bad value before it runs ufw, naming the field and the value", () => {
    for (const [args, says] of [
        [["adminCidrs", "51.159.0.10/32;reboot"], /server\.adminCidrs\[0\]: .*\(got '51\.159\.0\.10\/32;reboot'\)/],
        [["adminCidrs", "51.159.0.10/32", "$(id)/32"], /server\.adminCidrs\[1\]: .*\(got '\$\(id\)\/32'\)/],
        [["adminCidrs", "51.159.0.10/32\n"], /server\.adminCidrs\[0\]/],
        [["adminCidrs", "051.159.0.10/32"], /server\.adminCidrs\[0\]/],
        [["adminCidrs", "51.159.0.10/33"], /server\.adminCidrs\[0\]/],
        [["adminCidrs", "51.159.0.10/16"], /no bits past the prefix/],
        [["adminCidrs", "2A01:E0A::/48"], /canonical/],
        [["adminCidrs", "fe80::1%eth0/128"], /server\.adminCidrs\[0\]/],
        [["adminCidrs"], /server\.adminCidrs: is empty/],
        [["securityGroupOnly", "51.159.0.10/32"], /takes no ranges/],
        [["off"], /server\.hostSshRule: must be one of adminCidrs, securityGroupOnly/],
    ] as [string[], RegExp][]) {
        const r = runScript(args);
        assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.stderr}`);
        assert.match(r.stderr, says);
        assert.match(r.stderr, /nothing was changed/);
        assert.equal(r.ran, "", `${JSON.stringify(args)}: ufw ran`);
    }
    // The control: good values reach ufw, as argv words.
    const good = runScript(["adminCidrs", "51.159.0.10/32", "2a01:e0a:1::/48"]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.ran, /^allow proto tcp from 51\.159\.0\.10\/32 to any port 22 comment platform-ssh$/m);
    assert.match(good.ran, /^allow proto tcp from 2a01:e0a:1::\/48 to any port 22 comment platform-ssh$/m);
});

test("up on a GitHub-hosted runner with hostSshRule adminCidrs: refused before any resource, naming the field and the fix; securityGroupOnly runs", async () => {
    const { program } = await import("../../stacks/program");
    const agent = { socket: "/run/fake-agent.sock", listKeys: () => ({ status: 0, stdout: `${TEST_DEPLOY_PUBLIC_KEY}\n` }) };
    const withRule = (hostSshRule: string) => ({ ...prodConfig(), server: { ...(prodConfig().server as object), hostSshRule } });
    const runnerEnvironment = "github-hosted";
    let refused: unknown;
    const strict = await record(withRule("adminCidrs"), () => program().catch((e: unknown) => (refused = e)), { sshAgent: agent, runnerEnvironment });
    assert.ok(refused instanceof Error, "the program ran");
    assert.match(refused.message, /server\.hostSshRule: admits SSH on the server only from server\.adminCidrs, and this `up` runs on a GitHub-hosted runner.*set server\.hostSshRule: securityGroupOnly/i);
    assert.deepEqual(strict.resources.map((r) => r.name), []);
    let failed: unknown;
    const open = await record(withRule("securityGroupOnly"), () => program().catch((e: unknown) => (failed = e)), { sshAgent: agent, runnerEnvironment });
    assert.equal(failed, undefined, String(failed));
    assert.ok(open.resources.some((r) => r.name === "ssh-firewall"), "the control runs the program");
});
