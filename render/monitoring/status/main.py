# platform-status: one status report of the whole platform, its history, its page and its alerts.
#   platform-status            print the last report; exit 1 when it is red, stale or missing
#   platform-status --refresh  run now as the job does, then print (same exit codes)
#   platform-status --collect  run as the job: report, history sample, alerts, page; exit 0 once written
#   platform-status --json     print the last report as JSON
#   platform-status --page     render the page again from what is stored (no checks, no alerts)
# Writes <root>/state/status.json and status.txt (0640), the history under <root>/state/history,
# alert state in <root>/state/alerts.json and the page into the folder nginx serves at /status/.
import fcntl
import json
import os
import sys
import time
import traceback

from .common import CONFIG, CORE, COLOUR, JSON_FILE, RANK, ROOT, STATE, TEXT_FILE, Report, log, read_json, utc, write_atomic
from .checks import check_backups, check_drill, check_dump_drill, check_certs, check_containers, check_disk, check_docker_stats, check_endpoints, check_jobs, check_managed_database, check_postgres
from .traffic import app_traffic, check_nginx_log, read_requests, sample_until, window_start
from .history import append_sample, build_sample, last_sample_time, read_events, read_samples, rotate_events
from .alerts import process
from .page import write_page


def guarded(r, group, fn, *args, default=None):
    """One broken check (an unexpected input, a bug) is reported red; the others still run."""
    try:
        return fn(r, *args)
    except Exception as e:  # noqa: BLE001 - the report must always be written
        r.add(group, f"{fn.__name__} crashed", "fail", f"{type(e).__name__}: {e}")
        return default


def collect(since_sample, until):
    r = Report()
    c = CONFIG
    guarded(r, "containers", check_containers, CORE)
    guarded(r, "health", check_endpoints, c["apps"])
    if c["managedDatabase"]:
        databases = guarded(r, "database", check_managed_database, c["managedDatabase"])
    else:
        databases = guarded(r, "database", check_postgres, c["connectionsWarnPercent"])
    guarded(r, "certificates", check_certs, c["certWarnDays"], c["certFailDays"])
    requests = read_requests(window_start(c["logWindowMinutes"]))
    traffic = guarded(r, "traffic", check_nginx_log, c["logWindowMinutes"], c["max5xxPercent"], requests, default={})
    guarded(r, "traffic", app_traffic, requests, since_sample, until)
    stats = guarded(r, "resources", check_docker_stats, default=[])
    guarded(r, "resources", check_disk)
    jobs = guarded(r, "jobs", check_jobs, default=[])
    if c["backups"]:
        guarded(r, "backups", check_backups, databases, c["backupMaxAgeHours"])
    guarded(r, "backups", check_drill)
    guarded(r, "backups", check_dump_drill)
    worst = max([RANK[x["status"]] for x in r.checks] + [0])
    return {"status": COLOUR[worst], "generatedAt": int(time.time()), "checks": r.checks, "traffic": traffic, "docker": stats, "jobs": jobs, "facts": r.facts}


def as_text(report):
    lines = [f"platform {report['status'].upper()} at {utc(report['generatedAt'], '%Y-%m-%d %H:%M:%S UTC')}"]
    order = sorted(report["checks"], key=lambda x: -RANK[x["status"]])
    for x in order:
        lines.append(f"  {x['status'].upper():4} {x['group']:12} {x['name']}: {x['summary']}")
    return "\n".join(lines) + "\n"


def write(report):
    os.makedirs(STATE, exist_ok=True)
    write_atomic(JSON_FILE, json.dumps(report, indent=1) + "\n")
    write_atomic(TEXT_FILE, as_text(report))


def step(what, fn, *args, default=None):
    """History, alerts and the page each fail alone, logged: the report is already written."""
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 - the status job never fails for these
        log(f"{what} failed:\n{traceback.format_exc()}")
        return default


def page_only(now):
    report = read_json(JSON_FILE, {})
    if not report:
        print(f"no status report at {JSON_FILE}; run platform-status --refresh")
        return 1
    state = read_json(os.path.join(ROOT, CONFIG["alerts"]["stateFile"]), {}) or None
    size = write_page(report, read_samples(now - 86400), read_events(now - 86400), state, now)
    print(f"page written: {size} bytes")
    return 0


def run_job():
    """The status job's whole run, under a lock: a manual --refresh never interleaves with cron's."""
    os.makedirs(STATE, exist_ok=True)
    with open(os.path.join(STATE, "status.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        t0 = time.time()
        last = step("reading the history", last_sample_time)
        window = window_start(CONFIG["logWindowMinutes"])
        report = collect(max(last, window) if isinstance(last, (int, float)) else window, sample_until(CONFIG["accessLogFlushSeconds"] + 1))
        write(report)
        t1 = time.time()
        now = report["generatedAt"]
        step("history", append_sample, build_sample(report, report["facts"], now))
        step("event rotation", rotate_events, now)
        events = step("reading events", read_events, now - 86400, default=[])
        state = step("alerts", process, report, report["facts"], events, now)
        size = step("page", write_page, report, step("reading samples", read_samples, now - 86400, default=[]), events, state, now)
        log(f"status {report['status']}: checks {t1 - t0:.2f} s, history, alerts and page {time.time() - t1:.2f} s; page {size} bytes")
        return report


def main(argv):
    if "--page" in argv:
        return page_only(int(time.time()))
    if "--collect" in argv or "--refresh" in argv:
        report = run_job()
        if "--collect" in argv:
            print(f"status {report['status']}: {sum(1 for x in report['checks'] if x['status'] != 'ok')} check(s) not ok")
            return 0
    report = read_json(JSON_FILE, {})
    if not report:
        print(f"platform RED: no status report at {JSON_FILE}; is the status job running? (platform-status --refresh)")
        return 1
    age = time.time() - report.get("generatedAt", 0)
    if "--json" in argv:
        print(json.dumps(report, indent=1))
    else:
        sys.stdout.write(as_text(report))
    if age > CONFIG["staleAfterSeconds"]:
        print(f"platform RED: the report is {age / 60:.0f} minutes old; the status job is not running (see {ROOT}/logs/jobs/status.log)")
        return 1
    return 1 if report["status"] == "red" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
