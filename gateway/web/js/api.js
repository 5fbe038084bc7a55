// The one way the app talks to the gateway: JSON in and out, the HttpOnly
// cookies for authentication (no token is ever held in script), and every
// error as an ApiError carrying the problem+json body.
//
// A 401 on any call refreshes the session once (the refresh cookie) and
// repeats the call; a refresh is also scheduled before the access token
// expires. Refreshes are serialised across tabs with a Web Lock: refresh
// tokens rotate, and presenting a spent one ends the whole session.

const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code ?? (status === 0 ? 'network' : `http_${status}`);
    this.detail = problem?.detail ?? '';
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
    this.problem = problem ?? {};
  }
}

const signedOutListeners = new Set();
let refreshing = null;
let refreshTimer = 0;

/** Calls `fn()` whenever the session turns out to be over. */
export function onSignedOut(fn) {
  signedOutListeners.add(fn);
}

function query(params) {
  if (!params) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function read(response) {
  if (response.status === 204 || response.status === 205) return null;
  const type = response.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

async function send(method, path, body, options = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(BASE + path + query(options.query), init);
  } catch {
    throw new ApiError(0, { code: 'network', detail: 'network error' });
  }
  // Signing in, up or out and refreshing answer 401 for themselves; every
  // other call (also /auth/sessions) refreshes once and tries again.
  if (response.status === 401 && options.retry !== false && !/^\/auth\/(sign-in|sign-up|sign-out|refresh)$/.test(path)) {
    // A wrong current password is the user's answer, not an expired
    // token: it is shown, never retried.
    const problem = await response.clone().json().catch(() => null);
    if (problem?.code === 'wrong_password') throw new ApiError(401, problem);
    if (await refresh()) return send(method, path, body, { ...options, retry: false });
    signedOut();
  }
  return read(response);
}

export const api = {
  get: (path, params) => send('GET', path, undefined, { query: params }),
  post: (path, body) => send('POST', path, body),
  put: (path, body) => send('PUT', path, body),
  patch: (path, body) => send('PATCH', path, body),
  del: (path, body) => send('DELETE', path, body),
};

/** The URL of an API path, for `<img src>` and download links. */
export function apiUrl(path, params) {
  return BASE + path + query(params);
}

function signedOut() {
  clearTimeout(refreshTimer);
  for (const fn of signedOutListeners) fn();
}

/** Schedules the next refresh a little before the access token expires. */
export function scheduleRefresh(expiresIn) {
  clearTimeout(refreshTimer);
  const seconds = Math.max(5, Math.floor(Number(expiresIn) * 0.8));
  refreshTimer = setTimeout(() => {
    refresh().then((ok) => ok || signedOut());
  }, seconds * 1000);
}

export function cancelRefresh() {
  clearTimeout(refreshTimer);
}

const refreshListeners = new Set();

/** Calls `fn(user)` after each successful refresh (the user may have changed). */
export function onRefreshed(fn) {
  refreshListeners.add(fn);
}

async function refreshOnce() {
  let response;
  try {
    response = await fetch(`${BASE}/auth/refresh`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ token_delivery: 'cookie' }),
    });
  } catch {
    return false;
  }
  if (!response.ok) return false;
  const data = await response.json().catch(() => null);
  if (!data) return false;
  scheduleRefresh(data.expires_in);
  for (const fn of refreshListeners) fn(data.user);
  return true;
}

/** Refreshes the session; resolves to whether it is still signed in. */
export function refresh() {
  refreshing ??= (navigator.locks
    ? navigator.locks.request('everytime-refresh', refreshOnce)
    : refreshOnce()
  ).finally(() => {
    refreshing = null;
  });
  return refreshing;
}
