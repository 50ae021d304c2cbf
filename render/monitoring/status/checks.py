# The checks of one status run: containers, health through nginx, PostgreSQL, certificates,
# docker stats, disk, jobs and backups. Each adds lines to the report and facts for the history.
import datetime as dt
import glob
import json
import os
import re
import shutil
import time

from .common import CONFIG, NGINX, PG, ROOT, STATE, json_objects, number, run, utc


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
        up = bool(s and s.get("Running"))
        r.facts["core"].setdefault(name, {})["up"] = up and health != "unhealthy"
        if s is None:
            r.add("containers", name, "fail", f"missing: {health}")
        elif not up:
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
                r.add("health", label, "warn", "not released yet (no container in the live slot)", app=app["name"])
                continue
            name, port = target
            s, health = container_state(name)
            if s is None or not s.get("Running"):
                r.add("health", label, "fail", f"container {name} is not running" + (f" ({s.get('Status')})" if s else ""), app=app["name"])
                continue
            if not nginx_up:
                r.add("health", label, "fail" if health == "unhealthy" else "warn", f"nginx is down; Docker health of {name}: {health or 'none'}", app=app["name"])
                continue
            path = app[service]["healthPath"]
            code, seconds, err = http_via_nginx(f"http://{name}:{port}{path}")
            ok = 200 <= code < 300
            r.add("health", label, "ok" if ok else "fail", f"{path} on {name}: " + (f"HTTP {code}" if code else f"no answer: {err}"), seconds=seconds, app=app["name"])


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


def check_managed_database(r, managed):
    """The managed instance answers on the private network (pg_isready of the pinned image); every server checks."""
    try:
        host, port = open(os.path.join(ROOT, managed["endpointFile"])).read().split()[:2]
    except (OSError, ValueError) as e:
        r.add("database", "managed instance", "fail", f"no address of the managed database on this server: {e}")
        return managed["databases"]
    code, out, err = run(["docker", "run", "--rm", "--network", "host", managed["image"], "pg_isready", "-h", host, "-p", port], timeout=60)
    summary = "accepting connections" if code == 0 else (out.strip() or err or "not ready")
    r.add("database", "managed instance", "ok" if code == 0 else "fail", f"{host}:{port} {summary}")
    return managed["databases"]


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
        r.facts["certs"][name] = round(float(left), 1)
        r.add("certificates", name, status, f"{left:.0f} days left (until {c.get('notAfter')}, {c.get('issuer', '')})", daysLeft=left, notAfter=c.get("notAfter"), source=source)


def megabytes(text):
    """'12.5MiB' -> 12.5; docker stats prints B, KiB, MiB or GiB."""
    m = re.match(r"^\s*([0-9.]+)\s*([KMG]?i?B)", str(text))
    if not m:
        return None
    scale = {"B": 1 / 2**20, "KiB": 1 / 1024, "kB": 1 / 1000, "MiB": 1, "MB": 1, "GiB": 1024, "GB": 1000}.get(m.group(2), 1)
    return round(float(m.group(1)) * scale, 1)


def check_docker_stats(r):
    code, out, err = run(["docker", "stats", "--no-stream", "--format", "{{json .}}"], timeout=30)
    rows = []
    for s in json_objects(out)[0]:
        name = s.get("Name", "")
        mem = number(str(s.get("MemPerc", "")).rstrip("%"))
        rows.append({"name": name, "cpu": s.get("CPUPerc"), "memory": s.get("MemUsage"), "memoryPercent": mem})
        if name in r.facts["core"]:
            r.facts["core"][name].update({"memMb": megabytes(str(s.get("MemUsage", "")).split("/")[0]), "memPercent": mem})
        if mem is not None and mem >= 90:
            r.add("resources", name, "warn", f"memory at {mem:.0f}% of its limit ({s.get('MemUsage')})")
    if code != 0:
        r.add("resources", "docker stats", "warn", f"unavailable: {err}")
    return rows


def check_disk(r):
    usage = shutil.disk_usage(ROOT)
    free = 100.0 * usage.free / usage.total
    status = "fail" if free < 5 else "warn" if free < 15 else "ok"
    r.facts["disk"] = {"freeMb": usage.free // 2**20, "freePercent": round(free, 1)}
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
        jobs.append({"name": name, "exitCode": code, "at": at, "seconds": took})
        # 75: skipped because the previous run was still going.
        status = "ok" if code == 0 else "warn" if code == 75 else "fail"
        r.add("jobs", name, status, f"last run {utc(at)}, exit {code}, {took} s; log {ROOT}/logs/jobs/{name}.log", exitCode=code, at=at)
    return jobs


def last_backup_run(r):
    """The last backup run's failed lines (the job writes its summary once per run)."""
    summary = os.path.join(ROOT, CONFIG["backupSummary"])
    try:
        text, at = open(summary).read(), int(os.path.getmtime(summary))
    except OSError:
        return
    failed = [cols for cols in (line.split("\t") for line in text.splitlines()) if len(cols) >= 6 and cols[1] == "failed"]
    r.facts["backupRun"] = {"at": at, "failed": [{"what": c[0], "message": c[5]} for c in failed]}
    for c in failed:
        r.add("backups", f"last run: {c[0]}", "fail", c[5])


def check_drill(r, max_age_hours=48, file_key="drillFile", name="restore drill", fact="drill"):
    """The last restore drill (backups.pitr; or, as check_dump_drill, the nightly dumps'): red when it failed or none passed for two days."""
    path = os.path.join(ROOT, CONFIG[file_key])
    try:
        with open(path) as f:
            d = json.load(f)
        at = int(d["at"])
    except OSError:
        return  # pitr off, or no drill yet (the drill job's own status says so)
    except (ValueError, KeyError, TypeError):
        r.add("backups", name, "fail", f"unreadable {path}")
        return
    hours = (time.time() - at) / 3600
    source = "nightly dumps" if d.get("kind") == "dump" else f"repo{d.get('repo')}"
    r.facts[fact] = {"at": at, "ok": bool(d.get("ok")), "rto": d.get("rtoSeconds"), "rpo": d.get("rpoSeconds"), "errors": d.get("errors") or []}
    if not d.get("ok"):
        r.add("backups", name, "fail", f"FAILED {hours:.0f} h ago ({source}): " + "; ".join(d.get("errors") or ["no cause recorded"]))
        return
    summary = f"last verified restore: {hours:.0f} h ago, RTO {d.get('rtoSeconds')} s, RPO {d.get('rpoSeconds')} s ({source})"
    r.add("backups", name, "fail" if hours > max_age_hours else "ok", summary if hours <= max_age_hours else f"no passing drill for {hours:.0f} h; {summary}")


def check_dump_drill(r):
    """The nightly dumps' drill (dump-drill.sh): in managed database mode the only restore proven."""
    check_drill(r, file_key="dumpDrillFile", name="dump restore drill", fact="dumpDrill")


def check_backups(r, databases, max_age_hours):
    last_backup_run(r)
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
        r.facts["backups"][db] = round(hours, 1)
        status = "fail" if hours > max_age_hours else "ok"
        r.add("backups", db, status, f"newest {os.path.basename(newest)}, {hours:.1f} h old, {os.path.getsize(newest)} bytes, {len(dumps)} kept")
