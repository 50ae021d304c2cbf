#!/usr/bin/env bash
# Lets this CI runner reach the server's SSH for the length of one job, and no longer.
# GitHub-hosted runners come from changing addresses, and the server's security group admits
# port 22 only from server.adminCidrs. up and destroy need SSH (destroy removes containers before the
# security group); a preview dials no server and does not run this.
#
#   ssh-access.sh open STACK   adds an accept rule for this runner's /32 to the security group
#                              (found through the stack output sshFirewall {zone, securityGroupId})
#   ssh-access.sh close        removes the rule that `open` added (a no-op when it added none)
#
# The rule is not Pulumi's: a job that changes the security group itself (server.adminCidrs, or the
# first `up`, which creates it) rewrites its rules without the runner; run those from an address in
# server.adminCidrs (docs/github-actions.md). Needs SCW_SECRET_KEY, curl, jq and (open) pulumi.
# SCW_API_URL and IP_ECHO_URL can point elsewhere (tests do).
set -euo pipefail

api="${SCW_API_URL:-https://api.scaleway.com}"
echo_url="${IP_ECHO_URL:-https://api.ipify.org}"
state="${RUNNER_TEMP:-/tmp}/ssh-access-rule.json"

die() { echo "ssh-access: $*" >&2; exit 1; }

config_quote() { # a value inside a curl config file's double quotes: \ and " escaped
    local v="${1//\\/\\\\}"
    printf '%s' "${v//\"/\\\"}"
}

scw() { # METHOD PATH [BODY]: the Scaleway API; fails with its message on an HTTP error
    local out code
    out=$(mktemp)
    # The key goes to curl in a config read from stdin (-K -), never in its argv (visible in ps).
    code=$(curl -sS -K - -o "$out" -w '%{http_code}' --max-time 30 -X "$1" \
        -H 'Content-Type: application/json' ${3:+--data "$3"} "$api$2" <<<"header = \"X-Auth-Token: $(config_quote "$SCW_SECRET_KEY")\"") ||
        { rm -f "$out"; die "the Scaleway API at $api did not answer"; }
    if [ "$code" -ge 300 ] && ! { [ "$1" = DELETE ] && [ "$code" = 404 ]; }; then
        local message
        message=$(jq -r '.message // empty' "$out" 2>/dev/null || true)
        rm -f "$out"
        die "Scaleway API $1 $2 answered $code${message:+: $message}"
    fi
    cat "$out"
    rm -f "$out"
}

open_access() {
    local stack="$1" ip firewall zone group body rule
    [ -n "${SCW_SECRET_KEY:-}" ] || die "SCW_SECRET_KEY is not set"
    ip=$(curl -fsS --max-time 10 "$echo_url") || die "could not learn this runner's public address from $echo_url"
    [[ "$ip" =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || die "$echo_url answered '$ip', not an IPv4 address"
    for octet in "${BASH_REMATCH[@]:1}"; do [ "$octet" -le 255 ] || die "$echo_url answered '$ip', not an IPv4 address"; done

    if ! firewall=$(pulumi stack output --stack "$stack" --json sshFirewall 2>/dev/null) || [ "$(jq -r 'type' <<<"$firewall")" != object ]; then
        echo "ssh-access: stack $stack has no server yet, so nothing to open: its first up must run from an address in server.adminCidrs" >&2
        return 0
    fi
    zone=$(jq -r '.zone' <<<"$firewall")
    group=$(jq -r '.securityGroupId | split("/") | last' <<<"$firewall") # the provider's ids are zone/uuid
    body=$(jq -cn --arg range "$ip/32" '{protocol: "TCP", direction: "inbound", action: "accept", ip_range: $range, dest_port_from: 22, dest_port_to: 22}')
    rule=$(scw POST "/instance/v1/zones/$zone/security_groups/$group/rules" "$body" | jq -r '.rule.id // empty')
    [ -n "$rule" ] || die "the Scaleway API created no rule (no rule.id in its answer)"
    jq -cn --arg zone "$zone" --arg group "$group" --arg rule "$rule" '{zone: $zone, group: $group, rule: $rule}' >"$state"
    echo "ssh-access: port 22 open to $ip/32 in security group $group until this job ends" >&2
}

close_access() {
    if [ ! -s "$state" ]; then
        echo "ssh-access: no rule was added by this job; nothing to close" >&2
        return 0
    fi
    [ -n "${SCW_SECRET_KEY:-}" ] || die "SCW_SECRET_KEY is not set"
    local zone group rule
    zone=$(jq -r '.zone' "$state")
    group=$(jq -r '.group' "$state")
    rule=$(jq -r '.rule' "$state")
    scw DELETE "/instance/v1/zones/$zone/security_groups/$group/rules/$rule" >/dev/null
    rm -f "$state"
    echo "ssh-access: removed rule $rule from security group $group" >&2
}

case "${1:-}" in
    open) [ -n "${2:-}" ] || die "usage: ssh-access.sh open STACK"; open_access "$2" ;;
    close) close_access ;;
    *) die "usage: ssh-access.sh open STACK | close" ;;
esac
