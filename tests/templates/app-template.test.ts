// The app template keeps the contract of docs/app-contract.md: the seed's structure, images that
// run as uid 10001 on a read-only root filesystem with a health check tool, the platform's ports,
// health paths and route prefixes, the env the platform gives, and a release request the
// platform accepts.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { validateConfig } from "../../config/validate";
import { prodConfig } from "../support/prod-stack";
import { serviceEnv } from "../../components/app";
import { resolveRelease } from "../../tools/release-request";

const ROOT = path.resolve(__dirname, "../..");
const T = path.join(ROOT, "templates/app");
const read = (p: string) => fs.readFileSync(path.join(T, p), "utf8");
const defaults = validateConfig({ apps: [{ name: "app1", frontend: { image: "a/b:1" }, backend: { image: "a/c:1" } }] }).apps[0];

/** Instructions of a Dockerfile's last stage, as [INSTRUCTION, rest] pairs. */
function finalStage(dockerfile: string): [string, string][] {
    const lines = dockerfile.replace(/\\\n/g, " ").split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
    const from = lines.map((l) => /^FROM /i.test(l)).lastIndexOf(true);
    return lines.slice(from).map((l) => {
        const [word, ...rest] = l.trim().split(/\s+/);
        return [word.toUpperCase(), rest.join(" ")];
    });
}

test("the template has the seed's application structure and vendors no node_modules", () => {
    for (const p of [
        "frontend/Dockerfile", "frontend/nginx.conf", "frontend/package.json", "frontend/package-lock.json", "frontend/angular.json", "frontend/src/main.ts",
        "backend/Dockerfile", "backend/package.json", "backend/package-lock.json", "backend/src/main.ts",
        "docker-compose.yml", ".env.example", ".github/workflows/release.yml",
    ]) assert.ok(fs.existsSync(path.join(T, p)), p);
    assert.ok(!fs.existsSync(path.join(T, "frontend/node_modules")) && !fs.existsSync(path.join(T, "backend/node_modules")));
});

for (const [service, port, health] of [["frontend", defaults.frontend.port, defaults.frontend.healthPath], ["backend", defaults.backend.port, defaults.backend.healthPath]] as const) {
    test(`${service} image: uid 10001, port ${port}, a health check on ${health} with wget, locked install`, () => {
        const dockerfile = read(`${service}/Dockerfile`);
        const last = finalStage(dockerfile);
        assert.match(last[0][1], /-alpine\b/, "alpine: busybox wget is there for the platform's health check");
        assert.deepEqual(last.filter(([i]) => i === "USER").map(([, v]) => v), ["10001:10001"]);
        assert.deepEqual(last.filter(([i]) => i === "EXPOSE").map(([, v]) => v), [String(port)]);
        const hc = last.find(([i]) => i === "HEALTHCHECK")?.[1] ?? "";
        assert.match(hc, /wget -q -O \/dev\/null/);
        assert.ok(hc.replace("${PORT}", String(port)).includes(`http://127.0.0.1:${port}${health}`), hc);
        assert.match(dockerfile, /COPY package\.json package-lock\.json \.\/\nRUN npm ci\n/);
        assert.doesNotMatch(dockerfile, /npm install/);
    });
}

test("frontend nginx: port 8080, pid and every temp path under /tmp, / answers 200, app files under /<app>/", () => {
    const conf = read("frontend/nginx.conf");
    const directives = conf.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
    assert.deepEqual(directives.filter((d) => d.startsWith("listen")), ["listen 8080;"]);
    assert.ok(directives.includes("pid /tmp/nginx.pid;"));
    for (const t of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) assert.ok(directives.some((d) => d.startsWith(`${t}_temp_path /tmp/`)), t);
    assert.ok(!directives.some((d) => /^user\s/.test(d)), "no user directive: nginx runs as the container's uid");
    assert.match(conf, /location = \/ \{\s*default_type text\/plain;\s*return 200/);
    assert.match(conf, /location \/__APP_NAME__\/ \{\s*try_files \$uri \$uri\/ \/__APP_NAME__\/index\.html;/);
    const dockerfile = read("frontend/Dockerfile");
    assert.match(dockerfile, /sed -i "s\/__APP_NAME__\/\$\{APP_NAME\}\/g" \/etc\/nginx\/nginx\.conf/);
    assert.match(dockerfile, /ng build --base-href "\/\$\{APP_NAME\}\/"/);
    assert.match(dockerfile, /COPY --from=build \/src\/dist\/browser\/ \/usr\/share\/nginx\/html\/\$\{APP_NAME\}\//);
});

test("backend: API under api/<app> (prefix kept), /health outside it, PORT from env", () => {
    const main = read("backend/src/main.ts");
    assert.match(main, /setGlobalPrefix\(`api\/\$\{app\}`, \{ exclude: \["health"\] \}\)/);
    assert.match(main, /const app = process\.env\.APP_NAME;/);
    assert.match(main, /listen\(Number\(process\.env\.PORT \?\? 3000\), "0\.0\.0\.0"\)/);
    assert.match(read("backend/src/health.controller.ts"), /@Controller\("health"\)/);
    assert.equal(defaults.frontend.keepPrefix && defaults.backend.keepPrefix, true, "the template assumes the prefix is kept");
});

test(".env.example lists exactly what the platform gives a backend", async () => {
    const given = await new Promise<string>((resolve) => serviceEnv(defaults, "backend", pulumi.output("pw")).apply(resolve));
    const keys = (text: string) => text.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")[0]).sort();
    assert.deepEqual(keys(read(".env.example")), keys(given));
});

test("docker-compose runs the images as the platform does", () => {
    const compose = parse(read("docker-compose.yml"), { merge: true });
    for (const s of ["frontend", "backend"]) {
        const svc = compose.services[s];
        assert.equal(svc.user, "10001:10001");
        assert.equal(svc.read_only, true);
        assert.deepEqual(svc.tmpfs, ["/tmp"]);
        assert.deepEqual(svc.cap_drop, ["ALL"]);
    }
});

test("the template's release request is one the platform accepts", () => {
    const wf = parse(read(".github/workflows/release.yml"));
    const job = wf.jobs.image;
    assert.deepEqual(job.strategy.matrix.service, ["frontend", "backend"]);
    assert.equal(job.permissions.packages, "write");
    assert.equal(job.permissions["id-token"], "write", "the OIDC token that proves the sender");
    const dispatch = job.steps.find((s: { run?: string }) => /dispatches/.test(s.run ?? ""));
    assert.equal(dispatch.env.DIGEST, "${{ steps.build.outputs.digest }}");
    assert.match(dispatch.run, /client_payload: \{app: \$app, service: \$service, image: \$image, digest: \$digest, source: \$source, proof: env\.PROOF\}/);
    assert.match(dispatch.run, /audience="platform-release:\$PLATFORM:\$APP:\$SERVICE:\$DIGEST"/, "the audience tools/release-proof.ts releaseAudience expects");
    // The payload the workflow would send for the production catalogue's app1.
    const catalogue = validateConfig(prodConfig());
    const sha = "3f2a1c0de1b2c3d4e5f60718293a4b5c6d7e8f90";
    for (const service of ["frontend", "backend"]) {
        const payload = { app: wf.env.APP, service, image: `ghcr.io/mhylle/${wf.env.APP}-${service}:${sha}`, digest: `sha256:${"c".repeat(64)}`, source: `mhylle/app1@${sha}` };
        const { release, problems } = resolveRelease(payload, catalogue, "prod");
        assert.deepEqual(problems, []);
        assert.equal(release?.image, `ghcr.io/mhylle/app1-${service}:${sha}@sha256:${"c".repeat(64)}`);
    }
});
