// Security and cache headers. add_header is inherited only by blocks without their own add_header,
// so every block that adds one includes a full snippet from here (see routes.ts).
import type { AppConfig, PlatformConfig } from "../../config/schema";

export const HSTS = "max-age=63072000; includeSubDomains; preload";

/**
 * Snippet files, relative to the nginx folder. Apps' snippets have a folder of their own: an app
 * named like a platform snippet (http, say) can never overwrite it.
 */
export const headersSnippet = (app?: string) => (app ? `snippets/apps/${app}-headers.conf` : "snippets/headers.conf");
export const HTTP_HEADERS_SNIPPET = "snippets/headers-http.conf";

/** The seed's headers, `always` so errors and redirects carry them too. */
export function securityHeaders(csp: string, hsts: boolean): string {
    return [
        ...(hsts ? [`add_header Strict-Transport-Security "${HSTS}" always;`] : []),
        'add_header X-Frame-Options "DENY" always;',
        'add_header X-Content-Type-Options "nosniff" always;',
        'add_header X-XSS-Protection "1; mode=block" always;',
        'add_header Referrer-Policy "strict-origin-when-cross-origin" always;',
        `add_header Content-Security-Policy "${csp}" always;`,
    ].join("\n") + "\n";
}

export const appCsp = (cfg: PlatformConfig, app: AppConfig) => app.proxy.csp ?? cfg.proxy.csp;

/**
 * `$frontend_cache_control`: fingerprinted assets (name.<8+ hex>.ext) cached a year, the SPA
 * shell (index.html, folders, extension-less deep links) never, anything else as the app says.
 */
export const CACHE_CONTROL_MAP = `map $uri $frontend_cache_control {
    "~*\\.[0-9a-f]{8,}\\.(?:js|mjs|css|woff2?|ttf|svg|png|jpe?g|gif|webp|avif|ico)$" "public, max-age=31536000, immutable";
    "~*(?:/|/index\\.html|/[^./]+)$" "no-cache";
    default $upstream_http_cache_control;
}
`;
