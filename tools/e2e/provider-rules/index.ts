// Every provider's property rules, keyed by type token: the table the engine double plans with
// (tools/e2e/engine.ts) and the mocks derive container IDs from (tools/record.ts). One file per
// provider beside this one, each with the source it was read from (the engine's own provider types in
// pulumi.ts); the shape is in types.ts.
import type { ResourceRules } from "./types";
import { dockerContainer, dockerImage, dockerNetwork, dockerRemoteImage, dockerVolume } from "./docker";
import { localCommand, remoteCommand } from "./command";
import { randomBytes, randomPassword } from "./random";
import { scalewayIp, scalewayMultiServerRules, scalewaySecurityGroup, scalewayServer, scalewaySshKey } from "./scaleway";
import { scalewayOffsiteRules } from "./scaleway-offsite";

export type { ResourceRules } from "./types";
export * from "./docker";
export * from "./command";
export * from "./random";
export * from "./scaleway";
export * from "./scaleway-offsite";
export * from "./pulumi";

/** Every rule set, keyed by type token. */
export const providerRules: Readonly<Record<string, ResourceRules>> = Object.fromEntries(
    [
        dockerContainer, dockerNetwork, dockerVolume, dockerImage, dockerRemoteImage,
        localCommand, remoteCommand,
        randomPassword, randomBytes,
        scalewayServer, scalewayIp, scalewaySecurityGroup, scalewaySshKey, ...scalewayMultiServerRules, ...scalewayOffsiteRules,
    ].map((r) => [r.token, r]),
);
