// The status page's one stylesheet, and the Content-Security-Policy that allows exactly it: the
// program embeds this text and nginx sends the hash of this text, so the two cannot drift apart.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const CSS_FILE = path.join(__dirname, "status", "page.css");

export function statusPageCss(): string {
    const css = fs.readFileSync(CSS_FILE, "utf8").trim();
    if (/<\/style/i.test(css) || css.includes('"""')) throw new Error(`${CSS_FILE} may not hold </style or """`);
    return css;
}

/** No script, no external asset, nothing framed or posted: the page's own style block only. */
export function statusPageCsp(): string {
    const hash = createHash("sha256").update(statusPageCss(), "utf8").digest("base64");
    return `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}
