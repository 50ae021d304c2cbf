// local.managedDatabase.caFile: its content goes into state and onto the server as the CA the apps
// trust. Only a PEM certificate (or bundle) may be read: never a private key, a secret file or a
// device, and a missing file is a config problem, not a stack trace.
import * as fs from "node:fs";

/** A CA bundle is a few KiB; anything bigger is not one. */
export const MAX_CA_BYTES = 64 * 1024;
const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----/g;
const FIX = "give the stand-in's CA certificate, a PEM file holding only -----BEGIN CERTIFICATE----- blocks (e.g. the ca.pem tests/support/postgres-standin.sh writes)";

/** What is wrong with the CA file at `file`, or undefined when it holds only PEM certificates. */
export function caFileProblem(file: string): string | undefined {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        return `does not exist or cannot be read on this machine; ${FIX}`;
    }
    // Before any read: a FIFO or device would block or never end, a large file is not a CA.
    if (!stat.isFile()) return `is not a regular file; ${FIX}`;
    if (stat.size > MAX_CA_BYTES) return `is ${stat.size} bytes, more than a CA bundle's ${MAX_CA_BYTES}; ${FIX}`;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return `cannot be read on this machine; ${FIX}`;
    }
    // Checked first, and never quoted back: a key's text must not reach the output either.
    if (/PRIVATE KEY/.test(text)) return `holds a private key, which would go into Pulumi state and onto the server; ${FIX}`;
    if (!text.trimStart().startsWith("-----BEGIN CERTIFICATE-----")) return `does not start with a PEM certificate; ${FIX}`;
    const blocks = [...text.matchAll(BLOCK)];
    const rest = text.replace(BLOCK, "").trim();
    if (!blocks.length || blocks.some((b) => b[1] !== "CERTIFICATE") || rest) return `holds more than PEM certificates; ${FIX}`;
    return undefined;
}
