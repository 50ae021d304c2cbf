'use strict';
// The demo's HTTP plumbing: settings from the environment, JSON replies, `?delay=MS`, and a
// server that drains on SIGTERM. The same file is in ../frontend/lib and ../backend/lib, since
// each folder is one image's whole build context.
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

// `?delay=MS` (or env DEMO_DELAY_MS) holds a reply, so a test can have requests in flight while
// a container drains. At most 30 s.
function requestDelay(url) {
  const raw = url.searchParams.get('delay') ?? process.env.DEMO_DELAY_MS ?? '0';
  const ms = Number.parseInt(raw, 10);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 30000) : 0;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Listens on PORT; on SIGTERM/SIGINT stops accepting, lets in-flight requests finish (closing
// keep-alive connections after their reply), runs onClose, then exits 0.
function serve({ name, defaultPort, handler, onClose = async () => {} }) {
  const port = Number.parseInt(process.env.PORT || String(defaultPort), 10);
  let draining = false;

  const server = http.createServer(async (req, res) => {
    if (draining) res.setHeader('connection', 'close');
    res.on('finish', () => { if (draining) server.closeIdleConnections(); });
    try {
      await handler(req, res);
    } catch (err) {
      log(`${req.method} ${req.url} failed: ${err && err.stack ? err.stack : err}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 65000; // longer than nginx's upstream keepalive_timeout (60 s)
  server.headersTimeout = 66000;

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

module.exports = { settings, log, sendJson, refuseMethod, withoutPrefix, isHealthPath, requestDelay, sleep, serve };
