// An app's env and secretEnv: no secret in the plain one, and each secret variable read from a
// secret config key of its own (not the platform's, a config field or a registry token).
import { configSchema, PlatformConfig } from "./schema";
import { platformEnvProblem } from "./field-checks";
import { plainSecretProblem } from "./plain-secrets";
import { PLATFORM_SECRETS } from "./secrets";

type Add = (field: string, problem: string, got: unknown) => void;

/** Every secret config key an app's secretEnv names, each once. */
export const secretEnvKeys = (cfg: Pick<PlatformConfig, "apps">): string[] => [
    ...new Set(cfg.apps.flatMap((a) => [...Object.values(a.frontend.secretEnv), ...Object.values(a.backend.secretEnv)])),
];

export function envSecretProblems(cfg: PlatformConfig, add: Add): void {
    const taken = new Map<string, string>([
        ...PLATFORM_SECRETS.map((k): [string, string] => [k.toLowerCase(), `the platform's secret ${k}`]),
        ...Object.keys(configSchema.shape).map((k): [string, string] => [k.toLowerCase(), `the config field ${k}`]),
        ...cfg.registries.credentials.map((c, i): [string, string] => [c.tokenKey.toLowerCase(), `the registry token of registries.credentials[${i}]`]),
    ]);
    cfg.apps.forEach((app, i) => {
        for (const service of ["frontend", "backend"] as const) {
            const at = `apps[${i}].${service}`;
            for (const [key, value] of Object.entries(app[service].env)) {
                const problem = plainSecretProblem(key, value);
                // The value is never repeated: it may be the secret.
                if (problem) add(`${at}.env.${key}`, problem, "[secret]");
            }
            for (const [name, configKey] of Object.entries(app[service].secretEnv)) {
                const field = `${at}.secretEnv.${name}`;
                if (name in app[service].env) add(field, `is also in ${at}.env; keep the variable in one of them`, name);
                const reserved = platformEnvProblem(name);
                if (reserved) add(field, reserved, name);
                const owner = taken.get(configKey.toLowerCase());
                if (owner) add(field, `names ${owner}; give this variable a secret config key of its own: pulumi config set --secret ${app.name.replace(/-./g, (m) => m[1].toUpperCase())}${name.toLowerCase().replace(/(^|_)(.)/g, (_, __, c: string) => c.toUpperCase())} <value>`, configKey);
            }
        }
    });
}
