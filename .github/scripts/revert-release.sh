#!/usr/bin/env bash
# After a failed `pulumi up` of a release: takes the pin back off main, so main says again what
# the server serves (a failed health gate leaves the old container serving) and the next update
# does not retry a broken image. Leaves main alone when a newer commit already changed that line.
# Usage: revert-release.sh STACK COMMIT IMAGE
set -euo pipefail

# The job's token (PUSH_TOKEN), for git's fetch and push only: checkout keeps none in .git/config
# (dependencies' install scripts and code run in this job), no other program gets it in its
# environment, and no command line holds it (git's credential helper reads it from git's env).
push_token="${PUSH_TOKEN:-}"
unset PUSH_TOKEN
remote_git() {
    if [ -z "$push_token" ]; then git "$@"; return; fi
    # shellcheck disable=SC2016 # expanded by the helper's shell, from the environment, not here
    PUSH_TOKEN="$push_token" git -c credential.helper= \
        -c 'credential.helper=!f() { [ "$1" = get ] || exit 0; echo username=x-access-token; echo "password=$PUSH_TOKEN"; }; f' "$@"
}

file="Pulumi.$1.yaml"
commit="$2"
image="$3"
if [ -z "$commit" ]; then
    echo "this run recorded nothing on main; nothing to revert"
    exit 0
fi

git config user.name >/dev/null || git config user.name "github-actions[bot]"
git config user.email >/dev/null || git config user.email "41898282+github-actions[bot]@users.noreply.github.com"

for attempt in 1 2 3 4 5; do
    remote_git fetch --quiet origin main
    git reset --quiet --hard origin/main
    if ! grep -qF -- "image: $image" "$file"; then
        echo "main no longer pins $image; leaving it as it is"
        exit 0
    fi
    if ! git revert --no-edit "$commit" >/dev/null; then
        git revert --abort || true
        echo "could not revert $commit cleanly; revert it by pull request" >&2
        exit 1
    fi
    if remote_git push --quiet origin HEAD:main; then
        echo "reverted the release $commit on main"
        exit 0
    fi
    sleep $((attempt * 2))
done
echo "could not push the revert of $commit after 5 attempts" >&2
exit 1
