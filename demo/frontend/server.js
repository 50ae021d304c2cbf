'use strict';
// The demo frontend, under /<app>/ on PORT (8080): the page (public/) and its two files, and
//   GET <prefix>/info.json (or the page with Accept: application/json)  who answered
//   GET /, /health, <prefix>/health                                      health checks
// GET and HEAD only (405 otherwise). DEMO_BROKEN, DEMO_FAIL_REQUESTS and ?delay=MS: see
// lib/http-server.js.
const fs = require('node:fs');
const path = require('node:path');
const { settings, sendJson, refuseMethod, withoutPrefix, isHealthPath, requestDelay, sleep, serve } = require('../shared/http-server');

const PREFIX = `/${settings.app}`;
const METHODS = ['GET', 'HEAD'];
const info = { app: settings.app, service: 'frontend', version: settings.version, release: settings.release, instance: settings.instance };

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const read = (name) => fs.readFileSync(path.join(__dirname, 'public', name), 'utf8');

// Read once at start: the root filesystem is read-only and the app's name never changes.
const FILES = {
  '/': {
    type: 'text/html; charset=utf-8',
    body: read('index.html').replace(/\{\{app\}\}/g, escapeHtml(settings.app)).replace(/\{\{base\}\}/g, escapeHtml(`${PREFIX}/`)),
  },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: read('app.js') },
  '/style.css': { type: 'text/css; charset=utf-8', body: read('style.css') },
};
FILES['/index.html'] = FILES['/'];

function sendFile(res, file) {
  res.writeHead(200, {
    'content-type': file.type,
    'content-length': Buffer.byteLength(file.body),
    // Not fingerprinted: the browser asks again each time, so a release shows at once.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(file.body);
}

serve({
  name: 'frontend',
  defaultPort: 8080,
  async handler(req, res) {
    const url = new URL(req.url, 'http://localhost');
    if (!METHODS.includes(req.method)) return refuseMethod(res, METHODS);
    if (settings.broken) return sendJson(res, 500, { status: 'broken', error: 'broken build', version: settings.version });
    const route = withoutPrefix(url.pathname, PREFIX);
    // `/` is the container's default health path (docs/app-contract.md); the public page is /<app>/.
    if (isHealthPath(route)) return sendJson(res, 200, { status: 'ok', version: settings.version });
    if (settings.failRequests && url.pathname !== '/') return sendJson(res, 500, { error: 'failing release', version: settings.version });
    const delay = requestDelay(url);
    if (delay) await sleep(delay);
    const wantsJson = (req.headers.accept || '').includes('application/json');
    if (route === '/info.json' || ((route === '/' || route === '/index.html') && wantsJson)) return sendJson(res, 200, info);
    const file = FILES[route];
    if (!file) return sendJson(res, 404, { error: 'not found', path: url.pathname });
    return sendFile(res, file);
  },
});
