// The weekly grid, drawn in the page: a column per day (월–금, 토·일 only
// when something falls on them), a row per hour from the earliest class to
// the latest, and each course a coloured block placed by its times (직접
// 추가 entries in one neutral grey-blue). Used by my timetable (blocks can
// be tapped) and a friend's (read only).

import { h } from '../../dom.js';

export const DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
export const DAY_NAMES = { MON: '월', TUE: '화', WED: '수', THU: '목', FRI: '금', SAT: '토', SUN: '일' };
const COLOURS = 10;
/** The hours shown when the timetable is empty. */
const EMPTY_HOURS = [9, 18];

function minutes(time) {
  const [hours, mins] = String(time).split(':').map(Number);
  return hours * 60 + mins;
}

/** Every block of a timetable: its courses and its own entries (직접 추가). */
export function blocksOf(timetable) {
  const courses = (timetable?.courses ?? []).map((course, index) => ({
    kind: 'course',
    id: course.id,
    name: course.name,
    detail: course.professor,
    colour: index % COLOURS,
    course,
    sessions: course.sessions ?? [],
  }));
  // Entries are all one neutral grey-blue: they are not courses.
  const entries = (timetable?.custom_entries ?? []).map((entry) => ({
    kind: 'entry',
    id: entry.id,
    name: entry.name,
    detail: entry.memo ?? '',
    colour: null,
    entry,
    sessions: (entry.sessions ?? []).map((session) => ({ ...session, room: session.room ?? entry.place ?? '' })),
  }));
  return [...courses, ...entries];
}

/** "월·수 09:00–10:15 301동 101호", one group per distinct time and room. */
export function sessionsText(sessions) {
  const groups = [];
  for (const session of [...(sessions ?? [])].sort((a, b) => DAYS.indexOf(a.day) - DAYS.indexOf(b.day))) {
    const key = `${session.start}-${session.end}-${session.room ?? ''}`;
    const group = groups.find((item) => item.key === key);
    if (group) group.days.push(session.day);
    else groups.push({ key, days: [session.day], session });
  }
  return groups
    .map(({ days, session }) =>
      [`${days.map((day) => DAY_NAMES[day] ?? day).join('·')} ${session.start}–${session.end}`, session.room]
        .filter(Boolean)
        .join(' '),
    )
    .join(', ');
}

/**
 * The grid of `timetable`. `onBlock(block)` makes each block a button
 * (a course offers to remove it, an entry shows itself); without it the
 * grid is read only. `block.kind` is `course` or `entry`.
 */
export function timetableGrid(timetable, { onBlock } = {}) {
  const blocks = blocksOf(timetable);
  const sessions = blocks.flatMap((block) => block.sessions.map((session) => ({ block, session })));
  const days = DAYS.filter((day, index) => index < 5 || sessions.some(({ session }) => session.day === day));
  let [first, last] = EMPTY_HOURS;
  if (sessions.length) {
    first = Math.floor(Math.min(...sessions.map(({ session }) => minutes(session.start))) / 60);
    last = Math.ceil(Math.max(...sessions.map(({ session }) => minutes(session.end))) / 60);
  }
  const hours = Math.max(1, last - first);
  const span = hours * 60;

  const grid = h(
    'div',
    { class: ['timetable-grid', `days-${days.length}`], role: 'group', 'aria-label': `${timetable?.name ?? '시간표'} 시간표` },
  );
  grid.style.setProperty('--days', String(days.length));
  grid.style.setProperty('--hours', String(hours));

  grid.append(
    h('div', { class: 'grid-corner', 'aria-hidden': 'true' }),
    ...days.map((day) => h('div', { class: 'grid-day', dataset: { day } }, DAY_NAMES[day])),
    h(
      'div',
      { class: 'grid-hours', 'aria-hidden': 'true' },
      Array.from({ length: hours }, (_, index) => h('div', { class: 'grid-hour' }, String(first + index))),
    ),
  );

  for (const day of days) {
    const column = h('div', { class: 'grid-column', dataset: { day } });
    for (const { block, session } of sessions.filter((item) => item.session.day === day)) {
      const top = ((minutes(session.start) - first * 60) / span) * 100;
      const height = ((minutes(session.end) - minutes(session.start)) / span) * 100;
      const what = block.kind === 'entry' ? `${block.name} (직접 추가)` : block.name;
      const label = `${what}, ${DAY_NAMES[day]} ${session.start}–${session.end}${session.room ? `, ${session.room}` : ''}`;
      const element = h(
        onBlock ? 'button' : 'div',
        {
          type: onBlock ? 'button' : undefined,
          class: ['grid-block', block.colour !== null && `colour-${block.colour}`, `kind-${block.kind}`],
          dataset: { id: block.id, kind: block.kind },
          title: label,
          'aria-label': label,
          onclick: onBlock ? () => onBlock(block) : undefined,
        },
        h('strong', { class: 'block-name' }, block.name),
        session.room ? h('span', { class: 'block-room' }, session.room) : null,
      );
      element.style.top = `${top}%`;
      element.style.height = `${height}%`;
      column.append(element);
    }
    grid.append(column);
  }
  return h('div', { class: 'timetable-frame' }, grid);
}
