// 공강 찾기: pick friends (checkboxes) and a semester, and see the weekday
// intervals where everybody is free, as a week grid and as a list. Only
// times are shown: the API never says what fills the rest.

import { ApiError, api } from '../api.js';
import { h } from '../dom.js';
import { messageFor } from '../messages.js';
import { navigate } from '../router.js';
import { empty, screen } from '../shell.js';
import { semesterOf, semesterPicker } from './timetable/semester.js';

const DAYS = [['MON', '월'], ['TUE', '화'], ['WED', '수'], ['THU', '목'], ['FRI', '금']];
const FROM = 9 * 60;
const TO = 22 * 60;
const MAX_FRIENDS = 10;
const WORDS = {
  friend_timetable_not_found: '시간표를 볼 수 없는 친구가 있습니다. 시간표를 비공개로 둔 친구는 고를 수 없습니다.',
  invalid_input: `친구를 1~${MAX_FRIENDS}명 골라 주세요.`,
};

const minutes = (time) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** /free-time?semester&user_ids */
export async function freeTimeScreen({ query }) {
  const semester = semesterOf(query);
  const chosen = new Set((query?.get?.('user_ids') ?? '').split(',').filter(Boolean));
  const friends = (await api.get('/friends')).items;
  let result = null;
  let problem = null;
  if (chosen.size) {
    try {
      result = await api.get('/free-time', { semester, user_ids: [...chosen].join(',') });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      problem = messageFor(error, WORDS);
    }
  }
  const go = (nextSemester, ids) => {
    const params = new URLSearchParams({ semester: nextSemester });
    if (ids.length) params.set('user_ids', ids.join(','));
    navigate(`/free-time?${params}`);
  };
  const form = h(
    'form',
    { class: 'card free-time-form' },
    h('div', { class: 'free-time-semester' }, semesterPicker(semester, (value) => go(value, [...chosen]))),
    friends.length
      ? h(
          'fieldset',
          { class: 'free-time-friends' },
          h('legend', {}, '함께 볼 친구 (최대 10명)'),
          friends.map((friend) =>
            h(
              'label',
              { class: 'free-time-friend' },
              h('input', { type: 'checkbox', name: 'user_ids', value: String(friend.id), checked: chosen.has(String(friend.id)) }),
              h('span', {}, friend.nickname),
            ),
          ),
        )
      : empty('친구가 없습니다. 친구를 추가하면 공강을 함께 찾을 수 있습니다.'),
    h('p', { class: 'form-error', role: 'alert' }, problem ?? ''),
    h('button', { type: 'submit', class: 'primary', disabled: !friends.length }, '공강 찾기'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const ids = [...form.querySelectorAll('input[name="user_ids"]:checked')].map((box) => box.value);
    const slot = form.querySelector('.form-error');
    if (!ids.length || ids.length > MAX_FRIENDS) {
      slot.textContent = ids.length ? `친구는 ${MAX_FRIENDS}명까지 고를 수 있습니다.` : '함께 볼 친구를 골라 주세요.';
      return;
    }
    slot.textContent = '';
    go(form.querySelector('select[name=semester]').value, ids);
  });
  return screen(
    { title: '공강 찾기', back: '/friends', className: 'free-time-screen' },
    form,
    result ? weekGrid(result.days) : null,
    result ? list(result.days) : null,
  );
}

function weekGrid(days) {
  const span = TO - FROM;
  const hours = Array.from({ length: (TO - FROM) / 60 }, (_, index) => FROM / 60 + index);
  return h(
    'section',
    { class: 'card free-week', 'aria-label': '공강 시간표' },
    h('div', { class: 'free-week-head' }, h('span', { 'aria-hidden': 'true' }), DAYS.map(([, label]) => h('span', {}, label))),
    h(
      'div',
      { class: 'free-week-body' },
      h(
        'div',
        { class: 'free-week-hours', 'aria-hidden': 'true' },
        hours.map((hour) => {
          const mark = h('span', {}, String(hour));
          mark.style.setProperty('--top', `${((hour * 60 - FROM) / span) * 100}%`);
          return mark;
        }),
      ),
      DAYS.map(([code]) =>
        h(
          'div',
          { class: 'free-week-day', dataset: { day: code } },
          (days[code] ?? []).map((interval) => {
            const top = ((Math.max(minutes(interval.start), FROM) - FROM) / span) * 100;
            const height = ((Math.min(minutes(interval.end), TO) - Math.max(minutes(interval.start), FROM)) / span) * 100;
            const block = h('div', { class: 'free-block' }, h('span', {}, interval.start), h('span', {}, interval.end));
            block.style.setProperty('--top', `${top}%`);
            block.style.setProperty('--height', `${height}%`);
            return block;
          }),
        ),
      ),
    ),
  );
}

function list(days) {
  const any = DAYS.some(([code]) => (days[code] ?? []).length);
  return h(
    'section',
    { class: 'card free-list', 'aria-label': '공강 목록' },
    h('h2', { class: 'section-title' }, '모두 비는 시간'),
    any
      ? h(
          'ul',
          { class: 'list' },
          DAYS.flatMap(([code, label]) =>
            (days[code] ?? []).map((interval) => h('li', { class: 'free-item', dataset: { day: code } }, h('strong', {}, `${label}요일`), ` ${interval.start} – ${interval.end}`)),
          ),
        )
      : empty('모두 비는 시간이 없습니다.'),
  );
}
