#!/usr/bin/env bash
# Builds local/postgres:15-trixie-apt (local/postgres:15 with Debian trixie's apt source: the
# stand-in for postgres:15 as the pooler's base, whose PGDG repository has a current PgBouncer;
# bookworm's is 1.18, the pooler needs 1.21+, trixie has 1.24), then local/pgbouncer:e2e from the
# Dockerfile production builds on the server (render/database/pgbouncer.Dockerfile) on it.
# Its label io.mhylle.platform.pgbouncer-image is the hash of its inputs; a matching tag is reused.
#
#   tests/support/images/pgbouncer.sh [--force]
#
# build.sh runs it after making local/postgres:15. Needs a running dockerd and the Debian mirror
# (only when something must be built).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../../.." && pwd)"
DOCKERFILE="$REPO_ROOT/render/database/pgbouncer.Dockerfile"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE=local/postgres:15
APT_BASE=local/postgres:15-trixie-apt
TAG=local/pgbouncer:e2e
LABEL=io.mhylle.platform.pgbouncer-image

die() { echo "pgbouncer.sh: error: $*" >&2; exit 1; }

FORCE=0
case "${1:-}" in "") ;; --force) FORCE=1 ;; *) die "unknown argument '$1' (use --force)" ;; esac

base_id="$(docker image inspect -f '{{.Id}}' "$BASE" 2>/dev/null)" || die "$BASE is missing: run build.sh first"
# Both suites at the same priority: apt takes trixie's PgBouncer and only the libraries it needs.
apt_base="FROM $BASE
RUN echo 'deb $MIRROR trixie main' >/etc/apt/sources.list.d/trixie.list"
hash="$({ echo "$base_id"; echo "$apt_base"; sha256sum <"$DOCKERFILE"; } | sha256sum | cut -c1-64)"
if [ "$FORCE" = 0 ] && [ "$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$TAG" 2>/dev/null || true)" = "$hash" ]; then
	echo "reused  $TAG"
	exit 0
fi
t0="$EPOCHREALTIME"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! DOCKER_BUILDKIT=0 docker build --label "$LABEL=$hash" -t "$APT_BASE" - <<<"$apt_base" >"$log" 2>&1 ||
	! DOCKER_BUILDKIT=0 docker build --label "$LABEL=$hash" --build-arg "BASE=$APT_BASE" -t "$TAG" - <"$DOCKERFILE" >>"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "docker build of $TAG failed"
fi
docker image prune -f --filter "label=$LABEL" >/dev/null
echo "built   $TAG ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s)"
