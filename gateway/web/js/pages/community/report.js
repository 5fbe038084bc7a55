// 신고: the seven reasons in the app's words, the dialog that sends one
// for a post or a comment, and the counts of reasons as a blinded post and
// the admins' list show them.

import { ApiError, api } from '../../api.js';
import { h, sheet, toast } from '../../dom.js';
import { onSubmit } from '../../forms.js';

/** The reasons, in the app's order. */
export const REASONS = [
  ['off_topic', '게시판 성격에 부적절함'],
  ['abuse', '욕설/비하'],
  ['obscene', '음란물/불건전한 만남 및 대화'],
  ['commercial', '상업적 광고 및 판매'],
  ['fraud', '유출/사칭/사기'],
  ['spam', '낚시/놀람/도배'],
  ['political', '정당/정치인 비하 및 선거운동'],
];
const REASON_NAMES = Object.fromEntries(REASONS);

/** A reason's words ("욕설/비하"); an unknown one as it came. */
export function reasonName(reason) {
  return REASON_NAMES[reason] ?? reason;
}

/**
 * `{"abuse": 3, "spam": 2}` as a list, most given first:
 * "욕설/비하 3 · 낚시/놀람/도배 2".
 */
export function reasonCounts(reasons, { className } = {}) {
  const entries = Object.entries(reasons ?? {})
    .filter(([, count]) => Number(count) > 0)
    .sort((a, b) => Number(b[1]) - Number(a[1]) || REASONS.findIndex(([key]) => key === a[0]) - REASONS.findIndex(([key]) => key === b[0]));
  return h(
    'ul',
    { class: ['reason-counts', className] },
    entries.map(([reason, count]) =>
      h(
        'li',
        { dataset: { reason } },
        h('span', { class: 'reason-name' }, reasonName(reason)),
        ' ',
        h('strong', { class: 'reason-count' }, `${count}건`),
      ),
    ),
  );
}

const WORDS = {
  post: {
    title: '게시물 신고',
    already_reported: '이미 신고한 게시물입니다.',
    own_post: '자신의 글은 신고할 수 없습니다.',
    not_found: '삭제된 글입니다.',
  },
  comment: {
    title: '댓글 신고',
    already_reported: '이미 신고한 댓글입니다.',
    own_post: '자신의 댓글은 신고할 수 없습니다.',
    not_found: '삭제된 댓글입니다.',
  },
};

/**
 * Opens the 신고 dialog for a post or a comment (`kind`, `id`): a reason
 * is picked, 신고 sends it. A refusal (already reported, one's own, too
 * many today) is said in the dialog.
 */
export function openReport({ kind, id, signal }) {
  const words = WORDS[kind];
  const form = h(
    'form',
    { class: 'report-form', novalidate: true },
    h('p', { class: 'sheet-kicker' }, '신고'),
    h('h2', { class: 'sheet-title' }, words.title),
    h('p', { class: 'muted report-hint' }, '신고 사유를 선택해 주세요. 신고가 쌓인 글과 댓글은 블라인드 처리됩니다.'),
    h(
      'fieldset',
      { class: 'field report-reasons', dataset: { field: 'reason' } },
      h('legend', { class: 'visually-hidden' }, '신고 사유'),
      REASONS.map(([value, label]) =>
        h(
          'label',
          { class: 'report-reason', dataset: { reason: value } },
          h('input', { type: 'radio', name: 'reason', value }),
          h('span', {}, label),
        ),
      ),
      h('small', { class: 'field-error', role: 'alert' }),
    ),
    h('p', { class: 'form-error', role: 'alert' }),
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { type: 'button', class: 'ghost', onclick: () => close() }, '취소'),
      h('button', { type: 'submit', class: 'primary' }, '신고'),
    ),
  );
  const { close } = sheet({ class: 'report-sheet', label: words.title, signal }, form);
  onSubmit(form, async () => {
    const reason = form.querySelector('input[name=reason]:checked')?.value;
    if (!reason) throw new ApiError(400, { code: 'invalid_input', detail: 'no reason', errors: [{ field: 'reason', message: 'required' }] });
    await api.post(`/${kind === 'post' ? 'posts' : 'comments'}/${encodeURIComponent(id)}/reports`, { reason });
    close();
    toast('신고했습니다. 검토 후 조치하겠습니다.');
  }, {
    reason: '신고 사유를 선택해 주세요.',
    already_reported: words.already_reported,
    own_post: words.own_post,
    post_not_found: words.not_found,
    comment_not_found: words.not_found,
    not_found: words.not_found,
    too_fast: '신고는 하루에 10번까지 할 수 있습니다. 내일 다시 시도해 주세요.',
  });
}
