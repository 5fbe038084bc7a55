// 강의평가: a course's lecture's reviews (/courses/:courseId/reviews) with
// the summary (how many, the ★ average, the most common answers), the list
// by cursor with 공감 and 삭제 of one's own, and 강의평가 쓰기 in a dialog
// (every answer, each refusal under its question); and 내 강의평가
// (/me/reviews), the caller's reviews with their lecture. Reviews are
// anonymous: no author is ever shown.
//
// The API has no "one course" endpoint, so the page's address carries the
// course's `semester` and `code` (`?semester=2026-2&code=CSE2010-01`), and
// the name and professor are read from the catalog by them.

import { ApiError, api } from '../api.js';
import { ask, dateTime, h, sheet, toast, when } from '../dom.js';
import { field, onSubmit } from '../forms.js';
import { messageFor } from '../messages.js';
import { redraw } from '../router.js';
import { pagedList } from '../paging.js';
import { screen } from '../shell.js';
import { isPastOrCurrent, currentSemester, isSemester, pastSemesters, semesterLabel } from './timetable/semester.js';

const PAGE = 20;
const CONTENT_MIN = 20;
const CONTENT_MAX = 1000;

/** The answers, in the app's words and order. */
export const ANSWERS = {
  assignment: { many: '많음', normal: '보통', none: '없음' },
  team_project: { many: '많음', normal: '보통', none: '없음' },
  grading: { generous: '너그러움', normal: '보통', strict: '깐깐함' },
  attendance: { every_time: '매번', sometimes: '가끔', electronic: '전자출결', none: '없음' },
  exams: { 0: '없음', 1: '한 번', 2: '두 번', 3: '세 번', 4: '네 번 이상' },
};
/** What each answer is about. */
const QUESTIONS = {
  assignment: '과제',
  team_project: '조모임',
  grading: '학점',
  attendance: '출결',
  exams: '시험 횟수',
};
/** Said under a question left unanswered or refused by the server. */
const FIELD_WORDS = {
  rating: '별점을 선택해 주세요.',
  assignment: '과제가 어땠는지 선택해 주세요.',
  team_project: '조모임이 어땠는지 선택해 주세요.',
  grading: '학점이 어땠는지 선택해 주세요.',
  attendance: '출결을 어떻게 했는지 선택해 주세요.',
  exams: '시험 횟수를 선택해 주세요.',
  semester: '수강한 학기를 선택해 주세요.',
  content: `강의평가는 ${CONTENT_MIN}~${CONTENT_MAX}자로 입력해 주세요.`,
};
const LIKE_WORDS = {
  already_liked: '이미 공감한 강의평가입니다.',
  own_post: '자신의 강의평가에는 공감할 수 없습니다.',
};
const DELETE_WORDS = { not_author: '자신이 쓴 강의평가만 삭제할 수 있습니다.' };

/** "많음", "전자출결", "두 번" for an answer, or "-" when there is none. */
export function answer(question, value) {
  if (value === null || value === undefined) return '-';
  return ANSWERS[question]?.[value] ?? String(value);
}

/** The 강의평가 page of `course` (a Course of the catalog). */
export function reviewsHref(course) {
  const params = new URLSearchParams({ semester: course.semester ?? '', code: course.code ?? '' });
  return `/courses/${encodeURIComponent(course.id)}/reviews?${params}`;
}

/** Five stars, filled to `rating` (0–5, fractions too), read as "별점 4.3점". */
export function stars(rating, { className } = {}) {
  const value = Math.max(0, Math.min(5, Number(rating) || 0));
  const fill = h('span', { class: 'stars-fill', 'aria-hidden': 'true' });
  fill.style.width = `${(value / 5) * 100}%`;
  return h('span', { class: ['stars', className], role: 'img', 'aria-label': `별점 ${value}점`, dataset: { rating: String(value) } }, fill);
}

/** "4.3" (always one decimal), or "-" without reviews. */
function average(value) {
  return value === null || value === undefined ? '-' : Number(value).toFixed(1);
}

// ---------------------------------------------------------------------------
// The course and its summary

/** The course `id` from the catalog, by the `semester` and `code` in the address; null if unknown. */
async function findCourse(id, query) {
  const semester = query.get('semester');
  const code = query.get('code');
  if (!isSemester(semester) || !code) return null;
  try {
    const page = await api.get('/courses', { semester, q: code, limit: 100 });
    return page.items.find((course) => String(course.id) === String(id)) ?? null;
  } catch (error) {
    if (error instanceof ApiError) return null;
    throw error;
  }
}

function courseCard(course) {
  if (!course) {
    return h('section', { class: 'card review-course' }, h('h2', { class: 'review-course-name' }, '강의평가'));
  }
  return h(
    'section',
    { class: 'card review-course', 'aria-label': '수업' },
    h('h2', { class: 'review-course-name' }, course.name),
    h(
      'p',
      { class: 'muted review-course-line' },
      h('span', { class: 'review-professor' }, course.professor),
      ` · ${course.credits}학점 · ${course.code} · ${semesterLabel(course.semester)}`,
    ),
  );
}

function summaryCard(summary, onWrite) {
  const count = summary?.count ?? 0;
  const fact = (question) =>
    h(
      'div',
      { class: 'summary-fact', dataset: { fact: question } },
      h('dt', {}, QUESTIONS[question]),
      h('dd', {}, answer(question, summary?.[question])),
    );
  return h(
    'section',
    { class: 'card review-summary', 'aria-label': '강의평가 요약' },
    h(
      'div',
      { class: 'summary-score' },
      h('strong', { class: 'summary-average' }, average(summary?.rating_average)),
      h(
        'div',
        { class: 'summary-stars' },
        stars(summary?.rating_average ?? 0, { className: 'large' }),
        h('span', { class: 'muted summary-count' }, `강의평가 ${count}개`),
      ),
    ),
    count
      ? h('dl', { class: 'summary-facts' }, ['assignment', 'team_project', 'grading', 'attendance'].map(fact))
      : h('p', { class: 'muted summary-none' }, '아직 강의평가가 없습니다. 첫 강의평가를 남겨 주세요.'),
    h('button', { type: 'button', class: 'primary wide write-review', onclick: onWrite }, '강의평가 쓰기'),
  );
}

// ---------------------------------------------------------------------------
// One review

function facts(review) {
  return h(
    'ul',
    { class: 'review-facts' },
    ['assignment', 'team_project', 'grading', 'attendance', 'exams'].map((question) =>
      h(
        'li',
        { dataset: { fact: question } },
        h('span', { class: 'fact-question' }, QUESTIONS[question]),
        ' ',
        h('strong', {}, answer(question, review[question])),
      ),
    ),
  );
}

/** Runs `action` with `button` disabled meanwhile. */
async function busy(button, action) {
  if (button.disabled) return;
  button.disabled = true;
  try {
    await action();
  } finally {
    button.disabled = false;
  }
}

/** Deletes `review` after asking; resolves true when it is gone. */
async function deleteReview(review) {
  const yes = await ask('이 강의평가를 삭제할까요?\n삭제하면 다시 쓸 수 있습니다.', { yes: '삭제', danger: true });
  if (!yes) return false;
  try {
    await api.del(`/reviews/${review.id}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // Gone already: the list was stale.
    if (error.status !== 404) {
      toast(messageFor(error, DELETE_WORDS), { kind: 'error' });
      return false;
    }
  }
  toast('강의평가를 삭제했습니다.');
  return true;
}

/**
 * A review as a list item: stars, when it was taken, the answers, the
 * text, 공감, and 삭제 when it is the caller's. `lecture` shows above it
 * (내 강의평가); `onDeleted(review)` follows a delete.
 */
function reviewItem(review, { lecture, onDeleted } = {}) {
  const likes = h('span', { class: 'review-likes', title: '공감' }, h('span', { 'aria-hidden': 'true' }, '공감 '), h('span', { class: 'like-count' }, String(review.like_count ?? 0)));
  const item = h('li', { class: ['review-item', review.is_mine && 'mine'], dataset: { id: review.id } });
  const like = review.is_mine
    ? null
    : h('button', { type: 'button', class: 'small ghost review-like' }, '공감');
  like?.addEventListener('click', () => busy(like, async () => {
    try {
      const result = await api.put(`/reviews/${review.id}/like`);
      likes.querySelector('.like-count').textContent = String(result.like_count);
      like.classList.add('done');
      like.setAttribute('aria-pressed', 'true');
      toast('이 강의평가에 공감했습니다.');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 'already_liked') like.classList.add('done');
      toast(messageFor(error, LIKE_WORDS), { kind: 'error' });
    }
  }));
  const remove = review.is_mine
    ? h('button', {
      type: 'button',
      class: 'small ghost review-delete',
      onclick: (event) => busy(event.currentTarget, async () => {
        if (await deleteReview(review)) {
          item.remove();
          onDeleted?.(review);
        }
      }),
    }, '삭제')
    : null;
  // (DOM append would write a null as "null": only what there is.)
  item.append(...[
    lecture
      ? h(
        'p',
        { class: 'review-lecture' },
        h('strong', { class: 'review-lecture-name' }, lecture.name),
        h('span', { class: 'muted review-lecture-professor' }, lecture.professor),
      )
      : null,
    h(
      'div',
      { class: 'review-head' },
      stars(review.rating),
      h('span', { class: 'review-semester muted' }, `${semesterLabel(review.semester)} 수강`),
      review.is_mine ? h('span', { class: 'badge mine-badge' }, '내 평가') : null,
    ),
    facts(review),
    h('p', { class: 'review-content' }, review.content),
    h(
      'div',
      { class: 'review-foot' },
      h('time', { class: 'muted', datetime: review.created_at, title: dateTime(review.created_at) }, when(review.created_at)),
      likes,
      h('span', { class: 'review-actions' }, like, remove),
    ),
  ].filter(Boolean));
  return item;
}

// ---------------------------------------------------------------------------
// 강의평가 쓰기

/** A question answered by one of `choices` (`{value: label}`), as pills. */
function choices(name, legend, options) {
  return h(
    'fieldset',
    { class: 'field choice-field', dataset: { field: name } },
    h('legend', {}, legend),
    h(
      'div',
      { class: 'choices' },
      Object.entries(options).map(([value, label]) =>
        h(
          'label',
          { class: 'choice', dataset: { value } },
          h('input', { type: 'radio', name, value }),
          h('span', {}, label),
        ),
      ),
    ),
    h('small', { class: 'field-error', role: 'alert' }),
  );
}

/** 별점: five stars to tap (radios underneath), "4점" beside them. */
function ratingField() {
  const said = h('span', { class: 'rating-said muted' }, '별점을 선택하세요');
  const options = [1, 2, 3, 4, 5].map((value) =>
    h(
      'label',
      { class: 'star-option', dataset: { value: String(value) }, title: `${value}점` },
      h('input', { type: 'radio', name: 'rating', value: String(value), 'aria-label': `${value}점` }),
      h('span', { 'aria-hidden': 'true' }, '★'),
    ),
  );
  const group = h(
    'fieldset',
    { class: 'field rating-field', dataset: { field: 'rating' } },
    h('legend', {}, '총점'),
    h('div', { class: 'rating-row' }, h('div', { class: 'star-options' }, options), said),
    h('small', { class: 'field-error', role: 'alert' }),
  );
  group.addEventListener('change', () => {
    const chosen = Number(group.querySelector('input:checked')?.value ?? 0);
    for (const option of options) option.classList.toggle('on', Number(option.dataset.value) <= chosen);
    said.textContent = chosen ? `${chosen}점` : '별점을 선택하세요';
  });
  return group;
}

/** The semester the course was taken: this one and those before. */
function semesterField(course) {
  const offered = pastSemesters(12);
  const preferred = course && isPastOrCurrent(course.semester) ? course.semester : currentSemester();
  if (isSemester(preferred) && !offered.includes(preferred)) offered.push(preferred);
  return field({
    label: '수강 학기',
    name: 'semester',
    id: 'review-semester',
    tag: 'select',
    options: offered.map((semester) => h('option', { value: semester, selected: semester === preferred }, semesterLabel(semester))),
  });
}

/** The answers of the form, as the API takes them. */
function answers(form) {
  const picked = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value ?? null;
  const number = (name) => (picked(name) === null ? null : Number(picked(name)));
  return {
    rating: number('rating'),
    assignment: picked('assignment'),
    team_project: picked('team_project'),
    grading: picked('grading'),
    attendance: picked('attendance'),
    exams: number('exams'),
    semester: form.querySelector('[name=semester]').value,
    content: form.querySelector('[name=content]').value,
  };
}

/** The questions left unanswered (or out of bounds), as field errors. */
function unanswered(body) {
  const missing = ['rating', 'assignment', 'team_project', 'grading', 'attendance', 'exams', 'semester']
    .filter((name) => body[name] === null || body[name] === '');
  const length = [...body.content.trim()].length;
  if (length < CONTENT_MIN || length > CONTENT_MAX) missing.push('content');
  return missing.map((name) => ({ field: name, message: 'required' }));
}

/** Opens 강의평가 쓰기 for `courseId`; `written()` follows a saved review. */
function openReviewForm({ courseId, course, signal, written }) {
  const counter = h('span', { class: 'content-count' }, `0/${CONTENT_MAX}`);
  const content = field({
    label: '강의평가',
    name: 'content',
    id: 'review-content',
    tag: 'textarea',
    maxlength: CONTENT_MAX,
    rows: 5,
    placeholder: '이 강의에 대한 총평을 작성해 주세요. (20자 이상)',
    hint: '등록한 강의평가는 수정할 수 없고, 익명으로 공개됩니다.',
  });
  content.querySelector('label').append(counter);
  const textarea = content.querySelector('textarea');
  textarea.addEventListener('input', () => {
    counter.textContent = `${[...textarea.value].length}/${CONTENT_MAX}`;
  });
  const form = h(
    'form',
    { class: 'review-form', novalidate: true },
    h('p', { class: 'sheet-kicker' }, course ? `${course.name} · ${course.professor}` : '강의평가'),
    h('h2', { class: 'sheet-title' }, '강의평가 쓰기'),
    ratingField(),
    choices('assignment', '과제', ANSWERS.assignment),
    choices('team_project', '조모임', ANSWERS.team_project),
    choices('grading', '학점', ANSWERS.grading),
    choices('attendance', '출결', ANSWERS.attendance),
    choices('exams', '시험 횟수', ANSWERS.exams),
    semesterField(course),
    content,
    h('p', { class: 'form-error', role: 'alert' }),
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { type: 'button', class: 'ghost', onclick: () => close() }, '취소'),
      h('button', { type: 'submit', class: 'primary' }, '등록'),
    ),
  );
  const { close } = sheet({ class: 'review-sheet', label: '강의평가 쓰기', signal }, form);
  onSubmit(form, async () => {
    const body = answers(form);
    const missing = unanswered(body);
    // Said here, under each question, like the server's refusals.
    if (missing.length) throw new ApiError(400, { code: 'invalid_input', detail: 'unanswered', errors: missing });
    await api.post(`/courses/${encodeURIComponent(courseId)}/reviews`, body);
    close();
    toast('강의평가를 등록했습니다.');
    await written();
  }, FIELD_WORDS);
}

// ---------------------------------------------------------------------------
// Screens

/** /courses/:courseId/reviews?semester=&code= */
export async function courseReviewsScreen({ params, query, signal }) {
  const courseId = params.courseId;
  if (!/^[1-9]\d{0,17}$/.test(courseId)) throw new ApiError(404, { code: 'course_not_found', detail: 'no such course' });
  const path = `/courses/${courseId}/reviews`;
  const [course, first] = await Promise.all([findCourse(courseId, query), api.get(path, { limit: PAGE })]);
  const summarySlot = h('div', { class: 'review-summary-slot' });
  const write = () => openReviewForm({ courseId, course, signal, written: () => redraw() });
  const showSummary = (summary) => summarySlot.replaceChildren(summaryCard(summary, write));
  showSummary(first.summary);

  const { element } = await pagedList({
    load: (cursor) => (cursor ? api.get(path, { limit: PAGE, cursor }) : first),
    item: (review) =>
      reviewItem(review, {
        onDeleted: async () => {
          // The summary counts it no more.
          const fresh = await api.get(path, { limit: 1 }).catch(() => null);
          if (fresh) showSummary(fresh.summary);
        },
      }),
    signal,
    className: 'review-list',
    label: '강의평가 목록',
    emptyMessage: '아직 강의평가가 없습니다.',
    endMessage: '마지막 강의평가입니다.',
  });
  const back = course ? `/timetable?semester=${encodeURIComponent(course.semester)}` : '/timetable';
  return screen(
    {
      title: course ? `${course.name} 강의평가` : '강의평가',
      back,
      className: 'reviews-screen',
      actions: [h('a', { href: '/me/reviews', class: 'button small my-reviews-link' }, '내 강의평가')],
    },
    h(
      'div',
      { class: 'reviews-layout' },
      h('aside', { class: 'reviews-side' }, courseCard(course), summarySlot),
      h('section', { class: 'reviews-main', 'aria-label': '강의평가' }, h('h2', { class: 'section-title' }, '강의평가'), element),
    ),
  );
}

/** /me/reviews: the caller's reviews, each with its lecture. */
export async function myReviewsScreen({ signal }) {
  const { element } = await pagedList({
    load: (cursor) => api.get('/me/reviews', { limit: PAGE, cursor: cursor ?? undefined }),
    item: (review) => reviewItem(review, { lecture: review.course }),
    signal,
    className: 'review-list my-reviews',
    label: '내 강의평가',
    emptyMessage: '아직 쓴 강의평가가 없습니다. 시간표의 수업에서 강의평가를 남겨 보세요.',
    endMessage: '마지막 강의평가입니다.',
  });
  return screen(
    { title: '내 강의평가', back: '/me', className: 'reviews-screen my-reviews-screen' },
    h('p', { class: 'muted reviews-note' }, '강의평가는 익명으로 공개됩니다. 다른 학생에게는 누가 썼는지 보이지 않습니다.'),
    element,
  );
}
