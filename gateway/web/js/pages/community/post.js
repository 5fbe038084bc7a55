// A post: its text, 공감 and 스크랩, 수정/삭제 for its author, 쪽지 and
// 신고 for everyone else, and the thread of comments and replies (one
// level, each with 쪽지 and 신고 when not one's own) with the comment box
// at the bottom, 익명 on by default as in the app. Authors are shown
// exactly as the API names them (익명1, 익명(글쓴이), a nickname). A post
// blinded by reports shows its blinded title and why (the reasons
// counted); a blinded comment its placeholder, greyed.

import { api } from '../../api.js';
import { ask, dateTime, h, toast, when } from '../../dom.js';
import { attempt, onSubmit } from '../../forms.js';
import { navigate } from '../../router.js';
import { screen } from '../../shell.js';
import { openCompose } from '../inbox.js';
import { LIKE_MESSAGES, SCRAP_MESSAGES, authorName, boards, count, icon, setCount } from './common.js';
import { openReport, reasonCounts } from './report.js';

const COMMENT_MAX = 300;
const WRITER = '익명(글쓴이)';
const GONE = '(알 수 없음)';
const COMMENT_OVERRIDES = {
  too_fast: '댓글을 너무 자주 달고 있습니다. 잠시 후 다시 시도해 주세요.',
  content: '댓글은 1~300자로 입력해 주세요.',
};

/** Runs `action` with `button` disabled meanwhile (no double 공감). */
async function busy(button, action) {
  if (button.disabled) return undefined;
  button.disabled = true;
  try {
    return await action();
  } finally {
    button.disabled = false;
  }
}

/** Whether `author` has left (회원 탈퇴): no 쪽지 reaches them. */
function left(author) {
  return Boolean(author && !author.anonymous && author.nickname === GONE);
}

/** Why a blinded post is blinded: the note and the reasons counted. */
function blindNote(post) {
  return h(
    'div',
    { class: 'blind-note', role: 'note' },
    h('p', { class: 'blind-note-title' }, '신고가 누적되어 블라인드 처리된 게시물입니다.'),
    h('p', { class: 'muted' }, '커뮤니티 이용규칙을 어긴 것으로 신고된 글은 내용이 가려집니다.'),
    Object.keys(post.blind_reasons ?? {}).length
      ? h('div', { class: 'blind-reasons' }, h('span', { class: 'blind-reasons-label' }, '신고 사유'), reasonCounts(post.blind_reasons))
      : null,
  );
}

function article(post, { onDelete, signal }) {
  const root = h('article', { class: 'post-view', dataset: { id: post.id } });
  const edited = post.updated_at && post.updated_at !== post.created_at;

  const like = h(
    'button',
    { type: 'button', class: ['small', 'like-button', post.liked_by_me && 'done'], 'aria-pressed': String(Boolean(post.liked_by_me)) },
    icon('like'),
    '공감',
  );
  like.addEventListener('click', () => busy(like, async () => {
    const result = await attempt(() => api.put(`/posts/${post.id}/like`), LIKE_MESSAGES);
    if (!result) return;
    setCount(root, 'like', result.like_count);
    like.classList.add('done');
    like.setAttribute('aria-pressed', 'true');
  }));

  let scrapped = Boolean(post.scrapped_by_me);
  const scrapLabel = h('span', {}, scrapped ? '스크랩 취소' : '스크랩');
  const scrap = h(
    'button',
    { type: 'button', class: ['small', 'scrap-button', scrapped && 'done'], 'aria-pressed': String(scrapped) },
    icon('scrap'),
    scrapLabel,
  );
  scrap.addEventListener('click', () => busy(scrap, async () => {
    const result = await attempt(
      () => (scrapped ? api.del(`/posts/${post.id}/scrap`) : api.put(`/posts/${post.id}/scrap`)),
      SCRAP_MESSAGES,
    );
    if (!result) return;
    scrapped = Boolean(result.scrapped);
    setCount(root, 'scrap', result.scrap_count);
    scrap.classList.toggle('done', scrapped);
    scrap.setAttribute('aria-pressed', String(scrapped));
    scrapLabel.textContent = scrapped ? '스크랩 취소' : '스크랩';
    toast(scrapped ? '스크랩했습니다.' : '스크랩을 취소했습니다.');
  }));

  const blinded = Boolean(post.blinded);
  if (blinded) root.classList.add('blinded');
  const tools = post.is_mine
    ? h(
      'div',
      { class: 'post-tools' },
      blinded ? null : h('a', { href: `/posts/${post.id}/edit`, class: 'button ghost small' }, '수정'),
      h('button', { type: 'button', class: 'ghost small delete-post', onclick: onDelete }, '삭제'),
    )
    : blinded
      ? null
      : h(
        'div',
        { class: 'post-tools' },
        left(post.author) ? null : h('button', {
          type: 'button',
          class: 'ghost small message-post',
          'aria-label': '쪽지 보내기',
          onclick: () => openCompose({ postId: post.id, anonymous: Boolean(post.author?.anonymous), signal }),
        }, '쪽지'),
        h('button', { type: 'button', class: 'ghost small report-post', onclick: () => openReport({ kind: 'post', id: post.id, signal }) }, '신고'),
      );

  root.append(
    h(
      'header',
      { class: 'post-header' },
      h('span', { class: ['avatar', post.author?.anonymous && 'anonymous'], 'aria-hidden': 'true' }),
      h(
        'div',
        { class: 'post-byline' },
        h('strong', { class: 'post-author' }, authorName(post.author)),
        h(
          'span',
          { class: 'post-when muted' },
          h('time', { class: 'post-time', datetime: post.created_at, title: dateTime(post.created_at) }, when(post.created_at)),
          edited ? h('span', { class: 'edited', title: dateTime(post.updated_at) }, ' · 수정됨') : null,
        ),
      ),
      tools,
    ),
    h('h2', { class: 'post-title' }, post.title),
    blinded ? blindNote(post) : h('div', { class: 'post-content' }, post.content),
    h(
      'div',
      { class: 'post-stats' },
      count('like', post.like_count, '공감'),
      count('comment', post.comment_count, '댓글'),
      count('scrap', post.scrap_count, '스크랩'),
    ),
    blinded ? '' : h('div', { class: 'post-actions' }, like, scrap),
  );
  return root;
}

/**
 * The thread and its box. `reload()` reads the post again (names and
 * numbers are the server's, so a new comment is shown as it names it).
 */
function thread(post, { anonymousOnly, reload, signal }) {
  let replyTo = null;
  const section = h('section', { class: 'comments', 'aria-label': '댓글' });

  const content = h('input', {
    type: 'text',
    name: 'content',
    id: 'comment-content',
    maxlength: COMMENT_MAX,
    autocomplete: 'off',
    placeholder: '댓글을 입력하세요.',
    'aria-label': '댓글',
  });
  const anonymous = h('input', { type: 'checkbox', name: 'anonymous', checked: true, disabled: anonymousOnly });
  const replyingLabel = h('span', {});
  const replying = h(
    'div',
    { class: 'replying', hidden: true },
    replyingLabel,
    h('button', { type: 'button', class: 'ghost small', onclick: () => setReply(null) }, '취소'),
  );
  const form = h(
    'form',
    { class: 'comment-form', novalidate: true },
    replying,
    h('p', { class: 'form-error', role: 'alert' }),
    h(
      'div',
      { class: 'comment-row' },
      h('label', { class: 'check', title: anonymousOnly ? '이 게시판의 댓글은 모두 익명입니다.' : undefined }, anonymous, '익명'),
      h('div', { class: 'field comment-field' }, content, h('small', { class: 'field-error', role: 'alert' })),
      h('button', { type: 'submit', class: 'primary small' }, '등록'),
    ),
  );

  function setReply(comment) {
    replyTo = comment;
    for (const marked of section.querySelectorAll('.comment.replying-to')) marked.classList.remove('replying-to');
    replying.hidden = !comment;
    if (comment) {
      replyingLabel.textContent = `${authorName(comment.author)}님의 댓글에 답글 쓰는 중`;
      section.querySelector(`.comment[data-id="${comment.id}"]`)?.classList.add('replying-to');
      content.placeholder = '답글을 입력하세요.';
      content.focus();
    } else {
      content.placeholder = '댓글을 입력하세요.';
    }
  }

  onSubmit(form, async (values) => {
    await api.post(`/posts/${post.id}/comments`, {
      content: values.content,
      anonymous: anonymousOnly || values.anonymous,
      parent_id: replyTo?.id,
    });
    content.value = '';
    setReply(null);
    await reload();
  }, COMMENT_OVERRIDES);

  function comment(item, { reply }) {
    const root = h('li', { class: ['comment', reply && 'reply', item.deleted && 'deleted', item.blinded && 'blinded'], dataset: { id: item.id } });
    if (item.deleted) {
      root.append(h('p', { class: 'comment-content' }, item.content || '삭제된 댓글입니다.'));
    } else if (item.blinded) {
      root.append(h('p', { class: 'comment-content' }, item.content || '블라인드 처리된 댓글입니다.'));
    } else {
      const like = h('button', { type: 'button', class: 'ghost small comment-like', 'aria-label': '댓글 공감' }, '공감');
      like.addEventListener('click', () => busy(like, async () => {
        const result = await attempt(() => api.put(`/comments/${item.id}/like`), LIKE_MESSAGES);
        if (!result) return;
        item.like_count = result.like_count;
        likes.hidden = false;
        setCount(root, 'like', result.like_count);
      }));
      const remove = item.is_mine
        ? h('button', {
          type: 'button',
          class: 'ghost small comment-delete',
          onclick: async (event) => {
            const button = event.currentTarget;
            if (!(await ask('댓글을 삭제하시겠습니까?', { yes: '삭제', danger: true }))) return;
            await busy(button, async () => {
              const done = await attempt(async () => {
                await api.del(`/comments/${item.id}`);
                return true;
              });
              if (done) await reload();
            });
          },
        }, '삭제')
        : null;
      const message = item.is_mine || left(item.author)
        ? null
        : h('button', {
          type: 'button',
          class: 'ghost small comment-message',
          'aria-label': '댓글 작성자에게 쪽지 보내기',
          onclick: () => openCompose({ commentId: item.id, anonymous: Boolean(item.author?.anonymous), signal }),
        }, '쪽지');
      const report = item.is_mine
        ? null
        : h('button', {
          type: 'button',
          class: 'ghost small comment-report',
          'aria-label': '댓글 신고',
          onclick: () => openReport({ kind: 'comment', id: item.id, signal }),
        }, '신고');
      const likes = count('like', item.like_count, '공감');
      likes.hidden = !item.like_count;
      const name = authorName(item.author);
      root.append(
        h(
          'div',
          { class: 'comment-head' },
          h('strong', { class: ['comment-author', name === WRITER && 'writer'] }, name),
          h(
            'span',
            { class: 'comment-actions' },
            // A blinded post takes no replies either (its comment box is gone).
            reply || post.blinded ? null : h('button', { type: 'button', class: 'ghost small comment-reply', onclick: () => setReply(item) }, '답글'),
            like,
            remove,
            message,
            report,
          ),
        ),
        h('p', { class: 'comment-content' }, item.content),
        h(
          'div',
          { class: 'comment-foot muted' },
          h('time', { datetime: item.created_at, title: dateTime(item.created_at) }, when(item.created_at)),
          likes,
        ),
      );
    }
    if (!reply && item.replies?.length) {
      root.append(h('ul', { class: 'list replies' }, item.replies.map((child) => comment(child, { reply: true }))));
    }
    return root;
  }

  function draw(current) {
    const items = current.comments ?? [];
    section.replaceChildren(
      h('h2', { class: 'section-title' }, '댓글 ', h('span', { class: 'comment-total' }, String(current.comment_count ?? 0))),
      items.length
        ? h('ul', { class: 'list comment-list' }, items.map((item) => comment(item, { reply: false })))
        : h('p', { class: 'empty comments-empty' }, '아직 댓글이 없습니다. 첫 댓글을 남겨 보세요.'),
    );
    if (replyTo) section.querySelector(`.comment[data-id="${replyTo.id}"]`)?.classList.add('replying-to');
  }

  return { section, form, draw };
}

export async function postScreen({ params, signal }) {
  const id = encodeURIComponent(params.postId);
  const [post, all] = await Promise.all([api.get(`/posts/${id}`), boards().catch(() => [])]);
  const anonymousOnly = Boolean(all.find((item) => item.id === post.board?.id)?.anonymous_only);
  const boardHref = post.board ? `/boards/${post.board.id}` : '/';

  const onDelete = async (event) => {
    const button = event.currentTarget;
    if (!(await ask('이 글을 삭제하시겠습니까?', { yes: '삭제', danger: true }))) return;
    await busy(button, async () => {
      const done = await attempt(async () => {
        await api.del(`/posts/${post.id}`);
        return true;
      });
      if (!done) return;
      toast('글을 삭제했습니다.');
      await navigate(boardHref, { replace: true });
    });
  };

  const view = article(post, { onDelete, signal });
  const comments = thread(post, {
    anonymousOnly,
    signal,
    reload: async () => {
      const fresh = await api.get(`/posts/${id}`);
      setCount(view, 'comment', fresh.comment_count);
      setCount(view, 'like', fresh.like_count);
      comments.draw(fresh);
    },
  });
  comments.draw(post);

  return screen(
    { title: post.board?.name ?? '게시글', back: boardHref, className: 'community post-screen' },
    view,
    comments.section,
    // A blinded post takes no more comments here.
    post.blinded ? null : comments.form,
  );
}
