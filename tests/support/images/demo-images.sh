#!/usr/bin/env bash
# Builds the demo app's test images from its own Dockerfiles (demo/frontend, demo/backend), the
# very files a newcomer builds from Docker Hub, on a local stand-in for their base image:
#   local/node-npm:bookworm     node-base.Dockerfile: local/platform-rootfs + Debian's npm
#   local/demo/frontend:1       demo/frontend, DEMO_VERSION=1
#   local/demo/backend:1, :2    demo/backend, DEMO_VERSION=1 and 2
#   local/demo/backend:broken   demo/backend, DEMO_VERSION=broken (never healthy)
# Every tag carries the label io.mhylle.platform.demo-image = hash of its inputs (its base's image
# ID, its build context and build args); a tag whose label matches is reused (warm run: ~1 s).
#
#   tests/support/images/demo-images.sh [--force]
#
# build.sh runs it at its end, after making local/platform-rootfs. Needs a running dockerd and the
# Debian mirror and npm registry (only when something must be built). Env: HOST_CA_BUNDLE (default
# /etc/ssl/certs/ca-certificates.crt), PLATFORM_IMAGES_CACHE (for the lock, as build.sh).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../../.." && pwd)"
DEMO_DIR="$REPO_ROOT/demo"
BASE_DOCKERFILE="$HERE/node-base.Dockerfile"
CA_BUNDLE="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
CACHE_DIR="$(realpath -m "${PLATFORM_IMAGES_CACHE:-/var/cache/platform-images}")"
ROOTFS_TAG=local/platform-rootfs:latest
BASE_TAG=local/node-npm:bookworm
LABEL=io.mhylle.platform.demo-image
# tag, service folder under demo/, DEMO_VERSION
DEMO_TAGS=(
	"local/demo/frontend:1 frontend 1"
	"local/demo/backend:1 backend 1"
	"local/demo/backend:2 backend 2"
	"local/demo/backend:broken backend broken"
)

FORCE=0
START="$EPOCHREALTIME"
TMP=""

die() { echo "demo-images.sh: error: $*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
sha() { sha256sum | cut -c1-64; }

hash_tree() { # hash_tree DIR: names and contents of every file under DIR, node_modules excluded
	(cd "$1" && find . -name node_modules -prune -o -type f -print0 | LC_ALL=C sort -z |
		xargs -0 -r sha256sum)
}

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
current_label() { docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null || true; }

build_image() { # build_image TAG HASH CONTEXT DOCKERFILE [--build-arg K=V ...]
	local tag="$1" hash="$2" context="$3" dockerfile="$4" t0="$EPOCHREALTIME" log="$TMP/build.log"
	shift 4
	# Docker 20.10 here has no buildx: the classic builder, which also takes ARG in FROM.
	if ! DOCKER_BUILDKIT=0 docker build --label "$LABEL=$hash" "$@" -f "$dockerfile" -t "$tag" "$context" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "docker build of $tag failed"
	fi
	echo "built   $tag ($(elapsed "$t0") s)"
}

base_hash() {
	{
		echo "rootfs $1"
		sha256sum <"$BASE_DOCKERFILE"
		sha256sum <"$CA_BUNDLE"
		declare -f build_image build_base
	} | sha
}

build_base() { # build_base HASH: the Dockerfile and the host's CA bundle as the whole context
	local context="$TMP/base"
	mkdir "$context"
	cp "$BASE_DOCKERFILE" "$context/Dockerfile"
	cp "$CA_BUNDLE" "$context/host-ca-certificates.crt"
	build_image "$BASE_TAG" "$1" "$context" "$context/Dockerfile"
}

demo_hash() { # demo_hash BASE_ID TAG SERVICE VERSION
	{
		printf '%s\n' "base $1" "$2" "$3" "$4"
		hash_tree "$DEMO_DIR/$3"
		hash_tree "$DEMO_DIR/shared"
		sha256sum <"$DEMO_DIR/.dockerignore"
		declare -f build_image
	} | sha
}

fresh() { # fresh TAG HASH: TAG exists with the label HASH (and no --force)
	[ "$FORCE" = 0 ] && [ "$(current_label "$1")" = "$2" ]
}

lock() { # one build at a time on this engine; the next finds the tags fresh
	if mkdir -p "$CACHE_DIR" 2>/dev/null && [ -w "$CACHE_DIR" ]; then
		exec 8>"$CACHE_DIR/.demo-images.lock"
		flock 8
	fi
}

main() {
	while [ $# -gt 0 ]; do
		case "$1" in
			--force) FORCE=1 ;;
			-h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
			*) die "unknown argument '$1' (use --force or --help)" ;;
		esac
		shift
	done
	docker info >/dev/null 2>&1 || die "docker is not reachable; start it with tools/dockerd.sh"
	[ -f "$CA_BUNDLE" ] || die "no CA bundle at $CA_BUNDLE (set HOST_CA_BUNDLE)"
	local rootfs built=0 entry tag service version hash
	rootfs="$(image_id "$ROOTFS_TAG")"
	[ -n "$rootfs" ] || die "$ROOTFS_TAG is missing: run tests/support/images/build.sh"
	lock
	TMP="$(mktemp -d)"
	# shellcheck disable=SC2064 # expand now: the path is fixed
	trap "rm -rf '$TMP'" EXIT

	hash="$(base_hash "$rootfs")"
	if fresh "$BASE_TAG" "$hash"; then
		echo "reused  $BASE_TAG"
	else
		build_base "$hash"
		built=1
	fi
	local base_id
	base_id="$(image_id "$BASE_TAG")"
	for entry in "${DEMO_TAGS[@]}"; do
		read -r tag service version <<<"$entry"
		hash="$(demo_hash "$base_id" "$tag" "$service" "$version")"
		if fresh "$tag" "$hash"; then
			echo "reused  $tag"
			continue
		fi
		build_image "$tag" "$hash" "$DEMO_DIR" "$DEMO_DIR/$service/Dockerfile" \
			--build-arg "BASE_IMAGE=$BASE_TAG" --build-arg "DEMO_VERSION=$version"
		built=1
	done
	# Earlier builds of these tags, now untagged.
	[ "$built" = 0 ] || docker image prune -f --filter "label=$LABEL" >/dev/null
	echo "demo images ready in $(elapsed "$START") s"
}

main "$@"
