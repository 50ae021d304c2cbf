// Entry point: load and validate stack config, build the platform on its target, export outputs.
import { program } from "./stacks/program";

const outputs = program();
export const address = outputs.address;
export const urls = outputs.urls;
