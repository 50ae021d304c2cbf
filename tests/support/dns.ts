// A DNS server for the nginx sandbox, standing in for Docker's (127.0.0.11): it answers A queries
// for the names a test registers (the slots' network aliases, app1-backend-blue ...) and NXDOMAIN
// for the rest, with a 1 s TTL, so nginx's `resolve` upstreams follow it as they follow Docker's.
import * as dgram from "node:dgram";

export interface Dns {
    readonly port: number;
    /** Point a name at an IPv4 address (undefined: no such name). */
    set(name: string, address: string | undefined): void;
    close(): Promise<void>;
}

/** The query's name and type, and where the question ends. */
function question(msg: Buffer): { name: string; type: number; end: number } {
    const labels: string[] = [];
    let i = 12;
    while (msg[i] !== 0) {
        labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString("ascii"));
        i += msg[i] + 1;
    }
    return { name: labels.join(".").toLowerCase(), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

function answer(msg: Buffer, address: string | undefined, type: number): Buffer {
    const q = question(msg);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0); // id
    const found = address !== undefined;
    // QR, opcode 0, AA, RD copied, RA; RCODE 3 (NXDOMAIN) for an unknown name.
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | (found ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    const withAnswer = found && type === 1;
    header.writeUInt16BE(withAnswer ? 1 : 0, 6);
    const parts = [header, msg.subarray(12, q.end)];
    if (withAnswer) {
        const rr = Buffer.alloc(16);
        rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
        rr.writeUInt16BE(1, 2); // A
        rr.writeUInt16BE(1, 4); // IN
        rr.writeUInt32BE(1, 6); // TTL 1 s
        rr.writeUInt16BE(4, 10);
        address!.split(".").forEach((o, k) => rr.writeUInt8(Number(o), 12 + k));
        parts.push(rr);
    }
    return Buffer.concat(parts);
}

export async function startDns(port: number): Promise<Dns> {
    const names = new Map<string, string>();
    const socket = dgram.createSocket("udp4");
    socket.on("message", (msg, peer) => {
        try {
            const q = question(msg);
            socket.send(answer(msg, names.get(q.name), q.type), peer.port, peer.address);
        } catch {
            // A malformed query gets no answer, as from a real server under attack.
        }
    });
    await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind(port, "127.0.0.1", () => resolve());
    });
    return {
        port,
        set: (name, address) => (address === undefined ? names.delete(name.toLowerCase()) : names.set(name.toLowerCase(), address)),
        close: () => new Promise((resolve) => socket.close(() => resolve())),
    };
}
