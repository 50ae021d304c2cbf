// What a real provider computes for the outputs the program reads, as the mocks answer them
// (tools/record.ts): fixed addresses per server, passwords derived from the resource's name.
import { createHash } from "node:crypto";

/** Outputs a real provider computes, for the ones the program reads; a hook can answer first (the e2e run gives real image IDs). */
export type ComputeOutputs = (type: string, name: string, inputs: Record<string, any>) => Record<string, unknown> | undefined;

/** Which server a resource name belongs to: 0 for the first (no suffix), k-1 for "-sk". */
const serverIndex = (name: string) => Number(/-s(\d+)(-|$)/.exec(name)?.[1] ?? 1) - 1;
/** What the managed database's `certificate` output holds under mocks (a PEM, not a real one). */
export const MOCK_CA = "-----BEGIN CERTIFICATE-----\nbW9jayBDQQ==\n-----END CERTIFICATE-----\n";

/** The Scaleway project the provider's default puts a bucket in, under mocks. */
export const MOCK_PROJECT_ID = "11111111-2222-3333-4444-555555555555";

export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
/** The prefix of every password the mocks generate: what a leak check can also look for in part. */
export const MOCK_PASSWORD_PREFIX = "mockpw-";
/**
 * A generated password under mocks: a function of the resource's name, so every one is distinct and
 * a leak check can compute the exact value from resources.json (name and length) and search for it in full.
 */
export function mockPassword(name: string, length = 16): string {
    return `${MOCK_PASSWORD_PREFIX}${createHash("sha256").update(name).digest("hex")}`.slice(0, length);
}

export const fakeDigest = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

export function computedOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (type) {
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: fakeDigest(`image ${inputs.name}`), repoDigest: inputs.name };
        case "docker:index/image:Image":
            return { imageName: inputs.imageName, repoDigest: fakeDigest(`build ${inputs.imageName} ${JSON.stringify(inputs.build ?? {})}`) };
        case RANDOM_PASSWORD:
            return { result: mockPassword(name, inputs.length) };
        case "scaleway:object/bucket:Bucket":
            return { projectId: MOCK_PROJECT_ID };
        case "scaleway:iam/apiKey:ApiKey":
            // The put-only key the server gets (components/offsite-store.ts): distinct, findable by a leak check.
            return { accessKey: `SCWMOCK${createHash("sha256").update(name).digest("hex").slice(0, 13).toUpperCase()}`, secretKey: mockPassword(name, 36) };
        case "random:index/randomBytes:RandomBytes": {
            // A host key's seed: from the resource's name, so the rendered user data is stable.
            const bytes = createHash("sha256").update(`bytes ${name}`).digest().subarray(0, inputs.length);
            return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
        }
        case "scaleway:instance/ip:Ip":
            return { address: name === "server-ip" ? "51.159.168.239" : `51.159.168.${240 + serverIndex(name)}` };
        case "scaleway:instance/server:Server":
            // The private network's addresses: an IPv4 and an IPv6 per server, as IPAM hands them out.
            return inputs.privateNetworks ? { privateIps: [{ id: `${name}-ipv4`, address: `172.16.0.${10 + serverIndex(name)}` }, { id: `${name}-ipv6`, address: `fd5f:519c:6d46:2728::${serverIndex(name)}/64` }] } : {};
        case "scaleway:loadbalancers/ip:Ip":
            return { ipAddress: "51.159.26.100" };
        case "scaleway:loadbalancers/certificate:Certificate":
            // What Scaleway's GetCertificate says once the provider's wait ends: "ready" or "error" (a hook gives "error").
            return { status: "ready" };
        case "scaleway:loadbalancers/loadBalancer:LoadBalancer":
            return { privateIps: [{ id: "lb-ipv4", address: "172.16.0.250" }, { id: "lb-ipv6", address: "fd5f:519c:6d46:2728::fa" }] };
        case "scaleway:databases/instance:Instance":
            return { privateNetwork: { ...inputs.privateNetwork, ip: "172.16.0.5", port: 5432, hostname: "managed-db.mhylle.internal" }, certificate: MOCK_CA };
        case "scaleway:databases/readReplica:ReadReplica":
            return { privateNetwork: { ...inputs.privateNetwork, ip: `172.16.0.${6 + Number(/(\d+)$/.exec(name)?.[1] ?? 0)}`, port: 5432 } };
        case "command:local:Command":
        case "command:remote:Command":
            return { stdout: "", stderr: "" };
        case "docker:index/container:Container":
            return {};
        case "pulumi:pulumi:StackReference":
            // The builtin provider's answer for a stack never updated: no outputs (docs/engine-notes.md section 13).
            return { outputs: {}, secretOutputNames: [] };
        default:
            return {};
    }
}
