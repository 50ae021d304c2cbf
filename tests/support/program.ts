// Run the real program under mocks with a given stack config and look resources up.
import * as pulumi from "@pulumi/pulumi";
import { record, RecordedResource, reveal, isSecret } from "../../tools/record";
import { readStackFile } from "../../config/stack-file";

export interface Recorded {
    readonly resources: RecordedResource[];
    /** The stack outputs the program returns, resolved as the engine would. */
    readonly outputs: Record<string, unknown>;
    byName(name: string): RecordedResource;
    ofType(type: string): RecordedResource[];
}

export async function recordProgram(raw: Record<string, unknown>, secrets: Record<string, string> = { sshPrivateKey: "test-private-key" }): Promise<Recorded> {
    const { program } = await import("../../stacks/program");
    const { resources, result } = await record(raw, () => program(), { secrets });
    const outputs = await new Promise<Record<string, unknown>>((resolve) => pulumi.output(result).apply((o) => resolve(o as Record<string, unknown>)));
    return {
        resources,
        outputs,
        byName(name) {
            const r = resources.find((x) => x.name === name);
            if (!r) throw new Error(`no resource named ${name}; have: ${resources.map((x) => x.name).join(", ")}`);
            return r;
        },
        ofType: (type) => resources.filter((x) => x.type === type),
    };
}

export const stackConfig = (stack: string) => readStackFile(`${__dirname}/../../Pulumi.${stack}.yaml`).raw;

export { prodConfig, TEST_ADMIN_CIDR } from "./prod-stack";
export { reveal, isSecret };

export const CONTAINER = "docker:index/container:Container";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";
export const LOCAL_COMMAND = "command:local:Command";
export const REMOTE_COMMAND = "command:remote:Command";
