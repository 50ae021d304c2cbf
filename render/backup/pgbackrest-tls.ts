// The TLS files the repository host and PostgreSQL's pgBackRest present to each other
// (render/backup/pgbackrest-host.ts). Made on the server, once, by a one-shot container of the
// derived image (it has openssl) with no network: the private keys never leave the server, so they
// are in no Pulumi state, argv or environment. A CA signs the two certificates (CN = the peer's
// container name, which each side's tls-server-auth names) and its key is deleted at once: nothing
// can sign a third certificate. Each peer's folder holds the CA certificate, its certificate and its
// key, all 0600 and owned by postgres, mounted read-only at /etc/pgbackrest/tls.
import { SECRETS_DIR } from "../secret-file";
import { script, shq } from "../shell";
import { PGBACKREST_HOST, POSTGRES_HOST } from "./pgbackrest-host";

/** Under the platform root: one folder per peer. */
export const PGBACKREST_TLS_HOST_DIR = `${SECRETS_DIR}/pgbackrest-tls`;
export const tlsFolder = (root: string, peer: "repo" | "pg") => `${root}/${PGBACKREST_TLS_HOST_DIR}/${peer}`;
/** Ten years: renewal is deleting the folder and running `pulumi up` (docs/runbooks/rebuild-the-server.md). */
export const TLS_DAYS = 3650;

/** Makes the two peers' files unless both are there; the image is the derived one (openssl inside). */
export function pgbackrestTlsScript(root: string, image: string): string {
    const mk = (peer: string, cn: string) =>
        `openssl req -newkey rsa:3072 -nodes -subj "/CN=${cn}" -keyout ${peer}/server.key -out ${peer}.csr 2>/dev/null && ` +
        `printf "subjectAltName=DNS:${cn}\\n" > ${peer}.ext && ` +
        `openssl x509 -req -in ${peer}.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days ${TLS_DAYS} -extfile ${peer}.ext -out ${peer}/server.crt 2>/dev/null && ` +
        `cp ca.crt ${peer}/ca.crt`;
    const inner = [
        "set -e",
        "umask 077",
        "cd /tls",
        "mkdir -p work/repo work/pg",
        "cd work",
        `openssl req -x509 -newkey rsa:3072 -nodes -days ${TLS_DAYS} -subj "/CN=mhylle-pgbackrest-ca" -keyout ca.key -out ca.crt 2>/dev/null`,
        mk("repo", PGBACKREST_HOST),
        mk("pg", POSTGRES_HOST),
        "chmod 600 repo/* pg/*",
        "chown -R postgres:postgres repo pg",
        "rm -rf /tls/repo /tls/pg",
        "mv repo pg /tls/",
        "cd /tls",
        "rm -rf work",
    ].join("\n");
    return script(
        `dir=${shq(`${root}/${PGBACKREST_TLS_HOST_DIR}`)} image=${shq(image)}`,
        'if [ -s "$dir/repo/server.key" ] && [ -s "$dir/pg/server.key" ]; then echo "pgBackRest TLS files are in place"; exit 0; fi',
        'mkdir -p "$dir" && chmod 700 "$dir"',
        // Root in the container only to chown; no network, no capability beyond chown and reading its own files.
        'docker run --rm --network none --cap-drop ALL --cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add FOWNER --security-opt no-new-privileges \\',
        `  --user 0:0 -v "$dir:/tls" --entrypoint bash "$image" -c ${shq(inner)}`,
        'echo "made the pgBackRest TLS files"',
    );
}
