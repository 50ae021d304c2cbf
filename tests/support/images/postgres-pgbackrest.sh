#!/usr/bin/env bash
# Builds local/postgres:15-pgbackrest: local/postgres:15 plus pgBackRest, from the very Dockerfile
# production builds on the server (render/backup/postgres-pgbackrest.Dockerfile, BASE = the pinned
# postgres:15 there, local/postgres:15 here). Its label io.mhylle.platform.pgbackrest-image is the
# hash of its inputs (the base's image ID and the Dockerfile); a matching tag is reused.
#
#   tests/support/images/postgres-pgbackrest.sh [--force]
#
# build.sh runs it after making local/postgres:15. Needs a running dockerd and the Debian mirror
# (only when something must be built).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../../.." && pwd)"
DOCKERFILE="$REPO_ROOT/render/backup/postgres-pgbackrest.Dockerfile"
BASE=local/postgres:15
TAG=local/postgres:15-pgbackrest
LABEL=io.mhylle.platform.pgbackrest-image

die() { echo "postgres-pgbackrest.sh: error: $*" >&2; exit 1; }

FORCE=0
case "${1:-}" in "") ;; --force) FORCE=1 ;; *) die "unknown argument '$1' (use --force)" ;; esac

base_id="$(docker image inspect -f '{{.Id}}' "$BASE" 2>/dev/null)" || die "$BASE is missing: run build.sh first"
hash="$({ echo "$base_id"; sha256sum <"$DOCKERFILE"; } | sha256sum | cut -c1-64)"
if [ "$FORCE" = 0 ] && [ "$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$TAG" 2>/dev/null || true)" = "$hash" ]; then
	echo "reused  $TAG"
	exit 0
fi
t0="$EPOCHREALTIME"
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
log="$context.log"
# Docker 20.10 here has no buildx: the classic builder, which takes ARG in FROM. An empty context:
# the Dockerfile copies nothing in.
if ! DOCKER_BUILDKIT=0 docker build --label "$LABEL=$hash" --build-arg "BASE=$BASE" -f "$DOCKERFILE" -t "$TAG" "$context" >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "docker build of $TAG failed (full log: $log)"
fi
rm -f "$log"
docker image prune -f --filter "label=$LABEL" >/dev/null
echo "built   $TAG ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s)"
