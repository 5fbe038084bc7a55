// 시간표: the semester's timetables as tabs (기본 marked), the weekly grid
// drawn in the page, the courses and credits, rename / 기본 시간표 /
// 공개 범위 / 이미지 / 복사 / 삭제, 직접 추가 (blocks of one's own, in
// timetable/entries.js), and the course search with 추가. A clash answers
// as the app does: "‘자료구조’ 수업과 시간이 겹칩니다." Every course (a
// search result, a row of the list, a block tapped on the grid) leads to
// its 강의평가.

import { ApiError, api, apiUrl } from '../api.js';
import { ask, h, sheet, toast, whenVisible } from '../dom.js';
import { attempt, field, onSubmit } from '../forms.js';
import { messageFor } from '../messages.js';
import { navigate, redraw } from '../router.js';
import { session } from '../session.js';
import { empty, screen } from '../shell.js';
import { clashMessage, isCourse } from './timetable/clash.js';
import { addEntry, entryDetails, entryList } from './timetable/entries.js';
import { DAYS, DAY_NAMES, sessionsText, timetableGrid } from './timetable/grid.js';
import { semesterLabel, semesterOf, semesterPicker } from './timetable/semester.js';
import { reviewsHref } from './reviews.js';

export const VISIBILITY = [
  { value: 'private', label: '나만 보기' },
  { value: 'friends', label: '친구 공개' },
  { value: 'public', label: '전체 공개' },
];
const NAME_RULE = { name: '시간표 이름은 1~40자로 입력해 주세요.' };
const PAGE = 20;

function visibilityLabel(value) {
  return VISIBILITY.find((item) => item.value === value)?.label ?? value;
}

/**
 * 복사: `source` (mine, a friend's, a public one) into a new timetable of
 * mine, then that one is shown.
 */
export async function copyTimetable(source, button) {
  if (button) button.disabled = true;
  const copied = await attempt(() => api.post(`/timetables/${source.id}/copy`, {}));
  if (button) button.disabled = false;
  if (!copied) return;
  toast(`‘${copied.name}’(으)로 복사했습니다.`);
  navigate(`/timetable/${copied.id}`);
}

/** /timetable (the semester's 기본 시간표) and /timetable/:timetableId. */
export async function timetableScreen({ params, query, signal }) {
  let shown = null;
  if (params.timetableId) shown = await api.get(`/timetables/${encodeURIComponent(params.timetableId)}`);
  if (shown && shown.owner?.id !== session.user?.id) return someoneElses(shown);
  const semester = shown?.semester ?? semesterOf(query);
  const { items } = await api.get('/timetables', { semester });
  shown ??= items.find((item) => item.is_primary) ?? items[0] ?? null;
  const pick = semesterPicker(semester, (value) => navigate(`/timetable?semester=${encodeURIComponent(value)}`));
  const content = shown
    ? await editor(shown, items, signal)
    : h(
        'div',
        { class: 'card timetable-empty' },
        empty(`${semesterLabel(semester)} 시간표가 없습니다.`),
        h('button', { type: 'button', class: 'primary wide', onclick: (event) => create(semester, event.currentTarget) }, '새 시간표 만들기'),
      );
  return screen(
    { title: '시간표', actions: [pick, h('a', { href: '/grades', class: 'button small grades-link' }, '학점계산기')], className: 'timetable-screen' },
    items.length ? tabs(semester, items, shown) : null,
    content,
  );
}

async function create(semester, button) {
  button.disabled = true;
  const created = await attempt(() => api.post('/timetables', { semester }));
  button.disabled = false;
  if (!created) return;
  navigate(`/timetable/${created.id}`);
}

/** The semester's timetables as chips, then 새 시간표. */
function tabs(semester, items, shown) {
  return h(
    'nav',
    { class: 'timetable-tabs', 'aria-label': '시간표 목록' },
    h(
      'ul',
      {},
      items.map((item) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: `/timetable/${item.id}`,
              class: ['timetable-tab', item.is_primary && 'primary-timetable'],
              dataset: { id: item.id },
              'aria-current': item.id === shown?.id ? 'page' : false,
            },
            h('span', { class: 'tab-name' }, item.name),
            item.is_primary ? h('span', { class: 'badge' }, '기본') : null,
          ),
        ),
      ),
    ),
    h('button', { type: 'button', class: 'small new-timetable', onclick: (event) => create(semester, event.currentTarget) }, '+ 새 시간표'),
  );
}

/** My timetable: its header, grid, courses, and the search to add more. */
async function editor(initial, items, signal) {
  let timetable = initial;
  const head = h('div', { class: 'timetable-head' });
  const gridSlot = h('div', { class: 'timetable-grid-slot' });
  const list = h('ul', { class: 'list timetable-courses', 'aria-label': '수업 목록' });
  const entries = h('div', { class: 'timetable-entries-slot' });
  const search = courseSearch(timetable.semester, () => timetable, (next) => show(next), highlight, signal);
  const entryActions = {
    current: () => timetable,
    changed: (next) => show(next),
    highlight,
    signal,
  };

  /** Marks the blocks in the way on the grid for a moment (courses and entries). */
  function highlight(conflicts) {
    const wanted = new Set((conflicts ?? []).map((item) => `${isCourse(item) ? 'course' : 'entry'}:${item.id}`));
    const blocks = [...gridSlot.querySelectorAll('.grid-block')].filter((block) => wanted.has(`${block.dataset.kind}:${block.dataset.id}`));
    for (const block of blocks) block.classList.add('clashing');
    setTimeout(() => blocks.forEach((block) => block.classList.remove('clashing')), 2500);
  }

  function show(next) {
    timetable = next;
    head.replaceChildren(...header(timetable, items, () => addEntry(entryActions)));
    gridSlot.replaceChildren(
      timetableGrid(timetable, {
        onBlock: (block) => (block.kind === 'entry' ? entryDetails(block.entry, entryActions) : courseDetails(block.course, { remove, signal })),
      }),
    );
    entries.replaceChildren(...entryList(timetable, entryActions));
    list.replaceChildren(
      ...(timetable.courses.length
        ? timetable.courses.map((course) =>
            h(
              'li',
              { class: 'course-entry', dataset: { id: course.id } },
              h(
                'div',
                { class: 'course-info' },
                h('strong', { class: 'course-name' }, course.name),
                h('span', { class: 'muted' }, `${course.professor} · ${course.credits}학점 · ${course.code}`),
                h('span', { class: 'course-times' }, sessionsText(course.sessions)),
              ),
              h(
                'div',
                { class: 'course-buttons' },
                h('a', { href: reviewsHref(course), class: 'button small reviews-link' }, '강의평가'),
                h('button', { type: 'button', class: 'small danger', onclick: () => remove(course) }, '삭제'),
              ),
            ),
          )
        : [h('li', { class: 'course-entry none' }, empty('아직 추가한 수업이 없습니다. 수업 추가에서 검색해 보세요.'))]),
    );
    search.update();
  }

  /** Removes `course` after asking; resolves true when it is gone. */
  async function remove(course) {
    if (!course?.id || !timetable.courses.some((item) => item.id === course.id)) return false;
    const yes = await ask(`‘${course.name}’ 수업을 시간표에서 삭제할까요?`, { yes: '삭제', danger: true });
    if (!yes) return false;
    const done = await attempt(async () => {
      await api.del(`/timetables/${timetable.id}/courses/${course.id}`);
      return api.get(`/timetables/${timetable.id}`);
    });
    if (!done) return false;
    show(done);
    return true;
  }

  show(timetable);
  await search.start();
  return h(
    'div',
    { class: 'timetable-layout' },
    h(
      'section',
      { class: 'timetable-main', 'aria-label': '시간표' },
      head,
      gridSlot,
      h('h2', { class: 'section-title' }, '수업 목록'),
      list,
      entries,
    ),
    search.element,
  );
}

/**
 * A course tapped on the grid: its professor, times, credits and code,
 * with 강의평가, 삭제 (asked first) and 닫기.
 */
function courseDetails(course, { remove, signal }) {
  const fact = (label, value, key) => h('div', {}, h('dt', {}, label), h('dd', { class: `course-${key}` }, value));
  const removeButton = h('button', { type: 'button', class: 'danger remove-course' }, '삭제');
  const body = h(
    'div',
    { class: 'entry-details course-details' },
    h('p', { class: 'sheet-kicker' }, '수업'),
    h('h2', { class: 'sheet-title course-title' }, course.name),
    h(
      'dl',
      { class: 'entry-facts' },
      fact('교수', course.professor, 'professor'),
      fact('시간', sessionsText(course.sessions) || '시간 미정', 'when'),
      fact('학점', `${course.credits}학점`, 'credits'),
      fact('번호', course.code, 'code'),
    ),
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { type: 'button', class: 'ghost', onclick: () => close() }, '닫기'),
      removeButton,
      // Following it leaves the screen, which closes the dialog.
      h('a', { href: reviewsHref(course), class: 'button primary reviews-link' }, '강의평가'),
    ),
  );
  const { close } = sheet({ class: 'course-sheet', label: course.name, signal }, body);
  removeButton.addEventListener('click', async () => {
    removeButton.disabled = true;
    const removed = await remove(course);
    removeButton.disabled = false;
    if (removed) close();
  });
}

/** The name, semester and credits, and what can be done to the timetable. */
function header(timetable, items, addOwn) {
  const visibility = h(
    'select',
    {
      name: 'visibility',
      'aria-label': '공개 범위',
      title: '공개 범위',
      onchange: async (event) => {
        const select = event.target;
        select.disabled = true;
        const updated = await attempt(() => api.patch(`/timetables/${timetable.id}`, { visibility: select.value }));
        select.disabled = false;
        if (!updated) {
          select.value = timetable.visibility;
          return;
        }
        timetable.visibility = updated.visibility;
        toast(`공개 범위를 ‘${visibilityLabel(updated.visibility)}’(으)로 바꿨습니다.`);
      },
    },
    VISIBILITY.map((item) => h('option', { value: item.value, selected: item.value === timetable.visibility }, item.label)),
  );
  const title = h(
    'div',
    { class: 'timetable-title' },
    h('h2', { class: 'timetable-name' }, timetable.name, timetable.is_primary ? h('span', { class: 'badge' }, '기본') : null),
    h(
      'p',
      { class: 'muted' },
      `${semesterLabel(timetable.semester)} · `,
      h('span', { class: 'total-credits' }, `총 ${timetable.total_credits}학점`),
      ` · ${timetable.courses.length}과목`,
    ),
  );
  const actions = h(
    'div',
    { class: 'timetable-actions' },
    h('button', { type: 'button', class: 'small primary add-entry', onclick: addOwn }, '+ 직접 추가'),
    h('label', { class: 'visibility' }, h('span', { class: 'muted visibility-label' }, '공개 범위'), visibility),
    h('button', { type: 'button', class: 'small', onclick: () => rename(title, timetable) }, '이름 변경'),
    timetable.is_primary
      ? null
      : h(
          'button',
          {
            type: 'button',
            class: 'small',
            onclick: async (event) => {
              event.currentTarget.disabled = true;
              const updated = await attempt(() => api.patch(`/timetables/${timetable.id}`, { is_primary: true }));
              if (!updated) return;
              toast('기본 시간표로 설정했습니다.');
              redraw();
            },
          },
          '기본 시간표로 설정',
        ),
    h(
      'a',
      {
        class: 'button small picture-link',
        href: apiUrl(`/timetables/${timetable.id}/image.svg`),
        download: `${timetable.name}.svg`,
      },
      '이미지로 저장',
    ),
    h('button', { type: 'button', class: 'small copy-timetable', onclick: (event) => copyTimetable(timetable, event.currentTarget) }, '복사'),
    h(
      'button',
      {
        type: 'button',
        class: 'small danger',
        onclick: async () => {
          const last = items.length <= 1 ? '\n이 학기의 하나뿐인 시간표입니다.' : '';
          const yes = await ask(`‘${timetable.name}’ 시간표를 삭제할까요?${last}`, { yes: '삭제', danger: true });
          if (!yes) return;
          const done = await attempt(async () => {
            await api.del(`/timetables/${timetable.id}`);
            return true;
          });
          if (!done) return;
          toast('시간표를 삭제했습니다.');
          navigate(`/timetable?semester=${encodeURIComponent(timetable.semester)}`, { replace: true });
        },
      },
      '삭제',
    ),
  );
  return [title, actions];
}

/** Swaps the title for a small form to rename the timetable. */
function rename(title, timetable) {
  const form = h(
    'form',
    { class: 'rename-form', 'aria-label': '시간표 이름 변경' },
    field({ label: '시간표 이름', name: 'name', value: timetable.name, maxlength: 40, required: true, autocomplete: 'off' }),
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { type: 'button', class: 'small ghost', onclick: () => form.replaceWith(title) }, '취소'),
      h('button', { type: 'submit', class: 'small primary' }, '저장'),
    ),
  );
  onSubmit(
    form,
    async ({ name }) => {
      await api.patch(`/timetables/${timetable.id}`, { name });
      toast('시간표 이름을 바꿨습니다.');
      redraw();
    },
    NAME_RULE,
  );
  title.replaceWith(form);
  form.querySelector('input').select();
}

/**
 * 수업 추가: the semester's catalog, searched by name, professor or code
 * and by day, paged by cursor as it scrolls, each course with 추가.
 */
function courseSearch(semester, current, changed, highlight, signal) {
  const results = h('ul', { class: 'list course-results', 'aria-label': '검색 결과' });
  const status = h('p', { class: 'loading-more', role: 'status' });
  const form = h(
    'form',
    { class: 'course-search', role: 'search' },
    field({ label: '수업 검색', name: 'q', type: 'search', placeholder: '과목명, 교수명, 학수번호', maxlength: 50, autocomplete: 'off' }),
    field({
      label: '요일',
      name: 'day',
      tag: 'select',
      options: [h('option', { value: '' }, '전체 요일'), DAYS.map((day) => h('option', { value: day }, `${DAY_NAMES[day]}요일`))],
    }),
    h('button', { type: 'submit', class: 'primary' }, '검색'),
  );
  let run = null;

  async function begin({ q = '', day = '' } = {}) {
    run?.controller.abort();
    const controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    run = { controller, q: q.trim(), day, cursor: null, done: false, loading: false, count: 0 };
    results.replaceChildren();
    status.textContent = '불러오는 중…';
    await more(run, true);
    const mine = run;
    mine.observer = whenVisible(status, () => more(mine), controller.signal);
  }

  async function more(mine, first = false) {
    if (!mine || mine.done || mine.loading || mine.controller.signal.aborted) return;
    mine.loading = true;
    if (!first) status.textContent = '불러오는 중…';
    try {
      const page = await api.get('/courses', { semester, q: mine.q, day: mine.day, limit: PAGE, cursor: mine.cursor });
      if (mine.controller.signal.aborted) return;
      results.append(...page.items.map((course) => item(course)));
      mine.count += page.items.length;
      mine.cursor = page.next_cursor;
      mine.done = !page.next_cursor;
      if (!mine.done) {
        status.textContent = '';
        // Still in view after this page: observing again asks once more.
        mine.observer?.unobserve(status);
        mine.observer?.observe(status);
      }
      else status.textContent = mine.count ? '' : (mine.q || mine.day ? '검색 결과가 없습니다.' : `${semesterLabel(semester)} 수업이 아직 없습니다.`);
    } catch (error) {
      if (mine.controller.signal.aborted) return;
      status.textContent = '';
      if (first) throw error;
      status.replaceChildren(
        messageFor(error),
        ' ',
        h('button', { type: 'button', class: 'small ghost', onclick: () => more(mine) }, '다시 시도'),
      );
    } finally {
      mine.loading = false;
    }
  }

  function item(course) {
    const message = h('p', { class: 'course-error', role: 'alert' });
    const button = h('button', { type: 'button', class: 'small primary add-course' }, '추가');
    const row = h(
      'li',
      { class: 'course-item', dataset: { id: course.id } },
      h(
        'div',
        { class: 'course-info' },
        h('strong', { class: 'course-name' }, course.name),
        h('span', { class: 'muted' }, `${course.professor} · ${course.credits}학점 · ${course.code}`),
        h('span', { class: 'course-times' }, sessionsText(course.sessions) || '시간 미정'),
        message,
      ),
      h(
        'div',
        { class: 'course-buttons' },
        h('a', { href: reviewsHref(course), class: 'button small reviews-link' }, '강의평가'),
        button,
      ),
    );
    button.addEventListener('click', async () => {
      message.textContent = '';
      button.disabled = true;
      try {
        const updated = await api.post(`/timetables/${current().id}/courses`, { course_id: course.id });
        changed(updated);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        message.textContent = error.code === 'time_conflict' ? clashMessage(error) : messageFor(error);
        if (error.code === 'time_conflict') highlight(error.problem.conflicts);
        if (error.code === 'already_added') {
          // Added elsewhere (another tab, the app): show the timetable as it is now.
          const fresh = await attempt(() => api.get(`/timetables/${current().id}`));
          if (fresh) changed(fresh);
        }
        mark(row);
        message.scrollIntoView({ block: 'nearest' });
      }
    });
    mark(row);
    return row;
  }

  /** 추가 or 추가됨, by whether the course is in the timetable now. */
  function mark(row) {
    const added = current().courses.some((course) => String(course.id) === row.dataset.id);
    const button = row.querySelector('.add-course');
    button.disabled = added;
    button.textContent = added ? '추가됨' : '추가';
    row.classList.toggle('added', added);
  }

  onSubmit(form, (values) => begin(values));

  return {
    element: h(
      'section',
      { class: 'course-search-section', 'aria-label': '수업 추가' },
      h('h2', { class: 'section-title' }, '수업 추가'),
      form,
      results,
      status,
    ),
    start: () => begin().catch((error) => {
      status.textContent = error instanceof ApiError ? messageFor(error) : '수업을 불러오지 못했습니다.';
    }),
    update: () => {
      for (const row of results.querySelectorAll('.course-item')) mark(row);
    },
  };
}

/** Someone else's timetable opened by its address (전체 공개 or a friend's): read only. */
function someoneElses(timetable) {
  return screen(
    { title: `${timetable.owner?.nickname ?? ''}님의 시간표`, back: true, className: 'timetable-screen' },
    h(
      'div',
      { class: 'timetable-head' },
      h(
        'div',
        { class: 'timetable-title' },
        h('h2', { class: 'timetable-name' }, timetable.name),
        h('p', { class: 'muted' }, `${semesterLabel(timetable.semester)} · `, h('span', { class: 'total-credits' }, `총 ${timetable.total_credits}학점`)),
      ),
      h(
        'div',
        { class: 'timetable-actions' },
        h('button', { type: 'button', class: 'small primary copy-timetable', onclick: (event) => copyTimetable(timetable, event.currentTarget) }, '내 시간표로 복사'),
      ),
    ),
    timetableGrid(timetable),
  );
}
