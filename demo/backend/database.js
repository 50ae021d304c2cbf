'use strict';
// The backend's own database (DATABASE_URL, given by the platform): a `visits` table, made at
// start, that counts visits. Without DATABASE_URL the backend runs with no database at all.
const { settings, log, redact } = require('../shared/http-server');

const databaseUrl = process.env.DATABASE_URL || '';

function newPool(max, name) {
  const { Pool } = require('pg');
  const p = new Pool({
    connectionString: databaseUrl,
    max,
    // Above the pause of a PostgreSQL image change, when queries and new connections wait in the
    // pooler (docs/app-contract.md, "Database connections": 15 s or more).
    connectionTimeoutMillis: 15000,
    idleTimeoutMillis: 30000,
    query_timeout: 20000,
    application_name: name,
  });
  // An idle client losing its connection (a database restart) must not crash the process.
  p.on('error', (err) => log(`database: idle client error (${name}): ${redact(err.message)}`));
  return p;
}

const pool = databaseUrl ? newPool(5, `demo-backend-${settings.version}`) : null;
// The health check has a connection of its own: behind a busy pool it would wait for visits and
// report a database that answers as down (the platform would then roll a healthy release back).
const healthPool = databaseUrl ? newPool(1, `demo-backend-${settings.version}-health`) : null;

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
      log('database: table visits ready');
      return;
    } catch (err) {
      log(`database: not ready (${redact(err.message)}); retrying in 2 s`);
      await new Promise((resolve) => setTimeout(resolve, 2000).unref());
    }
  }
}
if (pool) createTableAtStart();

const configured = () => pool !== null;

/** Throws unless the database answers (no-op without one). */
async function ping() {
  if (healthPool) await healthPool.query('SELECT 1');
}

async function visitCount(client) {
  const { rows } = await client.query('SELECT count(*)::int AS visits FROM visits');
  return rows[0].visits;
}

/** Records one visit; the database's state with the new count. */
async function countVisit() {
  await ensureTable();
  const client = await pool.connect();
  try {
    await client.query('INSERT INTO visits(version) VALUES ($1)', [settings.version]);
    return { connected: true, visits: await visitCount(client) };
  } finally {
    client.release();
  }
}

/** The database's state, read only: null without a database; never throws (a failure is returned for the log). */
async function status() {
  if (!pool) return null;
  try {
    await ensureTable();
    return { connected: true, visits: await visitCount(pool) };
  } catch (err) {
    return { connected: false, failure: err };
  }
}

const close = async () => { await Promise.all([pool, healthPool].filter(Boolean).map((p) => p.end())); };

module.exports = { configured, ping, countVisit, status, close };
