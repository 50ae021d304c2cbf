#!/usr/bin/env bash
# Docker engines standing in for separate servers in the multi-server end-to-end run: each its own
# dockerd with its own data root, exec root, socket and bridge (msbrN), and no iptables rules of its
# own (the machine's engine owns iptables); two rules in DOCKER-USER let the engines' address pool
# (10.213.0.0/16) through the host, and are removed on `down`. Images are copied in from the
# machine's engine. Two things in dockerd make a second engine delete the machine's docker0
# (moby daemon/daemon_unix.go, initNetworkController, 20.10 and since): `--bridge=none`, and a
# start that finds a "bridge" network left in its store while --default-address-pool is set and
# live-restore is off ("Clear stale bridge network" -> removeDefaultBridgeInterface, which deletes
# the link named docker0 whatever --bridge says). So an engine starts with its network store empty
# (images stay), and the start fails loudly if docker0 went missing anyway.
# Each engine puts its containers under a cgroup of its own (dockerd --cgroup-parent), so a server
# can be given its own share of the machine's cores, as a real server has (`cpus`).
#   engines.sh up N [IMAGE...]   start engines 1..N (idempotent) and copy the images in
#   engines.sh cpus N CPUS       cap each engine's containers to CPUS cores (e.g. 0.5), or `max`
#   engines.sh down N            stop them (by their pid files), remove their bridges and the rules
# Data roots stay in /var/lib/multi-server-e2e: the copied images are reused next time.
set -euo pipefail

RUN=/run/multi-server-e2e
DATA=/var/lib/multi-server-e2e
POOL=10.213.0.0/16

sock() { echo "unix://$RUN/engine-$1.sock"; }
group() { echo "multi-server-e2e-engine-$1"; }
# The engine's cgroup for the cpu controller: cgroup v2's unified tree, or v1's cpu hierarchy.
cpu_group_dir() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup/$(group "$1")"; else echo "/sys/fs/cgroup/cpu/$(group "$1")"; fi
}

# cap_cpus I CPUS: CFS bandwidth for everything under engine I's cgroup (hierarchical in v1 and v2).
cap_cpus() {
  local dir period=100000 quota
  dir=$(cpu_group_dir "$1")
  mkdir -p "$dir"
  if [ "$2" = max ]; then quota=max; else quota=$(awk -v c="$2" -v p="$period" 'BEGIN { printf "%d", c * p }'); fi
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control || echo +cpu >/sys/fs/cgroup/cgroup.subtree_control
    echo "$quota $period" >"$dir/cpu.max"
  else
    echo "$period" >"$dir/cpu.cfs_period_us"
    [ "$quota" = max ] && quota=-1
    echo "$quota" >"$dir/cpu.cfs_quota_us"
  fi
}
on() { local i=$1; shift; DOCKER_HOST=$(sock "$i") "$@"; }

start_engine() {
  local i=$1 bridge="msbr$1"
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "10.213.$((255 - i)).1/24" dev "$bridge"
    ip link set "$bridge" up
  fi
  on "$i" docker info >/dev/null 2>&1 && return 0
  mkdir -p "$RUN" "$DATA/engine-$i"
  # Its own networks and containers from an earlier run are gone with the store; its images stay.
  rm -rf "$DATA/engine-$i/network" "$DATA/engine-$i/containers"
  mkdir -p "$(cpu_group_dir "$i")"
  local had_docker0=0
  ip link show docker0 >/dev/null 2>&1 && had_docker0=1
  nohup dockerd --data-root "$DATA/engine-$i" --exec-root "$RUN/exec-$i" -H "$(sock "$i")" \
    --pidfile "$RUN/engine-$i.pid" --cgroup-parent "/$(group "$i")" --bridge="$bridge" --iptables=false --ip-masq=false \
    --default-address-pool "base=10.213.$(((i - 1) * 64)).0/18,size=24" >"$RUN/engine-$i.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    if on "$i" docker info >/dev/null 2>&1; then
      if [ "$had_docker0" = 1 ] && ! ip link show docker0 >/dev/null 2>&1; then
        echo "engine $i removed the machine's docker0 bridge; restart the machine's dockerd" >&2
        return 1
      fi
      return 0
    fi
    sleep 1
  done
  tail -n 20 "$RUN/engine-$i.log" >&2
  echo "engine $i did not start" >&2
  return 1
}

copy_images() {
  local i=$1 missing=()
  shift
  for image in "$@"; do
    [ "$(on "$i" docker image inspect -f '{{.Id}}' "$image" 2>/dev/null)" = "$(docker image inspect -f '{{.Id}}' "$image")" ] || missing+=("$image")
  done
  [ ${#missing[@]} -eq 0 ] || docker save "${missing[@]}" | on "$i" docker load -q >/dev/null
}

rule() { iptables -C DOCKER-USER "$@" -j ACCEPT 2>/dev/null || iptables -I DOCKER-USER "$@" -j ACCEPT; }

case "${1:-}" in
  up)
    n=$2
    shift 2
    for i in $(seq 1 "$n"); do start_engine "$i"; copy_images "$i" "$@"; done
    rule -s "$POOL"
    rule -d "$POOL"
    ;;
  cpus)
    for i in $(seq 1 "$2"); do cap_cpus "$i" "$3"; done
    ;;
  down)
    n=$2
    for i in $(seq 1 "$n"); do
      if [ -f "$RUN/engine-$i.pid" ]; then
        pid=$(cat "$RUN/engine-$i.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      fi
      ip link del "msbr$i" 2>/dev/null || true
      rmdir "$(cpu_group_dir "$i")" 2>/dev/null || true
    done
    iptables -D DOCKER-USER -s "$POOL" -j ACCEPT 2>/dev/null || true
    iptables -D DOCKER-USER -d "$POOL" -j ACCEPT 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 up N [IMAGE...] | cpus N CPUS | down N" >&2
    exit 64
    ;;
esac
