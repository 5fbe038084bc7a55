// 검색: posts of the school (or one board) whose title or content holds
// the words, 2 to 50 characters, newest first, paged like every feed.

import { ApiError, api } from '../../api.js';
import { h } from '../../dom.js';
import { clearProblem, field, showProblem } from '../../forms.js';
import { navigate } from '../../router.js';
import { screen } from '../../shell.js';
import { boards } from './common.js';
import { pagedPosts } from './list.js';

const MIN = 2;
const MAX = 50;

/** The refusal the server would give, without asking it. */
function tooShortOrLong() {
  return new ApiError(400, { code: 'invalid_input', errors: [{ field: 'q', message: 'length' }] });
}

function fits(q) {
  const length = [...q].length;
  return length >= MIN && length <= MAX;
}

export async function searchScreen({ query, signal }) {
  const q = (query.get('q') ?? '').trim();
  const boardId = query.get('board_id') ?? '';
  const all = await boards();
  const chosen = all.find((item) => String(item.id) === boardId);

  const form = h(
    'form',
    { class: 'search-form', role: 'search', novalidate: true },
    field({
      label: '검색어',
      name: 'q',
      type: 'search',
      value: q,
      placeholder: '글 제목, 내용',
      maxlength: MAX,
      autocomplete: 'off',
      enterkeyhint: 'search',
    }),
    field({
      label: '게시판',
      name: 'board_id',
      tag: 'select',
      options: [
        h('option', { value: '' }, '전체 게시판'),
        all.map((item) => h('option', { value: String(item.id), selected: item === chosen }, item.name)),
      ],
    }),
    h('button', { type: 'submit', class: 'primary' }, '검색'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearProblem(form);
    const words = form.elements.q.value.trim();
    if (!fits(words)) {
      showProblem(form, tooShortOrLong());
      return;
    }
    const search = new URLSearchParams({ q: words });
    if (form.elements.board_id.value) search.set('board_id', form.elements.board_id.value);
    navigate(`/search?${search}`);
  });

  let results = null;
  if (q && !fits(q)) {
    showProblem(form, tooShortOrLong());
  } else if (q) {
    try {
      const feed = await pagedPosts({
        load: (cursor) => api.get('/posts/search', { q, board_id: chosen?.id, cursor: cursor ?? undefined }),
        signal,
        emptyMessage: '검색 결과가 없습니다.',
        endMessage: '마지막 검색 결과입니다.',
      });
      results = h(
        'section',
        { class: 'search-results', 'aria-label': '검색 결과' },
        h('h2', { class: 'section-title' }, `‘${q}’ 검색 결과`, chosen ? h('span', { class: 'muted' }, ` · ${chosen.name}`) : null),
        feed,
      );
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400) throw error;
      showProblem(form, error);
    }
  }

  return screen(
    { title: '검색', back: chosen ? `/boards/${chosen.id}` : '/', className: 'community search-screen' },
    form,
    results ?? h('p', { class: 'empty search-hint' }, '찾고 싶은 글의 제목이나 내용을 2자 이상 입력해 주세요.'),
  );
}
