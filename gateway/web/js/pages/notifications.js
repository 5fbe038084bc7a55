// 알림 (/notifications): the caller's notifications, newest first, the
// unread ones highlighted; one that arrives while the list is open is put
// on top. Tapping one marks it read and opens what it is about: its post,
// or 쪽지함 for a 쪽지 (친구 for a friend request). 모두 읽음 marks every
// one read.

import { ApiError, api } from '../api.js';
import { dateTime, h, toast, when } from '../dom.js';
import { attempt } from '../forms.js';
import { onNotification, reloadCounts, setUnread, unread } from '../live.js';
import { messageFor } from '../messages.js';
import { pagedList } from '../paging.js';
import { navigate } from '../router.js';
import { screen } from '../shell.js';

/** Each kind as the app labels it. */
const KINDS = {
  comment: '댓글',
  reply: '대댓글',
  hot: 'HOT',
  blinded: '블라인드',
  message: '쪽지',
  friend_request: '친구 요청',
};

/** Where a notification leads, or null. */
function target(notification) {
  if (notification.kind === 'message') return '/messages';
  if (notification.kind === 'friend_request') return '/friends';
  if (notification.post_id !== null && notification.post_id !== undefined) return `/posts/${notification.post_id}`;
  return null;
}

/** Marks `notification` read on the server and in `row`, if `row` shows it unread. */
async function markRead(notification, row) {
  if (!row.classList.contains('unread')) return;
  const done = await attempt(async () => {
    await api.post('/notifications/read', { ids: [notification.id] });
    return true;
  });
  if (!done) return;
  row.classList.remove('unread');
  row.querySelector('.unread-dot')?.remove();
  setUnread({ notifications: unread('notifications') - 1 });
  reloadCounts();
}

function notificationItem(notification) {
  const href = target(notification);
  const row = h('li', {
    class: ['notification-item', !notification.read && 'unread'],
    dataset: { id: notification.id, kind: notification.kind },
  });
  const body = [
    h(
      'span',
      { class: ['notification-kind', `kind-${notification.kind}`] },
      KINDS[notification.kind] ?? '알림',
    ),
    h('p', { class: 'notification-text' }, notification.text),
    h(
      'time',
      { class: 'notification-time', datetime: notification.created_at, title: dateTime(notification.created_at) },
      when(notification.created_at),
    ),
    notification.read ? null : h('span', { class: 'unread-dot', 'aria-label': '안 읽음' }),
  ];
  const open = async (event) => {
    // Opened in a new tab: marked read, the browser does the rest.
    if (href && (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)) {
      markRead(notification, row);
      return;
    }
    event.preventDefault();
    if (row.dataset.busy) return;
    row.dataset.busy = 'true';
    try {
      await markRead(notification, row);
    } finally {
      delete row.dataset.busy;
    }
    if (href) await navigate(href);
  };
  row.append(
    href
      ? h('a', { href, class: 'notification-link', onclick: open }, body)
      : h('button', { type: 'button', class: 'notification-link', onclick: open }, body),
  );
  return row;
}

/** /notifications */
export async function notificationsScreen({ signal }) {
  const paged = await pagedList({
    load: (cursor) => api.get('/notifications', { cursor: cursor ?? undefined }),
    item: notificationItem,
    signal,
    className: 'notification-list',
    label: '알림',
    emptyMessage: '아직 알림이 없습니다.',
    endMessage: '',
  });
  reloadCounts();

  const readAll = h('button', { type: 'button', class: 'small ghost read-all' }, '모두 읽음');
  readAll.addEventListener('click', async () => {
    if (readAll.disabled) return;
    readAll.disabled = true;
    try {
      await api.post('/notifications/read', {});
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      toast(messageFor(error), { kind: 'error' });
      return;
    } finally {
      readAll.disabled = false;
    }
    for (const row of paged.list.querySelectorAll('.notification-item.unread')) {
      row.classList.remove('unread');
      row.querySelector('.unread-dot')?.remove();
    }
    setUnread({ notifications: 0 });
    reloadCounts();
    toast('모든 알림을 읽었습니다.');
  });

  // A new one, live: on top of the list.
  onNotification((notification) => {
    if (!notification || notification.id === undefined) return;
    if (paged.list.querySelector(`.notification-item[data-id="${CSS.escape(String(notification.id))}"]`)) return;
    paged.list.prepend(notificationItem(notification));
    if (paged.element.dataset.state === 'end') paged.showEnd();
  }, signal);

  return screen({ title: '알림', className: 'notifications-screen', actions: [readAll] }, paged.element);
}
