'use strict';
// The demo backend, under /api/<app>/ on PORT (3000):
//   GET /health, <prefix>/health   200 while its database answers (503 when not)
//   GET <prefix>/info              who answered and the database's state; counts nothing
//   GET or POST <prefix>/anything  counts a visit; who answered and the count (POST: 201)
// Other methods: 405. DEMO_BROKEN, DEMO_FAIL_REQUESTS and ?delay=MS: see lib/http-server.js.
const { settings, sendJson, refuseMethod, withoutPrefix, isHealthPath, requestDelay, sleep, serve } = require('../shared/http-server');
const database = require('./database');

const PREFIX = `/api/${settings.app}`;
const BODY_LIMIT = 64 * 1024;
const READ_ONLY = ['GET', 'HEAD'];
const VISIT_METHODS = ['GET', 'HEAD', 'POST'];

const identity = () => ({
  app: settings.app,
  service: 'backend',
  version: settings.version,
  release: settings.release,
  instance: settings.instance,
});

/** Reads and discards a request body (a POST's), so the keep-alive connection stays usable. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > BODY_LIMIT) reject(Object.assign(new Error('request body too large'), { status: 413 }));
    });
    req.on('end', resolve);
    req.on('error', reject);
  });
}

async function health(res) {
  try {
    await database.ping();
  } catch (err) {
    return sendJson(res, 503, { status: 'error', version: settings.version, error: `database: ${err.message}` });
  }
  return sendJson(res, 200, { status: 'ok', version: settings.version });
}

async function info(res) {
  return sendJson(res, 200, { ...identity(), db: await database.status() });
}

async function visit(req, res, url) {
  if (req.method === 'POST') {
    try {
      await readBody(req);
    } catch (err) {
      res.setHeader('connection', 'close');
      return sendJson(res, err.status || 400, { error: err.message });
    }
  }
  const delay = requestDelay(url);
  if (delay) await sleep(delay);
  const body = { ...identity(), db: null };
  // HEAD asks about the resource and changes nothing.
  if (database.configured() && req.method !== 'HEAD') {
    try {
      body.db = await database.countVisit();
    } catch (err) {
      return sendJson(res, 503, { ...body, error: `database unavailable: ${err.message}` });
    }
  }
  return sendJson(res, req.method === 'POST' ? 201 : 200, body);
}

serve({
  name: 'backend',
  defaultPort: 3000,
  onClose: database.close,
  async handler(req, res) {
    const url = new URL(req.url, 'http://localhost');
    const path = withoutPrefix(url.pathname, PREFIX);
    const route = isHealthPath(path) ? 'health' : path === '/info' ? 'info' : 'visit';
    const allowed = route === 'visit' ? VISIT_METHODS : READ_ONLY;
    if (!allowed.includes(req.method)) return refuseMethod(res, allowed);
    if (settings.broken) {
      return sendJson(res, 500, { status: 'broken', error: 'broken build', version: settings.version });
    }
    if (route === 'health') return health(res);
    if (settings.failRequests) return sendJson(res, 500, { error: 'failing release', version: settings.version });
    if (route === 'info') return info(res);
    return visit(req, res, url);
  },
});
