// The frame of every signed-in screen: a top bar (back, title, actions,
// the 알림 bell), the content, and the tab bar (at the bottom on a phone,
// at the side on a desktop). The bell and the 쪽지 tab carry the unread
// counts, which live.js keeps current.

import { h } from './dom.js';
import { badgeText, unread } from './live.js';

/**
 * The tabs, in the app's order. A feature that adds a top-level screen
 * adds its tab here; `match` says which paths light it up, `unread` which
 * count its badge shows. (알림 is the bell in the top bar.)
 */
export const TABS = [
  { id: 'home', label: '게시판', href: '/', match: /^\/($|boards|posts|hot|best|search|my)/ },
  { id: 'timetable', label: '시간표', href: '/timetable', match: /^\/(timetable|courses|grades)/ },
  { id: 'friends', label: '친구', href: '/friends', match: /^\/friends/ },
  { id: 'messages', label: '쪽지', href: '/messages', match: /^\/messages/, unread: 'messages' },
  { id: 'me', label: '내 정보', href: '/me', match: /^\/(me|admin)(\/|$)/ },
];

const ICONS = {
  home: 'M4 10.5 12 4l8 6.5V20h-5v-6H9v6H4z',
  timetable: 'M4 5h16v15H4zM4 9h16M9 5v15M14.5 5v15',
  friends: 'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zm-6 9c0-3.3 2.7-6 6-6s6 2.7 6 6M16 4.5a3.5 3.5 0 0 1 0 6.5M18 14c2 .8 3.2 3 3.2 6',
  messages: 'M3.5 6.5h17v11h-17zM3.5 6.5l8.5 7 8.5-7',
  me: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7.5 8c.8-3.6 3.9-6 7.5-6s6.7 2.4 7.5 6',
  bell: 'M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 2h-15zM10 20.5a2 2 0 0 0 4 0',
};

function icon(id) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICONS[id] ?? '');
  svg.append(path);
  return svg;
}

/**
 * An unread count as a badge (`kind`: `notifications` or `messages`),
 * hidden at 0; live.js updates every one on the page.
 */
export function unreadBadge(kind) {
  const count = unread(kind);
  return h('span', { class: 'unread-count', dataset: { unread: kind }, hidden: count === 0 }, badgeText(count));
}

/** What a link holding a badge says to a screen reader: "쪽지 2개 안 읽음". */
function unreadLabel(label, kind) {
  const count = unread(kind);
  return count ? `${label} ${count}개 안 읽음` : label;
}

/** The tab bar, with the tab of the current path marked. */
export function tabBar(path = location.pathname) {
  return h(
    'nav',
    { class: 'tabbar', 'aria-label': '메뉴' },
    TABS.map((tab) =>
      h(
        'a',
        {
          href: tab.href,
          class: 'tab',
          dataset: tab.unread ? { tab: tab.id, label: tab.label } : { tab: tab.id },
          'aria-label': tab.unread ? unreadLabel(tab.label, tab.unread) : false,
          'aria-current': tab.match.test(path) ? 'page' : false,
        },
        h('span', { class: 'tab-icon' }, icon(tab.id), tab.unread ? unreadBadge(tab.unread) : null),
        h('span', {}, tab.label),
      ),
    ),
  );
}

/** 알림: the bell at the end of the top bar, with the unread count. */
function bell(path = location.pathname) {
  return h(
    'a',
    {
      href: '/notifications',
      class: 'bell',
      dataset: { label: '알림' },
      'aria-label': unreadLabel('알림', 'notifications'),
      'aria-current': path === '/notifications' ? 'page' : false,
    },
    icon('bell'),
    unreadBadge('notifications'),
  );
}

/**
 * A signed-in screen: `screen({ title, back: '/path' | true, actions:
 * [nodes], className }, ...content)`. `back: true` goes back in history.
 */
export function screen({ title, back, actions = [], className } = {}, ...content) {
  const backButton = back
    ? back === true
      ? h('button', { type: 'button', class: 'back', 'aria-label': '뒤로', onclick: () => history.back() }, '‹')
      : h('a', { href: back, class: 'back', 'aria-label': '뒤로' }, '‹')
    : null;
  return h(
    'div',
    { class: ['screen', className] },
    h(
      'header',
      { class: 'topbar' },
      backButton,
      h('h1', {}, title ?? '에브리타임'),
      h('div', { class: 'actions' }, actions),
      bell(),
    ),
    h('main', { class: 'content' }, content),
    tabBar(),
  );
}

/** A screen without the tab bar, for 로그인 and 회원가입. */
export function bare(...content) {
  return h('div', { class: 'screen bare' }, h('main', { class: 'content' }, content));
}

/** A list's empty state. */
export function empty(message) {
  return h('p', { class: 'empty' }, message);
}
