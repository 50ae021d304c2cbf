# Alerts: what is news in this run (the status turning red or back, with hysteresis; a failed
# release, backup or off-site copy; a certificate under the fail threshold; the daily heartbeat),
# kept in an outbox per channel until delivered (retried each run for a day), in <root>/state.
# Nothing here may break the status job: a channel that fails is logged and shown on the page.
import hashlib
import json
import os
import time

from .common import CONFIG, log, read_json, state_path, utc, write_atomic
from .channels import configured_channels, deliver

ALERTS = CONFIG["alerts"]
KEEP_RECENT = 30
GIVE_UP_SECONDS = 24 * 3600


def alerts_file():
    return state_path(ALERTS["stateFile"])


def load_state(now):
    state = read_json(alerts_file(), {})
    if not state.get("since"):
        # A first run announces nothing that happened before it (a release failed last month).
        state = {"since": now - CONFIG["staleAfterSeconds"], "confirmed": "green", "streak": {"state": "green", "runs": 0}}
    for key, empty in (("sent", {}), ("outbox", []), ("recent", []), ("failures", [])):
        state.setdefault(key, empty)
    return state


def alert(kind, title, lines, now, severity="fail"):
    text = "\n".join(lines + ([f"Status page: {CONFIG['pageUrl']}"] if CONFIG.get("pageUrl") else []))
    ident = hashlib.sha256(f"{kind}|{title}|{text}|{now}".encode()).hexdigest()[:12]
    return {"id": ident, "at": int(now), "kind": kind, "severity": severity, "title": f"{CONFIG['platformName']}: {title}", "text": text}


def status_alerts(state, report, now):
    """Red only after `redAfterRuns` red runs in a row, back only after `greenAfterRuns` that are not."""
    current = "red" if report["status"] == "red" else "green"
    streak = state["streak"]
    streak["runs"] = streak["runs"] + 1 if streak["state"] == current else 1
    streak["state"] = current
    needed = ALERTS["redAfterRuns"] if current == "red" else ALERTS["greenAfterRuns"]
    if current == state["confirmed"] or streak["runs"] < needed:
        return []
    state["confirmed"] = current
    failing = [f"{c['status'].upper()} {c['group']} {c['name']}: {c['summary']}" for c in report["checks"] if c["status"] != "ok"]
    if current == "red":
        return [alert("status-red", "platform RED", [f"Red for {streak['runs']} runs in a row:"] + failing, now)]
    colour = report["status"].upper()
    return [alert("status-green", f"platform back to {colour}", ["No longer red."] + failing, now, "ok")]


def once(state, key, now):
    """True the first time a key is seen: each failure is announced once."""
    if key in state["sent"]:
        return False
    state["sent"][key] = int(now)
    return True


def cert_alerts(state, report, now):
    found = []
    for c in report["checks"]:
        if c["group"] == "certificates" and c["status"] == "fail" and isinstance(c.get("daysLeft"), (int, float)):
            if once(state, f"cert|{c['name']}|{c.get('notAfter')}", now):
                found.append(alert("certificate", f"certificate of {c['name']} expires in {c['daysLeft']:.0f} days", [c["summary"], f"Threshold: monitoring.certFailDays = {CONFIG['certFailDays']}"], now))
    return found


def backup_alerts(state, report, facts, now):
    found = []
    run = facts.get("backupRun")
    if run:
        dumps = [f"{x['what']}: {x['message']}" for x in run["failed"] if x["what"] != "offsite"]
        offsite = [x["message"] for x in run["failed"] if x["what"] == "offsite"]
        if dumps and once(state, f"backup|{run['at']}", now):
            found.append(alert("backup", "backup failed", [f"The backup run of {utc(run['at'])} failed:"] + dumps, now))
        if offsite and once(state, f"offsite|{run['at']}", now):
            found.append(alert("offsite", "off-site backup copy failed", [f"The backup run of {utc(run['at'])} could not copy its dumps off-site:"] + offsite, now))
    job = next((j for j in report.get("jobs", []) if j["name"] == "backup"), None)
    # A job that died before writing its summary still shouts.
    if job and job["exitCode"] not in (0, 75) and (not run or run["at"] < job["at"] - job["seconds"] - 1):
        if once(state, f"backup-job|{job['at']}", now):
            found.append(alert("backup", "backup job failed", [f"exit {job['exitCode']} at {utc(job['at'])}, no summary written; log: {CONFIG['root']}/logs/jobs/backup.log"], now))
    return found


def drill_alerts(state, facts, now):
    """A failed restore drill (pitr's or the dumps') alerts like a failed backup: once per drill."""
    found = []
    for fact, what, job in (("drill", "restore drill", "restore-drill"), ("dumpDrill", "dump restore drill", "dump-drill")):
        d = facts.get(fact)
        if d and not d["ok"] and once(state, f"{fact}|{d['at']}", now):
            found.append(alert("backup", f"{what} failed", [f"The {what} of {utc(d['at'])} failed:"] + d["errors"] + [f"log: {CONFIG['root']}/logs/jobs/{job}.log"], now))
    return found


def release_alerts(state, events, now):
    found = []
    for e in events:
        if e.get("outcome") not in ("failed", "rolled-back") or e["t"] < state["since"]:
            continue
        what = f"{e.get('app')} {e.get('service')}"
        if once(state, f"release|{e['t']}|{what}|{e['outcome']}", now):
            verb = "rolled back" if e["outcome"] == "rolled-back" else "failed"
            found.append(alert("release", f"release of {what} {verb}", [str(e.get("reason", "")), f"image {e.get('image')} ({e.get('digest')})"], now))
    return found


def heartbeat(state, report, now):
    day = utc(now, "%Y%m%d")
    if not ALERTS["heartbeat"] or state["sent"].get("heartbeat") == day or int(utc(now, "%H")) < ALERTS["heartbeatHourUtc"]:
        return []
    if state["confirmed"] != "green" or report["status"] == "red":
        return []
    state["sent"]["heartbeat"] = day
    return [alert("heartbeat", f"all {report['status']}", [f"{sum(1 for c in report['checks'] if c['status'] == 'ok')} checks ok; daily heartbeat (monitoring.alerts.heartbeat)"], now, "ok")]


def note_delivery(state, now):
    """Each recent alert says where it went, where it waits, and where it was given up."""
    recent = {r["id"]: r for r in state["recent"]}
    for a in state["outbox"]:
        r = recent.get(a["id"], {})
        r["delivered"] = [c for c in a["channels"] if c not in a["pending"]]
        r["pending"] = list(a["pending"])
        if a["pending"] and a["at"] < now - GIVE_UP_SECONDS:
            r["gaveUp"], r["pending"] = r["pending"], []
            for channel in a["pending"]:
                state["failures"].append({"at": int(now), "channel": channel, "title": a["title"], "error": "not delivered within 24 h; given up"})
            a["pending"] = []


def forget_old(state, now):
    horizon = now - CONFIG["history"]["days"] * 86400
    state["sent"] = {k: v for k, v in state["sent"].items() if k == "heartbeat" or v >= horizon}
    state["outbox"] = [a for a in state["outbox"] if a["pending"]]
    state["recent"] = state["recent"][-KEEP_RECENT:]
    state["failures"] = state["failures"][-KEEP_RECENT:]


def process(report, facts, events, now=None):
    """Finds this run's alerts, delivers what is pending, and returns the state the page shows."""
    now = int(now or time.time())
    state = load_state(now)
    news = status_alerts(state, report, now) + cert_alerts(state, report, now) + backup_alerts(state, report, facts, now) + drill_alerts(state, facts, now)
    news += release_alerts(state, events, now) + heartbeat(state, report, now)
    channels = configured_channels()
    for a in state["outbox"]:  # a channel taken out of config no longer waits
        a["pending"] = [c for c in a["pending"] if c in channels]
        a.setdefault("channels", list(a["pending"]))
    for a in news:
        log(f"alert: {a['title']}")
        state["recent"].append({k: a[k] for k in ("id", "at", "kind", "severity", "title")})
        state["outbox"].append({**a, "channels": list(channels), "pending": list(channels)})
    for failure in deliver(state["outbox"], channels, now):
        log(f"alert not sent through {failure['channel']}: {failure['error']}")
        state["failures"].append(failure)
    note_delivery(state, now)
    forget_old(state, now)
    os.makedirs(os.path.dirname(alerts_file()), exist_ok=True)
    write_atomic(alerts_file(), json.dumps(state, indent=1) + "\n")
    return state
