'use strict';
// The demo backend, under /api/<app>/ on PORT (3000):
//   GET /health, <prefix>/health   200 while its database answers (503 when not)
//   GET <prefix>/info              who answered and the database's state; counts nothing
//   GET or POST <prefix>/anything  counts a visit; who answered and the count (POST: 201)
// Other methods: 405. A client counting visits faster than DEMO_RATE_LIMIT_PER_SECOND (default 20,
// bursts of twice that; 0: no limit) gets 429. Failures answer a fixed message and a request id;
// the cause is in the log only. DEMO_BROKEN, DEMO_FAIL_REQUESTS and ?delay=MS: see ../shared/http-server.js.
const { settings, sendJson, sendError, refuseMethod, refuseRate, rateLimiter, withoutPrefix, isHealthPath, requestDelay, sleep, serve } = require('../shared/http-server');
const database = require('./database');

const PREFIX = `/api/${settings.app}`;
const BODY_LIMIT = 64 * 1024;
const READ_ONLY = ['GET', 'HEAD'];
const VISIT_METHODS = ['GET', 'HEAD', 'POST'];
// Every visit writes a row: the limit keeps one client from filling the database or its pool.
const allowVisit = rateLimiter(Number.parseInt(process.env.DEMO_RATE_LIMIT_PER_SECOND ?? '20', 10));

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

async function health(req, res) {
  try {
    await database.ping();
  } catch (err) {
    return sendError(req, res, 503, 'database unavailable', err, { status: 'error', version: settings.version });
  }
  return sendJson(res, 200, { status: 'ok', version: settings.version });
}

async function info(req, res) {
  const db = await database.status();
  if (db && db.failure) {
    // 200 all the same: the page shows the database as not connected; the cause goes to the log.
    return sendError(req, res, 200, undefined, db.failure, { ...identity(), db: { connected: false, error: 'database unavailable' } });
  }
  return sendJson(res, 200, { ...identity(), db });
}

async function visit(req, res, url) {
  if (req.method !== 'HEAD' && !allowVisit(req)) return refuseRate(req, res);
  if (req.method === 'POST') {
    try {
      await readBody(req);
    } catch (err) {
      res.setHeader('connection', 'close');
      return sendError(req, res, err.status || 400, err.status === 413 ? 'request body too large' : 'bad request', err);
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
      return sendError(req, res, 503, 'database unavailable', err, body);
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
    if (route === 'health') return health(req, res);
    if (settings.failRequests) return sendJson(res, 500, { error: 'failing release', version: settings.version });
    if (route === 'info') return info(req, res);
    return visit(req, res, url);
  },
});
