// pulumi-random (terraform-provider-random v3.9.0): what a change to each input of a generated
// password does, with the source it was read from. Data only.
import type { ResourceRules } from "./types";

const PASSWORD_REPLACE = "hashicorp/terraform-provider-random v3.9.0 (f8d869dc98) internal/provider/resource_password.go schema PlanModifiers RequiresReplace";

export const randomPassword: ResourceRules = {
    token: "random:index/randomPassword:RandomPassword",
    deleteBeforeReplace: false,
    replaceOn: [
        "keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number",
        "numeric", "overrideSpecial", "special", "upper",
    ],
    updateInPlace: [],
    noEffect: [],
    conditional: {
        keepers: "RequiresReplaceIfValuesNotNull",
        overrideSpecial: "replaces unless the change is \"\" -> null",
    },
    undetermined: [],
    source:
        "hashicorp/terraform-provider-random v3.9.0 (f8d869dc98) internal/provider/resource_password.go: every attribute RequiresReplace; Update only copies the plan; pulumi-random v4.21.1 sets no DeleteBeforeReplace",
    sources: {
        keepers: PASSWORD_REPLACE,
        length: PASSWORD_REPLACE,
        lower: PASSWORD_REPLACE,
        minLower: PASSWORD_REPLACE,
        minNumeric: PASSWORD_REPLACE,
        minSpecial: PASSWORD_REPLACE,
        minUpper: PASSWORD_REPLACE,
        number: PASSWORD_REPLACE,
        numeric: PASSWORD_REPLACE,
        overrideSpecial: PASSWORD_REPLACE,
        special: PASSWORD_REPLACE,
        upper: PASSWORD_REPLACE,
    },
};

const BYTES_REPLACE = "hashicorp/terraform-provider-random v3.9.0 (f8d869dc98) internal/provider/resource_bytes.go schema PlanModifiers RequiresReplace";

/** A server's host key seed (components/server.ts): base64 and hex are Sensitive, so secret in state. */
export const randomBytes: ResourceRules = {
    token: "random:index/randomBytes:RandomBytes",
    deleteBeforeReplace: false,
    replaceOn: ["keepers", "length"],
    updateInPlace: [],
    noEffect: [],
    conditional: {},
    undetermined: [],
    source: "hashicorp/terraform-provider-random v3.9.0 (f8d869dc98) internal/provider/resource_bytes.go: keepers (mapplanmodifier.RequiresReplace) and length (int64planmodifier.RequiresReplace); base64 and hex Sensitive",
    sources: { keepers: BYTES_REPLACE, length: BYTES_REPLACE },
};
