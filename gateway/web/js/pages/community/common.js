// What the community screens share: the school's boards, authors as the
// app names them, the small counts with their icons, and the reasons a
// post action is refused in the app's words.

import { ApiError, api } from '../../api.js';
import { h } from '../../dom.js';

/** The messages of 공감 and 스크랩 (posts and comments alike). */
export const LIKE_MESSAGES = {
  already_liked: '이미 공감한 글입니다.',
  own_post: '자신의 글에는 공감할 수 없습니다.',
};
export const SCRAP_MESSAGES = { own_post: '자신의 글은 스크랩할 수 없습니다.' };

/** The school's boards (GET /boards), in the server's order. */
export async function boards() {
  const page = await api.get('/boards');
  return page?.items ?? [];
}

/** One board by id, or a 404 like the server's when it is not the school's. */
export async function board(boardId) {
  const found = (await boards()).find((item) => String(item.id) === String(boardId));
  if (!found) throw new ApiError(404, { code: 'not_found', detail: 'no such board' });
  return found;
}

/** An author's name as the app shows it: 익명 for anyone anonymous. */
export function authorName(author) {
  if (!author) return '';
  if (author.anonymous && !author.nickname) return '익명';
  return author.nickname ?? '익명';
}

const ICONS = {
  like: 'M7 10v10H4V10zm2 10h8.2a2 2 0 0 0 2-1.6l1.3-6.4A2 2 0 0 0 18.5 9.6H14l.7-3.6a1.6 1.6 0 0 0-2.9-1.2L9 9.5z',
  comment: 'M4 5h16v11H9l-5 4z',
  scrap: 'M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.9l-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z',
  search: 'M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zM15.5 15.5 20 20',
  mine: 'M5 19l1-4L15.5 5.5l3 3L9 18zM13.5 7.5l3 3',
  write: 'M5 19l1-4L15.5 5.5l3 3L9 18zM13.5 7.5l3 3',
};

/** A small outlined icon (svg, not an image: the CSP allows no data: URLs for it). */
export function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', `icon icon-${name}`);
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICONS[name] ?? '');
  svg.append(path);
  return svg;
}

/** "공감 3" with its icon; the number is in `.count` so it can be updated. */
export function count(kind, value, label) {
  return h(
    'span',
    { class: ['count', `count-${kind}`], title: label, dataset: { count: kind } },
    icon(kind),
    h('span', { class: 'visually-hidden' }, label),
    h('span', { class: 'count-value' }, String(value ?? 0)),
  );
}

/** Sets the number of a `count()` inside `root`. */
export function setCount(root, kind, value) {
  const slot = root.querySelector(`[data-count="${kind}"] .count-value`);
  if (slot) slot.textContent = String(value);
}
