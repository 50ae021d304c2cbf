#!/usr/bin/env bash
# The offline render (npm run render -- --stack prod: the program under mocks, no credential) of
# main and of a pull request's branch, and what differs, for preview.yml. Needs no secret.
# Usage: render-diff.sh BASE_DIR HEAD_DIR OUT_DIR
# Writes OUT_DIR/base/ and OUT_DIR/head/ (resources.json, files/, scripts/), OUT_DIR/render.diff
# and OUT_DIR/comment.md, and appends comment.md to $GITHUB_STEP_SUMMARY when set.
# Fails when the branch does not render (its problems are in comment.md).
set -euo pipefail

base="$1"
head="$2"
mkdir -p "$3"
out="$(cd "$3" && pwd)"
# A comment holds at most 65536 characters; the rest of a long difference is in the run's artifact.
limit=60000

render() { # DIR NAME: installs that tree's locked dependencies and renders its stack
    (cd "$1" && npm ci --no-audit --no-fund && npm run --silent render -- --stack prod --out "$out/$2") >"$out/$2.log" 2>&1
}

base_status=0
render "$base" base || base_status=$?
head_status=0
render "$head" head || head_status=$?

{
    echo "### Offline render: this branch against main"
    echo
    if [ "$head_status" -ne 0 ]; then
        echo "The branch does not render (\`npm run render -- --stack prod\` exited $head_status):"
        echo
        echo '```'
        tail -n 40 "$out/head.log"
        echo '```'
    elif [ "$base_status" -ne 0 ]; then
        echo "main does not render (exit $base_status), so there is nothing to compare with; the branch renders."
    else
        diff_status=0
        (cd "$out" && diff -ruN base head) >"$out/render.diff" || diff_status=$?
        [ "$diff_status" -le 1 ] || { echo "diff failed ($diff_status)" >&2; exit 1; }
        if [ "$diff_status" -eq 0 ]; then
            echo "No difference: the branch renders the same resources, files and scripts as main."
        else
            echo "$(grep -c '^diff ' "$out/render.diff") rendered files differ (secrets are shown as placeholders)."
            echo
            echo '<details><summary>Difference</summary>'
            echo
            echo '```diff'
            head -c "$limit" "$out/render.diff"
            echo
            echo '```'
            echo '</details>'
        fi
    fi
    echo
    echo "A real \`pulumi preview\` against the stack: run *Preview (live)* on this branch; a reviewer approves it."
} >"$out/comment.md"

[ -z "${GITHUB_STEP_SUMMARY:-}" ] || cat "$out/comment.md" >>"$GITHUB_STEP_SUMMARY"
[ "$head_status" -eq 0 ] || exit 1
