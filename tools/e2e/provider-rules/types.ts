// What every provider's rule set says: what a change to each input does, per resource type, as read
// from the providers' source (no CLI or plugin here to try it). Prose, error texts and engine rules:
// docs/engine-notes.md. Names are Pulumi's camelCase inputs as in the installed .d.ts files; a dotted
// name is a nested path whose rule differs from its parent's.

export interface ResourceRules {
    /** The Pulumi type token. */
    readonly token: string;
    /** Whether a replacement deletes the old resource before creating the new one. */
    readonly deleteBeforeReplace: boolean;
    /**
     * The input the provider names automatically when the program leaves it out: set explicitly, a
     * replacement deletes first (the bridge's nameRequiresDeleteBeforeReplace); left out, the new
     * resource gets a new name and is created before the old one is deleted.
     */
    readonly autonamed?: string;
    /** Inputs whose change replaces the resource. */
    readonly replaceOn: readonly string[];
    /** Inputs whose change updates the real thing in place. */
    readonly updateInPlace: readonly string[];
    /** Inputs whose change shows a diff and is saved to state, but changes nothing real. */
    readonly noEffect: readonly string[];
    /** Inputs whose rule depends on something else; the value says on what. */
    readonly conditional: Readonly<Record<string, string>>;
    /** Inputs whose behaviour the source read did not settle. */
    readonly undetermined: readonly string[];
    /** Where the resource-level facts (and deleteBeforeReplace) come from. */
    readonly source: string;
    /** Where each input's rule comes from. */
    readonly sources: Readonly<Record<string, string>>;
}
