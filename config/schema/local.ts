// local: what the local target (this machine's Docker) needs besides the rest of the config.
import { z } from "zod";
import { dataDirProblem } from "../data-dir";
import { caFileProblem } from "../ca-file";
import { trustedRangeProblem } from "../trusted-ranges";
import { checked, port } from "./fields";
import { HOSTNAME } from "./patterns";

const localServerSchema = z.strictObject({
    dockerHost: z
        .string()
        .regex(/^unix:\/\/\/[A-Za-z0-9._/-]+$/, "must be a Docker engine's unix socket such as unix:///run/docker-2.sock")
        .describe("Required: the server's Docker engine, a unix socket such as `unix:///run/docker-2.sock`."),
    dataDir: checked(z.string(), (d) => dataDirProblem(d)).describe("Required: the folder standing in for this server's `/opt/platform`."),
    backendPort: z.number().int().min(1024).max(65535).describe("Required: the port this server's nginx listener is published on."),
});

const localManagedDatabaseSchema = z.strictObject({
    host: z.union([z.ipv4({ error: "must be an IPv4 address or a lower-case DNS name, e.g. 127.0.0.1 or db.example.test" }), z.string().regex(HOSTNAME, "must be an address or a DNS name")]).describe("Required: the stand-in's address or DNS name."),
    port: port(5432).describe("The stand-in's port."),
    caFile: checked(z.string().regex(/^\/[A-Za-z0-9._/-]+$/, "must be an absolute path of plain characters"), (f) => (/^\/[A-Za-z0-9._/-]+$/.test(f) ? caFileProblem(f) : undefined)).describe(
        "Required: the stand-in's CA certificate, an absolute path on this machine to a PEM file of at most 64 KiB holding only `CERTIFICATE` blocks (its content goes into state).",
    ),
    adminUser: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL role name").default("postgres").describe("The stand-in's admin role."),
});

export const localSchema = z
    .strictObject({
        dataDir: checked(z.string(), (d) => dataDirProblem(d))
            .default(".platform-data")
            .describe(
                "The folder standing in for `/opt/platform` on the local target: a plain path of its own (letters, digits, `. _ + -`), never a system or shared folder, your home or the project folder.",
            ),
        cron: z
            .boolean()
            .default(false)
            .describe("Put the platform's jobs (backups, status, ...) in this machine's crontab; off by default so a try-out never edits yours."),
        servers: z
            .array(localServerSchema)
            .default([])
            .describe("For `server.count` above 1 on this machine (tests): per server a Docker engine of its own standing in for it, a data folder and a port."),
        loadBalancerAddresses: z
            .array(checked(z.string().regex(/^[0-9a-fA-F:.]+(\/[0-9]{1,3})?$/, "must be an address or a CIDR range"), trustedRangeProblem))
            .default(["127.0.0.1"])
            .describe(
                "The addresses nginx believes a PROXY header from, standing in for the load balancer's private ones: loopback or private addresses or ranges, no wider than /16 (IPv4) or /48 (IPv6).",
            ),
        managedDatabase: localManagedDatabaseSchema
            .optional()
            .describe(
                "Optional (tests): an existing PostgreSQL 15 with TLS standing in for the managed database; its admin's password is the secret `managedDatabaseAdminPassword`.",
            ),
    })
    .prefault({})
    .describe("The local target: this machine's Docker stands in for the server.");
