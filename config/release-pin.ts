// Record a release in the stack file: set apps[i].<service>.image to the digest-pinned reference.
// Edits the YAML document in place so comments, order and every other line stay as they were.
import { isMap, isSeq, parseDocument } from "yaml";
import { PROJECT } from "./stack-file";
import type { ServiceKind } from "./naming";

/** Returns the stack file text with only that app's service image changed. */
export function pinImage(text: string, app: string, service: ServiceKind, image: string): string {
    const doc = parseDocument(text);
    // A stack file nests keys under `config:` with the project prefix; a plain config file does not.
    const root = doc.has("config") ? ["config"] : [];
    const appsKey = [`${PROJECT}:apps`, "apps"].find((k) => doc.hasIn([...root, k]));
    const apps = appsKey ? doc.getIn([...root, appsKey], true) : undefined;
    if (!appsKey || !isSeq(apps)) throw new Error(`no apps list in the stack file; cannot record the release of ${app}`);
    const index = apps.items.findIndex((item) => isMap(item) && item.get("name") === app);
    if (index < 0) throw new Error(`app ${app} is not in the stack file's apps list`);
    if (doc.hasIn([...root, appsKey, index, service, "build"]))
        throw new Error(`${app}'s ${service} is built from source (build:) in this stack; a release by digest is for an image from a registry`);
    doc.setIn([...root, appsKey, index, service, "image"], image);
    // Keep the file as people wrote it: no folding of long lines (the SSH public key), no padding in [a, b].
    return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
