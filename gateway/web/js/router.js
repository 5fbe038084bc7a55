// History-style URLs: each path draws one screen; links within the app
// navigate without a reload; reloading any URL draws the same screen.

import { ApiError } from './api.js';
import { h } from './dom.js';
import { messageFor } from './messages.js';
import { session } from './session.js';

const routes = [];
let root = null;
let current = null;

/**
 * Registers a screen. `pattern` like `/boards/:boardId`; `render({ params,
 * query, signal })` returns (or resolves to) the screen's element;
 * `signal` aborts when the user leaves it. Screens are for signed-in users
 * unless `{ public: true }`; `{ guestOnly: true }` sends a signed-in user
 * home (로그인, 회원가입).
 */
export function route(pattern, render, options = {}) {
  const keys = [];
  const source = pattern.replace(/:(\w+)/g, (_, key) => {
    keys.push(key);
    return '([^/]+)';
  });
  routes.push({ regex: new RegExp(`^${source}/?$`), keys, render, ...options });
}

/** Goes to `to` (a path with optional query) and draws it. */
export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  return draw();
}

/** Draws the current URL again (after the data behind it changed). */
export function redraw() {
  return draw({ keepScroll: true });
}

/** The URL to come back to after signing in. */
function here() {
  return location.pathname + location.search;
}

async function draw({ keepScroll = false } = {}) {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  root.dataset.loading = 'true';
  const match = routes
    .map((entry) => ({ entry, found: entry.regex.exec(path) }))
    .find(({ found }) => found);
  if (!match) return show(notFound(), controller);
  const { entry, found } = match;
  if (!entry.public && !entry.guestOnly && !session.user) {
    return navigate(`/login?next=${encodeURIComponent(here())}`, { replace: true });
  }
  if (entry.guestOnly && session.user) return navigate('/', { replace: true });
  const params = Object.fromEntries(entry.keys.map((key, index) => [key, decodeURIComponent(found[index + 1])]));
  const scroll = window.scrollY;
  try {
    const screen = await entry.render({ params, query, signal: controller.signal });
    if (controller.signal.aborted) return undefined;
    show(screen, controller);
    window.scrollTo(0, keepScroll ? scroll : 0);
  } catch (error) {
    if (controller.signal.aborted) return undefined;
    if (error instanceof ApiError && error.status === 401) return undefined;
    show(failed(error), controller);
  }
  return undefined;
}

function show(screen, controller) {
  if (controller.signal.aborted) return;
  root.replaceChildren(screen);
  // Tests (and styles) can tell which screen is drawn and that it is done.
  root.dataset.path = location.pathname + location.search;
  delete root.dataset.loading;
  const title = screen.querySelector?.('h1')?.textContent;
  document.title = title && title !== '에브리타임' ? `${title} - 에브리타임` : '에브리타임';
}

function notFound() {
  return h(
    'section',
    { class: 'empty-screen' },
    h('h1', {}, '페이지를 찾을 수 없습니다'),
    h('p', {}, '주소가 바뀌었거나 삭제된 페이지입니다.'),
    h('a', { href: '/', class: 'button primary' }, '홈으로'),
  );
}

function failed(error) {
  const message = error instanceof ApiError ? messageFor(error) : '문제가 생겼습니다. 잠시 후 다시 시도해 주세요.';
  if (!(error instanceof ApiError)) console.error(error);
  return h(
    'section',
    { class: 'empty-screen' },
    h('h1', {}, error?.status === 404 ? '찾을 수 없습니다' : '불러오지 못했습니다'),
    h('p', {}, message),
    h('a', { href: '/', class: 'button primary' }, '홈으로'),
  );
}

/** Starts drawing into `element` and follows the app's own links. */
export function start(element) {
  root = element;
  window.addEventListener('popstate', () => draw());
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest?.('a[href]');
    if (!link || link.target || link.hasAttribute('download') || link.origin !== location.origin) return;
    if (link.pathname.startsWith('/api/')) return;
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
  return draw();
}

/** Sends the user to sign in, keeping where they were. */
export function toSignIn() {
  if (location.pathname === '/login') return undefined;
  return navigate(`/login?next=${encodeURIComponent(here())}`, { replace: true });
}
