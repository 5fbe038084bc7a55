// 직접 추가: blocks of the student's own in a timetable (a study group, a
// part-time job), with a name, a place, a memo and one or more weekly
// times. Added through a form in a dialog (each refusal under the field or
// time it names, a clash naming what is in the way), shown on the grid in
// grey-blue, opened by a tap (name, place, memo, 삭제), and listed under
// the courses.

import { ApiError, api } from '../../api.js';
import { ask, h, sheet, toast } from '../../dom.js';
import { attempt, field, onSubmit, showProblem } from '../../forms.js';
import { clashMessage } from './clash.js';
import { DAYS, DAY_NAMES, sessionsText } from './grid.js';

/** At most this many times per entry (as the API). */
const MAX_SESSIONS = 10;
const FIELD_WORDS = {
  name: '일정 이름은 1~40자로 입력해 주세요.',
  place: '장소는 40자까지 입력할 수 있습니다.',
  memo: '메모는 200자까지 입력할 수 있습니다.',
  sessions: `시간은 1~${MAX_SESSIONS}개까지 넣을 수 있습니다.`,
};
const SESSION_WORDS = {
  day: '요일을 골라 주세요.',
  start: '시작 시간을 입력해 주세요.',
  end: '끝나는 시간은 시작 시간보다 늦어야 합니다.',
  '': '이 일정의 다른 시간과 겹칩니다.',
};

/** `sessions[2].end` and the like, for every row the form can have. */
function sessionWords() {
  const words = {};
  for (let index = 0; index < MAX_SESSIONS; index += 1) {
    for (const [part, message] of Object.entries(SESSION_WORDS)) {
      words[part ? `sessions[${index}].${part}` : `sessions[${index}]`] = message;
    }
  }
  return words;
}

/** "10:00" plus `minutes`, kept within the day. */
function later(time, minutes) {
  const [hours, mins] = String(time || '09:00').split(':').map(Number);
  const total = Math.min(hours * 60 + mins + minutes, 23 * 60 + 55);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * Opens the 직접 추가 form. `actions`: `current()` (the timetable),
 * `changed(timetable)`, `highlight(conflicts)`, `signal`.
 */
export function addEntry({ current, changed, highlight, signal }) {
  const rows = h('div', { class: 'session-rows' });
  const more = h('button', { type: 'button', class: 'small ghost add-session', onclick: () => addRow() }, '+ 시간 추가');
  const sessions = h(
    'fieldset',
    { class: 'field entry-sessions', name: 'sessions' },
    h('legend', {}, '시간'),
    // The fieldset's own error (too many, none) comes first: forms.js shows
    // an error in the first `.field-error` of the field.
    h('small', { class: 'field-error', role: 'alert' }),
    rows,
    more,
  );
  let made = 0;

  /** Names every row's controls by its place: `sessions[0].day`, … */
  function renumber() {
    const all = [...rows.children];
    all.forEach((row, index) => {
      row.name = `sessions[${index}]`;
      row.querySelector('legend').textContent = `시간 ${index + 1}`;
      for (const control of row.querySelectorAll('[data-part]')) control.name = `sessions[${index}].${control.dataset.part}`;
      // The only time cannot go (a class, not `disabled`: a submit re-enables buttons).
      row.classList.toggle('only', all.length === 1);
    });
    more.hidden = all.length >= MAX_SESSIONS;
  }

  /** A time row: 요일, 시작, 끝 and ×; a new one follows the last one (next day, same hours). */
  function addRow() {
    const last = rows.lastElementChild;
    const lastDay = last?.querySelector('[data-part=day]').value;
    const day = last ? DAYS[(DAYS.indexOf(lastDay) + 1) % DAYS.length] : 'MON';
    const start = last?.querySelector('[data-part=start]').value || '09:00';
    const end = last?.querySelector('[data-part=end]').value || later(start, 60);
    made += 1;
    const id = `entry-session-${made}`;
    const row = h(
      'fieldset',
      { class: 'field session-row' },
      h('legend', { class: 'visually-hidden' }),
      h(
        'div',
        { class: 'session-controls' },
        h(
          'select',
          { id: `${id}-day`, class: 'session-day', dataset: { part: 'day' }, 'aria-label': '요일' },
          DAYS.map((value) => h('option', { value, selected: value === day }, `${DAY_NAMES[value]}요일`)),
        ),
        h('input', { id: `${id}-start`, class: 'session-start', type: 'time', step: 300, value: start, dataset: { part: 'start' }, 'aria-label': '시작 시간' }),
        h('span', { class: 'session-dash', 'aria-hidden': 'true' }, '–'),
        h('input', { id: `${id}-end`, class: 'session-end', type: 'time', step: 300, value: end, dataset: { part: 'end' }, 'aria-label': '끝나는 시간' }),
        h(
          'button',
          {
            type: 'button',
            class: 'small ghost remove-session',
            'aria-label': '이 시간 삭제',
            onclick: () => {
              if (rows.children.length === 1) return;
              row.remove();
              renumber();
            },
          },
          '×',
        ),
      ),
      h('small', { class: 'field-error', role: 'alert' }),
    );
    rows.append(row);
    renumber();
  }

  const form = h(
    'form',
    { class: 'entry-form', novalidate: true },
    h('h2', { class: 'sheet-title' }, '직접 추가'),
    field({ label: '이름', name: 'name', id: 'entry-name', maxlength: 40, required: true, autocomplete: 'off', placeholder: '예: 알고리즘 스터디, 아르바이트' }),
    field({ label: '장소 (선택)', name: 'place', id: 'entry-place', maxlength: 40, autocomplete: 'off', placeholder: '예: 중앙도서관' }),
    field({ label: '메모 (선택)', name: 'memo', id: 'entry-memo', tag: 'textarea', maxlength: 200, rows: 2 }),
    sessions,
    h('p', { class: 'form-error', role: 'alert' }),
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { type: 'button', class: 'ghost', onclick: () => close() }, '취소'),
      h('button', { type: 'submit', class: 'primary' }, '추가'),
    ),
  );
  addRow();
  const { close } = sheet({ class: 'entry-sheet', label: '직접 추가', signal }, form);
  const words = { ...FIELD_WORDS, ...sessionWords() };

  onSubmit(form, async () => {
    const body = {
      name: form.querySelector('[name=name]').value,
      place: form.querySelector('[name=place]').value,
      memo: form.querySelector('[name=memo]').value,
      sessions: [...rows.children].map((row) => ({
        day: row.querySelector('[data-part=day]').value,
        start: row.querySelector('[data-part=start]').value,
        end: row.querySelector('[data-part=end]').value,
      })),
    };
    try {
      const updated = await api.post(`/timetables/${current().id}/custom-entries`, body);
      close();
      changed(updated);
      toast(`‘${body.name.trim()}’ 일정을 추가했습니다.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const clash = error.code === 'time_conflict';
      showProblem(form, error, clash ? { ...words, time_conflict: clashMessage(error) } : words);
      if (clash) highlight(error.problem.conflicts);
    }
  });
  form.querySelector('[name=name]').focus();
}

/** Where and when an entry is: "월·수 18:00–20:00" and its place. */
function entryWhen(entry) {
  return sessionsText((entry.sessions ?? []).map(({ day, start, end }) => ({ day, start, end })));
}

async function removeEntry(entry, { current, changed }) {
  const timetable = current();
  const done = await attempt(async () => {
    await api.del(`/timetables/${timetable.id}/custom-entries/${entry.id}`);
    return api.get(`/timetables/${timetable.id}`);
  });
  if (!done) {
    // Gone already (another tab, the app): show the timetable as it is now.
    const fresh = await attempt(() => api.get(`/timetables/${timetable.id}`));
    if (fresh) changed(fresh);
    return false;
  }
  changed(done);
  toast(`‘${entry.name}’ 일정을 삭제했습니다.`);
  return true;
}

/** A tapped entry: its name, times, place and memo, with 삭제 and 닫기. */
export function entryDetails(entry, actions) {
  const remove = h('button', { type: 'button', class: 'danger remove-entry' }, '삭제');
  const body = h(
    'div',
    { class: 'entry-details' },
    h('p', { class: 'sheet-kicker' }, '직접 추가한 일정'),
    h('h2', { class: 'sheet-title entry-name' }, entry.name),
    h(
      'dl',
      { class: 'entry-facts' },
      h('div', {}, h('dt', {}, '시간'), h('dd', { class: 'entry-when' }, entryWhen(entry))),
      entry.place ? h('div', {}, h('dt', {}, '장소'), h('dd', { class: 'entry-place' }, entry.place)) : null,
      entry.memo ? h('div', {}, h('dt', {}, '메모'), h('dd', { class: 'entry-memo' }, entry.memo)) : null,
    ),
    h('div', { class: 'form-buttons' }, h('button', { type: 'button', class: 'ghost', onclick: () => close() }, '닫기'), remove),
  );
  const { close } = sheet({ class: 'entry-sheet', label: entry.name, signal: actions.signal }, body);
  remove.addEventListener('click', async () => {
    remove.disabled = true;
    await removeEntry(entry, actions);
    close();
  });
}

/** Under the courses: 직접 추가한 일정, each with 삭제 (asked first). */
export function entryList(timetable, actions) {
  const entries = timetable.custom_entries ?? [];
  if (!entries.length) return [];
  return [
    h('h2', { class: 'section-title' }, '직접 추가한 일정'),
    h(
      'ul',
      { class: 'list timetable-entries', 'aria-label': '직접 추가한 일정' },
      entries.map((entry) =>
        h(
          'li',
          { class: 'course-entry custom-entry', dataset: { id: entry.id } },
          h('span', { class: 'entry-swatch', 'aria-hidden': 'true' }),
          h(
            'div',
            { class: 'course-info' },
            h('strong', { class: 'course-name' }, entry.name),
            entry.place ? h('span', { class: 'muted' }, entry.place) : null,
            h('span', { class: 'course-times' }, entryWhen(entry)),
            entry.memo ? h('span', { class: 'entry-memo muted' }, entry.memo) : null,
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'small danger',
              onclick: async () => {
                const yes = await ask(`‘${entry.name}’ 일정을 시간표에서 삭제할까요?`, { yes: '삭제', danger: true });
                if (yes) await removeEntry(entry, actions);
              },
            },
            '삭제',
          ),
        ),
      ),
    ),
  ];
}
