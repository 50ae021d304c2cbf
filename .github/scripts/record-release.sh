#!/usr/bin/env bash
# Records a release on main: pins the image by digest in Pulumi.<stack>.yaml, commits, pushes.
# When main moved meanwhile it starts again from the new main, so the request is re-checked
# against the newest catalogue and never merged by hand.
# Usage: record-release.sh STACK, with RELEASE_REQUEST in the environment. Appends app, service,
# image, config-path, source and commit (empty when main already pinned it) to $GITHUB_OUTPUT.
set -euo pipefail

# PUSH_TOKEN reaches git alone (remote_git).
# shellcheck source-path=SCRIPTDIR source=push-token.sh
. "${BASH_SOURCE[0]%/*}/push-token.sh" # no subprocess: none may see the token before it is unset

stack="$1"
file="Pulumi.$stack.yaml"
out="${GITHUB_OUTPUT:-/dev/null}"
meta="$(mktemp)"
trap 'rm -f "$meta"' EXIT
field() { sed -n "s/^$1=//p" "$meta" | tail -n 1; }

git config user.name >/dev/null || git config user.name "github-actions[bot]"
git config user.email >/dev/null || git config user.email "41898282+github-actions[bot]@users.noreply.github.com"

for attempt in 1 2 3 4 5; do
    remote_git fetch --quiet origin main
    git reset --quiet --hard origin/main
    : > "$meta"
    npx --no-install tsx tools/release-request.ts --stack "$stack" --pin --github-output "$meta" >/dev/null
    if git diff --quiet -- "$file"; then
        echo "main already runs $(field image)"
        { cat "$meta"; echo "commit="; } >> "$out"
        exit 0
    fi
    RELEASE_FROM="$(field source)"
    git add -- "$file"
    git commit --quiet -m "release: $(field app) $(field service) $(field image)" \
        -m "Requested by repository_dispatch from ${RELEASE_FROM:-an app repository}."
    if remote_git push --quiet origin HEAD:main; then
        echo "recorded $(field image) on main as $(git rev-parse --short HEAD)"
        { cat "$meta"; echo "commit=$(git rev-parse HEAD)"; } >> "$out"
        exit 0
    fi
    echo "main moved while recording (attempt $attempt); starting again from the new main" >&2
    sleep $((attempt * 2))
done
echo "could not record the release on main after 5 attempts" >&2
exit 1
