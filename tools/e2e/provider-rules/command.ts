// pulumi-command v1.2.1 (local and remote commands): what a change to each input does, with the
// source it was read from. Data only.
import type { ResourceRules } from "./types";

const LOCAL_UPDATE = "pulumi-go-provider v1.3.0 infer/resource.go diff(): every input diffed, only replaceOnChanges fields replace; pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/local/commandController.go Update";
const REMOTE_UPDATE = "pulumi-go-provider v1.3.0 infer/resource.go diff(): every input diffed, only replaceOnChanges fields replace; pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/remote/commandController.go Update";
const TRIGGERS = "pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/common/inputs.go: provider:\"replaceOnChanges\"";

export const localCommand: ResourceRules = {
    token: "command:local:Command",
    deleteBeforeReplace: false,
    replaceOn: [
        "triggers",
    ],
    updateInPlace: [
        "create", "update", "delete", "stdin", "logging", "interpreter", "dir", "environment", "assetPaths",
        "archivePaths", "addPreviousOutputInEnv",
    ],
    noEffect: [],
    conditional: {
        triggers: "create-before-delete: the new create runs, the old resource's delete runs at the end of the deployment",
        delete: "a change to the delete script alone still re-runs update (or create)",
    },
    undetermined: [],
    source:
        "pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/common/inputs.go (triggers replaceOnChanges); local/commandController.go Update runs update, else create; pulumi-go-provider v1.3.0 infer/resource.go diff(): every input diffed, only replaceOnChanges fields replace; no DeleteBeforeReplace set",
    sources: {
        triggers: TRIGGERS,
        create: LOCAL_UPDATE,
        update: LOCAL_UPDATE,
        delete: LOCAL_UPDATE,
        stdin: LOCAL_UPDATE,
        logging: LOCAL_UPDATE,
        interpreter: LOCAL_UPDATE,
        dir: LOCAL_UPDATE,
        environment: LOCAL_UPDATE,
        assetPaths: LOCAL_UPDATE,
        archivePaths: LOCAL_UPDATE,
        addPreviousOutputInEnv: LOCAL_UPDATE,
    },
};

export const remoteCommand: ResourceRules = {
    token: "command:remote:Command",
    deleteBeforeReplace: false,
    replaceOn: [
        "triggers",
    ],
    updateInPlace: [
        "connection", "create", "update", "delete", "stdin", "logging", "environment",
        "addPreviousOutputInEnv",
    ],
    noEffect: [],
    conditional: {
        triggers: "create-before-delete: the new create runs, the old resource's delete (old script, old connection) runs at the end of the deployment",
        connection: "any change (the private key text included) re-runs update (or create)",
        delete: "a change to the delete script alone still re-runs update (or create)",
    },
    undetermined: [],
    source:
        "pulumi-command v1.2.1 (7f3eb6f3b7) provider/pkg/provider/common/inputs.go, remote/commandController.go, remote/commandOutputs.go run(); pulumi-go-provider v1.3.0 infer/resource.go diff(): every input diffed, only replaceOnChanges fields replace; no DeleteBeforeReplace set",
    sources: {
        triggers: TRIGGERS,
        connection: REMOTE_UPDATE,
        create: REMOTE_UPDATE,
        update: REMOTE_UPDATE,
        delete: REMOTE_UPDATE,
        stdin: REMOTE_UPDATE,
        logging: REMOTE_UPDATE,
        environment: REMOTE_UPDATE,
        addPreviousOutputInEnv: REMOTE_UPDATE,
    },
};
