// 친구: add a friend by username, the requests in and out (수락, 거절,
// 취소), the friend list; and a friend's timetable, drawn with the same
// grid as mine (read only), with 내 시간표로 복사.

import { ApiError, api } from '../api.js';
import { ask, h, toast, when } from '../dom.js';
import { attempt, clearProblem, field } from '../forms.js';
import { messageFor } from '../messages.js';
import { navigate, redraw } from '../router.js';
import { empty, screen } from '../shell.js';
import { copyTimetable } from './timetable.js';
import { timetableGrid } from './timetable/grid.js';
import { semesterLabel, semesterOf, semesterPicker } from './timetable/semester.js';

const REQUEST_WORDS = {
  cannot_befriend_self: '자기 자신에게는 친구 요청을 보낼 수 없습니다.',
  already_friends: '이미 친구입니다.',
  already_requested: '이미 친구 요청을 보냈습니다.',
  invalid_input: '친구의 아이디를 입력해 주세요.',
};
const UNKNOWN_USER = '존재하지 않는 아이디입니다. 같은 학교 학생만 친구로 추가할 수 있습니다.';

/** /friends */
export async function friendsScreen() {
  const [requests, friends] = await Promise.all([api.get('/friends/requests'), api.get('/friends')]);
  return screen(
    { title: '친구', className: 'friends-screen', actions: [h('a', { href: '/free-time', class: 'button small free-time-link' }, '공강 찾기')] },
    h(
      'div',
      { class: 'friends-layout' },
      h('section', { class: 'card friend-add', 'aria-label': '친구 추가' }, h('h2', { class: 'section-title' }, '친구 추가'), requestForm()),
      requestList('받은 요청', 'incoming', requests.incoming),
      requestList('보낸 요청', 'outgoing', requests.outgoing),
      friendList(friends.items),
    ),
  );
}

/** 친구 요청: by username; every refusal under the field. */
function requestForm() {
  const form = h(
    'form',
    { class: 'friend-request-form' },
    field({
      label: '친구 아이디',
      name: 'username',
      placeholder: '친구의 아이디를 입력하세요',
      autocomplete: 'off',
      autocapitalize: 'none',
      spellcheck: 'false',
      required: true,
      maxlength: 20,
    }),
    h('button', { type: 'submit', class: 'primary' }, '친구 요청'),
  );
  const input = form.querySelector('input');
  const slot = form.querySelector('.field-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = 'true';
    const button = form.querySelector('button');
    button.disabled = true;
    clearProblem(form);
    try {
      const sent = await api.post('/friends/requests', { username: input.value.trim() });
      if (sent.accepted) {
        const friend = sent.from?.nickname ?? input.value.trim();
        toast(`${friend}님과 친구가 되었습니다.`);
      } else {
        toast(`${sent.to?.nickname ?? input.value.trim()}님에게 친구 요청을 보냈습니다.`);
      }
      redraw();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      input.setAttribute('aria-invalid', 'true');
      slot.textContent = error.status === 404 ? UNKNOWN_USER : messageFor(error, REQUEST_WORDS);
      input.focus();
    } finally {
      delete form.dataset.busy;
      button.disabled = false;
    }
  });
  return form;
}

function requestList(title, kind, requests) {
  const incoming = kind === 'incoming';
  return h(
    'section',
    { class: ['friend-requests', kind], 'aria-label': title },
    h('h2', { class: 'section-title' }, title, requests.length ? h('span', { class: 'count' }, String(requests.length)) : null),
    requests.length
      ? h(
          'ul',
          { class: ['list', 'request-list', kind] },
          requests.map((request) => {
            const other = incoming ? request.from : request.to;
            return h(
              'li',
              { class: 'request-item', dataset: { id: request.id } },
              h(
                'div',
                { class: 'person' },
                h('strong', { class: 'nickname' }, other?.nickname ?? '(알 수 없음)'),
                h('span', { class: 'muted' }, incoming ? `${when(request.created_at)} 요청` : `${when(request.created_at)} 보냄`),
              ),
              h(
                'div',
                { class: 'buttons' },
                incoming
                  ? [
                      h('button', { type: 'button', class: 'small primary', onclick: (event) => accept(request, event.currentTarget) }, '수락'),
                      h('button', { type: 'button', class: 'small', onclick: (event) => drop(request, '거절', event.currentTarget) }, '거절'),
                    ]
                  : h('button', { type: 'button', class: 'small', onclick: (event) => drop(request, '취소', event.currentTarget) }, '취소'),
              ),
            );
          }),
        )
      : empty(incoming ? '받은 친구 요청이 없습니다.' : '보낸 친구 요청이 없습니다.'),
  );
}

async function accept(request, button) {
  button.disabled = true;
  const done = await attempt(() => api.post(`/friends/requests/${request.id}/accept`));
  button.disabled = false;
  if (!done) return redraw();
  toast(`${done.friend?.nickname ?? request.from?.nickname}님과 친구가 되었습니다.`);
  return redraw();
}

async function drop(request, verb, button) {
  button.disabled = true;
  const done = await attempt(async () => {
    await api.del(`/friends/requests/${request.id}`);
    return true;
  });
  button.disabled = false;
  if (done) toast(verb === '거절' ? '친구 요청을 거절했습니다.' : '친구 요청을 취소했습니다.');
  return redraw();
}

function friendList(friends) {
  return h(
    'section',
    { class: 'friends', 'aria-label': '내 친구' },
    h('h2', { class: 'section-title' }, '내 친구', h('span', { class: 'count' }, String(friends.length))),
    friends.length
      ? h(
          'ul',
          { class: 'list friend-list' },
          friends.map((friend) =>
            h(
              'li',
              { class: 'friend-item', dataset: { id: friend.id } },
              h(
                'a',
                { href: `/friends/${friend.id}`, class: 'person friend-link' },
                h('strong', { class: 'nickname' }, friend.nickname),
                h('span', { class: 'muted' }, '시간표 보기 ›'),
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'small danger',
                  onclick: async () => {
                    const yes = await ask(`${friend.nickname}님을 친구 목록에서 삭제할까요?\n서로의 친구 목록에서 사라집니다.`, { yes: '삭제', danger: true });
                    if (!yes) return;
                    const done = await attempt(async () => {
                      await api.del(`/friends/${friend.id}`);
                      return true;
                    });
                    if (done) toast(`${friend.nickname}님을 친구에서 삭제했습니다.`);
                    redraw();
                  },
                },
                '삭제',
              ),
            ),
          ),
        )
      : empty('아직 친구가 없습니다. 아이디로 친구를 추가해 보세요.'),
  );
}

/** /friends/:userId: the friend's 기본 시간표 of a semester, read only. */
export async function friendTimetableScreen({ params, query }) {
  const semester = semesterOf(query);
  const id = params.userId;
  const [friends, timetable] = await Promise.all([
    api.get('/friends'),
    api.get(`/friends/${encodeURIComponent(id)}/timetable`, { semester }).catch((error) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }),
  ]);
  const friend = friends.items.find((item) => String(item.id) === String(id));
  const nickname = timetable?.owner?.nickname ?? friend?.nickname;
  const pick = semesterPicker(semester, (value) => navigate(`/friends/${encodeURIComponent(id)}?semester=${encodeURIComponent(value)}`));
  return screen(
    { title: nickname ? `${nickname}님의 시간표` : '친구 시간표', back: '/friends', actions: [pick], className: 'timetable-screen friend-timetable' },
    timetable
      ? [
          h(
            'div',
            { class: 'timetable-head' },
            h(
              'div',
              { class: 'timetable-title' },
              h('h2', { class: 'timetable-name' }, timetable.name),
              h(
                'p',
                { class: 'muted' },
                `${semesterLabel(timetable.semester)} · `,
                h('span', { class: 'total-credits' }, `총 ${timetable.total_credits}학점`),
                ` · ${timetable.courses.length}과목`,
              ),
            ),
            h(
              'div',
              { class: 'timetable-actions' },
              h(
                'button',
                { type: 'button', class: 'small primary copy-timetable', onclick: (event) => copyTimetable(timetable, event.currentTarget) },
                '내 시간표로 복사',
              ),
            ),
          ),
          timetableGrid(timetable),
        ]
      : h(
          'div',
          { class: 'card not-visible' },
          h('p', { class: 'empty' }, friend
            ? `${friend.nickname}님이 ${semesterLabel(semester)} 시간표를 공개하지 않았거나 아직 만들지 않았습니다.`
            : '시간표를 공개하지 않았거나 친구가 아닙니다.'),
          h('a', { href: '/friends', class: 'button' }, '친구 목록으로'),
        ),
  );
}
