// Pulumi's own rules for project config (Pulumi.yaml `config:`) and stack files, as the CLI applies
// them before the program runs, on every preview, up and destroy. Read from pulumi/pulumi v3.248.0:
//   sdk/go/common/workspace/project.go  Project.Validate, ValidateConfigValue, InferFullTypeName
//   sdk/go/common/workspace/config.go   mergeConfig (missing keys, defaults applied as PLAIN values),
//                                        validateStackConfigValues / validateStackConfigValue
// (docs/engine-notes.md, section 1). Each message is the CLI's own text.

export interface ConfigTypeDecl {
    readonly type?: string;
    readonly items?: { type: string; items?: unknown };
    readonly default?: unknown;
    readonly value?: unknown;
    readonly secret?: boolean;
    readonly description?: string;
}

const TYPES = ["string", "integer", "boolean", "array", "object"];

type Items = { type: string; items?: Items } | undefined;

const fullTypeName = (type: string, items: Items): string => (items ? `array<${fullTypeName(items.type, items.items)}>` : type);

/** ValidateConfigValue. */
export function valueMatches(type: string, items: Items, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?\d+$/.test(value));
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        default:
            return Array.isArray(value) && items !== undefined && value.every((v) => valueMatches(items.type, items.items, v));
    }
}

const namespacedByProject = (project: string, key: string) => !key.includes(":") || key.startsWith(`${project}:`);

/** Project.Validate: the errors `pulumi` prints for the project file itself. */
export function projectErrors(project: { name: string; config?: Record<string, ConfigTypeDecl> }): string[] {
    const errors: string[] = [];
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        if (decl.default !== undefined && decl.value !== undefined) errors.push(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        if (decl.type !== undefined && !TYPES.includes(decl.type)) errors.push(`project config '${key}': type '${decl.type}' is not one of ${TYPES.join(", ")} (project.json simpleConfigType)`);
        if (namespacedByProject(project.name, key)) {
            if (decl.type === "array" && !decl.items) errors.push(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
            if (decl.type !== undefined && decl.default !== undefined && !valueMatches(decl.type, decl.items as Items, decl.default))
                errors.push(`The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(decl.type, decl.items as Items)}'`);
        } else {
            if (decl.type !== undefined) errors.push(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
            if (decl.default !== undefined) errors.push(`Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`);
            if (decl.value === undefined) errors.push(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
    }
    return errors;
}

/** A stack file's value: `{ secure: ... }` is encrypted; anything else is plain. */
const isSecure = (v: unknown) => v !== null && typeof v === "object" && "secure" in (v as object);

/**
 * mergeConfig + validateStackConfigValues for one stack: the first error the CLI stops at
 * (`validating stack config: ...`), or undefined. `stackConfig` is the stack file's `config:` map.
 */
export function stackError(project: { name: string; config?: Record<string, ConfigTypeDecl> }, stack: string, stackConfig: Record<string, unknown>): string | undefined {
    const keys = Object.keys(project.config ?? {}).sort();
    const full = (k: string) => (k.includes(":") ? k : `${project.name}:${k}`);
    const missing = keys.filter((k) => {
        const d = project.config![k];
        return !(full(k) in stackConfig) && d.value === undefined && d.default === undefined && full(k).startsWith(`${project.name}:`);
    });
    if (missing.length) return `Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${missing.map((k) => `'${k}'`).join(missing.length > 2 ? ", " : " and ")}`;
    for (const k of keys) {
        const d = project.config![k];
        // A default (or value) fills the key as a PLAIN value when the stack does not set it.
        const value = full(k) in stackConfig ? stackConfig[full(k)] : (d.value ?? d.default);
        if (d.type === undefined) continue; // only explicitly typed keys are validated
        if (d.secret && !isSecure(value)) return `Stack '${stack}' with configuration key '${k}' must be encrypted as it's secret`;
        if (isSecure(value)) continue; // the CLI decrypts and checks the plaintext; nothing to read here
        if (!valueMatches(d.type, d.items as Items, value)) return `Stack '${stack}' with configuration key '${k}' must be of type '${fullTypeName(d.type, d.items as Items)}'`;
    }
    return undefined;
}
