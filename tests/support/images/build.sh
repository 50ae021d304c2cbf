#!/usr/bin/env bash
# Builds the local stand-ins for the images the platform pulls, for end-to-end tests on a machine
# without registry access: one Debian rootfs (debootstrap, cached by a hash of its recipe) plus a
# small overlay (demo app, postgres entrypoint), `docker import`ed once, then given each tag's
# config with `docker commit -c` (the same changes `docker import -c` takes, without importing the
# same 430 MB six times). Tags whose label matches the input hash are reused (warm run: ~1 s).
# Then build-nginx.sh builds local/nginx:1.30 (Debian sid's nginx, production's line) the same way,
# postgres-pgbackrest.sh builds local/postgres:15-pgbackrest (production's pgBackRest Dockerfile),
# pgbouncer.sh builds local/pgbouncer:e2e (production's PgBouncer Dockerfile),
# and demo-images.sh builds the demo app's images (local/demo/*) from demo/*/Dockerfile.
#
#   tests/support/images/build.sh [--force]
#
# Needs root (debootstrap, chroot) and a running dockerd (tools/dockerd.sh) only when something
# must be built. Env: PLATFORM_IMAGES_CACHE (default /var/cache/platform-images),
# DEBIAN_MIRROR (default http://deb.debian.org/debian),
# DEBIAN_SECURITY_MIRROR (default http://deb.debian.org/debian-security).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../../.." && pwd)"
DEMO_APP_DIR="$REPO_ROOT/tests/support/demo-app"
ENTRYPOINT_SRC="$HERE/postgres-entrypoint.sh"
NODE_MODULES_DIR="$REPO_ROOT/node_modules"
CACHE_DIR="$(realpath -m "${PLATFORM_IMAGES_CACHE:-/var/cache/platform-images}")"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
SUITE=bookworm
# Debian 12's nginx-light is only `nginx` + the echo module; `nginx` itself has ssl, http_v2,
# gzip, stub_status and realip (see README.md for `nginx -V`). dumb-init rather than tini: it
# can rewrite docker stop's SIGTERM (docker import cannot set STOPSIGNAL, see tag_changes).
PACKAGES=(nginx curl ca-certificates postgresql-15 nodejs procps dumb-init)
# Runtime closure of `pg` (from `npm ls --all pg`); pg-native is optional and not installed.
PG_MODULES=(pg pg-pool pg-protocol pg-types pg-connection-string pgpass pg-cloudflare pg-int8
	postgres-array postgres-bytea postgres-date postgres-interval split2 xtend)
TAGS=(local/nginx:1 local/postgres:15 local/demo-frontend:1 local/demo-backend:1
	local/demo-backend:2 local/demo-backend:broken)
# Holds the one imported layer every tag shares (each tag adds only its config).
ROOTFS_TAG=local/platform-rootfs:latest
LABEL=io.mhylle.platform.test-image
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

FORCE=0
START="$EPOCHREALTIME"

die() { echo "build.sh: error: $*" >&2; exit 1; }
note() { echo "build.sh: $*" >&2; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
sha() { sha256sum | cut -c1-64; }

# Dockerfile instructions (one per line) for each tag, applied with `docker import -c`.
# dockerd 20.10's import refuses STOPSIGNAL, so where the official image sets one (nginx: SIGQUIT,
# graceful; postgres: SIGINT, fast shutdown) dumb-init turns docker stop's SIGTERM into it.
tag_changes() {
	local demo=(
		"ENV PATH=$STD_PATH NODE_ENV=production"
		'USER 10001:10001'
		'WORKDIR /app'
		'ENTRYPOINT ["/usr/bin/dumb-init","--"]'
	)
	case "$1" in
		local/nginx:1)
			printf '%s\n' "ENV PATH=$STD_PATH" 'EXPOSE 80 443' \
				'ENTRYPOINT ["/usr/bin/dumb-init","--single-child","--rewrite","15:3","--"]' \
				'CMD ["nginx","-g","daemon off;"]'
			;;
		local/postgres:15)
			printf '%s\n' "ENV PATH=/usr/lib/postgresql/15/bin:$STD_PATH" \
				'ENV PGDATA=/var/lib/postgresql/data LANG=C.UTF-8' \
				'VOLUME /var/lib/postgresql/data' 'EXPOSE 5432' \
				'ENTRYPOINT ["/usr/bin/dumb-init","--single-child","--rewrite","15:2","--","docker-entrypoint.sh"]' \
				'CMD ["postgres"]'
			;;
		local/demo-frontend:1)
			printf '%s\n' "${demo[@]}" 'ENV PORT=8080 DEMO_VERSION=1' 'EXPOSE 8080' \
				'CMD ["node","/app/frontend.js"]'
			;;
		local/demo-backend:*)
			printf '%s\n' "${demo[@]}" "ENV PORT=3000 DEMO_VERSION=${1#local/demo-backend:}" \
				'EXPOSE 3000' 'CMD ["node","/app/backend.js"]'
			;;
		*) die "no config for tag $1" ;;
	esac
}

# --- inputs and hashes -------------------------------------------------------------------------

hash_tree() { # hash_tree DIR: names and contents of every file under DIR, node_modules excluded
	(cd "$1" && find . -name node_modules -prune -o -type f -print0 | LC_ALL=C sort -z |
		xargs -0 -r sha256sum)
}

check_inputs() {
	[ -f "$ENTRYPOINT_SRC" ] || die "missing $ENTRYPOINT_SRC"
	[ -f "$DEMO_APP_DIR/backend.js" ] || die "missing $DEMO_APP_DIR/backend.js"
	local m
	for m in "${PG_MODULES[@]}"; do
		[ -f "$NODE_MODULES_DIR/$m/package.json" ] ||
			die "missing $NODE_MODULES_DIR/$m (the demo backend's pg driver): run 'npm ci' in $REPO_ROOT"
	done
}

base_hash() {
	{
		printf '%s\n' "$SUITE" "$MIRROR" "$SECURITY_MIRROR" "${PACKAGES[@]}"
		declare -f build_base configure_rootfs
	} | sha
}

input_hash() { # everything that goes into the imported filesystem
	local m
	{
		echo "base $1"
		declare -f assemble_overlay list_overlay import_rootfs
		hash_tree "$DEMO_APP_DIR"
		sha256sum <"$ENTRYPOINT_SRC"
		for m in "${PG_MODULES[@]}"; do echo "module $m"; hash_tree "$NODE_MODULES_DIR/$m"; done
	} | sha
}

tag_hash() { { echo "$1"; echo "$2"; tag_changes "$2"; declare -f commit_tag; } | sha; }

current_label() {
	docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null || true
}

# --- base rootfs (debootstrap + packages), cached by base_hash --------------------------------

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

# Runs inside the chroot: users with the official images' ids, packages, service configs, cleanup.
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
	cat >/etc/apt/sources.list <<-EOF
		deb $MIRROR $SUITE main
		deb $MIRROR $SUITE-updates main
		deb $SECURITY_MIRROR $SUITE-security main
	EOF
	# Same uids as the official images, so volumes move between them: postgres 999, nginx 101.
	groupadd -r -g 999 postgres
	useradd -r -g postgres -u 999 -d /var/lib/postgresql -s /bin/bash postgres
	groupadd -r -g 101 nginx
	useradd -r -g nginx -u 101 -d /nonexistent -M -s /usr/sbin/nologin nginx
	groupadd -g 10001 app
	useradd -g app -u 10001 -d /app -M -s /usr/sbin/nologin app
	mkdir -p /var/lib/postgresql
	chown postgres:postgres /var/lib/postgresql

	apt-get update -qq
	# Install the cluster tooling first and tell it not to create a "main" cluster.
	apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
	sed -ri 's/#(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf
	# shellcheck disable=SC2086 # PKG_LIST is a word list passed through the environment
	apt-get install -y -qq --no-install-recommends $PKG_LIST >/dev/null

	# nginx laid out like the official image: nginx.conf includes conf.d/*.conf, no Debian
	# default site (it would clash with a mounted default_server), logs to stdout/stderr.
	rm -f /etc/nginx/sites-enabled/default
	cat >/etc/nginx/nginx.conf <<-'EOF'
		user  nginx;
		worker_processes  auto;
		error_log  /var/log/nginx/error.log notice;
		pid        /var/run/nginx.pid;
		include /etc/nginx/modules-enabled/*.conf;

		events {
		    worker_connections  1024;
		}

		http {
		    include       /etc/nginx/mime.types;
		    default_type  application/octet-stream;
		    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
		                      '$status $body_bytes_sent "$http_referer" '
		                      '"$http_user_agent" "$http_x_forwarded_for"';
		    access_log  /var/log/nginx/access.log  main;
		    sendfile        on;
		    keepalive_timeout  65;
		    include /etc/nginx/conf.d/*.conf;
		}
	EOF
	cat >/etc/nginx/conf.d/default.conf <<-'EOF'
		server {
		    listen       80;
		    listen  [::]:80;
		    server_name  localhost;
		    location / {
		        root   /usr/share/nginx/html;
		        index  index.html index.htm;
		    }
		}
	EOF
	mkdir -p /usr/share/nginx/html
	[ -f /usr/share/nginx/html/index.html ] ||
		echo '<!doctype html><title>Welcome to nginx!</title><h1>Welcome to nginx!</h1>' \
			>/usr/share/nginx/html/index.html
	ln -sf /dev/stdout /var/log/nginx/access.log
	ln -sf /dev/stderr /var/log/nginx/error.log

	# postgres laid out like the official image.
	sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" \
		/usr/share/postgresql/15/postgresql.conf.sample
	grep -q "^listen_addresses = '\*'" /usr/share/postgresql/15/postgresql.conf.sample
	mkdir -p /var/run/postgresql /var/lib/postgresql/data /docker-entrypoint-initdb.d
	chown postgres:postgres /var/run/postgresql /var/lib/postgresql/data
	chmod 3777 /var/run/postgresql
	chmod 1777 /var/lib/postgresql/data

	apt-get clean
	rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/lib/dpkg/*-old \
		/var/log/apt/* /var/log/*.log /tmp/* /var/tmp/* /usr/share/man/* /usr/share/info/*
	find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
	find /usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf '{}' +
	: >/etc/resolv.conf
}

build_base() { # build_base ROOTFS LOG
	local root="$1" log="$2"
	note "debootstrap $SUITE (minbase) from $MIRROR into $root; log in $log"
	if ! debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "debootstrap failed (full log: $log)"
	fi
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	{ declare -f configure_rootfs; echo configure_rootfs; } >"$root/tmp/configure.sh"
	mount -t proc proc "$root/proc"
	# shellcheck disable=SC2064 # expand now: the path is fixed
	trap "umount -l '$root/proc' 2>/dev/null || true" EXIT
	note "installing ${PACKAGES[*]} in the rootfs"
	local status=0
	chroot "$root" /usr/bin/env -i PATH="$STD_PATH" LANG=C.UTF-8 HOME=/root \
		MIRROR="$MIRROR" SECURITY_MIRROR="$SECURITY_MIRROR" SUITE="$SUITE" \
		PKG_LIST="${PACKAGES[*]}" /bin/bash /tmp/configure.sh >>"$log" 2>&1 || status=$?
	umount "$root/proc"
	if [ "$status" != 0 ]; then
		tail -n 20 "$log" >&2
		die "configuring the rootfs failed (full log: $log)"
	fi
	rm -f "$root/tmp/configure.sh"
}

ensure_base() { # prints the rootfs path; builds it when missing or with --force
	local hash="$1" dir="$CACHE_DIR/$1"
	if [ "$FORCE" = 1 ] || [ ! -f "$dir/complete" ]; then
		local t0="$EPOCHREALTIME"
		remove_tree "$dir"
		mkdir -p "$dir"
		build_base "$dir/rootfs" "$dir/build.log"
		date -u +%Y-%m-%dT%H:%M:%SZ >"$dir/complete"
		note "rootfs built in $(elapsed "$t0") s ($(du -sh --one-file-system "$dir/rootfs" | cut -f1))"
		local old
		for old in "$CACHE_DIR"/*/; do
			old="${old%/}"
			[ "$old" = "$dir" ] || { note "removing stale rootfs $old"; remove_tree "$old"; }
		done
	fi
	echo "$dir/rootfs"
}

# --- overlay + import -------------------------------------------------------------------------

assemble_overlay() { # assemble_overlay DIR: the files laid over the base rootfs
	local dir="$1" m
	mkdir -p "$dir/app/node_modules" "$dir/usr/local/bin"
	tar -C "$DEMO_APP_DIR" --exclude=./node_modules -cf - . | tar -C "$dir/app" -xf -
	for m in "${PG_MODULES[@]}"; do
		cp -R "$NODE_MODULES_DIR/$m" "$dir/app/node_modules/$m"
	done
	install -m 0755 "$ENTRYPOINT_SRC" "$dir/usr/local/bin/docker-entrypoint.sh"
	chown -R 0:0 "$dir"
	chmod -R u=rwX,go=rX "$dir"
	chmod 0755 "$dir/usr/local/bin/docker-entrypoint.sh"
}

list_overlay() { # list_overlay ROOTFS OVERLAY: overlay paths the rootfs lacks, into OVERLAY.list
	local root="$1" overlay="$2" path
	: >"$overlay.list"
	while IFS= read -r -d '' path; do
		if [ -d "$overlay/$path" ] && [ ! -L "$overlay/$path" ] && [ -d "$root/$path" ]; then
			continue # a directory both have: keep the rootfs's entry
		fi
		if [ -e "$root/$path" ] || [ -L "$root/$path" ]; then
			die "overlay file $path also exists in the rootfs; move it to a new path"
		fi
		printf '%s\n' "$path" >>"$overlay.list"
	done < <(cd "$overlay" && find . -mindepth 1 -print0 | LC_ALL=C sort -z)
}

import_rootfs() { # import_rootfs ROOTFS OVERLAY HASH: one `docker import` of rootfs + overlay
	local root="$1" overlay="$2" hash="$3" t0="$EPOCHREALTIME"
	# One stream: the base tree, then the overlay's new paths (docker import refuses duplicates).
	tar --numeric-owner -C "$root" -cf - . -C "$overlay" --no-recursion -T "$overlay.list" |
		docker import -m "tests/support/images/build.sh" -c "LABEL $LABEL=$hash" - "$ROOTFS_TAG" >/dev/null
	echo "built   $ROOTFS_TAG ($(elapsed "$t0") s)"
}

commit_tag() { # commit_tag TAG HASH: the imported rootfs with TAG's config (no new layer)
	local tag="$1" hash="$2" t0="$EPOCHREALTIME" line cid
	local args=(-m "tests/support/images/build.sh: $tag" -c "LABEL $LABEL=$hash")
	while IFS= read -r line; do args+=(-c "$line"); done < <(tag_changes "$tag")
	# `docker commit -c` takes the same changes as `docker import -c`; committing a container
	# that never ran adds no layer, so every tag shares the one imported layer.
	cid="$(docker create --network none "$ROOTFS_TAG" /bin/true)"
	if ! docker commit "${args[@]}" "$cid" "$tag" >/dev/null; then
		docker rm -f "$cid" >/dev/null 2>&1 || true
		die "docker commit for $tag failed"
	fi
	docker rm -f "$cid" >/dev/null
	echo "built   $tag ($(elapsed "$t0") s)"
}

# --- main -------------------------------------------------------------------------------------

STALE=()
REUSED=()
find_stale() { # fills STALE (tags to build) and REUSED (tags whose label matches the inputs)
	local inputs="$1" tag
	STALE=()
	REUSED=()
	for tag in "${TAGS[@]}"; do
		if [ "$FORCE" = 0 ] && [ "$(current_label "$tag")" = "$(tag_hash "$inputs" "$tag")" ]; then
			REUSED+=("$tag")
		else
			STALE+=("$tag")
		fi
	done
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
	check_inputs
	# local/nginx:1.30 comes from a sid rootfs of its own: built alongside, waited for at the end.
	local nginx_args=() nginx_pid
	[ "$FORCE" = 1 ] && nginx_args=(--force)
	bash "$HERE/build-nginx.sh" "${nginx_args[@]}" &
	nginx_pid=$!

	local base inputs tag
	base="$(base_hash)"
	inputs="$(input_hash "$base")"
	find_stale "$inputs"
	if [ "${#STALE[@]}" -gt 0 ] && mkdir -p "$CACHE_DIR" 2>/dev/null && [ -w "$CACHE_DIR" ]; then
		exec 9>"$CACHE_DIR/.lock"
		flock 9 # another build may be running; after it, most tags are fresh
		find_stale "$inputs"
	fi
	for tag in "${REUSED[@]}"; do echo "reused  $tag"; done

	if [ "${#STALE[@]}" -gt 0 ]; then
		if [ "$FORCE" = 1 ] || [ "$(current_label "$ROOTFS_TAG")" != "$inputs" ]; then
			[ "$(id -u)" = 0 ] || die "building the rootfs needs root (debootstrap, chroot); re-run with sudo"
			command -v debootstrap >/dev/null 2>&1 ||
				die "debootstrap is not installed: apt-get install -y debootstrap"
			local root overlay
			root="$(ensure_base "$base")"
			overlay="$CACHE_DIR/overlay.$$"
			remove_tree "$overlay"
			mkdir -m 0755 "$overlay"
			# shellcheck disable=SC2064 # expand now: the path is fixed
			trap "rm -rf '$overlay' '$overlay.list'" EXIT
			assemble_overlay "$overlay"
			list_overlay "$root" "$overlay"
			import_rootfs "$root" "$overlay" "$inputs"
		fi
		for tag in "${STALE[@]}"; do
			commit_tag "$tag" "$(tag_hash "$inputs" "$tag")"
		done
		# Earlier builds of these tags, then of the rootfs (their parent), now untagged and unused.
		docker image prune -f --filter "label=$LABEL" >/dev/null
		docker image prune -f --filter "label=$LABEL" >/dev/null
	fi
	echo "images ready in $(elapsed "$START") s"
	# local/nginx:1.30, production's nginx line, comes from a sid rootfs of its own.
	wait "$nginx_pid" || die "build-nginx.sh failed (its messages are above)"
	# local/postgres:15-pgbackrest: production's pgBackRest Dockerfile on local/postgres:15.
	if [ "$FORCE" = 1 ]; then bash "$HERE/postgres-pgbackrest.sh" --force; else bash "$HERE/postgres-pgbackrest.sh"; fi
	# local/pgbouncer:e2e: production's PgBouncer Dockerfile on local/postgres:15 (trixie's 1.24).
	if [ "$FORCE" = 1 ]; then bash "$HERE/pgbouncer.sh" --force; else bash "$HERE/pgbouncer.sh"; fi
	# The demo app's images, built from demo/*/Dockerfile on this rootfs (their own cache).
	if [ "$FORCE" = 1 ]; then bash "$HERE/demo-images.sh" --force; else bash "$HERE/demo-images.sh"; fi
}

main "$@"
