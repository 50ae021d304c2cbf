# The status page: one static HTML file, rendered by every status run into the folder nginx
# serves read-only at /status/ (admins and the server itself only). No script, no external
# asset; its one stylesheet is allowed by hash in the page's CSP (render/nginx/status-page.ts).
import os
from html import escape

from .common import CONFIG, RANK, state_path, utc, write_atomic
from .charts import app_chart, uptime

PAGE = CONFIG["page"]
STATE_WORD = {"ok": "ok", "warn": "warning", "fail": "failing"}


def cls(status):
    return f"st-{status}"


def table(head, rows, empty):
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def checks_of(report, group):
    return [c for c in report["checks"] if c["group"] == group]


def app_rows(report, samples, events, t0, t1):
    rows = []
    for app in CONFIG["apps"]:
        name = app["name"]
        health = [c for c in checks_of(report, "health") if c.get("app") == name]
        worst = max([RANK[c["status"]] for c in health] + [0])
        status = ["ok", "warn", "fail"][worst]
        series = [(s["t"], s["apps"][name]) for s in samples if name in s.get("apps", {})]
        last = series[-1][1] if series else None
        now = f"since the last run: {last['n']} requests, {last['e']} 5xx" + (f", p95 {last['p95'] * 1000:.0f} ms" if last.get("p95") is not None else "") if last else "no samples yet"
        detail = "".join(f"<li>{escape(c['name'])}: {escape(c['summary'])}</li>" for c in health)
        chart = app_chart(name, series, [e for e in events if e.get("app") == name], t0, t1, CONFIG["intervalSeconds"])
        rows.append(
            f'<tr id="app-{escape(name)}" data-app="{escape(name)}"><th scope="row">{escape(name)}</th>'
            f'<td class="{cls(status)}"><strong>{STATE_WORD[status]}</strong><p>{escape(now)}</p><ul>{detail}</ul></td><td>{chart}</td></tr>'
        )
    legend = '<p class="legend">Markers: <span class="ev-released">released</span>, <span class="ev-rolled-back">rolled back</span>, <span class="ev-failed">release failed</span>.</p>'
    return table(["App", "State", "Last 24 hours"], rows, "No apps are configured.") + (legend if rows else "")


def simple_rows(checks, extra=lambda c: ""):
    return [f'<tr><th scope="row">{escape(c["name"])}</th><td class="{cls(c["status"])}">{STATE_WORD[c["status"]]}</td><td>{escape(c["summary"])}{extra(c)}</td></tr>' for c in checks]


def core_section(report, samples):
    facts = report.get("facts", {}).get("core", {})

    def extra(c):
        mem = facts.get(c["name"], {}).get("memMb")
        up = uptime(samples, c["name"])
        return (f"; memory {mem:.0f} MB" if mem is not None else "") + (f"; up in {up:.0f}% of the last 24 h" if up is not None else "")

    return table(["Service", "State", ""], simple_rows(checks_of(report, "containers") + checks_of(report, "database"), extra), "No core service checked.")


def alerts_section(state):
    if state is None:
        return '<p class="empty">Alerts were not processed in this run (see the status job log).</p>'
    channels = ", ".join(c for c in ("webhook", "email") if CONFIG["alerts"][c]["enabled"]) or "none configured (monitoring.alerts)"
    rows = []
    for a in reversed(state.get("recent", [])[-10:]):
        parts = [f"{word}: {', '.join(a[key])}" for key, word in (("delivered", "sent"), ("pending", "waiting"), ("gaveUp", "given up")) if a.get(key)]
        delivery = "; ".join(parts) or "no channel"
        rows.append(f'<tr class="alert"><td>{utc(a["at"])}</td><td class="{cls("fail" if a["severity"] == "fail" else "ok")}">{escape(a["title"])}</td><td>{escape(delivery)}</td></tr>')
    failures = [
        f'<tr class="alert-failure"><td>{utc(f["at"])}</td><td>{escape(f["channel"])}: {escape(f["title"])}</td><td class="st-fail">{escape(f["error"])}</td></tr>'
        for f in reversed(state.get("failures", [])[-10:])
    ]
    return (
        f"<p>Channels: {escape(channels)}.</p>"
        + table(["When", "Alert", "Delivery"], rows, "No alert sent yet.")
        + ("<h3>Alerts that could not be sent</h3>" + table(["When", "Alert", "Error"], failures, "") if failures else "")
    )


def render(report, samples, events, state, now):
    t1 = int(now)
    t0 = t1 - 86400
    status = report["status"]
    not_ok = [c for c in report["checks"] if c["status"] != "ok"]
    disk = report.get("facts", {}).get("disk")
    lows = [s["disk"] for s in samples if "disk" in s]
    disk_text = f"{disk['freeMb']} MB free ({disk['freePercent']:.0f}%)" + (f"; lowest in 24 h {min(lows):.0f}%" if lows else "") if disk else "unknown"
    sections = [
        ("apps", "Apps", app_rows(report, samples, events, t0, t1)),
        ("core", "Core services", core_section(report, samples)),
        ("certificates", "Certificates", table(["Domain", "State", ""], simple_rows(checks_of(report, "certificates")), "No certificate checked.")),
        ("backups", "Backups", table(["Database", "State", ""], simple_rows(checks_of(report, "backups")), "No backup to judge yet." if CONFIG["backups"] else "Backups are off (backups.enabled).")),
        ("disk", "Disk", f"<p>{escape(disk_text)}</p>"),
        ("alerts", "Alerts", alerts_section(state)),
        ("attention", "Needs attention", table(["Check", "State", ""], simple_rows(not_ok), "Every check is ok.")),
    ]
    body = "".join(f'<section id="{key}"><h2>{title}</h2>{content}</section>' for key, title, content in sections)
    name = escape(CONFIG["platformName"])
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="refresh" content="{CONFIG["intervalSeconds"]}"><title>{name} status: {status.upper()}</title>'
        f"<style>{CONFIG['pageCss']}</style></head>"
        f'<body><header class="overall s-{status}"><h1>{name} <span class="badge" id="overall">{status.upper()}</span></h1>'
        f'<p>Generated {utc(now, "%Y-%m-%d %H:%M:%S UTC")}; refreshed every {CONFIG["intervalSeconds"] // 60} min; '
        f'{len(samples)} samples in the last 24 hours.</p></header><main>{body}</main></body></html>\n'
    )


def write_page(report, samples, events, state, now):
    """Written whole, then renamed into the folder nginx serves: a reader never sees half a page."""
    html = render(report, samples, events, state, now)
    target = os.path.join(state_path(PAGE["dir"]), "index.html")
    # nginx's workers (another uid) read it through a read-only mount.
    write_atomic(target, html, mode=0o644)
    return len(html.encode())
