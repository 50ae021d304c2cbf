// Real nginx in a container, laid out like mhylle-nginx (config at /etc/nginx/platform, certs at
// /etc/nginx/certs, the ACME webroot at /var/www/certbot), so the production scripts' `docker exec`
// reloads run unchanged. The image is this machine's Debian nginx, imported once (no registry).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const TEST_NGINX_IMAGE = "local/tlstest-nginx:1";

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** Import /usr/sbin/nginx and the libraries it links into an image, unless it is there already. */
export function ensureNginxImage(): void {
    try {
        docker("image", "inspect", TEST_NGINX_IMAGE);
        return;
    } catch {
        /* build it */
    }
    const script = [
        "set -euo pipefail",
        'dir=$(mktemp -d); trap \'rm -rf "$dir"\' EXIT',
        'mkdir -p "$dir/usr/sbin" "$dir/etc/nginx/platform" "$dir/var/lib/nginx" "$dir/var/log/nginx" "$dir/run" "$dir/tmp"',
        'chmod 1777 "$dir/tmp"',
        'cp /usr/sbin/nginx "$dir/usr/sbin/"',
        "for lib in $(ldd /usr/sbin/nginx | grep -o '/[^ ]*'); do cp --parents -L \"$lib\" \"$dir\"; done",
        "printf 'root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\\n' > \"$dir/etc/passwd\"",
        "printf 'root:x:0:\\nnogroup:x:65534:\\n' > \"$dir/etc/group\"",
        `tar -C "$dir" -c . | docker import -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["nginx","-g","daemon off;"]' - ${TEST_NGINX_IMAGE} >/dev/null`,
    ].join("\n");
    execFileSync("bash", ["-c", script], { stdio: "inherit" });
}

/** Mozilla's intermediate profile (TLS 1.2 + 1.3, AEAD ciphers with forward secrecy). */
export const MOZILLA_INTERMEDIATE_CIPHERS =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/**
 * The contract the platform's nginx config keeps, in its smallest form: port 80 answers the ACME
 * challenge from the certbot-data volume; 443 serves certs/live/<domain>/ with TLS 1.2+ and HSTS.
 */
export function testNginxConfig(domain: string): string {
    return `user nobody nogroup;
worker_processes 2;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
    access_log off;
    server_tokens off;
    default_type text/plain;
    server {
        listen 80 default_server;
        location /.well-known/acme-challenge/ { root /var/www/certbot; }
        location / { return 301 https://$host$request_uri; }
    }
    server {
        listen 443 ssl http2 default_server;
        server_name ${domain};
        ssl_certificate /etc/nginx/certs/live/${domain}/fullchain.pem;
        ssl_certificate_key /etc/nginx/certs/live/${domain}/privkey.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ${MOZILLA_INTERMEDIATE_CIPHERS};
        ssl_prefer_server_ciphers off;
        ssl_session_cache shared:TLS:10m;
        ssl_session_timeout 1d;
        ssl_session_tickets off;
        add_header Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" always;
        location / { return 200 "ok\\n"; }
    }
}
`;
}

export interface TestNginx {
    readonly name: string;
    /** When the container started: unchanged means nginx was reloaded, never restarted. */
    startedAt(): string;
    stop(): void;
}

export function startNginx(o: { name: string; root: string; webroot: string; domain: string; httpPort: number; httpsPort: number }): TestNginx {
    const conf = path.join(o.root, "nginx");
    fs.mkdirSync(conf, { recursive: true });
    fs.writeFileSync(path.join(conf, "nginx.conf"), testNginxConfig(o.domain));
    // nginx's workers (nobody) read challenge files; mkdtemp made the folder private.
    fs.chmodSync(o.webroot, 0o755);
    try {
        docker("rm", "-f", o.name);
    } catch {
        /* not there */
    }
    docker("run", "-d", "--name", o.name,
        "-p", `127.0.0.1:${o.httpPort}:80`, "-p", `127.0.0.1:${o.httpsPort}:443`,
        "-v", `${conf}:/etc/nginx/platform:ro`, "-v", `${o.root}/certs:/etc/nginx/certs:ro`, "-v", `${o.webroot}:/var/www/certbot:ro`,
        TEST_NGINX_IMAGE, "nginx", "-g", "daemon off;", "-c", "/etc/nginx/platform/nginx.conf");
    return {
        name: o.name,
        startedAt: () => docker("inspect", "-f", "{{.State.StartedAt}}", o.name),
        stop: () => {
            try {
                docker("rm", "-f", o.name);
            } catch {
                /* already gone */
            }
        },
    };
}
