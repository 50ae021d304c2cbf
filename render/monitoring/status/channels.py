# Where alerts go: a webhook (one JSON POST; generic, Slack, Discord or ntfy body) and email
# through an SMTP relay (STARTTLS or TLS, certificates verified). The webhook URL and the SMTP
# password are secrets: they come from a 0600 file written from a command's stdin, and never
# appear in a log line, an error shown on the page, or a command line.
import base64
import email.message
import email.utils
import http.client
import ipaddress
import json
import smtplib
import socket
import ssl
import urllib.parse

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


# Each service's own escaping, so an alert's text (a check's summary, a release's reason: an app
# or its logs can put words there) never pings a channel or shows a link under other words.
def slack_text(text):
    """Slack: &, < and > escaped (api.slack.com/reference/surfaces/formatting#escaping), so no
    <!channel>, <@U123> or <https://x|disguised link> is read as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


DISCORD_MARKUP = "\\*_~`|>[]()<#@"


def discord_text(text):
    """Discord: markdown and masked-link characters escaped with a backslash; mentions are
    also switched off by allowed_mentions (discord.com/developers/docs/resources/message#allowed-mentions-object)."""
    return "".join("\\" + c if c in DISCORD_MARKUP else c for c in text)


def webhook_body(a):
    w = ALERT_CHANNELS["webhook"]
    fmt = w["format"]
    whole = f"{a['title']}\n{a['text']}"
    if fmt == "slack":
        return {"text": f"*{slack_text(a['title'])}*\n{slack_text(a['text'])}"}
    if fmt == "discord":
        return {"content": discord_text(whole)[:1990], "allowed_mentions": {"parse": []}}
    if fmt == "ntfy":
        # ntfy shows the message as plain text (no "markdown": true) and sends no click action.
        bad = a["severity"] == "fail"
        return {"topic": w["topic"], "title": a["title"], "message": a["text"], "priority": 4 if bad else 3, "tags": ["rotating_light" if bad else "white_check_mark"]}
    # `text` is Slack-compatible (a generic URL may well be Slack's), so it is escaped as Slack's;
    # `title` and `message` are the raw strings for a receiver that renders them itself.
    return {"text": slack_text(whole), "title": a["title"], "message": a["text"], "kind": a["kind"], "severity": a["severity"], "at": a["at"], "platform": CONFIG["platformName"]}


def url_problem(url):
    """What makes a URL unfit to hold a token: never the URL itself in the answer."""
    if any(ord(c) <= 0x20 or 0x7F <= ord(c) <= 0x9F for c in url):
        return "the webhook URL holds a space or a control character"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "the webhook URL is not https://"
    if "@" in parts.netloc:
        return "the webhook URL holds user:password@ before its host"
    return None


def checked_address(host, port):
    """The one address a send connects to: resolved once, every answer checked, and the connection
    made to that address (the name still checked by TLS). A second lookup at connect time could
    answer otherwise (DNS rebinding: a name that resolved to a public address for the check, then
    to the metadata service for the send). Refused: link-local (the cloud's metadata service,
    169.254.169.254, in any spelling the resolver reads: 2852039166, ::ffff:a9fe:a9fe), multicast,
    reserved or unspecified. Loopback and private relays stay possible on the local target; the
    scaleway target refuses them at validation."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as e:
        raise RuntimeError(f"{host} does not resolve ({e.__class__.__name__})") from None
    found = [info[4][0].split("%")[0] for info in infos]
    for text in sorted(set(found)):
        ip = ipaddress.ip_address(text)
        inner = ip.ipv4_mapped if ip.version == 6 else None
        ip = inner or ip
        if ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
            raise RuntimeError(f"{ip} is link-local, multicast or reserved (the metadata service lives there); alerts are never sent there")
    return found[0]


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `address`, with `host` for SNI, the certificate check and the Host header. No
    redirect is followed (http.client follows none): the token's host decides nothing about where
    a POST from this server goes."""

    def __init__(self, host, port, address, context, timeout):
        super().__init__(host, port, timeout=timeout, context=context)
        self.pinned = (address, context)

    def connect(self):
        address, context = self.pinned
        sock = socket.create_connection((address, self.port), self.timeout)
        self.sock = context.wrap_socket(sock, server_hostname=self.host)


def send_webhook(a, secret):
    url = secret.get("webhook_url")
    if not url:
        raise RuntimeError(f"no webhook URL in {ALERT_CHANNELS['secretsFile']}; run pulumi up to install it")
    problem = url_problem(url)
    if problem:
        raise RuntimeError(f"{problem}; set alertWebhookUrl again")
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or 443
    except ValueError:
        raise RuntimeError("the webhook URL's port is not a number; set alertWebhookUrl again") from None
    try:
        address = checked_address(parts.hostname, port)
    except RuntimeError as e:
        raise RuntimeError(f"{e}; set alertWebhookUrl again") from None
    body = json.dumps(webhook_body(a)).encode()
    # No proxy from the environment (http.client reads none): the URL holds a token and goes
    # straight to its host.
    connection = PinnedHTTPSConnection(parts.hostname, port, address, ssl.create_default_context(), ALERT_CHANNELS["timeoutSeconds"])
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=body, headers={"Content-Type": "application/json", "User-Agent": "mhylle-platform-status"})
        answer = connection.getresponse()
        if 300 <= answer.status < 400:
            raise RuntimeError(f"HTTP {answer.status}: the webhook answered with a redirect, which is not followed")
        if not 200 <= answer.status < 300:
            raise RuntimeError(f"HTTP {answer.status}")
    finally:
        connection.close()


class PinnedSMTP(smtplib.SMTP):
    """SMTP (and STARTTLS, which checks the certificate against the host name) to the checked address."""

    def __init__(self, address, host, port, timeout):
        self.pinned = address
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host, port, timeout):
        return socket.create_connection((self.pinned, port), timeout)


class PinnedSMTPSSL(smtplib.SMTP_SSL):
    """SMTP over TLS to the checked address, the certificate checked against the host name."""

    def __init__(self, address, host, port, timeout, context):
        self.pinned = address
        super().__init__(host, port, timeout=timeout, context=context)

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((self.pinned, port), timeout)
        return self.context.wrap_socket(sock, server_hostname=host)


def send_email(a, secret):
    e = ALERT_CHANNELS["email"]
    message = email.message.EmailMessage()
    message["From"] = e["from"]
    message["To"] = ", ".join(e["to"])
    message["Subject"] = a["title"]
    message["Date"] = email.utils.formatdate(a["at"], usegmt=True)
    message["Message-ID"] = email.utils.make_msgid("platform-status")
    message.set_content(a["text"] + "\n")
    try:
        address = checked_address(e["host"], e["port"])
    except RuntimeError as problem:
        raise RuntimeError(f"the SMTP host {problem}") from None
    context = ssl.create_default_context()
    timeout = ALERT_CHANNELS["timeoutSeconds"]
    if e["security"] == "tls":
        smtp = PinnedSMTPSSL(address, e["host"], e["port"], timeout, context)
    else:
        smtp = PinnedSMTP(address, e["host"], e["port"], timeout)
    with smtp:
        if e["security"] == "starttls":
            smtp.starttls(context=context)
        if e.get("username"):
            if not secret.get("smtp_password"):
                raise RuntimeError(f"no SMTP password in {ALERT_CHANNELS['secretsFile']}; run pulumi up to install it")
            smtp.login(e["username"], secret["smtp_password"])
        smtp.send_message(message)


SENDERS = {"webhook": send_webhook, "email": send_email}


def secret_pieces(value):
    """Every form in which a secret, or the part of a URL that carries its token, can show up in
    an error: whole, its user info, path and query, each path segment and query value, decoded,
    and as Python's repr() writes it (an InvalidURL message quotes the path that way)."""
    pieces = {value}
    parts = urllib.parse.urlsplit(value) if "://" in value else None
    if parts:
        pieces |= {parts.netloc.rpartition("@")[0], parts.path, parts.query, parts.fragment, f"{parts.path}?{parts.query}"}
        words = set(parts.path.split("/")) | {v for _, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)}
        words |= set(parts.netloc.rpartition("@")[0].split(":"))
        # A word such as "services" or "webhooks" is no token: redacting it would only blur errors.
        pieces |= {w for w in words if len(w) >= 16 or not w.isalpha()}
    for p in list(pieces):
        pieces |= {urllib.parse.unquote(p), repr(p)[1:-1], urllib.parse.quote(p, safe="/")}
    # Short pieces ("hooks", "v1") say nothing secret and would blank out ordinary words.
    return sorted((p for p in pieces if len(p) >= 6), key=len, reverse=True)


def redact(text, secret):
    """An error names what failed, never a secret (a URL's token would show in some messages)."""
    for value in secret.values():
        if value:
            for piece in secret_pieces(value):
                text = text.replace(piece, "[secret]")
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
