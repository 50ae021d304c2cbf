// nginx's holder sets net.ipv4.tcp_migrate_req (components/proxy-holder.ts), which exists from Linux
// 5.14: on a server image with an older kernel Docker cannot start it ("open
// /proc/sys/net/ipv4/tcp_migrate_req: no such file or directory") and the first `up` stops after the
// server was made. Such an image is refused before anything is touched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { problems, refuses } from "../support/config-problems";

test("a server image with a kernel older than 5.14 is refused, naming its kernel and the images to use", () => {
    for (const [image, kernel] of [["ubuntu_focal", "5.4"], ["debian_bullseye", "5.10"], ["ubuntu_bionic", "4.15"]]) {
        refuses({ server: { image } }, "server.image", new RegExp(`Linux ${kernel.replace(".", "\\.")}.*5\\.14.*ubuntu_noble`));
    }
});

test("the default and the current Ubuntu and Debian images are accepted", () => {
    for (const image of ["ubuntu_noble", "ubuntu_jammy", "debian_bookworm"]) assert.deepEqual(problems({ server: { image } }).filter((l) => l.startsWith("server.image")), []);
});

test("a label that names a property of every object (constructor) is not read as a known image", () => {
    for (const image of ["constructor", "tostring"]) assert.deepEqual(problems({ server: { image } }).filter((l) => /Linux/.test(l)), [], image);
});
