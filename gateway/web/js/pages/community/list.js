// The one list of posts every feed uses (a board, HOT, BEST, 검색, 내가 쓴
// 글, 댓글 단 글, 스크랩): a page by cursor, more as the end scrolls into
// view, until `next_cursor` is null, then the end said out loud.

import { ApiError } from '../../api.js';
import { h, when, whenVisible } from '../../dom.js';
import { messageFor } from '../../messages.js';
import { empty } from '../../shell.js';
import { authorName, count } from './common.js';

/** One post of a list: a link to it with title, preview, author, time, counts. */
export function postItem(post, { showBoard = false } = {}) {
  const anonymous = Boolean(post.author?.anonymous);
  return h(
    'li',
    { class: 'post-item', dataset: { id: post.id } },
    h(
      'a',
      { href: `/posts/${post.id}`, class: 'post-link' },
      h('h3', { class: 'post-title' }, post.title),
      post.content_preview ? h('p', { class: 'post-preview' }, post.content_preview) : null,
      h(
        'div',
        { class: 'post-meta' },
        h('span', { class: ['post-author', anonymous && 'anonymous'] }, authorName(post.author)),
        h('time', { class: 'post-time', datetime: post.created_at }, when(post.created_at)),
        showBoard && post.board ? h('span', { class: 'post-board' }, post.board.name) : null,
        h(
          'span',
          { class: 'post-counts' },
          count('like', post.like_count, '공감'),
          count('comment', post.comment_count, '댓글'),
        ),
      ),
    ),
  );
}

/**
 * A list of posts read page by page: `load(cursor)` resolves to a page
 * (`{items, next_cursor}`; the first call gets no cursor). Resolves once the
 * first page is drawn (its error rejects, for the screen to show);
 * the next pages come as the list's end scrolls into view, until `signal`
 * aborts. `onPage(page)` sees each page (BEST reads its season there).
 */
export async function pagedPosts({ load, signal, emptyMessage, endMessage = '마지막 글입니다.', showBoard = true, onPage }) {
  const list = h('ul', { class: 'list post-list' });
  const footer = h('div', { class: 'loading-more list-footer', 'aria-live': 'polite' });
  const feed = h('div', { class: 'post-feed' }, list, footer);
  const seen = new Set();
  let cursor = null;
  let loading = false;

  const add = (page) => {
    onPage?.(page);
    for (const post of page?.items ?? []) {
      if (seen.has(post.id)) continue;
      seen.add(post.id);
      list.append(postItem(post, { showBoard }));
    }
    cursor = page?.next_cursor ?? null;
  };

  const showEnd = () => {
    feed.dataset.state = 'end';
    if (seen.size === 0) footer.replaceChildren(empty(emptyMessage));
    else footer.replaceChildren(h('p', { class: 'list-end' }, endMessage));
  };

  add(await load(null));
  if (!cursor) {
    showEnd();
    return feed;
  }

  feed.dataset.state = 'more';
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  footer.replaceChildren(h('span', {}, '불러오는 중…'), sentinel);

  let observer = null;
  const more = async () => {
    if (loading || !cursor || signal?.aborted) return;
    loading = true;
    feed.dataset.state = 'loading';
    try {
      add(await load(cursor));
    } catch (error) {
      if (signal?.aborted) return;
      if (!(error instanceof ApiError)) console.error(error);
      const message = error instanceof ApiError ? messageFor(error) : '목록을 불러오지 못했습니다.';
      feed.dataset.state = 'error';
      footer.replaceChildren(
        h('p', { class: 'list-error', role: 'alert' }, message),
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
    feed.dataset.state = 'more';
    // Still in view (a tall screen, short posts): observing again reports
    // the sentinel's current state, so the next page comes without a scroll.
    observer?.unobserve(sentinel);
    observer?.observe(sentinel);
  };
  observer = whenVisible(sentinel, more, signal);
  return feed;
}
