// Every listener opens its socket with SO_REUSEPORT (one socket per worker). A new nginx (a new
// image) started in the same network namespace binds the same ports while the old one still serves,
// and the kernel spreads new connections over both until the old one quits gracefully; with
// net.ipv4.tcp_migrate_req=1 its queued connections move to the new sockets instead of being reset
// (tests/render/nginx/image-handover.test.ts). nginx takes socket options once per address:port:
// on the port's default server (or its only one).
export const REUSEPORT = "reuseport";
