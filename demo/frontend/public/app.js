'use strict';
// Asks the frontend (<base>info.json) and the backend (/api/<app>/info) who answered, once a
// second, and fills in the page. A change of release, container or state goes to the list of
// changes, newest first, so a release or a rollback is seen as it happens. No framework, no
// inline code: the platform's CSP allows only same-origin scripts and connections.
(() => {
  const POLL_MS = 1000;
  const TIMEOUT_MS = 3000;
  const MAX_CHANGES = 30;
  const { app, base } = document.body.dataset;
  const sources = { frontend: `${base}info.json`, backend: `/api/${encodeURIComponent(app)}/info` };
  const last = {};

  async function ask(url) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' }, signal: abort.signal });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) return { ok: false, problem: `HTTP ${res.status}${body.error ? `: ${body.error}` : ''}`, ...body };
      return { ok: true, ...body };
    } catch (err) {
      return { ok: false, problem: err.name === 'AbortError' ? `no answer within ${TIMEOUT_MS / 1000} s` : 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
  }

  function databaseText(db) {
    if (db === undefined) return '–';
    if (db === null) return 'none configured';
    if (!db.connected) return `not connected (${db.error})`;
    return `connected, ${db.visits} ${db.visits === 1 ? 'visit' : 'visits'}`;
  }

  function show(service, info) {
    const card = document.getElementById(service);
    const set = (field, text) => {
      const el = card.querySelector(`[data-field="${field}"]`);
      if (el) el.textContent = text;
    };
    set('state', info.ok ? 'serving' : info.problem);
    card.classList.toggle('failing', !info.ok);
    if (info.release !== undefined) set('release', info.release);
    if (info.version !== undefined) set('version', info.version);
    if (info.instance !== undefined) set('instance', info.instance);
    set('database', databaseText(info.db));
  }

  // A digest cut to 12 hex digits, as `docker images` shows it: enough to tell releases apart.
  const short = (ref) => String(ref).replace(/@sha256:([0-9a-f]{12})[0-9a-f]{52}$/, '@sha256:$1…');

  // What counts as a change: who answers and whether it works, not the visit count.
  function summary(info) {
    if (!info.ok) return info.problem;
    const db = info.db && !info.db.connected ? ', database not connected' : '';
    return `${short(info.release)} on ${info.instance}${db}`;
  }

  function note(text) {
    const list = document.getElementById('changes');
    const item = document.createElement('li');
    const time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString();
    item.append(time, ` ${text}`);
    list.prepend(item);
    while (list.children.length > MAX_CHANGES) list.lastElementChild.remove();
  }

  async function poll() {
    const answers = await Promise.all(Object.entries(sources).map(async ([service, url]) => [service, await ask(url)]));
    for (const [service, info] of answers) {
      show(service, info);
      const now = summary(info);
      if (last[service] === undefined) note(`${service}: ${now}`);
      else if (last[service] !== now) note(`${service}: ${last[service]} → ${now}`);
      last[service] = now;
    }
    setTimeout(poll, POLL_MS);
  }

  // This page view counts as one visit in the backend's database.
  fetch(`/api/${encodeURIComponent(app)}/visits`, { method: 'POST' }).catch(() => {});
  poll();
})();
