// Entry point: validate stack config, pin images, build the platform on its target, export outputs.
// An async default export: Pulumi awaits it, so nothing is declared before validation finishes.
import { program } from "./stacks/program";

export = async () => {
    const outputs = await program();
    return { address: outputs.address, urls: outputs.urls, dnsRecords: outputs.dnsRecords, sshFirewall: outputs.sshFirewall, servers: outputs.servers };
};
