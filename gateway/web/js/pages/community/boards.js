// 게시판 home: the school's boards, the shortcuts of the app's 게시판 tab
// (내가 쓴 글, 댓글 단 글, 내 스크랩, HOT, BEST, 검색), and making a board.

import { ApiError, api } from '../../api.js';
import { h } from '../../dom.js';
import { field, onSubmit, showProblem } from '../../forms.js';
import { messageFor } from '../../messages.js';
import { navigate } from '../../router.js';
import { session } from '../../session.js';
import { empty, screen } from '../../shell.js';
import { boards, icon } from './common.js';

const SHORTCUTS = [
  { href: '/my/posts', label: '내가 쓴 글', kind: 'mine' },
  { href: '/my/comments', label: '댓글 단 글', kind: 'comment' },
  { href: '/my/scraps', label: '내 스크랩', kind: 'scrap' },
];

const FEEDS = [
  { href: '/hot', label: 'HOT게시판', note: '공감 10개 이상' },
  { href: '/best', label: 'BEST게시판', note: '공감 100개 이상' },
];

function boardItem(board) {
  return h(
    'li',
    { class: 'board-item', dataset: { id: board.id } },
    h(
      'a',
      { href: `/boards/${board.id}`, class: 'board-link' },
      h(
        'span',
        { class: 'board-name' },
        board.name,
        board.anonymous_only ? h('span', { class: 'badge' }, '익명') : null,
      ),
      board.description ? h('span', { class: 'board-description' }, board.description) : null,
    ),
  );
}

function newBoardForm() {
  const form = h(
    'form',
    { class: 'new-board-form', novalidate: true },
    field({ label: '게시판 이름', name: 'name', maxlength: 30, autocomplete: 'off', placeholder: '예: 동아리게시판' }),
    field({ label: '설명', name: 'description', maxlength: 200, autocomplete: 'off', placeholder: '어떤 이야기를 나누는 곳인가요? (선택)' }),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'anonymous_only' }),
      '모든 글을 익명으로 (비밀게시판처럼)',
    ),
    h('button', { type: 'submit', class: 'primary' }, '만들기'),
  );
  return onSubmit(form, async (values) => {
    let board;
    try {
      board = await api.post('/boards', {
        name: values.name,
        description: values.description,
        anonymous_only: values.anonymous_only,
      });
    } catch (error) {
      // A taken name is said under the field, not as the length rule.
      if (!(error instanceof ApiError) || error.status !== 409) throw error;
      showProblem(form, error, { name: messageFor(error) });
      return;
    }
    await navigate(`/boards/${board.id}`);
  }, { name: '게시판 이름은 1~30자로 입력해 주세요.' });
}

export async function boardsScreen() {
  const items = await boards();
  const school = session.user?.school?.name;
  return screen(
    {
      title: '게시판',
      className: 'community boards-screen',
      actions: [h('a', { href: '/search', class: 'button ghost small icon-button', 'aria-label': '검색' }, icon('search'), h('span', {}, '검색'))],
    },
    school ? h('p', { class: 'school-name muted' }, school) : null,
    h(
      'nav',
      { class: 'shortcuts', 'aria-label': '내 글' },
      SHORTCUTS.map((item) =>
        h('a', { href: item.href, class: ['shortcut', `shortcut-${item.kind}`] }, icon(item.kind), h('span', {}, item.label)),
      ),
    ),
    h('h2', { class: 'section-title' }, '게시판 목록'),
    items.length
      ? h('ul', { class: 'list board-list card' }, items.map(boardItem))
      : empty('아직 게시판이 없습니다.'),
    h('h2', { class: 'section-title' }, '실시간 인기 글'),
    h(
      'ul',
      { class: 'list feed-list card' },
      FEEDS.map((feed) =>
        h(
          'li',
          { class: 'board-item feed-item' },
          h('a', { href: feed.href, class: 'board-link' }, h('span', { class: 'board-name' }, feed.label), h('span', { class: 'board-description' }, feed.note)),
        ),
      ),
    ),
    h(
      'details',
      {
        class: 'new-board card',
        ontoggle: (event) => {
          if (!event.currentTarget.open) return;
          event.currentTarget.scrollIntoView({ block: 'nearest' });
          event.currentTarget.querySelector('input[name=name]')?.focus({ preventScroll: true });
        },
      },
      h('summary', {}, '새 게시판 만들기'),
      newBoardForm(),
    ),
  );
}
