# Inline SVG charts for the status page: one per app, three panels over the last 24 hours
# (requests, 5xx share, p95 latency) with a vertical marker per release event. No script, no
# style attribute (the page's CSP allows its one stylesheet only): presentation is by class.
from html import escape

from .common import utc

WIDTH, PANEL, GAP, LEFT, RIGHT = 720, 44, 14, 64, 8
SERIES = (
    ("requests", "requests", lambda s: s["n"], lambda v: f"{v:.0f}"),
    ("errors", "5xx share", lambda s: 100.0 * s["e"] / s["n"] if s["n"] else None, lambda v: f"{v:.1f}%"),
    ("latency", "p95 latency", lambda s: s.get("p95"), lambda v: f"{v * 1000:.0f} ms"),
)
EVENT_LABEL = {"released": "released", "rolled-back": "rolled back", "failed": "release failed"}


def x_of(t, t0, t1):
    return LEFT + (t - t0) / float(t1 - t0) * (WIDTH - LEFT - RIGHT)


def segments(points, max_gap):
    """Splits (t, value) points where the job did not run for a while: a gap is not a line."""
    runs, current, last = [], [], None
    for t, v in points:
        if last is not None and t - last > max_gap:
            runs.append(current)
            current = []
        current.append((t, v))
        last = t
    return runs + ([current] if current else [])


def panel(index, key, label, points, fmt, t0, t1, max_gap):
    top = GAP + index * (PANEL + GAP)
    values = [v for _, v in points]
    peak = max(values) if values else 0
    scale = peak if peak > 0 else 1
    y = lambda v: top + PANEL - v / scale * PANEL
    parts = [
        f'<g class="panel" data-series="{key}" data-points="{len(points)}">',
        f'<rect class="frame" x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL}"/>',
        f'<text class="label" x="4" y="{top + 12}">{escape(label)}</text>',
        f'<text class="peak" x="4" y="{top + 26}">{escape(fmt(peak)) if values else "-"}</text>',
    ]
    for run in segments(points, max_gap):
        coords = " ".join(f"{x_of(t, t0, t1):.1f},{y(v):.1f}" for t, v in run)
        parts.append(f'<polyline class="s-{key}" points="{coords}"/>')
    parts.append("</g>")
    return "".join(parts)


def app_chart(app, samples, events, t0, t1, interval):
    """samples: [(t, per-app sample)], events: this app's release events in the window."""
    height = GAP + len(SERIES) * (PANEL + GAP)
    out = [f'<svg class="chart" data-app="{escape(app)}" data-from="{t0}" data-to="{t1}" width="{WIDTH}" height="{height + 14}" viewBox="0 0 {WIDTH} {height + 14}" role="img" aria-label="{escape(app)}: requests, 5xx share and p95 latency over 24 hours">']
    for i, (key, label, value, fmt) in enumerate(SERIES):
        points = [(t, value(s)) for t, s in samples if value(s) is not None]
        out.append(panel(i, key, label, points, fmt, t0, t1, 3 * interval))
    for e in events:
        x = x_of(e["t"], t0, t1)
        kind = e.get("outcome", "released")
        what = f"{utc(e['t'], '%H:%M UTC')} {e.get('service', '')} {EVENT_LABEL.get(kind, kind)}: {e.get('image', '')}"
        out.append(f'<line class="marker ev-{escape(kind)}" data-kind="{escape(kind)}" data-t="{e["t"]}" x1="{x:.1f}" x2="{x:.1f}" y1="{GAP - 4}" y2="{height - GAP + 4}"><title>{escape(what)}</title></line>')
    for hours in (24, 18, 12, 6, 0):
        x = x_of(t1 - hours * 3600, t0, t1)
        out.append(f'<text class="tick" x="{x:.1f}" y="{height + 10}">{"now" if hours == 0 else f"-{hours} h"}</text>')
    out.append("</svg>")
    return "".join(out)


def uptime(samples, name):
    """Share of samples in which a core service was up, as a percentage, or None."""
    seen = [s["core"][name]["up"] for s in samples if name in s.get("core", {})]
    return 100.0 * sum(seen) / len(seen) if seen else None
