// Stack files whose YAML this reader (the `yaml` package, YAML 1.2's core schema: `npm run render`
// and the pull request's render) and Pulumi's (gopkg.in/yaml.v3, resolve.go) would read as two
// different configs: a number with a leading zero is decimal here and YAML 1.1's octal there, so
// the render a reviewer reads would show 443 while `pulumi up` deploys 291. Refused with exit 2,
// the file's line and the fix; values both read alike are left alone. Tags and types this reader
// cannot take as the field's type are refused by validation, naming the field.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { tempDirs } from "../support/tmp";
import { parseConfigText } from "../../config/stack-file";
import { CaseResult, renderCases } from "./harness";
import { accept, Case, readRendered, refuse } from "./case";
import { parse } from "yaml";

const file = (entries: string) => `config:\n  mhylle-platform:target: local\n${entries}`;
const CASES: Case[] = [
    refuse("files", "an HTTPS port written 0443 (Pulumi: 291)", file("  mhylle-platform:proxy:\n    httpsPort: 0443\n"), "stack.yaml", /has the number 0443 with a leading zero, which Pulumi reads as octal \(291\) and this reader as 443; write 443 without the zero.* \(line 4\)$/),
    refuse("files", "a port that would be SSH's for Pulumi (026 is 22)", file("  mhylle-platform:proxy:\n    httpPort: 026\n"), "stack.yaml", /has the number 026 .*octal \(22\)/),
    refuse("files", "an explicit !!int tag on 0443", file("  mhylle-platform:proxy:\n    httpsPort: !!int 0443\n"), "stack.yaml", /octal \(291\)/),
    refuse("files", "a leading-zero number in a nested mapping (07 reads alike, 010 does not)", file("  mhylle-platform:backups:\n    keepDaily: 07\n    keepWeekly: 010\n"), "stack.yaml", /010 .*octal \(8\).* \(line 5\)$/),
    refuse("values", "a port given as text", file('  mhylle-platform:proxy:\n    httpsPort: "443"\n'), "proxy.httpsPort", /must be a number/),
    refuse("values", "a port written with an underscore (Pulumi: 443, here text)", file("  mhylle-platform:proxy:\n    httpsPort: 4_43\n"), "proxy.httpsPort", /must be a number/),
    refuse("values", "a domain tagged !!binary", file("  mhylle-platform:domain: !!binary bWh5bGxlLmNvbQ==\n"), "domain", /must be a string/),
    refuse("values", "a domain that is a number", file("  mhylle-platform:domain: 1234\n"), "domain", /must be a string/),
    accept("files", "a number both read alike (0x1bb, 0448, 0)", file("  mhylle-platform:proxy:\n    httpsPort: 0x1bb\n    httpPort: 0448\n  mhylle-platform:backups:\n    keepWeekly: 0\n")),
    accept("files", "a leading zero in quotes or under !!str is text to both", file('  mhylle-platform:apps:\n    - name: app1\n      backend: { image: "ghcr.io/mhylle/app1-backend:1.0.0" }\n      frontend:\n        image: ghcr.io/mhylle/app1-frontend:1.0.0\n        env: { ZIP: "01234", CODE: !!str 0755 }\n'), (r) =>
        assert.match(r.inputs("app1-frontend-release").stdin, /^ZIP=01234$[\s\S]*^CODE=0755$/m),
    ),
];

const dir = tempDirs()(path.join(os.tmpdir(), "yaml-readers-"));
let results: CaseResult[] = [];
before(async () => {
    results = await renderCases(CASES, dir);
});

for (const c of CASES) {
    const result = () => results.find((r) => r.c === c)!;
    if (c.refused) {
        const { field, says } = c.refused;
        test(`refuses ${c.name}`, () => {
            const r = result();
            assert.equal(r.status, 2, "expected exit 2, rendered instead");
            const line = r.problems.find((l) => l.startsWith(`${field}: `));
            assert.ok(line, `no line for ${field}; got:\n${r.problems.join("\n")}`);
            assert.match(line, says);
            assert.match(line, / \((got .+|line \d+)\)$/, "the line ends with the bad value or the file's line");
        });
    } else {
        test(`accepts ${c.name}`, () => {
            const r = result();
            assert.equal(r.status, 0, r.problems.join("\n"));
            c.lands?.(readRendered(r.out), r.raw!);
        });
    }
}

test("leading-zero numbers are flagged exactly where yaml.v3's reading (from its resolve.go) and this reader's differ", () => {
    // What yaml.v3 makes of each plain scalar, read from its resolve.go (ParseInt with base 0: octal
    // after a leading 0; a digit 8 or 9 fails it and ParseFloat reads decimal), written out by hand.
    const yamlV3: Record<string, number> = { "0443": 291, "026": 22, "-012": -10, "0448": 448, "0": 0, "00": 0, "0x1bb": 443, "10": 10, "0o17": 15 };
    for (const [text, go] of Object.entries(yamlV3)) {
        let flagged = false;
        try {
            parseConfigText(`a: ${text}\n`, "f.yaml");
        } catch {
            flagged = true;
        }
        const here = parse(`a: ${text}\n`).a;
        assert.equal(flagged, go !== here, `${text}: yaml.v3 ${go}, here ${here}`);
    }
});
