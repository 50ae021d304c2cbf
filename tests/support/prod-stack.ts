// The shipped production stack with the two values every user sets for themselves: Pulumi.prod.yaml
// ships neither (a placeholder key or a documentation address would make `pulumi up` hang), so
// tests that build prod supply a real test key pair (fixtures/, made once with ssh-keygen, nobody's
// secret) and a routable admin address.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { PROJECT, readStackFile } from "../../config/stack-file";

const ROOT = path.resolve(__dirname, "../..");
export const PROD_STACK_FILE = path.join(ROOT, "Pulumi.prod.yaml");
export const TEST_DEPLOY_PUBLIC_KEY = fs.readFileSync(path.join(__dirname, "fixtures/test-deploy-key.pub"), "utf8").trim();
export const TEST_DEPLOY_PRIVATE_KEY = fs.readFileSync(path.join(__dirname, "fixtures/test-deploy-key"), "utf8");
/** A public address (Scaleway's range) standing in for an admin's workstation. */
export const TEST_ADMIN_CIDR = "51.159.0.10/32";
/** The off-site copies' recipient (config/age-key.ts) and its identity: a throwaway pair for tests only. */
export const TEST_AGE_IDENTITY = "AGE-SECRET-KEY-1PCVZWX7R9RK4M8TJADUMPSFU7CW09UAFXR4L4ZVKGYM9RHS6F55QR6UGHJ";
export const TEST_AGE_RECIPIENT = "age1yec7yjvdyjy2fdhr42mktp0xrclj3v2lv22elycq7yj846kc74cs9254nh";
/** GitHub's ids of the app repositories (apps[].repositoryId): every user's own, so not shipped. */
export const TEST_REPOSITORY_IDS: Record<string, string> = { app1: "700000001", app2: "700000002" };
export const TEST_SERVER_ACCESS = { sshPublicKey: TEST_DEPLOY_PUBLIC_KEY, adminCidrs: [TEST_ADMIN_CIDR] };

/** Raw config with the test key and admin address merged into `server`. */
export function withTestAccess(raw: Record<string, unknown>): Record<string, unknown> {
    return { ...raw, server: { ...(raw.server as object | undefined), ...TEST_SERVER_ACCESS } };
}

/** Pulumi.prod.yaml's config, ready to build: the shipped file plus the test access values. */
export function prodConfig(): Record<string, unknown> {
    const raw = withTestAccess(readStackFile(PROD_STACK_FILE).raw);
    const apps = (raw.apps as Record<string, unknown>[]).map((a) => ({ ...a, repositoryId: TEST_REPOSITORY_IDS[a.name as string] }));
    return { ...raw, apps };
}

/** The text of Pulumi.prod.yaml with the test access values set, as `pulumi config set --path` would. */
export function prodStackText(): string {
    const doc = parseDocument(fs.readFileSync(PROD_STACK_FILE, "utf8"));
    doc.setIn(["config", `${PROJECT}:server`, "sshPublicKey"], TEST_DEPLOY_PUBLIC_KEY);
    doc.setIn(["config", `${PROJECT}:server`, "adminCidrs"], [TEST_ADMIN_CIDR]);
    const apps = doc.getIn(["config", `${PROJECT}:apps`]) as { items: unknown[] };
    apps.items.forEach((_, i) => doc.setIn(["config", `${PROJECT}:apps`, i, "repositoryId"], TEST_REPOSITORY_IDS[String(doc.getIn(["config", `${PROJECT}:apps`, i, "name"]))]));
    return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Writes that text to Pulumi.prod.yaml in a new temporary folder and returns the file's path. */
export function prodStackFile(dir = fs.mkdtempSync(path.join(os.tmpdir(), "prod-stack-"))): string {
    const file = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(file, prodStackText());
    return file;
}

/** Whether this copy of Pulumi.prod.yaml sets access values of its own (a fork's does; the shipped file does not). */
export function prodShipsAccess(): boolean {
    const server = readStackFile(PROD_STACK_FILE).raw.server as Record<string, unknown> | undefined;
    return ["sshPublicKey", "adminCidrs"].some((k) => server?.[k] !== undefined);
}

/**
 * Pulumi.prod.yaml as a new user gets it: this copy's text without access values, so the tests of
 * what a new user is told run everywhere (a fork's own values removed, the shipped file unchanged).
 */
export function shippedProdStackFile(dir = fs.mkdtempSync(path.join(os.tmpdir(), "prod-stack-"))): string {
    const doc = parseDocument(fs.readFileSync(PROD_STACK_FILE, "utf8"));
    for (const k of ["sshPublicKey", "adminCidrs"]) doc.deleteIn(["config", `${PROJECT}:server`, k]);
    const file = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(file, doc.toString({ lineWidth: 0, flowCollectionPadding: false }));
    return file;
}
