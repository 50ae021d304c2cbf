# The history the status page draws: one compact sample per run, appended to a file per UTC day
# under <root>/state/history, kept `days` days and never more than `maxBytes` in all. Release
# events are lines the release script appends (render/app/release.sh); this job only rotates them.
import glob
import json
import os

from .common import CONFIG, json_objects, log, state_path, utc

HISTORY = CONFIG["history"]
SAMPLES = "samples-"


def history_dir():
    return state_path(HISTORY["dir"])


def sample_files():
    """(day, path) of every sample file, oldest first."""
    found = []
    for path in glob.glob(os.path.join(history_dir(), SAMPLES + "*.jsonl")):
        day = os.path.basename(path)[len(SAMPLES):-len(".jsonl")]
        if len(day) == 8 and day.isdigit():
            found.append((day, path))
    return sorted(found)


def build_sample(report, facts, now):
    """What one run keeps: small numbers only, so 14 days of 5-minute samples stay well under a few MB."""
    health = {}
    for c in report["checks"]:
        if c["group"] == "health" and c.get("app"):
            health[c["app"]] = max(health.get(c["app"], 0), {"ok": 0, "warn": 1, "fail": 2}[c["status"]])
    apps = {}
    for name, a in facts["apps"].items():
        apps[name] = {"st": health.get(name, 1), "n": a["n"], "e": a["e"]}
        if a["p50"] is not None:
            apps[name].update({"p50": round(a["p50"], 4), "p95": round(a["p95"], 4)})
    core = {n: {"up": int(c.get("up", False)), **({"mb": c["memMb"]} if c.get("memMb") is not None else {})} for n, c in facts["core"].items()}
    sample = {"t": int(now), "st": report["status"], "apps": apps, "core": core, "certs": facts["certs"], "backups": facts["backups"]}
    if facts.get("trafficUntil"):
        sample["u"] = facts["trafficUntil"]  # where the next sample's traffic starts
    if facts["disk"]:
        sample["disk"] = facts["disk"]["freePercent"]
    return sample


def make_room(path, incoming, now):
    """Drops days past retention, then the oldest days while today's file and the new line would
    not fit the bound. False when today's file alone is full (the line is then not kept)."""
    keep_from = utc(now - HISTORY["days"] * 86400, "%Y%m%d")
    others = []
    for day, p in sample_files():
        if day < keep_from:
            os.remove(p)
        elif p != path:
            others.append((p, os.path.getsize(p)))
    current = os.path.getsize(path) if os.path.exists(path) else 0
    while others and sum(s for _, s in others) + current + incoming > HISTORY["maxBytes"]:
        os.remove(others.pop(0)[0])
    return current + incoming <= HISTORY["maxBytes"]


def append_sample(sample):
    """Appends one line to the file of the sample's UTC day, within the bound."""
    os.makedirs(history_dir(), mode=0o750, exist_ok=True)
    line = json.dumps(sample, separators=(",", ":")) + "\n"
    path = os.path.join(history_dir(), f"{SAMPLES}{utc(sample['t'], '%Y%m%d')}.jsonl")
    if not make_room(path, len(line), sample["t"]):
        log("history: today's samples fill monitoring.history.maxMb; this sample is not kept")
        return
    with open(path, "a") as f:
        f.write(line)


def read_samples(since):
    """Samples with t >= since, oldest first (only the day files that can hold them are read)."""
    first_day = utc(since, "%Y%m%d")
    found = []
    for day, path in sample_files():
        if day < first_day:
            continue
        try:
            with open(path) as f:
                found.extend(s for s in json_objects(f.read())[0] if isinstance(s.get("t"), int) and s["t"] >= since)
        except OSError:
            continue
    return sorted(found, key=lambda s: s["t"])


def last_sample_time():
    """Where the last sample's traffic ended (its `u`), or its time."""
    files = sample_files()
    if not files:
        return None
    try:
        with open(files[-1][1], "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            lines = json_objects(f.read().decode("utf-8", "replace"))[0]
    except OSError:
        return None
    return (lines[-1].get("u") or lines[-1].get("t")) if lines else None


def events_file():
    return state_path(HISTORY["events"])


def rotate_events(now):
    """Renames the events file aside once it holds an event past retention or grows past its
    bound: a rename never loses a line a release is appending, unlike a rewrite."""
    path = events_file()
    try:
        size = os.path.getsize(path)
        with open(path) as f:
            first = json_objects(f.readline())[0]
    except OSError:
        return
    old = first and isinstance(first[0].get("t"), (int, float)) and first[0]["t"] < now - HISTORY["days"] * 86400
    if old or size > HISTORY["eventsMaxBytes"]:
        os.replace(path, path + ".1")


def read_events(since):
    """Release events with t >= since, oldest first, from the rotated file and the current one."""
    found = []
    for path in (events_file() + ".1", events_file()):
        try:
            with open(path) as f:
                found.extend(e for e in json_objects(f.read())[0] if isinstance(e.get("t"), (int, float)) and e["t"] >= since)
        except OSError:
            continue
    return sorted(found, key=lambda e: e["t"])


def history_bytes():
    files = [p for _, p in sample_files()] + [events_file(), events_file() + ".1"]
    return sum(os.path.getsize(p) for p in files if os.path.exists(p))

