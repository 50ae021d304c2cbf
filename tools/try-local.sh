#!/usr/bin/env bash
# The first five minutes: the whole platform on this machine's Docker, running the demo app.
#
#   npm run local              npm ci, a state backend in this folder, the local stack, pulumi up
#   npm run local -- destroy   removes everything the local stack made
#
# Pulumi's state and a passphrase generated on first use live in .pulumi-local/ (gitignored, 0700):
# your own `pulumi login` is never changed, and no secret is in the repository. Arguments after
# `up` go to `pulumi up` (e.g. --diff).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

action="${1:-up}"
[ $# -gt 0 ] && shift
die() { echo "try-local: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "Node.js 20 or newer is needed: https://nodejs.org"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || die "Node.js 20 or newer is needed (this is $(node --version))"
# The engine the docker CLI uses is its current context's (Docker Desktop, colima and rootless Docker
# each have a socket of their own), but Pulumi's Docker provider reads only DOCKER_HOST, else
# /var/run/docker.sock (kreuzwerker provider.go, `host`): give both the context's endpoint, so the
# check below and `pulumi up` reach the same engine. A DOCKER_HOST you set is kept.
if [ -z "${DOCKER_HOST:-}" ]; then
  endpoint="$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null || true)"
  if [ -n "$endpoint" ]; then export DOCKER_HOST="$endpoint"; fi
fi
docker info >/dev/null 2>&1 || die "Docker is not running or not reachable (start Docker Desktop, or: sudo systemctl start docker)"
command -v pulumi >/dev/null 2>&1 || die "the Pulumi CLI is needed: curl -fsSL https://get.pulumi.com | sh (then open a new shell)"

state="${TRY_LOCAL_STATE:-$PWD/.pulumi-local}"
mkdir -p "$state" && chmod 700 "$state"
export PULUMI_BACKEND_URL="file://$state"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  # Encrypts only this try-out's state (the generated database passwords); made here, never committed.
  [ -s "$state/passphrase" ] || (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))' >"$state/passphrase")
  export PULUMI_CONFIG_PASSPHRASE_FILE="$state/passphrase"
fi

case "$action" in
  up)
    npm ci --no-audit --no-fund
    pulumi stack select --create local --secrets-provider passphrase
    pulumi up --yes --stack local "$@"
    echo
    echo "The platform runs on this machine. Open:"
    pulumi stack output urls --stack local --json | node -e 'for (const u of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log("  " + u)'
    echo
    echo "Your browser will warn that the certificate is not trusted: until a real domain points at a"
    echo "server, nginx serves a self-signed certificate it made for localhost.localdomain. Nothing"
    echo "is wrong; accept it for 127.0.0.1 to go on. Releases: change apps[0].backend.build.args."
    echo "DEMO_VERSION in Pulumi.local.yaml and run this again, with the page open. Remove it all:"
    echo "npm run local -- destroy"
    ;;
  destroy)
    pulumi destroy --yes --stack local "$@"
    ;;
  *)
    die "unknown action $action (use up or destroy)"
    ;;
esac
