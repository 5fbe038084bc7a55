// A list read page by page by cursor (강의평가, 내 강의평가, 신고 관리):
// the first page before the screen is drawn, the next ones as the end of
// the list scrolls into view, until `next_cursor` is null, then the end
// said out loud. (The post feeds have their own, community/list.js.)

import { ApiError } from './api.js';
import { h, whenVisible } from './dom.js';
import { messageFor } from './messages.js';
import { empty } from './shell.js';

/**
 * `pagedList({ load, item, signal, emptyMessage, endMessage, className,
 * label, onPage })`: `load(cursor)` resolves to `{items, next_cursor}` (the
 * first call gets null); `item(entry)` draws one entry as an `<li>`.
 * Resolves to `{ element, list }` once the first page is drawn (its error
 * rejects, for the screen to show). `element.dataset.state` is `more`,
 * `loading`, `error` or `end`.
 */
export async function pagedList({ load, item, signal, emptyMessage, endMessage, className, label, onPage }) {
  const list = h('ul', { class: ['list', 'paged-list', className], 'aria-label': label });
  const footer = h('div', { class: 'loading-more list-footer', 'aria-live': 'polite' });
  const element = h('div', { class: 'paged' }, list, footer);
  const seen = new Set();
  let cursor = null;
  let loading = false;

  const add = (page) => {
    onPage?.(page);
    for (const entry of page?.items ?? []) {
      if (entry.id !== undefined && seen.has(entry.id)) continue;
      seen.add(entry.id);
      list.append(item(entry));
    }
    cursor = page?.next_cursor ?? null;
  };

  const showEnd = () => {
    element.dataset.state = 'end';
    if (!list.children.length) footer.replaceChildren(empty(emptyMessage));
    else footer.replaceChildren(endMessage ? h('p', { class: 'list-end' }, endMessage) : '');
  };

  add(await load(null));
  if (!cursor) {
    showEnd();
    return { element, list, showEnd };
  }

  element.dataset.state = 'more';
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  footer.replaceChildren(h('span', {}, '불러오는 중…'), sentinel);

  let observer = null;
  const more = async () => {
    if (loading || !cursor || signal?.aborted) return;
    loading = true;
    element.dataset.state = 'loading';
    try {
      add(await load(cursor));
    } catch (error) {
      if (signal?.aborted) return;
      if (!(error instanceof ApiError)) console.error(error);
      element.dataset.state = 'error';
      footer.replaceChildren(
        h('p', { class: 'list-error', role: 'alert' }, error instanceof ApiError ? messageFor(error) : '목록을 불러오지 못했습니다.'),
        h('button', {
          type: 'button',
          class: 'small',
          onclick: () => {
            footer.replaceChildren(h('span', {}, '불러오는 중…'), sentinel);
            observer?.unobserve(sentinel);
            observer?.observe(sentinel);
          },
        }, '다시 시도'),
      );
      return;
    } finally {
      loading = false;
    }
    if (signal?.aborted) return;
    if (!cursor) {
      observer?.disconnect();
      showEnd();
      return;
    }
    element.dataset.state = 'more';
    // Still in view (a tall screen): observing again asks for the next page.
    observer?.unobserve(sentinel);
    observer?.observe(sentinel);
  };
  observer = whenVisible(sentinel, more, signal);
  return { element, list, showEnd };
}
