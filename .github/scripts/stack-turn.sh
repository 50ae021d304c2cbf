#!/usr/bin/env bash
# Whose turn it is on the stack, between Destroy and the updates (Up, Release).
#
# Destroy has a concurrency group of its own (docs/github-actions.md, "Destroy and the updates"):
# in the group `pulumi-prod` a push's Up would cancel a pending Destroy, since GitHub keeps only
# the newest pending run of a group. So the two sides take turns here instead:
#
#   stack-turn.sh refuse-if-destroying   (Up, Release: before Pulumi) fails when a Destroy run is
#                                         not completed: queued, waiting for approval or running.
#   stack-turn.sh wait-for-updates       (Destroy: before Pulumi) waits until no Up or Release run
#                                         is in progress.
#
# Either an update checks after the Destroy run exists (and refuses), or the Destroy checks while
# that update's run is in progress (and waits for it): a run is listed from its creation to its
# end, so the two can never both pass. Only the updates refuse and only Destroy waits, so neither
# waits for the other in a circle. Needs GH_TOKEN (actions: read) and GITHUB_REPOSITORY.
# STACK_TURN_POLL_SECONDS sets the pause between two looks (20 s).
set -euo pipefail
# A failed look (API error, bad JSON) must fail the step, not read as "nothing running": without
# this, set -e does not reach inside $(...).
shopt -s inherit_errexit

mode="${1:-}"
: "${GITHUB_REPOSITORY:?}"
poll="${STACK_TURN_POLL_SECONDS:-20}"

# The runs of one workflow file whose status passes the jq filter, one "status url" a line.
runs() {
  local workflow="$1" filter="$2" json
  json="$(gh api "repos/$GITHUB_REPOSITORY/actions/workflows/$workflow/runs?per_page=100")"
  jq -r ".workflow_runs[] | select($filter) | \"\\(.status) \\(.html_url)\"" <<< "$json"
}

case "$mode" in
  refuse-if-destroying)
    pending="$(runs destroy.yml '.status != "completed"')"
    if [ -n "$pending" ]; then
      echo "::error::A Destroy is pending or running; this update does not run (it would rebuild what the Destroy removes). Run Up by hand once the Destroy is done if the platform should come back. Destroy: $pending"
      exit 1
    fi
    echo "No Destroy is pending: this update may run."
    ;;
  wait-for-updates)
    while true; do
      busy="$(runs up.yml '.status == "in_progress"'; runs release.yml '.status == "in_progress"')"
      if [ -z "$busy" ]; then
        echo "No Up or Release is in progress: the Destroy runs now. Updates that start from now on refuse."
        break
      fi
      echo "Waiting for the update(s) in progress to end (they hold the stack):"
      echo "$busy"
      sleep "$poll"
    done
    ;;
  *)
    echo "usage: stack-turn.sh refuse-if-destroying|wait-for-updates" >&2
    exit 2
    ;;
esac
