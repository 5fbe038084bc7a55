// 신고 관리 (/admin/reports), for administrators: the school's reported
// posts and comments, most reported first, each with how many reports for
// which reasons, whether it is blinded, a link to its post, and 복구
// (un-blind it and clear its reports).

import { ApiError, api } from '../api.js';
import { ask, h, toast } from '../dom.js';
import { messageFor } from '../messages.js';
import { pagedList } from '../paging.js';
import { session } from '../session.js';
import { screen } from '../shell.js';
import { reasonCounts } from './community/report.js';

const KIND_NAMES = { post: '게시물', comment: '댓글' };

function reportedItem(item, { onRestored }) {
  const kind = KIND_NAMES[item.kind] ?? item.kind;
  const row = h('li', { class: ['reported-item', item.blinded && 'blinded'], dataset: { kind: item.kind, id: item.id } });
  const restore = h('button', { type: 'button', class: 'small primary restore' }, '복구');
  restore.addEventListener('click', async () => {
    const question = item.blinded
      ? `이 ${kind}의 블라인드를 풀고 신고 ${item.report_count}건을 지울까요?`
      : `이 ${kind}에 쌓인 신고 ${item.report_count}건을 지울까요?`;
    if (!(await ask(question, { yes: '복구' }))) return;
    restore.disabled = true;
    try {
      await api.post(`/admin/reports/${encodeURIComponent(item.kind)}/${encodeURIComponent(item.id)}/restore`);
    } catch (error) {
      restore.disabled = false;
      if (!(error instanceof ApiError)) throw error;
      // Restored already (another admin): it is off the list either way.
      if (error.code !== 'report_not_found') {
        toast(messageFor(error), { kind: 'error' });
        return;
      }
    }
    toast(item.blinded ? `${kind}을 복구했습니다.` : '신고를 지웠습니다.');
    row.remove();
    onRestored();
  });
  const href = `/posts/${item.post_id}`;
  row.append(
    h(
      'div',
      { class: 'reported-head' },
      h('span', { class: ['kind-badge', `kind-${item.kind}`] }, kind),
      h('strong', { class: 'reported-title' }, `${kind} #${item.id}`),
      item.blinded ? h('span', { class: 'blinded-badge' }, '블라인드') : h('span', { class: 'open-badge' }, '게시 중'),
    ),
    // What was reported, as written: an admin judges it even while blinded.
    h('p', { class: 'reported-excerpt' }, item.excerpt ?? ''),
    h('p', { class: 'reported-count' }, '신고 ', h('strong', {}, `${item.report_count}건`)),
    reasonCounts(item.reasons),
    h(
      'div',
      { class: 'reported-actions' },
      h('a', { href, class: 'button small ghost post-link' }, item.kind === 'comment' ? '댓글이 달린 글 보기' : '글 보기'),
      restore,
    ),
  );
  return row;
}

/** /admin/reports */
export async function reportsScreen({ signal }) {
  if (session.user?.role !== 'admin') throw new ApiError(403, { code: 'admin_only', detail: 'admins only' });
  let paged = null;
  paged = await pagedList({
    load: (cursor) => api.get('/admin/reports', { cursor: cursor ?? undefined }),
    item: (item) => reportedItem(item, {
      onRestored: () => {
        if (!paged.list.children.length && paged.element.dataset.state === 'end') paged.showEnd();
      },
    }),
    signal,
    className: 'reported-list',
    label: '신고된 글과 댓글',
    emptyMessage: '처리할 신고가 없습니다.',
    endMessage: '마지막 신고입니다.',
  });
  return screen(
    { title: '신고 관리', back: '/me', className: 'admin-screen' },
    h('p', { class: 'muted admin-note' }, `${session.user?.school?.name ?? '우리 학교'}에서 신고된 게시물과 댓글입니다. 신고가 많은 순서로 보입니다. 복구하면 블라인드가 풀리고 신고 기록이 지워집니다.`),
    paged.element,
  );
}
