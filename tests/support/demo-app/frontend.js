'use strict';
// Demo frontend: every GET answers 200 with {"app","service":"frontend","version"}; HTML by
// default, JSON when the client asks for application/json. `/health` under any prefix → 200.
const { settings, sendJson, isHealthPath, requestDelay, sleep, serve } = require('./common');

const info = { app: settings.app, service: 'frontend', version: settings.version };
const infoJson = JSON.stringify(info);
const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

serve({
  name: 'frontend',
  defaultPort: 8080,
  async handler(req, res) {
    const url = new URL(req.url, 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    if (settings.broken) return sendJson(res, 500, { status: 'broken', version: settings.version });
    if (isHealthPath(url.pathname)) return sendJson(res, 200, { status: 'ok', version: settings.version });
    const delay = requestDelay(url);
    if (delay) await sleep(delay);
    if ((req.headers.accept || '').includes('application/json')) return sendJson(res, 200, info);
    // The JSON text appears verbatim (not HTML-escaped) inside <script>, so `body.includes(infoJson)` holds.
    const html = '<!doctype html>\n<html><head><meta charset="utf-8">' +
      `<title>${escapeHtml(settings.app)} frontend</title></head>\n` +
      `<body><h1>${escapeHtml(settings.app)}</h1>\n` +
      `<script type="application/json" id="app-info">${infoJson.replace(/</g, '\\u003c')}</script>\n` +
      '</body></html>\n';
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
    });
    res.end(html);
  },
});
