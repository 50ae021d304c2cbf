// Where nginx's files live, on the server and inside the mhylle-nginx container.
// Live config and a staging copy are separate folders so a config is tested before it is used.
export const NGINX_DIR = "nginx"; // under the platform root: the live config
export const NGINX_STAGING_DIR = "nginx-staging"; // next config, tested with `nginx -t` first
export const UPSTREAMS_DIR = "nginx-upstreams"; // one file per app service, written by releases
export const CERTS_DIR = "certs"; // certificates nginx serves (bootstrap self-signed, then Let's Encrypt)
export const NGINX_LOGS_DIR = "logs/nginx";

export const IN_CONTAINER = {
    config: "/etc/nginx/platform",
    staging: "/etc/nginx/platform-staging",
    upstreams: "/etc/nginx/upstreams",
    certs: "/etc/nginx/certs",
    logs: "/var/log/nginx",
    acmeWebroot: "/var/www/certbot",
} as const;

/** nginx.conf of a folder; includes inside it are relative to that folder. */
export const mainConfig = (dir: string) => `${dir}/nginx.conf`;
/** File holding the `server` line(s) of an app service's upstream. */
export const upstreamFile = (app: string, service: string) => `${app}-${service}.conf`;
