'use strict';
// Demo backend (DEMO_FAIL_REQUESTS=1: healthy, but every other request answers 500). `<any>/health` → 200 {"status":"ok","version"} only while its database answers
// `SELECT 1` (when DATABASE_URL is set). Any other GET inserts a visit and answers
// {"app","service":"backend","version","db":{"visits":N},"instance"}; db is null without
// DATABASE_URL, and the reply is 503 while the database is unreachable.
const { settings, log, sendJson, isHealthPath, requestDelay, sleep, serve } = require('./common');

const databaseUrl = process.env.DATABASE_URL || '';
let pool = null;
if (databaseUrl) {
  const { Pool } = require('pg');
  pool = new Pool({
    connectionString: databaseUrl,
    max: 5,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    query_timeout: 5000,
    application_name: `demo-backend-${settings.version}`,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (err) => log(`pg pool: idle client error: ${err.message}`));
}

const CREATE_TABLE =
  'CREATE TABLE IF NOT EXISTS visits(id serial primary key, at timestamptz default now(), version text)';
let tableReady = null;
function ensureTable() {
  if (!tableReady) {
    tableReady = pool.query(CREATE_TABLE).catch((err) => {
      // Two releases starting together can race on IF NOT EXISTS; the loser sees a duplicate.
      if (err.code === '23505' || err.code === '42P07') return;
      tableReady = null;
      throw err;
    });
  }
  return tableReady;
}

async function createTableAtStart() {
  for (;;) {
    try {
      await ensureTable();
      log('table visits ready');
      return;
    } catch (err) {
      log(`database not ready (${err.message}); retrying in 2 s`);
      await new Promise((resolve) => setTimeout(resolve, 2000).unref());
    }
  }
}
if (pool) createTableAtStart();

async function countVisit() {
  await ensureTable();
  const client = await pool.connect();
  try {
    await client.query('INSERT INTO visits(version) VALUES ($1)', [settings.version]);
    const { rows } = await client.query('SELECT count(*)::int AS visits FROM visits');
    return { visits: rows[0].visits };
  } finally {
    client.release();
  }
}

serve({
  name: 'backend',
  defaultPort: 3000,
  onClose: async () => { if (pool) await pool.end(); },
  async handler(req, res) {
    const url = new URL(req.url, 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    if (isHealthPath(url.pathname)) {
      if (settings.broken) return sendJson(res, 500, { status: 'broken', version: settings.version });
      if (pool) {
        try {
          await pool.query('SELECT 1');
        } catch (err) {
          return sendJson(res, 503, { status: 'error', version: settings.version, error: `database: ${err.message}` });
        }
      }
      return sendJson(res, 200, { status: 'ok', version: settings.version });
    }
    if (settings.broken) return sendJson(res, 500, { error: 'broken build', version: settings.version });
    // A bad release that passes its health check: every real request fails (DEMO_FAIL_REQUESTS=1).
    if (process.env.DEMO_FAIL_REQUESTS === '1') return sendJson(res, 500, { error: 'failing release', version: settings.version });
    const delay = requestDelay(url);
    if (delay) await sleep(delay);
    const body = { app: settings.app, service: 'backend', version: settings.version, db: null, instance: settings.instance };
    if (pool) {
      try {
        body.db = await countVisit();
      } catch (err) {
        return sendJson(res, 503, { ...body, error: `database unavailable: ${err.message}` });
      }
    }
    return sendJson(res, 200, body);
  },
});
