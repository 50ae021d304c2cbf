#!/usr/bin/env bash
# After a failed `pulumi up` of a release: takes the pin back off main, so main says again what
# the server serves (a failed health gate leaves the old container serving) and the next update
# does not retry a broken image. Leaves main alone when a newer commit already changed that line.
# Usage: revert-release.sh STACK COMMIT IMAGE
set -euo pipefail

# PUSH_TOKEN reaches git alone (remote_git).
# shellcheck source-path=SCRIPTDIR source=push-token.sh
. "${BASH_SOURCE[0]%/*}/push-token.sh" # no subprocess: none may see the token before it is unset

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
