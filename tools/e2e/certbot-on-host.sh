#!/usr/bin/env bash
# certbot from Debian on this machine, standing in for the pinned certbot image that the production
# certificate scripts run (their CERTBOT hook, render/tls/certbot.ts): the same state folders the
# image mounts, and the challenge webroot nginx serves from its volume, reached through the
# volume's folder on this host instead of the path it has inside the containers.
# usage: certbot-on-host.sh CERTS_DIR STATE_DIR VOLUME WEBROOT_IN_CONTAINER CERTBOT-ARGS...
set -euo pipefail
certs="$1" state="$2" volume="$3" in_container="$4"
shift 4
webroot=$(docker volume inspect -f '{{.Mountpoint}}' "$volume")
args=()
for a in "$@"; do
  if [ "$a" = "$in_container" ]; then args+=("$webroot"); else args+=("$a"); fi
done
exec certbot --config-dir "$certs" --work-dir "$state/work" --logs-dir "$state/logs" "${args[@]}"
