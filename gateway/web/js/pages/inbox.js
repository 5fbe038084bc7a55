// 쪽지: 쪽지 보내기 from a post or a comment (a dialog), 쪽지함 (/messages,
// the conversations, latest activity first) and a conversation
// (/messages/:id) read like a chat, oldest at the top, with its send box,
// 삭제 and 차단.
//
// A conversation starts from a post or a comment, never from a user, so
// an anonymous author stays 익명 on both sides; the client never sees the
// other side's id. The API pages a conversation's messages newest first:
// the first page is the bottom of the chat, 이전 쪽지 reads further up.

import { ApiError, api } from '../api.js';
import { ask, dateTime, h, sheet, toast, when } from '../dom.js';
import { field, onSubmit } from '../forms.js';
import { onNotification, reloadCounts } from '../live.js';
import { messageFor } from '../messages.js';
import { pagedList } from '../paging.js';
import { navigate, redraw } from '../router.js';
import { screen } from '../shell.js';

const CONTENT_MAX = 1000;

/** What a refused 쪽지 says, in the app's words. */
const SEND_WORDS = {
  content: '쪽지는 1~1,000자로 입력해 주세요.',
  too_fast: '쪽지를 너무 자주 보내고 있습니다. 잠시 후 다시 시도해 주세요.',
  not_found: '삭제된 글이거나 탈퇴한 사용자입니다. 쪽지를 보낼 수 없습니다.',
  post_not_found: '삭제된 글입니다. 쪽지를 보낼 수 없습니다.',
  comment_not_found: '삭제된 댓글입니다. 쪽지를 보낼 수 없습니다.',
  user_not_found: '탈퇴한 사용자에게는 쪽지를 보낼 수 없습니다.',
};

/**
 * The conversations this page has seen (쪽지함's pages, a 쪽지 just
 * sent), by id: a conversation's own page carries only its messages, so
 * its title (the counterpart) and origin come from here.
 */
const known = new Map();

function remember(conversation) {
  if (conversation?.id !== undefined) known.set(String(conversation.id), conversation);
  return conversation;
}

/** The counterpart as the app names them: 익명 for anyone anonymous. */
function counterpartName(conversation) {
  const counterpart = conversation?.counterpart;
  if (!counterpart || counterpart.anonymous) return '익명';
  return counterpart.nickname || '(알 수 없음)';
}

/** The textarea of a 쪽지 and its count of characters ("12/1000"). */
function contentField({ id, label, placeholder, rows }) {
  const box = field({
    label,
    name: 'content',
    id,
    tag: 'textarea',
    maxlength: CONTENT_MAX,
    rows,
    placeholder,
    autocomplete: 'off',
  });
  const textarea = box.querySelector('textarea');
  const counter = h('small', { class: 'char-count', 'aria-hidden': 'true' }, `0/${CONTENT_MAX}`);
  // Counted as the server counts: characters, not UTF-16 units.
  textarea.addEventListener('input', () => {
    counter.textContent = `${[...textarea.value].length}/${CONTENT_MAX}`;
  });
  box.append(counter);
  return { box, textarea, counter };
}

/**
 * 쪽지 보내기: a dialog whose 쪽지 goes to the author of the post
 * (`{ postId }`) or the comment (`{ commentId }`); `anonymous` says that
 * author is 익명 (then both sides stay 익명). Sent, the conversation opens.
 */
export function openCompose({ postId, commentId, anonymous = false, signal }) {
  const about = commentId !== undefined ? '댓글' : '글';
  const { box, textarea } = contentField({
    id: 'compose-content',
    label: '내용',
    placeholder: '쪽지 내용을 입력하세요.',
    rows: 6,
  });
  const form = h(
    'form',
    { class: 'compose-form', novalidate: true },
    h('p', { class: 'sheet-kicker' }, '쪽지'),
    h('h2', { class: 'sheet-title' }, '쪽지 보내기'),
    h(
      'p',
      { class: 'muted compose-hint' },
      anonymous
        ? `익명으로 쓴 ${about}의 작성자에게 보냅니다. 서로 익명으로 보입니다.`
        : `이 ${about}의 작성자에게 보냅니다.`,
    ),
    box,
    h('p', { class: 'form-error', role: 'alert' }),
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { type: 'button', class: 'ghost', onclick: () => close() }, '취소'),
      h('button', { type: 'submit', class: 'primary' }, '보내기'),
    ),
  );
  const { close } = sheet({ class: 'compose-sheet', label: '쪽지 보내기', signal }, form);
  onSubmit(form, async ({ content }) => {
    const body = commentId !== undefined ? { comment_id: Number(commentId), content } : { post_id: Number(postId), content };
    const sent = await api.post('/messages', body);
    remember(sent?.conversation);
    close();
    // The conversation shows it sent, at its bottom.
    await navigate(`/messages/${sent.conversation.id}`);
  }, SEND_WORDS);
  textarea.focus();
}

/** One conversation of 쪽지함. */
function conversationItem(conversation) {
  remember(conversation);
  const last = conversation.last_message;
  const at = last?.created_at ?? conversation.updated_at;
  const unread = Number(conversation.unread_count) || 0;
  const origin = conversation.origin;
  return h(
    'li',
    { class: ['conversation-item', unread && 'unread', conversation.blocked && 'blocked'], dataset: { id: conversation.id } },
    h(
      'a',
      { href: `/messages/${conversation.id}`, class: 'conversation-link' },
      h(
        'div',
        { class: 'conversation-head' },
        h('strong', { class: ['conversation-name', conversation.counterpart?.anonymous && 'anonymous'] }, counterpartName(conversation)),
        conversation.blocked ? h('span', { class: 'blocked-badge' }, '차단됨') : null,
        at ? h('time', { class: 'conversation-time', datetime: at, title: dateTime(at) }, when(at)) : null,
      ),
      h(
        'div',
        { class: 'conversation-body' },
        h('p', { class: 'conversation-last' }, last ? `${last.mine ? '나: ' : ''}${last.content}` : ''),
        unread ? h('span', { class: 'unread-badge', 'aria-label': `안 읽은 쪽지 ${unread}개` }, unread > 99 ? '99+' : String(unread)) : null,
      ),
      origin
        ? h(
          'p',
          { class: 'conversation-origin' },
          origin.board?.name ? h('span', { class: 'origin-board' }, origin.board.name) : null,
          h('span', { class: 'origin-title' }, origin.title ?? ''),
        )
        : null,
    ),
  );
}

/** /messages: 쪽지함. */
export async function inboxScreen({ signal }) {
  const paged = await pagedList({
    load: (cursor) => api.get('/messages', { cursor: cursor ?? undefined }),
    item: conversationItem,
    signal,
    className: 'conversation-list',
    label: '쪽지함',
    emptyMessage: '주고받은 쪽지가 없습니다. 글이나 댓글에서 쪽지를 보내 보세요.',
    endMessage: '',
  });
  reloadCounts();
  // A new 쪽지 moves its conversation to the top: read the list again.
  onNotification((notification) => {
    if (notification?.kind === 'message') redraw();
  }, signal);
  return screen({ title: '쪽지함', className: 'inbox-screen' }, paged.element);
}

/**
 * The conversation behind `id`: one seen already, else looked up in the
 * first page of 쪽지함 (a reload, a link from elsewhere); null if not there.
 */
async function conversationInfo(id) {
  if (known.has(id)) return known.get(id);
  try {
    const page = await api.get('/messages', { limit: 100 });
    for (const conversation of page?.items ?? []) remember(conversation);
  } catch {
    // The header says less; the messages still show.
  }
  return known.get(id) ?? null;
}

/** One 쪽지: mine on the right, theirs on the left. */
function messageItem(message) {
  return h(
    'li',
    { class: ['message', message.mine ? 'mine' : 'theirs'], dataset: { id: message.id } },
    h('span', { class: 'visually-hidden' }, message.mine ? '보낸 쪽지' : '받은 쪽지'),
    h('p', { class: 'message-content' }, message.content),
    h('time', { class: 'message-time', datetime: message.created_at, title: dateTime(message.created_at) }, when(message.created_at)),
  );
}

/**
 * A run of 쪽지 from one side within the same minute shows its time once,
 * under its last (as chat apps do); called after every change to `list`.
 */
function groupTimes(list) {
  const items = [...list.children];
  items.forEach((item, index) => {
    const next = items[index + 1];
    const same = next
      && next.classList.contains('mine') === item.classList.contains('mine')
      && next.querySelector('.message-time')?.textContent === item.querySelector('.message-time')?.textContent;
    item.classList.toggle('grouped', Boolean(same));
  });
}

/** /messages/:conversationId: one conversation, like a chat. */
export async function conversationScreen({ params, signal }) {
  const id = String(params.conversationId);
  const path = `/messages/${encodeURIComponent(id)}`;
  // Reading the first page marks the conversation read.
  const [first, found] = await Promise.all([api.get(path), conversationInfo(id)]);
  const conversation = found ?? { id };
  reloadCounts();

  const seen = new Set();
  const list = h('ol', { class: 'list message-list', 'aria-label': '쪽지' });
  const pane = h('div', { class: 'chat-pane' });
  let cursor = first?.next_cursor ?? null;

  // Older 쪽지 above, kept where the reader is looking.
  const older = h('button', { type: 'button', class: 'small ghost older-messages' }, '이전 쪽지 보기');
  const olderRow = h('div', { class: 'older-row', hidden: !cursor }, older);
  older.addEventListener('click', async () => {
    if (older.disabled || !cursor) return;
    older.disabled = true;
    try {
      const page = await api.get(path, { cursor });
      const before = pane.scrollHeight;
      const items = (page?.items ?? []).filter((message) => !seen.has(message.id));
      for (const message of items) seen.add(message.id);
      list.prepend(...items.reverse().map(messageItem));
      groupTimes(list);
      pane.scrollTop += pane.scrollHeight - before;
      cursor = page?.next_cursor ?? null;
      olderRow.hidden = !cursor;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      toast(messageFor(error), { kind: 'error' });
    } finally {
      older.disabled = false;
    }
  });

  /** Adds the newest messages at the bottom (oldest of them first). */
  const addNewest = (items) => {
    const fresh = items.filter((message) => !seen.has(message.id));
    for (const message of fresh) seen.add(message.id);
    if (!fresh.length) return;
    const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
    list.append(...fresh.reverse().map(messageItem));
    groupTimes(list);
    emptyNote.hidden = true;
    if (atBottom || fresh.some((message) => message.mine)) pane.scrollTop = pane.scrollHeight;
  };

  const emptyNote = h('p', { class: 'empty chat-empty', hidden: Boolean(first?.items?.length) }, '아직 주고받은 쪽지가 없습니다.');
  const origin = conversation.origin;
  pane.append(
    origin
      ? h(
        'p',
        { class: 'chat-origin' },
        h('span', {}, `${origin.board?.name ?? '게시판'}에 작성된 글에서 시작된 쪽지입니다.`),
        h('a', { href: `/posts/${origin.post_id}`, class: 'chat-origin-title' }, origin.title ?? '글 보기'),
      )
      : null,
    olderRow,
    emptyNote,
    list,
  );

  // The send box, or why there is none.
  const blockedNote = h('p', { class: 'blocked-note', role: 'note' }, '차단된 쪽지입니다. 더 이상 쪽지를 주고받을 수 없습니다.');
  const { box, textarea } = contentField({ id: 'message-content', label: null, placeholder: '쪽지를 입력하세요.', rows: 1 });
  textarea.setAttribute('aria-label', '쪽지 내용');
  const form = h(
    'form',
    { class: 'message-form', novalidate: true },
    h('p', { class: 'form-error', role: 'alert' }),
    h('div', { class: 'message-row' }, box, h('button', { type: 'submit', class: 'primary small' }, '전송')),
  );
  const setBlocked = (blocked) => {
    conversation.blocked = blocked;
    blockedNote.hidden = !blocked;
    form.hidden = blocked;
    blockButton.hidden = blocked;
  };
  // A refusal (blocked meanwhile by the other side, too fast, restricted)
  // is said above the box.
  onSubmit(form, async ({ content }) => {
    const sent = await api.post(path, { content });
    textarea.value = '';
    textarea.dispatchEvent(new Event('input'));
    addNewest([sent]);
  }, SEND_WORDS);

  const blockButton = h('button', { type: 'button', class: 'ghost small block-conversation' }, '차단');
  blockButton.addEventListener('click', async () => {
    const question = '상대를 차단할까요?\n이 쪽지방에서 서로 쪽지를 주고받을 수 없게 되며, 되돌릴 수 없습니다.';
    if (!(await ask(question, { yes: '차단', danger: true }))) return;
    blockButton.disabled = true;
    try {
      await api.post(`${path}/block`);
      setBlocked(true);
      toast('차단했습니다.');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      toast(messageFor(error), { kind: 'error' });
    } finally {
      blockButton.disabled = false;
    }
  });
  const deleteButton = h('button', { type: 'button', class: 'ghost small delete-conversation' }, '삭제');
  deleteButton.addEventListener('click', async () => {
    const question = '이 쪽지방을 삭제할까요?\n상대방의 쪽지함에서는 삭제되지 않습니다.';
    if (!(await ask(question, { yes: '삭제', danger: true }))) return;
    deleteButton.disabled = true;
    try {
      await api.del(path);
    } catch (error) {
      deleteButton.disabled = false;
      if (!(error instanceof ApiError)) throw error;
      toast(messageFor(error), { kind: 'error' });
      return;
    }
    known.delete(id);
    toast('쪽지방을 삭제했습니다.');
    await navigate('/messages', { replace: true });
  });

  addNewest(first?.items ?? []);
  setBlocked(Boolean(conversation.blocked));
  // A 쪽지 from the other side comes in while the chat is open.
  onNotification(async (notification) => {
    if (notification?.kind !== 'message') return;
    try {
      const page = await api.get(path);
      if (!signal.aborted) addNewest(page?.items ?? []);
    } catch {
      // It shows on the next visit.
    }
  }, signal);
  // Drawn: the newest at the bottom, in view.
  requestAnimationFrame(() => {
    pane.scrollTop = pane.scrollHeight;
  });

  return screen(
    {
      title: found ? counterpartName(conversation) : '쪽지',
      back: '/messages',
      className: 'conversation-screen',
      actions: [blockButton, deleteButton],
    },
    pane,
    blockedNote,
    form,
  );
}
