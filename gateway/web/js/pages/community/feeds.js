// Every screen that is a list of posts: a board, HOT게시판, BEST게시판,
// 검색, 내가 쓴 글, 댓글 단 글 and 내 스크랩, each one `pagedPosts` of
// its own endpoint.

import { api } from '../../api.js';
import { h } from '../../dom.js';
import { navigate } from '../../router.js';
import { screen } from '../../shell.js';
import { board, icon } from './common.js';
import { pagedPosts } from './list.js';

/** A page of `path` (with `params`) from `cursor`. */
function pages(path, params = {}) {
  return (cursor) => api.get(path, { ...params, cursor: cursor ?? undefined });
}

/** A screen that is only a list of posts. */
async function feedScreen({ title, className, path, params, emptyMessage, signal, intro }) {
  const feed = await pagedPosts({ load: pages(path, params), signal, emptyMessage });
  return screen({ title, back: '/', className: ['community feed-screen', className].join(' ') }, intro ?? null, feed);
}

export async function boardScreen({ params, signal }) {
  const current = await board(params.boardId);
  const feed = await pagedPosts({
    load: pages(`/boards/${current.id}/posts`),
    signal,
    emptyMessage: '아직 글이 없습니다. 첫 글을 써 보세요.',
    endMessage: '마지막 글입니다.',
    showBoard: false,
  });
  return screen(
    {
      title: current.name,
      back: '/',
      className: 'community board-screen',
      actions: [
        h('a', { href: `/search?board_id=${current.id}`, class: 'button ghost small icon-button', 'aria-label': `${current.name} 검색` }, icon('search')),
        h('a', { href: `/boards/${current.id}/write`, class: 'button primary small write-button' }, icon('write'), h('span', {}, '글쓰기')),
      ],
    },
    current.description || current.anonymous_only
      ? h(
        'p',
        { class: 'board-intro muted' },
        current.description,
        current.anonymous_only ? h('span', { class: 'badge' }, '모든 글이 익명') : null,
      )
      : null,
    feed,
  );
}

export function hotScreen({ signal }) {
  return feedScreen({
    title: 'HOT게시판',
    className: 'hot-screen',
    path: '/posts/hot',
    signal,
    emptyMessage: '아직 HOT게시판에 오른 글이 없습니다.',
    intro: h('p', { class: 'feed-intro muted' }, '공감을 10개 이상 받은 글이 올라옵니다.'),
  });
}

/** The half-year a date falls in, in Korea time: "2026-H1". */
function seasonOf(date) {
  const korea = new Date(date.getTime() + 9 * 60 * 60 * 1000);
  return `${korea.getUTCFullYear()}-H${korea.getUTCMonth() < 6 ? 1 : 2}`;
}

/** The current season and the ones before it, newest first. */
function recentSeasons(count = 8) {
  const [year, half] = seasonOf(new Date()).split('-H').map(Number);
  const seasons = [];
  for (let index = 0; index < count; index += 1) {
    const back = half - 1 - index; // halves since this year's first
    const y = year + Math.floor(back / 2);
    const h2 = ((back % 2) + 2) % 2 === 1;
    seasons.push(`${y}-H${h2 ? 2 : 1}`);
  }
  return seasons;
}

function seasonLabel(season) {
  const [year, half] = season.split('-H');
  return `${year}년 ${half === '1' ? '상반기' : '하반기'}`;
}

export async function bestScreen({ query, signal }) {
  const wanted = query.get('season') ?? '';
  let season = wanted;
  const feed = await pagedPosts({
    load: pages('/posts/best', { season: wanted || undefined }),
    signal,
    emptyMessage: '이 기간에는 BEST게시판에 오른 글이 없습니다.',
    onPage: (page) => {
      if (page?.season) season = page.season;
    },
  });
  const seasons = recentSeasons();
  if (season && !seasons.includes(season)) seasons.unshift(season);
  const picker = h(
    'select',
    {
      id: 'best-season',
      name: 'season',
      onchange: (event) => navigate(`/best?season=${encodeURIComponent(event.target.value)}`),
    },
    seasons.map((value) => h('option', { value, selected: value === season }, seasonLabel(value))),
  );
  return screen(
    { title: 'BEST게시판', back: '/', className: 'community feed-screen best-screen' },
    h(
      'div',
      { class: 'feed-intro season-picker' },
      h('label', { for: 'best-season' }, '기간'),
      picker,
      h('span', { class: 'muted' }, '공감 100개 이상, 공감 많은 순'),
    ),
    feed,
  );
}

export function myPostsScreen({ signal }) {
  return feedScreen({ title: '내가 쓴 글', className: 'my-posts-screen', path: '/me/posts', signal, emptyMessage: '아직 쓴 글이 없습니다.' });
}

export function myCommentsScreen({ signal }) {
  return feedScreen({ title: '댓글 단 글', className: 'my-comments-screen', path: '/me/comments', signal, emptyMessage: '아직 댓글을 단 글이 없습니다.' });
}

export function myScrapsScreen({ signal }) {
  return feedScreen({ title: '내 스크랩', className: 'my-scraps-screen', path: '/me/scraps', signal, emptyMessage: '스크랩한 글이 없습니다.' });
}
