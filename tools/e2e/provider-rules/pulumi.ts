// The engine's own resource types: explicit providers (pulumi v3.248.0
// sdk/go/common/providers/reference.go IsProviderType: module "pulumi:providers"). They hold no real
// thing; their inputs configure the provider plugin (pkg/resource/deploy/providers/registry.go: a new
// provider's ID is UnknownID in a preview, an existing one keeps its ID), so the double plans no step
// for them and accepts only an unchanged local engine (tools/e2e/applier.ts).

/** Provider resource types the program registers. */
export const PROVIDER_TYPES: readonly string[] = ["pulumi:providers:docker", "pulumi:providers:command", "pulumi:providers:random"];
