# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # the parameters are set by the header render/app/release.ts puts above this text; release.sh uses what this sets
# Secrets never in `docker inspect`: the env file's secret variables (secret_names from the app's
# config, and any name shaped like a credential) never become the container's environment, which
# `docker inspect` and diagnostics dumps show. They go to a file of this container alone
# ($secret_dir/<container>.env, 0400, owned by the uid the container runs as), mounted read-only at
# $secret_mount; the container starts through /bin/sh, which exports them from that file and execs
# the image's own entrypoint and command. The app sees the same variables in its environment.
# Rendered between release.sh's header and its body (render/app/release.ts), never run on its own.

secret_mount=/run/platform/secret-env
# What /bin/sh runs first in the container. Each line of the file is `export NAME='value'` with every
# ' written as '\'': POSIX sh reads the value literally (no expansion, no command), whatever it holds.
# shellcheck disable=SC2016 # expanded by the container's shell, not here
secret_loader='[ -r /run/platform/secret-env ] || { echo "platform: cannot read /run/platform/secret-env as uid $(id -u); the release gives it to the uid the container runs as" >&2; exit 78; }; . /run/platform/secret-env && exec "$@"'

is_secret() {
  local n
  for n in "${secret_names[@]}"; do [ "$n" = "$1" ] && return 0; done
  [[ ${1^^} =~ PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH|DSN ]]
}

# $envfile -> $plainfile (docker's env-file form) and $secretfile (the loader's form); counts secret_vars.
split_env() {
  local line key value q="'\\''"
  secret_vars=0
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line#"${line%%[![:space:]]*}"}
    key=${line%%=*}
    if [ "$key" != "$line" ] && [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && is_secret "$key"; then
      value=${line#*=}
      printf "export %s='%s'\n" "$key" "${value//\'/$q}" >>"$secretfile"
      secret_vars=$((secret_vars + 1))
    else
      printf '%s\n' "$line" >>"$plainfile"
    fi
  done <"$envfile"
}

# The image's entrypoint and command (docker runs them as one list), into command_args as the
# arguments of `/bin/sh -c LOADER platform-secret-env ...`.
secret_command() {
  local parts=()
  mapfile -d '' parts < <(docker image inspect -f '{{range .Config.Entrypoint}}{{.}}{{"\x00"}}{{end}}{{range .Config.Cmd}}{{.}}{{"\x00"}}{{end}}' "$image")
  # docker ends its output with a line break, which is not part of the last argument.
  if [ "${#parts[@]}" -gt 0 ] && [ "${parts[-1]}" = $'\n' ]; then unset 'parts[-1]'; fi
  if [ "${#parts[@]}" -eq 0 ]; then
    echo "$image has neither ENTRYPOINT nor CMD, so there is no command to start after loading its secret variables"
    return 1
  fi
  command_args=(-c "$secret_loader" platform-secret-env "${parts[@]}")
}

# The uid container $1 runs as: its user (--user, else the image's), a name looked up in its /etc/passwd.
container_uid() {
  local user name
  user=$(docker inspect -f '{{.Config.User}}' "$1") || return 1
  name=${user%%:*}
  case "$name" in
    '') echo 0 ;;
    *[!0-9]*) docker cp "$1:/etc/passwd" - 2>/dev/null | tar -xO 2>/dev/null | awk -F: -v n="$name" '$1 == n { print $3; found = 1 } END { exit !found }' ;;
    *) echo "$name" ;;
  esac
}

# Created container $1 can start through /bin/sh, and its user alone reads its secret file.
give_secret_file() {
  local uid
  if ! docker cp "$1:/bin/sh" - >/dev/null 2>&1; then
    echo "the image has no /bin/sh, which starts it with its secret variables (${secret_names[*]:-secrets}) loaded from a read-only file instead of its docker inspect environment: build it on an image with a shell (node:22-slim, alpine; not distroless)"
    return 1
  fi
  if ! uid=$(container_uid "$1"); then
    echo "cannot tell which uid $1 runs as (its user is not in the image's /etc/passwd): set the service's user to a numeric uid:gid such as 10001:10001"
    return 1
  fi
  chmod 0400 "$secret_file" || return 1
  if [ "$EUID" -eq 0 ]; then chown "$uid" "$secret_file"; return; fi
  # The deploy user has no root, only Docker: a one-shot container with CAP_CHOWN alone and no
  # network gives the file to that uid (as render/secret-file.ts does), from nginx's image (it has chown).
  local chown_image
  if ! chown_image=$(docker inspect -f '{{.Config.Image}}' "$nginx") ||
    ! docker run --rm --read-only --network none --cap-drop ALL --cap-add CHOWN --security-opt no-new-privileges --user 0:0 \
      --entrypoint chown -v "$secret_file:/secret" "$chown_image" "$uid" /secret >/dev/null; then
    echo "cannot give the secret file to uid $uid (a chown in a container of $nginx's image)"
    return 1
  fi
}

# Secret files whose container is gone (a release interrupted before it removed its container).
sweep_secret_files() {
  local f c
  # Exactly this service's containers (<base>-<10 hex>): app `shop`'s base must not match `shop-backend`'s files.
  for f in "$secret_dir/$base"-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f].env; do
    [ -e "$f" ] || continue
    c=$(basename "$f" .env)
    docker inspect -f '{{.Id}}' "$c" >/dev/null 2>&1 || rm -f "$f"
  done
}
