#!/usr/bin/env bash
# Makes sure a Docker engine answers: exits 0 at once if `docker info` works, otherwise starts
# dockerd in the background (log: /tmp/dockerd.log, or $DOCKERD_LOG) and waits up to 60 s.
# Needs root to start dockerd. Idempotent: safe to run before every test run.
set -euo pipefail

LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
TIMEOUT_S="${DOCKERD_TIMEOUT_S:-60}"

die() { echo "dockerd.sh: error: $*" >&2; exit 1; }

if docker info >/dev/null 2>&1; then
	exit 0
fi
command -v docker >/dev/null 2>&1 || die "the docker CLI is not installed: apt-get install -y docker.io"
command -v dockerd >/dev/null 2>&1 || die "dockerd is not installed: apt-get install -y docker.io"
[ "$(id -u)" = 0 ] || die "docker is not reachable and starting dockerd needs root; run: sudo $0"

if command -v pgrep >/dev/null 2>&1 && pgrep -x dockerd >/dev/null 2>&1; then
	echo "dockerd.sh: dockerd is running but not answering yet; waiting up to ${TIMEOUT_S} s" >&2
else
	echo "dockerd.sh: starting dockerd (log: $LOG)" >&2
	nohup dockerd >>"$LOG" 2>&1 </dev/null &
	DOCKERD_PID=$!
fi

for _ in $(seq 1 "$TIMEOUT_S"); do
	if docker info >/dev/null 2>&1; then
		echo "dockerd.sh: docker is ready" >&2
		exit 0
	fi
	if [ -n "${DOCKERD_PID:-}" ] && ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
		tail -n 20 "$LOG" >&2 || true
		die "dockerd exited during startup; see $LOG"
	fi
	sleep 1
done
tail -n 20 "$LOG" >&2 || true
die "docker did not answer within ${TIMEOUT_S} s; see $LOG"
