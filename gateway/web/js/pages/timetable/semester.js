// Semesters as the app names them ("2026년 2학기"), which one is under way,
// and the picker in the top bar of the timetable screens.

import { h } from '../../dom.js';

const TERMS = ['1', 'S', '2', 'W'];
const TERM_NAMES = { 1: '1학기', S: '여름학기', 2: '2학기', W: '겨울학기' };
const PATTERN = /^(\d{4})-([12SW])$/;

/** Whether `value` is a semester the API accepts ("2026-2"). */
export function isSemester(value) {
  return PATTERN.test(value ?? '');
}

/**
 * The semester under way, as the service counts it (Korean time): January
 * to June is the first semester, July to December the second.
 */
export function currentSemester(now = new Date()) {
  const korea = new Date(now.getTime() + 9 * 60 * 60 * 1000);
  const term = korea.getUTCMonth() < 6 ? '1' : '2';
  return `${korea.getUTCFullYear()}-${term}`;
}

/** "2026년 2학기". */
export function semesterLabel(semester) {
  const found = PATTERN.exec(semester ?? '');
  if (!found) return semester ?? '';
  return `${found[1]}년 ${TERM_NAMES[found[2]]}`;
}

function order(semester) {
  const [, year, term] = PATTERN.exec(semester);
  return Number(year) * 4 + TERMS.indexOf(term);
}

function fromOrder(index) {
  return `${Math.floor(index / 4)}-${TERMS[index % 4]}`;
}

/**
 * The semesters to offer, newest first: the one after next down to two
 * years back, with `selected` in it even when it is further away.
 */
export function semesterChoices(selected, now = new Date()) {
  const current = order(currentSemester(now));
  const list = [];
  for (let index = current + 2; index >= current - 8; index -= 1) list.push(fromOrder(index));
  if (isSemester(selected) && !list.includes(selected)) {
    list.push(selected);
    list.sort((a, b) => order(b) - order(a));
  }
  return list;
}

/** The `?semester=` of `query` when valid, else the current semester. */
export function semesterOf(query) {
  const asked = query?.get?.('semester');
  return isSemester(asked) ? asked : currentSemester();
}

/** A `<select name="semester">` that calls `onChange(semester)`. */
export function semesterPicker(selected, onChange) {
  return h(
    'select',
    {
      name: 'semester',
      class: 'semester-picker',
      'aria-label': '학기',
      onchange: (event) => onChange(event.target.value),
    },
    semesterChoices(selected).map((semester) =>
      h('option', { value: semester, selected: semester === selected }, semesterLabel(semester)),
    ),
  );
}

/**
 * The semesters a student may have taken a course in, newest first: the
 * one under way and the `count - 1` before it (summer and winter too).
 */
export function pastSemesters(count = 12, now = new Date()) {
  const current = order(currentSemester(now));
  return Array.from({ length: count }, (_, index) => fromOrder(current - index));
}

/** Whether `semester` is already under way or over. */
export function isPastOrCurrent(semester, now = new Date()) {
  return isSemester(semester) && order(semester) <= order(currentSemester(now));
}
