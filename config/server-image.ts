// Server images whose kernel is older than Linux 5.14: nginx's holder sets net.ipv4.tcp_migrate_req
// (components/proxy-holder.ts), which Docker cannot set there, so the platform would not start.

/** Scaleway image labels and the kernel they ship. */
const TOO_OLD: Readonly<Record<string, string>> = {
    ubuntu_bionic: "4.15",
    ubuntu_focal: "5.4",
    debian_buster: "4.19",
    debian_bullseye: "5.10",
    centos_7: "3.10",
    centos_stream_8: "4.18",
    rockylinux_8: "4.18",
    almalinux_8: "4.18",
};

/** Why the server cannot run `image`, or undefined. */
export function serverImageProblem(image: string): string | undefined {
    const kernel = Object.hasOwn(TOO_OLD, image) ? TOO_OLD[image] : undefined;
    return kernel && `ships Linux ${kernel}; nginx's holder needs 5.14 or later (net.ipv4.tcp_migrate_req): use ubuntu_noble (the default) or ubuntu_jammy`;
}
