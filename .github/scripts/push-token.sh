# shellcheck shell=bash
# Sourced by record-release.sh and revert-release.sh: the job's token (PUSH_TOKEN), for git's fetch
# and push only. Checkout keeps none in .git/config (dependencies' install scripts and code run in
# this job), no other program gets it in its environment, and no command line holds it (git's
# credential helper reads it from git's env).
push_token="${PUSH_TOKEN:-}"
unset PUSH_TOKEN
remote_git() {
    if [ -z "$push_token" ]; then git "$@"; return; fi
    # shellcheck disable=SC2016 # expanded by the helper's shell, from the environment, not here
    PUSH_TOKEN="$push_token" git -c credential.helper= \
        -c 'credential.helper=!f() { [ "$1" = get ] || exit 0; echo username=x-access-token; echo "password=$PUSH_TOKEN"; }; f' "$@"
}
