#!/usr/bin/env bash
# Builds local/nginx:1.30, the local stand-in for production's nginx:1.30: Debian sid's nginx (the
# same 1.30 line) on a sid rootfs of its own, laid out like the official image (the files in
# nginx/ beside this script). Cached as build.sh caches: the rootfs by a hash of its recipe, the
# tag by a label holding the hash of everything in it (warm run: well under a second).
#
#   tests/support/images/build-nginx.sh [--force]
#
# Needs root (debootstrap, chroot) and a running dockerd only when something must be built.
# Env: PLATFORM_NGINX_IMAGE_CACHE (default /var/cache/platform-nginx-image; not under
# build.sh's cache, which removes every rootfs but its own), DEBIAN_MIRROR.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF_DIR="$HERE/nginx"
CACHE_DIR="$(realpath -m "${PLATFORM_NGINX_IMAGE_CACHE:-/var/cache/platform-nginx-image}")"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
TAG=local/nginx:1.30
# The nginx line production pins (images.nginx): the build fails if sid has moved on from it.
LINE=1.30
SUITE=sid
# sid's nginx-light is only `nginx` plus the echo module (which the official image lacks); `nginx`
# has ssl, http_v2, http_v3, realip, stub_status and gzip built in (README.md has `nginx -V`).
PACKAGES=(nginx curl ca-certificates dumb-init)
LABEL=io.mhylle.platform.test-image
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

FORCE=0
START="$EPOCHREALTIME"

die() { echo "build-nginx.sh: error: $*" >&2; exit 1; }
note() { echo "build-nginx.sh: $*" >&2; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
sha() { sha256sum | cut -c1-64; }

# Dockerfile instructions for `docker import -c`. dockerd 20.10's import refuses STOPSIGNAL (the
# official image's SIGQUIT, a graceful stop), so dumb-init turns docker stop's SIGTERM into it.
image_changes() {
	printf '%s\n' "ENV PATH=$STD_PATH" 'EXPOSE 80 443' \
		'ENTRYPOINT ["/usr/bin/dumb-init","--single-child","--rewrite","15:3","--"]' \
		'CMD ["nginx","-g","daemon off;"]'
}

# Runs inside the chroot: the official image's user and layout, Debian's packages, cleanup.
configure_rootfs() {
	set -euo pipefail
	export DEBIAN_FRONTEND=noninteractive
	# Never start services inside the build chroot (they would run on the host).
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	cat >/etc/dpkg/dpkg.cfg.d/excludes <<-'EOF'
		path-exclude=/usr/share/doc/*
		path-include=/usr/share/doc/*/copyright
		path-exclude=/usr/share/man/*
		path-exclude=/usr/share/info/*
		path-exclude=/usr/share/locale/*
		path-include=/usr/share/locale/locale.alias
		path-exclude=/usr/share/lintian/*
	EOF
	echo "deb $MIRROR $SUITE main" >/etc/apt/sources.list
	# sid's Release is valid for a week only; a mirror that lags (or a cached one) must still work.
	echo 'Acquire::Check-Valid-Until "false";' >/etc/apt/apt.conf.d/99valid-until
	# The official image's worker user, so file ownership means the same in both.
	groupadd -r -g 101 nginx
	useradd -r -g nginx -u 101 -d /nonexistent -M -s /usr/sbin/nologin nginx
	apt-get update -qq
	# shellcheck disable=SC2086 # PKG_LIST is a word list passed through the environment
	apt-get install -y -qq --no-install-recommends $PKG_LIST >/dev/null

	# No Debian default site (it would clash with a mounted default_server); logs to stdout/stderr.
	rm -f /etc/nginx/sites-enabled/default
	install -m 0644 /tmp/nginx-conf/nginx.conf /etc/nginx/nginx.conf
	mkdir -p /etc/nginx/conf.d /usr/share/nginx/html /var/cache/nginx
	install -m 0644 /tmp/nginx-conf/default.conf /etc/nginx/conf.d/default.conf
	[ -f /usr/share/nginx/html/index.html ] ||
		echo '<!doctype html><title>Welcome to nginx!</title><h1>Welcome to nginx!</h1>' \
			>/usr/share/nginx/html/index.html
	ln -sf /dev/stdout /var/log/nginx/access.log
	ln -sf /dev/stderr /var/log/nginx/error.log
	rm -rf /tmp/nginx-conf

	apt-get clean
	rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/lib/dpkg/*-old \
		/var/log/apt/* /var/log/*.log /tmp/* /var/tmp/* /usr/share/man/* /usr/share/info/*
	find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
	find /usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf '{}' +
	: >/etc/resolv.conf
}

build_rootfs() { # build_rootfs ROOTFS LOG
	local root="$1" log="$2" status=0
	note "debootstrap $SUITE (minbase) from $MIRROR into $root; log in $log"
	if ! debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "debootstrap failed (full log: $log)"
	fi
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	cp -R "$CONF_DIR" "$root/tmp/nginx-conf"
	{ declare -f configure_rootfs; echo configure_rootfs; } >"$root/tmp/configure.sh"
	mount -t proc proc "$root/proc"
	# shellcheck disable=SC2064 # expand now: the path is fixed
	trap "umount -l '$root/proc' 2>/dev/null || true" EXIT
	note "installing ${PACKAGES[*]} in the rootfs"
	chroot "$root" /usr/bin/env -i PATH="$STD_PATH" LANG=C.UTF-8 HOME=/root \
		MIRROR="$MIRROR" SUITE="$SUITE" PKG_LIST="${PACKAGES[*]}" \
		/bin/bash /tmp/configure.sh >>"$log" 2>&1 || status=$?
	umount "$root/proc"
	if [ "$status" != 0 ]; then
		tail -n 20 "$log" >&2
		die "configuring the rootfs failed (full log: $log)"
	fi
	rm -f "$root/tmp/configure.sh"
	check_line "$root"
}

check_line() { # the tag promises production's line: refuse anything else
	local version
	version="$(chroot "$1" /usr/sbin/nginx -v 2>&1 | sed -n 's|^nginx version: nginx/||p')"
	case "$version" in
		"$LINE".*) note "nginx $version" ;;
		*) die "$SUITE's nginx is '$version', not $LINE.x: update LINE and TAG here, images.nginx in config/schema.ts and the README together" ;;
	esac
}

# --- cache -------------------------------------------------------------------------------------

recipe_hash() {
	{
		printf '%s\n' "$SUITE" "$MIRROR" "$LINE" "${PACKAGES[@]}"
		declare -f configure_rootfs build_rootfs check_line
		(cd "$CONF_DIR" && sha256sum -- *)
	} | sha
}

image_hash() { { echo "$1" "$TAG"; image_changes; declare -f import_image; } | sha; }

current_label() {
	docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null || true
}

mounts_under() { # mount points at or under $1, deepest first
	awk -v p="$1" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/mounts | sort -r
}

remove_tree() { # rm -rf, after unmounting what an interrupted build left mounted inside
	[ -e "$1" ] || return 0
	local m
	while IFS= read -r m; do umount -l "$m" || true; done < <(mounts_under "$1")
	[ -z "$(mounts_under "$1")" ] || die "something is still mounted under $1 (see /proc/mounts)"
	rm -rf --one-file-system "$1"
}

ensure_rootfs() { # prints the rootfs path; builds it when missing or with --force
	local hash="$1" dir="$CACHE_DIR/$1" old
	if [ "$FORCE" = 1 ] || [ ! -f "$dir/complete" ]; then
		local t0="$EPOCHREALTIME"
		[ "$(id -u)" = 0 ] || die "building the rootfs needs root (debootstrap, chroot); re-run with sudo"
		command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed: apt-get install -y debootstrap"
		remove_tree "$dir"
		mkdir -p "$dir"
		build_rootfs "$dir/rootfs" "$dir/build.log"
		date -u +%Y-%m-%dT%H:%M:%SZ >"$dir/complete"
		note "rootfs built in $(elapsed "$t0") s ($(du -sh --one-file-system "$dir/rootfs" | cut -f1))"
		for old in "$CACHE_DIR"/*/; do
			old="${old%/}"
			[ "$old" = "$dir" ] || { note "removing stale rootfs $old"; remove_tree "$old"; }
		done
	fi
	echo "$dir/rootfs"
}

import_image() { # import_image ROOTFS HASH
	local root="$1" hash="$2" t0="$EPOCHREALTIME" old line
	local args=(-m "tests/support/images/build-nginx.sh" -c "LABEL $LABEL=$hash")
	while IFS= read -r line; do args+=(-c "$line"); done < <(image_changes)
	old="$(docker image inspect -f '{{.Id}}' "$TAG" 2>/dev/null || true)"
	tar --numeric-owner -C "$root" -cf - . | docker import "${args[@]}" - "$TAG" >/dev/null
	# The previous build, now untagged (kept if a container still uses it).
	[ -z "$old" ] || docker image rm "$old" >/dev/null 2>&1 || true
	echo "built   $TAG ($(elapsed "$t0") s)"
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
	local f
	for f in nginx.conf default.conf; do [ -f "$CONF_DIR/$f" ] || die "missing $CONF_DIR/$f"; done

	local recipe image root
	recipe="$(recipe_hash)"
	image="$(image_hash "$recipe")"
	if [ "$FORCE" = 0 ] && [ "$(current_label "$TAG")" = "$image" ]; then
		echo "reused  $TAG"
	else
		mkdir -p "$CACHE_DIR"
		exec 9>"$CACHE_DIR/.lock"
		flock 9 # another build may be running; after it, the tag may be fresh
		if [ "$FORCE" = 0 ] && [ "$(current_label "$TAG")" = "$image" ]; then
			echo "reused  $TAG"
		else
			root="$(ensure_rootfs "$recipe")"
			import_image "$root" "$image"
		fi
	fi
	echo "nginx image ready in $(elapsed "$START") s"
}

main "$@"
