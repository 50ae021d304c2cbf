'use strict';
// Shared by frontend.js and backend.js: settings from env, JSON replies, graceful drain.
const http = require('node:http');
const os = require('node:os');

const settings = {
  app: process.env.APP_NAME || 'demo',
  version: process.env.DEMO_VERSION || '1',
  // Any version can be made broken (DEMO_BROKEN=1); the :broken tag sets DEMO_VERSION=broken.
  broken: process.env.DEMO_BROKEN === '1' || process.env.DEMO_BROKEN === 'true' ||
    process.env.DEMO_VERSION === 'broken',
  instance: os.hostname(),
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

function isHealthPath(pathname) {
  return pathname === '/health' || pathname.endsWith('/health');
}

// `?delay=MS` (or env DEMO_DELAY_MS) holds a reply, so tests can have requests in flight
// while a container is drained.
function requestDelay(url) {
  const raw = url.searchParams.get('delay') ?? process.env.DEMO_DELAY_MS ?? '0';
  const ms = Number.parseInt(raw, 10);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 30000) : 0;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Starts the server and drains it on SIGTERM/SIGINT: stop accepting, let in-flight requests
// finish (closing keep-alive connections after their reply), run onClose, then exit 0.
function serve({ name, defaultPort, handler, onClose = async () => {} }) {
  const port = Number.parseInt(process.env.PORT || String(defaultPort), 10);
  let draining = false;

  const server = http.createServer(async (req, res) => {
    if (draining) res.setHeader('connection', 'close');
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

  server.on('request', (req, res) => {
    res.on('finish', () => { if (draining) server.closeIdleConnections(); });
  });

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
    log(`${name} ${settings.app} version ${settings.version} listening on ${port}` +
      (settings.broken ? ' (broken build)' : ''));
  });
  return server;
}

module.exports = { settings, log, sendJson, isHealthPath, requestDelay, sleep, serve };
