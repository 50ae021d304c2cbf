// server and loadBalancer: the Scaleway instance(s) the platform runs on, who may reach them over
// SSH, and the load balancer in front when there is more than one.
import { z } from "zod";
import { sshPublicKeyProblem } from "../ssh-key";
import { deployUserProblem } from "../field-checks";
import { serverImageProblem } from "../server-image";
import { checked, port } from "./fields";
import { LB_PHASES, LB_TYPES, MAX_SERVERS } from "./patterns";

/** A server's host key as pulumi-command pins it: Ed25519 (it would offer only an RSA key's SHA-1 algorithm, which Ubuntu 24.04's sshd refuses). */
const hostKeyProblem = (line: string) =>
    /^ssh-ed25519 /.test(line) ? sshPublicKeyProblem(line)?.replace(/; make a key pair.*$/, "") : "must be the server's Ed25519 host key line (`ssh-ed25519 AAAA...`, from /etc/ssh/ssh_host_ed25519_key.pub)";

export const serverSchema = z
    .strictObject({
        zone: z.string().regex(/^[a-z]{2}-[a-z]{3}-[1-3]$/, "must be a Scaleway zone such as fr-par-1").default("fr-par-1").describe("The Scaleway zone the server runs in."),
        type: z
            .string()
            .regex(/^[A-Z0-9]+(-[A-Z0-9]+)+$/, "must be a Scaleway instance type such as DEV1-M")
            .default("DEV1-M")
            .describe("The Scaleway instance type (DEV1-M has 3 vCPUs and 4 GB)."),
        memoryMb: z.number().int().min(512).default(4096).describe("The instance type's memory in MiB, which the memory budget of all containers must fit in."),
        // Only the Scaleway API reads it, but a value is refused here rather than by the API mid-`up`.
        image: checked(
            z
                .string()
                .regex(
                    /^(?:[a-z0-9]+(?:_[a-z0-9]+)*|(?:[a-z]{2}-[a-z]{3}-[1-3]\/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
                    "must be a Scaleway image label such as ubuntu_noble, or an image's UUID",
                )
                .max(100),
            serverImageProblem,
        )
            .default("ubuntu_noble")
            .describe("The server's operating system image (Ubuntu 24.04)."),
        rootVolumeGb: z.number().int().min(10).max(1000).default(40).describe("The size of the server's root volume in GB."),
        deployUser: checked(z.string(), deployUserProblem)
            .default("deploy")
            .describe("The login user that runs Docker and the platform's commands: a new account, never `root` or one the image has (`ubuntu`, `daemon`, ...)."),
        sshPublicKey: checked(z.string(), sshPublicKeyProblem)
            .optional()
            .describe(
                "Required on the scaleway target: the deploy user's OpenSSH public key (ed25519, RSA of 2048+ bits, or ECDSA), whose key data is checked so a placeholder is refused.",
            ),
        adminCidrs: z
            .array(z.string())
            .default([])
            .describe(
                "Required (at least one) on the scaleway target: the public address ranges that may reach SSH (port 22), at most a /16 (IPv4) or /48 (IPv6); documentation, private, CGNAT, loopback, link-local and multicast ranges are refused.",
            ),
        sshOpenToInternet: z
            .boolean()
            .default(false)
            .describe("Allow `adminCidrs` wider than /16 or /48, up to `0.0.0.0/0` and `::/0`: SSH open to every scanner on the internet, only if you mean it."),
        hostSshRule: z
            .enum(["adminCidrs", "securityGroupOnly"])
            .default("adminCidrs")
            .describe(
                "Who the server's own firewall (UFW) admits to SSH, besides the Scaleway security group: `adminCidrs` (default) admits `adminCidrs` only, so every `up` must come from an address they list (a workstation, a self-hosted runner); `securityGroupOnly` admits any address and leaves the choice to the security group alone, which GitHub-hosted runners need (their changing address is added to the group per job, docs/github-actions.md). An `up` applies it over SSH whenever it changes, and refuses a rule set that would cut off its own session; an admin address that changes must be added while the old one still works (docs/github-actions.md), so without a stable address choose `securityGroupOnly`.",
            ),
        hostKeys: z
            .array(checked(z.string(), hostKeyProblem))
            .default([])
            .describe(
                "Only for servers made before the program generated their SSH host key: each server's current host key (`ssh-ed25519 AAAA...`, index 0 for server 1), read over a connection you trust; every connection pins it (docs/runbooks/pin-host-keys.md). A new server's key is generated and installed by cloud-init.",
            ),
        reservedMb: z.number().int().min(0).default(512).describe("Memory in MiB kept free for the OS and Docker in the memory budget."),
        count: z
            .number()
            .int()
            .min(1)
            .max(MAX_SERVERS)
            .default(1)
            .describe(
                "The number of app servers; above 1 each is built alike behind `loadBalancer` on a private network, which needs the scaleway target, `database.managed.enabled` and the deploy key in an ssh-agent.",
            ),
        retire: z
            .array(z.number().int().min(2).max(MAX_SERVERS))
            .default([])
            .describe(
                "Servers about to be removed, by number (the highest ones, e.g. `[3]`): `up` takes them out of the load balancer's pool and lifts the protection of their IP and instance, so a later lower `server.count` deletes them (docs/runbooks/remove-a-server.md).",
            ),
    })
    .prefault({})
    .describe("The Scaleway server the platform runs on (scaleway target).");

export const loadBalancerSchema = z
    .strictObject({
        type: z.enum(LB_TYPES).default("LB-S").describe("The Scaleway Load Balancer offer, smallest first."),
        backendPort: port(8080).describe(
            "The port nginx serves the load balancer on, on each server's private address only (HTTP with the PROXY protocol): 1024 or above, not `proxy.statusPort` nor a port the server uses (22, 5432, Docker's, the exporters').",
        ),
        letsEncrypt: z
            .boolean()
            .default(true)
            .describe(
                "The load balancer's own Let's Encrypt certificate for `domain` and `aliases` (HTTPS on 443, port 80 redirected), requested from `phase: certificate` on; `false`: no certificate, port 80 serves the site.",
            ),
        phase: z
            .enum(LB_PHASES)
            .default("done")
            .describe(
                "Where the move from one server to several stands (docs/runbooks/add-a-server.md): `dns` (going from 1 server to more: the load balancer passes 80 and 443 through to server 1, which keeps serving on its own address; point DNS at the `dnsRecords` output), `certificate` (DNS points at the load balancer: its certificate is issued, servers 2 and up serve through it, server 1 still answers on its own address), `done` (server 1's public 80 and 443 close and it joins the pool).",
            ),
        healthCheck: z
            .strictObject({
                delaySeconds: z.number().int().min(1).max(60).default(2).describe("Seconds between two checks of a server's nginx `/health`."),
                timeoutSeconds: z.number().int().min(1).max(30).default(1).describe("Seconds a check may take; must be below `delaySeconds`."),
                retries: z.number().int().min(1).max(10).default(2).describe("Failed checks in a row that take a server out of the pool."),
            })
            .prefault({})
            .describe("How fast a server that stops answering leaves the pool and comes back (the provider's defaults, 60 s and 30 s, would keep a dead server for minutes)."),
    })
    .prefault({})
    .describe("Scaleway's managed Load Balancer in front of the app servers, used when `server.count` is above 1.");
