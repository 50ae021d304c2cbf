// proxy: the nginx container that routes by path and is the only one publishing ports.
import { z } from "zod";
import { cspValue, memoryMb, port } from "./fields";

export const DEFAULT_CSP =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

export const proxySchema = z
    .strictObject({
        memoryMb: memoryMb(128).describe("nginx's memory limit in MiB."),
        httpPort: port(80).describe("The HTTP port published on the host."),
        httpsPort: port(443).describe("The HTTPS port published on the host; must differ from `httpPort`."),
        bindAddress: z
            .union([z.ipv4({ error: "must be an IPv4 or IPv6 address such as 0.0.0.0, 127.0.0.1 or ::" }), z.ipv6()])
            .default("0.0.0.0")
            .describe("The host address the ports are published on (`127.0.0.1` keeps a local stack private)."),
        statusPort: port(8081).describe("The port of nginx's internal status server (`stub_status` at `/nginx_status`), never published; not 80 or 443."),
        csp: cspValue()
            .default(DEFAULT_CSP)
            .describe(
                'The default Content-Security-Policy: never empty (nginx would drop the header), at most 4000 printable characters without `"`, `\\`, `$`, `{` or `}`.',
            ),
    })
    .prefault({})
    .describe("nginx, the reverse proxy that routes by path.");
