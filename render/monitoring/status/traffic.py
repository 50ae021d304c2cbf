# nginx's JSON access log: the report's window summary (status classes, timings) and, for the
# history, each app's requests, 5xx and latency since the previous sample.
import datetime as dt
import os
import re
import time

from .common import CONFIG, ROOT, json_objects, number, percentile


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


def read_requests(since):
    """(requests at or after `since`, unparsed line count), or None without an access log.
    Each request: (time or None, status, request_time or None, upstream_time or None, uri)."""
    path = os.path.join(ROOT, "logs", "nginx", "access.log")
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 8 * 1024 * 1024))  # the last 8 MB are plenty for the window
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return None, path
    entries, skipped = json_objects(text)
    found = []
    for e in entries:
        # $msec (production's log has it) first: a second's resolution would blur sample boundaries.
        t = parse_time(e.get("msec", e.get("time", e.get("time_iso8601", e.get("time_local")))))
        if t is not None and t < since:
            continue
        try:
            status = int(e.get("status"))
        except (TypeError, ValueError):
            skipped += 1
            continue
        uri = e.get("uri") or (str(e.get("request", "")).split(" ") + [""])[1]
        found.append((t, status, number(e.get("request_time")), number(e.get("upstream_response_time")), str(uri)))
    return found, skipped


def check_nginx_log(r, window_minutes, max_5xx, requests):
    found, skipped = requests
    if found is None:
        r.add("traffic", "nginx access log", "warn", f"no access log at {skipped}")
        return {}
    classes, times, upstream_times, by_app = {}, [], [], {}
    for t, status, rt, ut, uri in found:
        cls = f"{status // 100}xx"
        classes[cls] = classes.get(cls, 0) + 1
        if rt is not None:
            times.append(rt)
        if ut is not None:
            upstream_times.append(ut)
        m = re.match(r"^/(?:api/)?([a-z][a-z0-9-]*)", uri)
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


def app_of(uri, prefixes):
    """The app whose route or API prefix the URI is under (longest prefix wins)."""
    best = None
    for prefix, app in prefixes:
        if uri == prefix or uri.startswith(prefix + "/") or uri.startswith(prefix + "?"):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, app)
    return best[1] if best else None


def app_traffic(r, requests, since, until):
    """Per app, the requests logged in [since, until): count, 5xx, p50/p95. Consecutive samples
    share their boundary, so each request is counted in exactly one sample."""
    found = requests[0] or []
    prefixes = [(p, a["name"]) for a in CONFIG["apps"] for p in a["prefixes"]]
    per_app = {a["name"]: {"n": 0, "e": 0, "times": []} for a in CONFIG["apps"]}
    for t, status, rt, _, uri in found:
        if t is None or t < since or t >= until:
            continue
        app = app_of(uri, prefixes)
        if app is None:
            continue
        a = per_app[app]
        a["n"] += 1
        a["e"] += status >= 500
        if rt is not None:
            a["times"].append(rt)
    for name, a in per_app.items():
        r.facts["apps"][name] = {"n": a["n"], "e": a["e"], "p50": percentile(a["times"], 50), "p95": percentile(a["times"], 95)}
    r.facts["trafficUntil"] = until


def window_start(window_minutes):
    return time.time() - window_minutes * 60


def sample_until(flush_seconds):
    """Where this sample's traffic ends: a little in the past, so lines nginx has not flushed yet
    (it writes its log every second) fall in the next sample instead of in none."""
    return round(time.time() - flush_seconds, 3)
