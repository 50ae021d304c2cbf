// Secrets never in `docker inspect` (issue 23): the production release script (render/app/release.ts,
// release.sh) on real Docker, releasing the demo frontend's image as a backend with hostile secret
// values. The app sees every variable byte for byte; `docker inspect` of its container shows none of
// them; the file they come from is the container user's alone; an image without /bin/sh fails the
// release, saying why and what to do. The one change to the rendered script: the nginx container's
// name (a stand-in of our own, so this test never touches a real platform's nginx).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { validateConfig } from "../../../config/validate";
import { NGINX_CONTAINER, appDatabaseNetwork, appNetwork } from "../../../config/naming";
import { containerSpec } from "../../../render/app/container-spec";
import { CONTAINER_SECRETS_DIR, ReleaseInput, releaseScript } from "../../../render/app/release";
import { needs, needsImages } from "../../support/requirements";
import { tempDirs } from "../../support/tmp";
import { leaks } from "../../support/inspect-leaks";

const IMAGE = "local/demo/frontend:1";
const NGINX_IMAGE = "local/nginx:1.30";
const skip = needsImages(IMAGE, NGINX_IMAGE) || needs("root", "setpriv");
const APP = "wts-sec";
const STAND_IN = "wts-sec-nginx";
const STATUS_PORT = 8099;
const NO_SHELL = `wts-noshell:${process.pid}`;
const tmp = tempDirs();

const docker = (args: string[], input?: string) => spawnSync("docker", args, { encoding: "utf8", input, timeout: 120_000 });
const ok = (args: string[], input?: string) => {
    const r = docker(args, input);
    assert.equal(r.status, 0, `docker ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
};

// Each holds a plain marker (wtsS1...) so its absence can be checked in raw JSON too.
const HOSTILE: Record<string, string> = {
    DATABASE_PASSWORD: `wtsS1 it's "quoted" $HOME $(touch /tmp/wts-pwned) \`touch /tmp/wts-pwned\` \\ ;&|<>*?#~!{}[] 'a'\\''b' end `,
    DATABASE_URL: "postgres://wts_sec:wtsS2-p%40ss'$x\"@postgres:5432/wts_sec_db",
    API_TOKEN: "  wtsS3 leading spaces, =equals= %s %q %% a\ttab and ${HOME}",
    // A name no pattern calls secret: only the app's secretEnv says so.
    GREETING: "wtsS4 ünïcødé '\\'' \"\\\" $'x' -e -n",
};
const PLAIN = { PORT: "8080", APP_NAME: APP, PLAIN_SETTING: "visible-plain-value" };

const cfg = validateConfig({
    apps: [{ name: APP, frontend: { image: IMAGE }, backend: { image: IMAGE, port: 8080, healthPath: "/health", secretEnv: { API_TOKEN: "wtsApiToken", GREETING: "wtsGreeting" } } }],
});
const spec = containerSpec(cfg.apps[0], "backend", "wts");
// user "": the image's own user, here a name its /etc/passwd gives uid 33.
const namedUserSpec = containerSpec(validateConfig({ apps: [{ ...cfg.apps[0], backend: { ...cfg.apps[0].backend, user: "" } }] }).apps[0], "backend", "wts");
const NAMED_USER_IMAGE = `wts-named-user:${process.pid}`;
const envFile = Object.entries({ ...PLAIN, ...HOSTILE })
    .map(([k, v]) => `${k}=${v}`)
    .join("\n") + "\n";

/** A uid that is not root, with the docker group alone: what the deploy user is on a server. */
const DEPLOY_UID = 4242;
const dockerGid = () => fs.statSync("/var/run/docker.sock").gid;

function release(root: string, image: string, opts: { asDeploy?: boolean; env?: string; spec?: typeof spec } = {}): { code: number | null; stderr: string; stdout: string } {
    const input: ReleaseInput = { root, app: APP, service: "backend", spec: opts.spec ?? spec, image, statusPort: STATUS_PORT, ...cfg.apps[0].release, healthTimeoutSeconds: 30, reachTimeoutSeconds: 15, watchSeconds: 0, drainSeconds: 1 };
    const script = releaseScript(input).replace(`nginx=${NGINX_CONTAINER}`, `nginx=${STAND_IN}`);
    assert.ok(script.includes(`nginx=${STAND_IN}`));
    const file = path.join(path.dirname(root), "release.sh");
    fs.writeFileSync(file, script);
    const argv = opts.asDeploy ? ["setpriv", `--reuid=${DEPLOY_UID}`, `--regid=${dockerGid()}`, "--clear-groups", "bash", file] : ["bash", file];
    const r = spawnSync(argv[0], argv.slice(1), { input: opts.env ?? envFile, encoding: "utf8", timeout: 300_000 });
    return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

const containers = () => ok(["ps", "-a", "--filter", `label=${spec.label}`, "--format", "{{.Names}}"]).split("\n").filter(Boolean);

describe("a release whose env file holds secrets, on Docker", { skip }, () => {
    let root: string;
    let first: { code: number | null; stderr: string; stdout: string };
    let name: string;
    before(() => {
        const dir = tmp(path.join(os.tmpdir(), "release-secret-env-"));
        root = path.join(dir, "platform");
        for (const n of [appNetwork(APP), appDatabaseNetwork(APP)]) {
            docker(["network", "rm", n]);
            ok(["network", "create", n]);
        }
        // nginx's probe of a slot, as the platform's status server answers it (render/nginx/routes.ts).
        const conf = path.join(dir, "probe.conf");
        fs.writeFileSync(
            conf,
            `server {\n  listen ${STATUS_PORT};\n  resolver 127.0.0.11 valid=1s;\n  location ~ ^/probe/wts_sec_backend_(blue|green)(/.*)$ { proxy_pass http://wts-sec-backend-$1:8080$2; }\n}\n`,
        );
        fs.chmodSync(conf, 0o644);
        docker(["rm", "-f", STAND_IN]);
        ok(["run", "-d", "--name", STAND_IN, "--network", appNetwork(APP), "-v", `${conf}:/etc/nginx/conf.d/probe.conf:ro`, NGINX_IMAGE]);
        first = release(root, IMAGE);
        name = containers()[0] ?? "";
    });
    after(() => {
        const all = containers();
        if (all.length) docker(["rm", "-f", ...all]);
        docker(["rm", "-f", STAND_IN]);
        for (const n of [appNetwork(APP), appDatabaseNetwork(APP)]) docker(["network", "rm", n]);
        docker(["rmi", "-f", NO_SHELL, NAMED_USER_IMAGE]);
    });

    it("releases the service", () => {
        assert.equal(first.code, 0, first.stderr);
        assert.ok(name, "no container was left serving");
    });

    it("the app sees every variable byte for byte (its process environment, read inside the container)", () => {
        const environ = ok(["exec", name, "cat", "/proc/1/environ"]);
        const seen = new Map(environ.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
        for (const [k, v] of Object.entries({ ...PLAIN, ...HOSTILE })) assert.equal(seen.get(k), v, `${k} as the app sees it`);
        // Nothing in a value ran as a command.
        assert.notEqual(docker(["exec", name, "test", "-e", "/tmp/wts-pwned"]).status, 0, "a value was run as shell");
    });

    it("docker inspect of the container (all of it) shows none of the secrets, nor their base64; the plain ones stay", () => {
        const raw = ok(["inspect", name]);
        assert.deepEqual(leaks(raw, HOSTILE), []);
        const env: string[] = JSON.parse(raw)[0].Config.Env;
        assert.ok(env.includes("PLAIN_SETTING=visible-plain-value"), env.join(" "));
    });

    it("the file the secrets come from is the container user's alone (0400, uid 10001) in a 0700 folder", () => {
        const file = path.join(root, CONTAINER_SECRETS_DIR, `${name}.env`);
        const st = fs.statSync(file);
        assert.equal((st.mode & 0o777).toString(8), "400");
        assert.equal(st.uid, 10001);
        assert.equal((fs.statSync(path.dirname(file)).mode & 0o777).toString(8), "700");
    });

    it("an image without /bin/sh fails the release, naming the cause and the fix; the old container keeps serving", () => {
        const dir = tmp(path.join(os.tmpdir(), "release-noshell-"));
        fs.writeFileSync(path.join(dir, "app"), "not a shell");
        const tar = spawnSync("tar", ["-C", dir, "-c", "app"]);
        assert.equal(tar.status, 0);
        const imported = spawnSync("docker", ["import", "-c", 'CMD ["/app"]', "-", NO_SHELL], { input: tar.stdout, encoding: "utf8" });
        assert.equal(imported.status, 0, imported.stderr);
        const r = release(root, NO_SHELL);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /has no \/bin\/sh.*secret variables.*build it on an image with a shell/);
        assert.deepEqual(containers(), [name]);
        assert.deepEqual(fs.readdirSync(path.join(root, CONTAINER_SECRETS_DIR)), [`${name}.env`]);
        assert.deepEqual(leaks(r.stderr + r.stdout, HOSTILE), []);
    });

    it("released by the deploy user (not root, Docker only): the file is still the container user's alone, the app sees its variables", () => {
        const before = name;
        fs.chmodSync(path.dirname(root), 0o755);
        const chownTree = (p: string): void => {
            fs.lchownSync(p, DEPLOY_UID, -1);
            if (fs.lstatSync(p).isDirectory()) for (const f of fs.readdirSync(p)) chownTree(path.join(p, f));
        };
        chownTree(root);
        const r = release(root, IMAGE, { asDeploy: true, env: envFile + "PLAIN_TWO=another release\n" });
        assert.equal(r.code, 0, r.stderr);
        const [now] = containers();
        assert.notEqual(now, before);
        const st = fs.statSync(path.join(root, CONTAINER_SECRETS_DIR, `${now}.env`));
        assert.equal((st.mode & 0o777).toString(8), "400");
        assert.equal(st.uid, 10001);
        // The old container's file went with it.
        assert.deepEqual(fs.readdirSync(path.join(root, CONTAINER_SECRETS_DIR)), [`${now}.env`]);
        const environ = ok(["exec", now, "cat", "/proc/1/environ"]);
        for (const [k, v] of Object.entries(HOSTILE)) assert.ok(environ.split("\0").includes(`${k}=${v}`), `${k} as the app sees it`);
        assert.deepEqual(leaks(ok(["inspect", now]), HOSTILE), []);
    });

    it("an image whose user is a name (service user \"\"): the file goes to that name's uid from the image's /etc/passwd", () => {
        ok(["build", "-q", "-t", NAMED_USER_IMAGE, "-"], `FROM ${IMAGE}\nUSER www-data\n`);
        const r = release(root, NAMED_USER_IMAGE, { spec: namedUserSpec });
        assert.equal(r.code, 0, r.stderr);
        const [now] = containers();
        assert.equal(ok(["exec", now, "id", "-u"]).trim(), "33");
        assert.equal(fs.statSync(path.join(root, CONTAINER_SECRETS_DIR, `${now}.env`)).uid, 33);
        assert.ok(ok(["exec", now, "cat", "/proc/1/environ"]).split("\0").includes(`API_TOKEN=${HOSTILE.API_TOKEN}`));
    });
});
