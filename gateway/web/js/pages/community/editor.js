// 글쓰기 and 수정: title, content and 익명 (always on, and not to be turned
// off, on a board where every post is anonymous, like 비밀게시판). Saving
// goes to the post; the editor is replaced in history so 뒤로 skips it.

import { ApiError, api } from '../../api.js';
import { dateTime, h } from '../../dom.js';
import { field, onSubmit } from '../../forms.js';
import { navigate } from '../../router.js';
import { screen } from '../../shell.js';
import { board } from './common.js';

const TITLE_MAX = 100;
const CONTENT_MAX = 10000;

/** Words for a refused save, where this screen says them differently. */
const OVERRIDES = {
  too_fast: '글을 너무 자주 쓰고 있습니다. 30초 뒤에 다시 시도해 주세요.',
};

function editorForm({ post, anonymousOnly, anonymousLocked, submitLabel }) {
  const anonymous = h('input', {
    type: 'checkbox',
    name: 'anonymous',
    id: 'post-anonymous',
    checked: anonymousOnly || Boolean(post?.author?.anonymous),
    disabled: anonymousOnly || anonymousLocked,
    'aria-describedby': anonymousOnly || anonymousLocked ? 'post-anonymous-note' : false,
  });
  const note = anonymousOnly
    ? '이 게시판의 글은 모두 익명으로 작성됩니다.'
    : anonymousLocked
      ? '익명 여부는 글을 쓴 뒤에 바꿀 수 없습니다.'
      : null;
  return h(
    'form',
    { class: 'editor-form', novalidate: true },
    field({ label: '제목', name: 'title', value: post?.title ?? '', maxlength: TITLE_MAX, autocomplete: 'off', placeholder: '제목' }),
    field({
      label: '내용',
      name: 'content',
      tag: 'textarea',
      value: post?.content ?? '',
      maxlength: CONTENT_MAX,
      rows: 12,
      placeholder: '에브리타임은 누구나 기분 좋게 참여할 수 있는 커뮤니티를 만들기 위해 커뮤니티 이용규칙을 제정하여 운영하고 있습니다.',
    }),
    h(
      'div',
      { class: 'editor-options' },
      h('label', { class: 'check', for: 'post-anonymous' }, anonymous, '익명'),
      note ? h('small', { class: 'muted anonymous-note', id: 'post-anonymous-note' }, note) : null,
    ),
    h('button', { type: 'submit', class: 'primary wide' }, submitLabel),
  );
}

/**
 * While the caller may not write (신고 누적, `restricted_until` on
 * /users/me), a note saying until when; else null.
 */
export async function restrictionNote() {
  const me = await api.get('/users/me').catch(() => null);
  const until = me?.restricted_until;
  if (!until || new Date(until) <= new Date()) return null;
  return h(
    'div',
    { class: 'restricted-note', role: 'alert' },
    h('strong', {}, '글쓰기가 제한되었습니다'),
    h('p', {}, `신고가 누적되어 ${dateTime(until)}까지 글, 댓글, 쪽지를 쓸 수 없습니다.`),
  );
}

export async function writeScreen({ params }) {
  const [current, restricted] = await Promise.all([board(params.boardId), restrictionNote()]);
  const form = editorForm({ anonymousOnly: current.anonymous_only, submitLabel: '완료' });
  onSubmit(form, async (values) => {
    const post = await api.post(`/boards/${current.id}/posts`, {
      title: values.title,
      content: values.content,
      anonymous: current.anonymous_only || values.anonymous,
    });
    await navigate(`/posts/${post.id}`, { replace: true });
  }, OVERRIDES);
  return screen(
    { title: '글쓰기', back: `/boards/${current.id}`, className: 'community editor-screen' },
    restricted,
    h('p', { class: 'editor-board muted' }, current.name),
    form,
  );
}

export async function editScreen({ params }) {
  const post = await api.get(`/posts/${encodeURIComponent(params.postId)}`);
  if (!post.is_mine) throw new ApiError(403, { code: 'not_author', detail: 'not the author' });
  const form = editorForm({ post, anonymousLocked: true, submitLabel: '완료' });
  onSubmit(form, async (values) => {
    await api.patch(`/posts/${post.id}`, { title: values.title, content: values.content });
    await navigate(`/posts/${post.id}`, { replace: true });
  }, OVERRIDES);
  return screen(
    { title: '글 수정', back: `/posts/${post.id}`, className: 'community editor-screen' },
    h('p', { class: 'editor-board muted' }, post.board?.name),
    form,
  );
}
