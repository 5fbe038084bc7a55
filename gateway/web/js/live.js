// 알림, live: the unread counts the shell shows (the bell, the 쪽지 tab),
// kept current by the notification stream while someone is signed in.
//
// The stream is an EventSource on /notifications/stream (event
// `notification`, data: the notification JSON), on the same origin, so
// the HttpOnly cookie goes with it. A dropped connection is the browser's
// to reopen (it sends Last-Event-ID); only a stream the gateway refused
// (the access token expired meanwhile) is opened again here, after a call
// through api.js has refreshed the session. Signing out closes it.

import { api } from './api.js';

const STREAM = '/api/v1/notifications/stream';
const RETRY_FIRST = 2000;
const RETRY_LAST = 60000;

const counts = { notifications: 0, messages: 0 };
const listeners = new Set();
let source = null;
let live = false;
let retry = RETRY_FIRST;
let retryTimer = 0;
let countTimer = 0;

/** How many 알림 (`notifications`) or 쪽지 (`messages`) are unread, as last known. */
export function unread(kind) {
  return counts[kind] ?? 0;
}

/** A count as a badge says it: "3", "99+". */
export function badgeText(count) {
  return count > 99 ? '99+' : String(count);
}

/**
 * Calls `fn(notification)` for each notification the stream brings, until
 * `signal` aborts (a screen listens while it is drawn).
 */
export function onNotification(fn, signal) {
  listeners.add(fn);
  signal?.addEventListener('abort', () => listeners.delete(fn), { once: true });
}

/** Sets the known counts (e.g. 0 after 모두 읽음) and shows them. */
export function setUnread(changes) {
  for (const [kind, value] of Object.entries(changes)) counts[kind] = Math.max(0, Number(value) || 0);
  show();
}

/**
 * Shows the counts in every badge on the page (`[data-unread=kind]`, made
 * by the shell) and in the link that holds it, for screen readers.
 */
function show() {
  for (const badge of document.querySelectorAll('[data-unread]')) {
    const count = unread(badge.dataset.unread);
    badge.textContent = badgeText(count);
    badge.hidden = count === 0;
    const holder = badge.closest('[data-label]');
    if (holder) holder.setAttribute('aria-label', count ? `${holder.dataset.label} ${count}개 안 읽음` : holder.dataset.label);
  }
}

/** Reads both counts again (soon, once for a burst of causes). */
export function reloadCounts() {
  clearTimeout(countTimer);
  countTimer = setTimeout(readCounts, 150);
}

async function readCounts() {
  if (!live) return false;
  try {
    const [notifications, messages] = await Promise.all([
      api.get('/notifications/unread-count'),
      api.get('/messages/unread-count'),
    ]);
    if (!live) return false;
    setUnread({ notifications: notifications?.count, messages: messages?.count });
    return true;
  } catch {
    // Shown as they were; the next event or screen reads them again.
    return false;
  }
}

function open() {
  const stream = new EventSource(STREAM);
  source = stream;
  document.documentElement.dataset.live = 'connecting';
  stream.addEventListener('open', () => {
    if (source !== stream) return;
    retry = RETRY_FIRST;
    document.documentElement.dataset.live = 'open';
    // Whatever came while it was closed is in the counts.
    reloadCounts();
  });
  stream.addEventListener('notification', (event) => {
    if (source !== stream) return;
    let notification;
    try {
      notification = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!notification?.read) {
      counts.notifications += 1;
      if (notification?.kind === 'message') counts.messages += 1;
      show();
    }
    // The server's numbers are the truth (a 쪽지 read elsewhere meanwhile).
    reloadCounts();
    for (const fn of listeners) fn(notification);
  });
  stream.addEventListener('error', () => {
    if (source !== stream || stream.readyState !== EventSource.CLOSED) return;
    // Refused, not dropped: the browser gives up, so it is opened again
    // here once a call has refreshed the session (or found it over).
    document.documentElement.dataset.live = 'closed';
    source = null;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(async () => {
      if (!live) return;
      await readCounts();
      if (live && !source) open();
    }, retry);
    retry = Math.min(retry * 2, RETRY_LAST);
  });
}

/** Opens the stream and reads the counts (once signed in; again is a no-op). */
export function startLive() {
  if (live) return;
  live = true;
  retry = RETRY_FIRST;
  open();
  reloadCounts();
}

/** Closes the stream and forgets the counts (signed out). */
export function stopLive() {
  live = false;
  clearTimeout(retryTimer);
  clearTimeout(countTimer);
  source?.close();
  source = null;
  listeners.clear();
  document.documentElement.dataset.live = 'off';
  setUnread({ notifications: 0, messages: 0 });
}

document.addEventListener('visibilitychange', () => {
  if (live && document.visibilityState === 'visible') reloadCounts();
});

// Leaving the page (a reload, another address, the back/forward cache):
// the stream is closed here, or the browser may keep its connection, and
// a few page loads would use up the connections it allows one origin.
// A page restored from that cache opens it again.
window.addEventListener('pagehide', () => {
  source?.close();
  source = null;
  clearTimeout(retryTimer);
});
window.addEventListener('pageshow', (event) => {
  if (event.persisted && live && !source) {
    open();
    reloadCounts();
  }
});
