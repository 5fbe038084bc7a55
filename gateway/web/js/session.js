// Who is signed in. The tokens live in HttpOnly cookies; the app only
// knows the user the last sign-in, refresh or /users/me answered. While
// someone is signed in, the 알림 stream is open (live.js).

import { api, cancelRefresh, onRefreshed, refresh, scheduleRefresh } from './api.js';
import { startLive, stopLive } from './live.js';

export const session = { user: null };

onRefreshed((user) => {
  session.user = user;
});

/** On start: a refresh tells who is signed in and when to refresh next. */
export async function restore() {
  if (await refresh()) {
    startLive();
    return session.user;
  }
  session.user = null;
  return null;
}

export async function signIn(username, password) {
  const data = await api.post('/auth/sign-in', { username, password, token_delivery: 'cookie' });
  session.user = data.user;
  scheduleRefresh(data.expires_in);
  startLive();
  return data.user;
}

export async function signOut() {
  try {
    await api.post('/auth/sign-out');
  } finally {
    forget();
  }
}

/** Forgets the user locally (the session already ended on the server). */
export function forget() {
  cancelRefresh();
  stopLive();
  session.user = null;
}

/** Re-reads the caller (after a change of nickname or name). */
export async function reload() {
  session.user = await api.get('/users/me');
  return session.user;
}
