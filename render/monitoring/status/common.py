# Shared by every part of platform-status: its rendered config, where its files live, and the
# helpers every check uses. Python 3 standard library only (it ships with Ubuntu's cloud images).
import datetime as dt
import json
import os
import re
import subprocess
import sys

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


def state_path(relative):
    """A file the platform keeps under <root> (paths in CONFIG are relative to the root)."""
    return os.path.join(ROOT, relative)


def log(message):
    """A line for the job's log (run-job timestamps it); never for secrets."""
    print(message, file=sys.stderr)


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


def utc(seconds, fmt="%Y-%m-%d %H:%M UTC"):
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime(fmt)


def write_atomic(path, text, mode=0o640):
    """Whole file or nothing: readers (nginx, the next run) never see half of it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def read_json(path, default):
    try:
        with open(path) as f:
            value = json.load(f)
        return value if isinstance(value, type(default)) else default
    except (OSError, ValueError):
        return default


class Report:
    """The checks of one run, and the facts the history keeps (per app, core service, ...)."""

    def __init__(self):
        self.checks = []
        self.facts = {"core": {}, "certs": {}, "backups": {}, "backupRun": None, "disk": None, "apps": {}}

    def add(self, group, name, status, summary, **data):
        self.checks.append({"group": group, "name": name, "status": status, "summary": summary, **data})
