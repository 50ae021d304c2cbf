# platform-status: one status report of the whole platform, never published (read it over SSH).
#   platform-status            print the last report; exit 1 when it is red, stale or missing
#   platform-status --refresh  collect now, write it, print it (same exit codes)
#   platform-status --collect  collect and write only; exit 0 once the report is written (the job)
#   platform-status --json     print the last report as JSON
# Writes <root>/state/status.json and <root>/state/status.txt (mode 0640).
# Python 3 standard library only: it ships with every Ubuntu cloud image (cloud-init needs it).
import datetime as dt
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

CONFIG = json.loads(r"""__CONFIG__""")

ROOT = os.environ.get("PLATFORM_ROOT") or CONFIG["root"]
PG = os.environ.get("PLATFORM_POSTGRES_CONTAINER") or CONFIG["postgresContainer"]
NGINX = os.environ.get("PLATFORM_NGINX_CONTAINER") or CONFIG["nginxContainer"]
# Tests run this very program against their own opstest-* containers; cron never sets these.
CORE = os.environ.get("PLATFORM_CORE_CONTAINERS", "").split() or CONFIG["coreContainers"]
STATE = os.path.join(ROOT, "state")
JSON_FILE = os.path.join(STATE, "status.json")
TEXT_FILE = os.path.join(STATE, "status.txt")
RANK = {"ok": 0, "warn": 1, "fail": 2}
COLOUR = {0: "green", 1: "amber", 2: "red"}


def run(args, timeout=20):
    """(exit code, stdout, stderr); a missing program or a timeout is a failure, not a crash."""
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr.strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, "", str(e)


def json_objects(text):
    """(objects, count of other lines) from JSON-lines output; non-JSON and non-object lines are skipped."""
    objects, other = [], 0
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        if isinstance(item, dict):
            objects.append(item)
        else:
            other += 1
    return objects, other


class Report:
    def __init__(self):
        self.checks = []

    def add(self, group, name, status, summary, **data):
        self.checks.append({"group": group, "name": name, "status": status, "summary": summary, **data})


def container_state(name):
    code, out, err = run(["docker", "inspect", name])
    if code != 0:
        return None, err or "no such container"
    s = json.loads(out)[0]["State"]
    health = (s.get("Health") or {}).get("Status")
    return s, health


def check_containers(r, core):
    for name in core:
        s, health = container_state(name)
        if s is None:
            r.add("containers", name, "fail", f"missing: {health}")
        elif not s.get("Running"):
            r.add("containers", name, "fail", f"{s.get('Status')} (exit code {s.get('ExitCode')})")
        elif health and health != "healthy":
            r.add("containers", name, "fail" if health == "unhealthy" else "warn", f"running, health {health}")
        else:
            r.add("containers", name, "ok", "running" + (f", {health}" if health else ""))


def upstream_of(app, service):
    """The container nginx routes an app service to: the live slot's (blue unless the service's
    marker file exists), found by the labels releases give it."""
    marker = os.path.join(ROOT, CONFIG["slots"]["markersDir"], f"{app['name']}-{service}.green")
    slot = "green" if os.path.exists(marker) else "blue"
    code, out, _ = run(["docker", "ps", "-a", "--filter", f"label={CONFIG['slots']['platformLabel']}=app:{app['name']}:{service}",
                        "--filter", f"label={CONFIG['slots']['slotLabel']}={slot}", "--format", "{{.Names}}"])
    names = sorted(n for n in out.split() if n) if code == 0 else []
    if not names:
        return None
    return names[0], int(app[service]["port"])


def http_via_nginx(url):
    """GET url from inside the nginx container: the network path nginx itself uses."""
    code, out, err = run(["docker", "exec", NGINX, "curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", url], timeout=15)
    parts = out.split()
    status = int(parts[0]) if parts and parts[0].isdigit() else 0
    seconds = float(parts[1]) if len(parts) > 1 else None
    return status, seconds, err


def check_endpoints(r, apps):
    status, seconds, err = http_via_nginx("http://127.0.0.1/health")
    nginx_up = status != 0
    r.add("health", "nginx /health", "ok" if status == 200 else "fail", f"HTTP {status}" if status else f"no answer: {err}", seconds=seconds)
    for app in apps:
        for service in ("frontend", "backend"):
            label = f"{app['name']} {service}"
            target = upstream_of(app, service)
            if target is None:
                r.add("health", label, "warn", "not released yet (no container in the live slot)")
                continue
            name, port = target
            s, health = container_state(name)
            if s is None or not s.get("Running"):
                r.add("health", label, "fail", f"container {name} is not running" + (f" ({s.get('Status')})" if s else ""))
                continue
            if not nginx_up:
                r.add("health", label, "fail" if health == "unhealthy" else "warn", f"nginx is down; Docker health of {name}: {health or 'none'}")
                continue
            path = app[service]["healthPath"]
            code, seconds, err = http_via_nginx(f"http://{name}:{port}{path}")
            ok = 200 <= code < 300
            r.add("health", label, "ok" if ok else "fail", f"{path} on {name}: " + (f"HTTP {code}" if code else f"no answer: {err}"), seconds=seconds)


def check_postgres(r, warn_percent):
    code, out, err = run(["docker", "exec", PG, "pg_isready", "-U", "postgres"])
    if code != 0:
        r.add("database", "pg_isready", "fail", (out.strip() or err or "not ready"))
        return None
    r.add("database", "pg_isready", "ok", "accepting connections")
    sql = """SELECT json_build_object(
      'max', current_setting('max_connections')::int,
      'perDb', (SELECT json_object_agg(datname, n) FROM (SELECT datname, count(*) AS n FROM pg_stat_activity WHERE datname IS NOT NULL GROUP BY 1) x),
      'databases', (SELECT json_agg(datname ORDER BY datname) FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'))"""
    code, out, err = run(["docker", "exec", PG, "psql", "-X", "-At", "-U", "postgres", "-d", "postgres", "-c", sql])
    try:
        info = json.loads(out)
    except ValueError:
        r.add("database", "connections", "fail", f"cannot query: {err or out.strip()}")
        return None
    per_db = info.get("perDb") or {}
    total, max_conn = sum(per_db.values()), info.get("max") or 100
    percent = 100.0 * total / max_conn
    r.add("database", "connections", "warn" if percent >= warn_percent else "ok", f"{total} of {max_conn} in use ({percent:.0f}%)", perDatabase=per_db)
    return info.get("databases") or []


def days_left(not_after):
    return (not_after - dt.datetime.now(dt.timezone.utc)).total_seconds() / 86400


def cert_lines():
    """JSON lines from cert-expiry.sh when the TLS part of the platform installed it, else openssl."""
    script = os.path.join(ROOT, "bin", "cert-expiry.sh")
    if os.access(script, os.X_OK):
        code, out, err = run([script], timeout=60)
        found = [item for item in json_objects(out)[0] if "domain" in item]
        if found:
            return found, "cert-expiry.sh"
    found = []
    for domain in CONFIG["domains"]:
        path = os.path.join(ROOT, "certs", "live", domain, "fullchain.pem")
        if not os.path.exists(path):
            found.append({"domain": domain, "missing": path})
            continue
        code, out, err = run(["openssl", "x509", "-noout", "-enddate", "-issuer", "-in", path])
        m = re.search(r"notAfter=(.+)", out)
        if code != 0 or not m:
            found.append({"domain": domain, "error": err or "unreadable certificate"})
            continue
        not_after = dt.datetime.strptime(m.group(1).strip(), "%b %d %H:%M:%S %Y %Z").replace(tzinfo=dt.timezone.utc)
        issuer = re.search(r"issuer=(.+)", out)
        found.append({"domain": domain, "daysLeft": round(days_left(not_after), 1), "notAfter": not_after.isoformat(), "issuer": issuer.group(1).strip() if issuer else ""})
    return found, "openssl"


def check_certs(r, warn_days, fail_days):
    items, source = cert_lines()
    for c in items:
        name = str(c.get("domain"))
        if "missing" in c:
            r.add("certificates", name, "warn", f"no certificate at {c['missing']}")
            continue
        left = c.get("daysLeft")
        if not isinstance(left, (int, float)):
            r.add("certificates", name, "fail", str(c.get("error") or "expiry unknown"), source=source)
            continue
        status = "fail" if left < fail_days else "warn" if left < warn_days or c.get("ok") is False else "ok"
        r.add("certificates", name, status, f"{left:.0f} days left (until {c.get('notAfter')}, {c.get('issuer', '')})", daysLeft=left, source=source)


def parse_time(v):
    """nginx writes $time_iso8601, $msec or $time_local depending on the log format: accept each."""
    if isinstance(v, (int, float)):
        return float(v)
    if not isinstance(v, str) or not v:
        return None
    try:
        return float(v)
    except ValueError:
        pass
    try:
        t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return (t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)).timestamp()
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(v, "%d/%b/%Y:%H:%M:%S %z").timestamp()
    except ValueError:
        return None


def number(v):
    """request_time is a number or a string; upstream_response_time may be "0.01, 0.02" or "-"."""
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        total = 0.0
        seen = False
        for part in re.split(r"[,:]\s*", v):
            try:
                total += float(part)
                seen = True
            except ValueError:
                continue
        return total if seen else None
    return None


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def check_nginx_log(r, window_minutes, max_5xx):
    path = os.path.join(ROOT, "logs", "nginx", "access.log")
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8 * 1024 * 1024))  # the last 8 MB are plenty for the window
            text = f.read().decode("utf-8", "replace")
    except OSError:
        r.add("traffic", "nginx access log", "warn", f"no access log at {path}")
        return {}
    since = time.time() - window_minutes * 60
    entries, skipped = json_objects(text)
    classes, times, upstream_times, by_app = {}, [], [], {}
    for e in entries:
        t = parse_time(e.get("time", e.get("time_iso8601", e.get("msec", e.get("time_local")))))
        if t is not None and t < since:
            continue
        try:
            status = int(e.get("status"))
        except (TypeError, ValueError):
            skipped += 1
            continue
        cls = f"{status // 100}xx"
        classes[cls] = classes.get(cls, 0) + 1
        rt = number(e.get("request_time"))
        if rt is not None:
            times.append(rt)
        ut = number(e.get("upstream_response_time"))
        if ut is not None:
            upstream_times.append(ut)
        uri = e.get("uri") or (str(e.get("request", "")).split(" ") + [""])[1]
        m = re.match(r"^/(?:api/)?([a-z][a-z0-9-]*)", str(uri))
        if m:
            a = by_app.setdefault(m.group(1), {"requests": 0, "5xx": 0})
            a["requests"] += 1
            a["5xx"] += status >= 500
    total = sum(classes.values())
    errors = classes.get("5xx", 0)
    percent = 100.0 * errors / total if total else 0.0
    stats = {
        "windowMinutes": window_minutes, "requests": total, "statusClasses": classes, "percent5xx": round(percent, 2),
        "requestTimeP50": percentile(times, 50), "requestTimeP95": percentile(times, 95), "requestTimeMax": max(times) if times else None,
        "upstreamTimeP95": percentile(upstream_times, 95), "unparsedLines": skipped, "byPrefix": by_app,
    }
    # A handful of requests is too few to call an error rate.
    status = "fail" if total >= 20 and percent > max_5xx else "warn" if errors else "ok"
    p95 = stats["requestTimeP95"]
    r.add("traffic", "nginx responses", status, f"{total} requests in {window_minutes} min, {errors} 5xx ({percent:.1f}%), p95 {p95 if p95 is not None else '-'} s", **stats)
    return stats


def check_docker_stats(r):
    code, out, err = run(["docker", "stats", "--no-stream", "--format", "{{json .}}"], timeout=30)
    rows = []
    for s in json_objects(out)[0]:
        name = s.get("Name", "")
        mem = number(str(s.get("MemPerc", "")).rstrip("%"))
        rows.append({"name": name, "cpu": s.get("CPUPerc"), "memory": s.get("MemUsage"), "memoryPercent": mem})
        if mem is not None and mem >= 90:
            r.add("resources", name, "warn", f"memory at {mem:.0f}% of its limit ({s.get('MemUsage')})")
    if code != 0:
        r.add("resources", "docker stats", "warn", f"unavailable: {err}")
    return rows


def check_disk(r):
    usage = shutil.disk_usage(ROOT)
    free = 100.0 * usage.free / usage.total
    status = "fail" if free < 5 else "warn" if free < 15 else "ok"
    r.add("resources", "disk", status, f"{usage.free // 2**20} MB free ({free:.0f}%) on the disk of {ROOT}")


def check_jobs(r):
    jobs = []
    for path in sorted(glob.glob(os.path.join(STATE, "jobs", "*.status"))):
        name = os.path.basename(path)[: -len(".status")]
        try:
            code, at, took = (int(x) for x in open(path).read().split()[:3])
        except (OSError, ValueError):
            r.add("jobs", name, "warn", "unreadable status file")
            continue
        when = dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        jobs.append({"name": name, "exitCode": code, "at": at, "seconds": took})
        # 75: skipped because the previous run was still going.
        status = "ok" if code == 0 else "warn" if code == 75 else "fail"
        r.add("jobs", name, status, f"last run {when}, exit {code}, {took} s; log {ROOT}/logs/jobs/{name}.log", exitCode=code, at=at)
    return jobs


def check_backups(r, databases, max_age_hours):
    summary = os.path.join(STATE, "backups", "last.tsv")
    try:
        for line in open(summary).read().splitlines():
            cols = line.split("\t")
            if len(cols) >= 6 and cols[1] == "failed":
                r.add("backups", f"last run: {cols[0]}", "fail", cols[5])
    except OSError:
        pass
    if databases is None:  # postgres is down: judge the folders that exist
        databases = sorted(d for d in os.listdir(os.path.join(ROOT, "backups")) if d != "globals") if os.path.isdir(os.path.join(ROOT, "backups")) else []
    for db in databases:
        dumps = sorted(glob.glob(os.path.join(ROOT, "backups", db, f"{db}_*Z.dump")))
        if not dumps:
            # A database added since the last night: amber until its first dump (run-job backup).
            r.add("backups", db, "warn", f"no backup yet; run: {ROOT}/bin/run-job backup")
            continue
        newest = dumps[-1]
        m = re.search(r"_(\d{8}T\d{6}Z)\.dump$", newest)
        taken = dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc).timestamp() if m else os.path.getmtime(newest)
        hours = (time.time() - taken) / 3600
        status = "fail" if hours > max_age_hours else "ok"
        r.add("backups", db, status, f"newest {os.path.basename(newest)}, {hours:.1f} h old, {os.path.getsize(newest)} bytes, {len(dumps)} kept")


def guarded(r, group, fn, *args, default=None):
    """One broken check (an unexpected input, a bug) is reported red; the others still run."""
    try:
        return fn(r, *args)
    except Exception as e:  # noqa: BLE001 - the report must always be written
        r.add(group, f"{fn.__name__} crashed", "fail", f"{type(e).__name__}: {e}")
        return default


def collect():
    r = Report()
    c = CONFIG
    guarded(r, "containers", check_containers, CORE)
    guarded(r, "health", check_endpoints, c["apps"])
    databases = guarded(r, "database", check_postgres, c["connectionsWarnPercent"])
    guarded(r, "certificates", check_certs, c["certWarnDays"], c["certFailDays"])
    traffic = guarded(r, "traffic", check_nginx_log, c["logWindowMinutes"], c["max5xxPercent"], default={})
    stats = guarded(r, "resources", check_docker_stats, default=[])
    guarded(r, "resources", check_disk)
    jobs = guarded(r, "jobs", check_jobs, default=[])
    if c["backups"]:
        guarded(r, "backups", check_backups, databases, c["backupMaxAgeHours"])
    worst = max([RANK[x["status"]] for x in r.checks] + [0])
    return {"status": COLOUR[worst], "generatedAt": int(time.time()), "checks": r.checks, "traffic": traffic, "docker": stats, "jobs": jobs}


def as_text(report):
    when = dt.datetime.fromtimestamp(report["generatedAt"], dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [f"platform {report['status'].upper()} at {when}"]
    order = sorted(report["checks"], key=lambda x: -RANK[x["status"]])
    for x in order:
        lines.append(f"  {x['status'].upper():4} {x['group']:12} {x['name']}: {x['summary']}")
    return "\n".join(lines) + "\n"


def write(report):
    os.makedirs(STATE, exist_ok=True)
    old = os.umask(0o027)
    try:
        for path, text in ((JSON_FILE, json.dumps(report, indent=1) + "\n"), (TEXT_FILE, as_text(report))):
            with open(path + ".tmp", "w") as f:
                f.write(text)
            os.replace(path + ".tmp", path)
    finally:
        os.umask(old)


def main(argv):
    if "--collect" in argv or "--refresh" in argv:
        report = collect()
        write(report)
        if "--collect" in argv:
            print(f"status {report['status']}: {sum(1 for x in report['checks'] if x['status'] != 'ok')} check(s) not ok")
            return 0
    try:
        report = json.load(open(JSON_FILE))
    except (OSError, ValueError):
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
