# Where alerts go: a webhook (one JSON POST; generic, Slack, Discord or ntfy body) and email
# through an SMTP relay (STARTTLS or TLS, certificates verified). The webhook URL and the SMTP
# password are secrets: they come from a 0600 file written from a command's stdin, and never
# appear in a log line, an error shown on the page, or a command line.
import base64
import email.message
import email.utils
import json
import smtplib
import ssl
import urllib.request

from .common import CONFIG, state_path

ALERT_CHANNELS = CONFIG["alerts"]


def secrets():
    """{name: value} from the secrets file (`name=<base64>` lines); {} when it is missing."""
    found = {}
    try:
        with open(state_path(ALERT_CHANNELS["secretsFile"])) as f:
            for line in f:
                name, _, value = line.strip().partition("=")
                if name and value:
                    found[name] = base64.b64decode(value).decode("utf-8")
    except (OSError, ValueError):
        pass
    return found


def configured_channels():
    return [name for name in ("webhook", "email") if ALERT_CHANNELS[name]["enabled"]]


def webhook_body(a):
    w = ALERT_CHANNELS["webhook"]
    fmt = w["format"]
    whole = f"{a['title']}\n{a['text']}"
    if fmt == "slack":
        return {"text": f"*{a['title']}*\n{a['text']}"}
    if fmt == "discord":
        return {"content": whole[:1990]}
    if fmt == "ntfy":
        bad = a["severity"] == "fail"
        return {"topic": w["topic"], "title": a["title"], "message": a["text"], "priority": 4 if bad else 3, "tags": ["rotating_light" if bad else "white_check_mark"]}
    return {"text": whole, "title": a["title"], "message": a["text"], "kind": a["kind"], "severity": a["severity"], "at": a["at"], "platform": CONFIG["platformName"]}


def send_webhook(a, secret):
    url = secret.get("webhook_url")
    if not url:
        raise RuntimeError(f"no webhook URL in {ALERT_CHANNELS['secretsFile']}; run pulumi up to install it")
    if not url.startswith("https://"):
        raise RuntimeError("the webhook URL is not https://")
    body = json.dumps(webhook_body(a)).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "mhylle-platform-status"})
    # No proxy from the environment: the URL holds a token and goes straight to its host.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ssl.create_default_context()))
    with opener.open(request, timeout=ALERT_CHANNELS["timeoutSeconds"]) as answer:
        if not 200 <= answer.status < 300:
            raise RuntimeError(f"HTTP {answer.status}")


def send_email(a, secret):
    e = ALERT_CHANNELS["email"]
    message = email.message.EmailMessage()
    message["From"] = e["from"]
    message["To"] = ", ".join(e["to"])
    message["Subject"] = a["title"]
    message["Date"] = email.utils.formatdate(a["at"], usegmt=True)
    message["Message-ID"] = email.utils.make_msgid("platform-status")
    message.set_content(a["text"] + "\n")
    context = ssl.create_default_context()
    timeout = ALERT_CHANNELS["timeoutSeconds"]
    if e["security"] == "tls":
        smtp = smtplib.SMTP_SSL(e["host"], e["port"], timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(e["host"], e["port"], timeout=timeout)
    with smtp:
        if e["security"] == "starttls":
            smtp.starttls(context=context)
        if e.get("username"):
            if not secret.get("smtp_password"):
                raise RuntimeError(f"no SMTP password in {ALERT_CHANNELS['secretsFile']}; run pulumi up to install it")
            smtp.login(e["username"], secret["smtp_password"])
        smtp.send_message(message)


SENDERS = {"webhook": send_webhook, "email": send_email}


def redact(text, secret):
    """An error names what failed, never a secret (a URL's token would show in some messages)."""
    for value in secret.values():
        if value:
            text = text.replace(value, "[secret]")
    return text[:300]


def deliver(outbox, channels, now):
    """Sends pending alerts oldest first; a channel that fails is not tried again this run (the
    alert stays pending). Returns the failures."""
    failures = []
    secret = secrets()
    for channel in channels:
        for a in outbox:
            if channel not in a["pending"]:
                continue
            try:
                SENDERS[channel](a, secret)
                a["pending"].remove(channel)
            except Exception as err:  # noqa: BLE001 - a channel never breaks the status job
                failures.append({"at": int(now), "channel": channel, "title": a["title"], "error": redact(f"{type(err).__name__}: {err}", secret)})
                break
    return failures
