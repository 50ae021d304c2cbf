'use strict';
// The demo's HTTP plumbing: settings from the environment, JSON replies, request ids and errors
// that tell a client nothing internal, per-client rate limits, `?delay=MS` for tests only, and a
// server that drains on SIGTERM. Both images hold it (demo/ is their build context).
const crypto = require('node:crypto');
const http = require('node:http');
const os = require('node:os');

const version = process.env.DEMO_VERSION || 'dev';
const settings = {
  app: process.env.APP_NAME || 'demo',
  version,
  // Set by the platform: the pinned image reference and the container's name.
  release: process.env.RELEASE_IMAGE || version,
  instance: process.env.RELEASE_ID || os.hostname(),
  // A build that never gets healthy: every request, the health check included, answers 500.
  broken: process.env.DEMO_BROKEN === '1' || process.env.DEMO_BROKEN === 'true' || version === 'broken',
  // A bad release its health check misses: healthy, but every real request answers 500.
  failRequests: process.env.DEMO_FAIL_REQUESTS === '1',
};

function log(message) {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** 405 with the methods a route takes. */
function refuseMethod(res, allowed) {
  res.setHeader('allow', allowed.join(', '));
  sendJson(res, 405, { error: 'method not allowed', allowed });
}

/** The path below `prefix` (`/api/app1/x` → `/x`); unchanged when the proxy already stripped it. */
function withoutPrefix(pathname, prefix) {
  if (pathname === prefix) return '/';
  return pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : pathname;
}

const isHealthPath = (path) => path === '/health' || path.endsWith('/health');

/** The longest a reply is held: a test needs a request in flight, not a way to hold connections. */
const MAX_DELAY_MS = 2000;

// `?delay=MS` (or env DEMO_DELAY_MS) holds a reply, so a test can have requests in flight while a
// container drains: only where DEMO_ALLOW_DELAY=1 says this is a test, and at most 2 s. A public
// route that waits as long as anyone asks lets anyone hold every connection the server has.
function requestDelay(url) {
  if (process.env.DEMO_ALLOW_DELAY !== '1') return 0;
  const raw = url.searchParams.get('delay') ?? process.env.DEMO_DELAY_MS ?? '0';
  const ms = Number.parseInt(raw, 10);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_DELAY_MS) : 0;
}

/** The request's id: nginx's or a caller's X-Request-ID when it is a plain token, else a new one. */
function requestId(req) {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : crypto.randomUUID();
}

/** An error's text for the log, with any password of a URL (a DSN) and of DATABASE_URL taken out. */
function redact(text) {
  let out = String(text).replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, '$1:[redacted]@');
  const url = process.env.DATABASE_URL;
  if (url) {
    try {
      const password = decodeURIComponent(new URL(url).password);
      if (password) out = out.split(password).join('[redacted]');
    } catch { /* not a URL: nothing more to take out */ }
  }
  return out;
}

/**
 * A failure as the client sees it: the status, a fixed message and the request id; what went wrong
 * goes to the log only, under that id (a database's error names tables, roles and hosts).
 */
function sendError(req, res, status, message, err, extra = {}) {
  const id = res.getHeader('x-request-id') || requestId(req);
  log(`request ${id}: ${req.method} ${(req.url || '').split('?')[0]} -> ${status}: ${redact(err && err.message ? err.message : err)}`);
  sendJson(res, status, message === undefined ? { ...extra, requestId: id } : { ...extra, error: message, requestId: id });
}

/**
 * Per-client token buckets: `perSecond` requests a second, bursts of twice that. The client is
 * nginx's X-Real-IP (only nginx reaches the container), else the peer. 0 turns it off.
 */
function rateLimiter(perSecond) {
  const buckets = new Map();
  const burst = perSecond * 2;
  return function allow(req) {
    if (!(perSecond > 0)) return true;
    const client = (typeof req.headers['x-real-ip'] === 'string' && req.headers['x-real-ip']) || req.socket.remoteAddress || '?';
    const now = Date.now();
    const b = buckets.get(client) || { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    // A bounded map: a flood of addresses forgets the oldest first.
    if (!buckets.has(client) && buckets.size >= 10000) buckets.delete(buckets.keys().next().value);
    buckets.set(client, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
}

/** 429 with Retry-After. */
function refuseRate(req, res) {
  res.setHeader('retry-after', '1');
  sendJson(res, 429, { error: 'too many requests', requestId: res.getHeader('x-request-id') || requestId(req) });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Listens on PORT; on SIGTERM/SIGINT stops accepting, lets in-flight requests finish (closing
// keep-alive connections after their reply), runs onClose, then exits 0.
function serve({ name, defaultPort, handler, onClose = async () => {} }) {
  const port = Number.parseInt(process.env.PORT || String(defaultPort), 10);
  let draining = false;

  const server = http.createServer(async (req, res) => {
    res.setHeader('x-request-id', requestId(req));
    if (draining) res.setHeader('connection', 'close');
    res.on('finish', () => { if (draining) server.closeIdleConnections(); });
    try {
      await handler(req, res);
    } catch (err) {
      if (!res.headersSent) sendError(req, res, 500, 'internal error', err && err.stack ? err.stack : err);
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 65000; // longer than nginx's upstream keepalive_timeout (60 s)
  server.headersTimeout = 66000;
  // A client that sends its request slowly (a byte a minute) is cut off, not kept for ever.
  server.requestTimeout = 70000;
  server.maxHeadersCount = 100;

  const shutdown = (signal) => {
    if (draining) return;
    draining = true;
    log(`${name}: ${signal} received, draining`);
    const timeoutMs = Number.parseInt(process.env.DEMO_SHUTDOWN_TIMEOUT_MS || '25000', 10);
    setTimeout(() => {
      log(`${name}: drain timed out after ${timeoutMs} ms, exiting`);
      process.exit(1);
    }, timeoutMs).unref();
    server.close(async () => {
      try { await onClose(); } catch (err) { log(`${name}: close failed: ${err}`); }
      log(`${name}: drained, exiting`);
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  server.listen(port, '0.0.0.0', () => {
    log(`${name} of ${settings.app}, release ${settings.release}, listening on ${port}` +
      (settings.broken ? ' (broken build)' : '') + (settings.failRequests ? ' (failing requests)' : ''));
  });
  return server;
}

module.exports = {
  settings, log, sendJson, sendError, redact, refuseMethod, refuseRate, rateLimiter, withoutPrefix, isHealthPath, requestDelay, MAX_DELAY_MS, sleep, serve,
};
