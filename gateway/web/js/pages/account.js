// 로그인, 회원가입 and 내 정보: signing in and up, and the account itself
// (profile with the 30-day nickname rule, password, signed-in devices, a
// write restriction after 신고, 내 강의평가 and, for admins, 신고 관리,
// sign-out and 회원 탈퇴).

import { api, ApiError } from '../api.js';
import { ask, dateTime, h, sheet, toast, when } from '../dom.js';
import { clearProblem, field, onSubmit, values } from '../forms.js';
import { messageFor } from '../messages.js';
import { navigate, redraw } from '../router.js';
import { forget, session, signIn, signOut } from '../session.js';
import { bare, screen, unreadBadge } from '../shell.js';

// ---------------------------------------------------------------------------
// Shared pieces

/**
 * Where to go after signing in: `?next=` when it is a path of this site
 * (`/x`, never `//x` or `/\x`, which browsers read as another host).
 */
function target(query) {
  const next = query.get('next') ?? '';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return '/';
  }
  if (url.origin !== location.origin) return '/';
  if (url.pathname === '/login' || url.pathname === '/signup') return '/';
  return url.pathname + url.search + url.hash;
}

/**
 * Checks made here before anything is sent: `checks` are `[name, ok(values),
 * message]`; each failing one is shown under its field like the server's
 * refusals, and the form is not submitted. Call before `onSubmit`.
 */
function validate(form, checks) {
  form.addEventListener('submit', (event) => {
    if (form.dataset.busy) return;
    clearProblem(form);
    const entered = values(form);
    let first = null;
    for (const [name, ok, message] of checks) {
      if (ok(entered)) continue;
      const control = form.querySelector(`[name="${name}"]`);
      const slot = control?.closest('.field')?.querySelector('.field-error');
      if (!control || !slot || slot.textContent) continue;
      control.setAttribute('aria-invalid', 'true');
      slot.textContent = message;
      first ??= control;
    }
    if (!first) return;
    first.focus();
    event.preventDefault();
    event.stopImmediatePropagation();
  });
}

const filled = (name) => (entered) => String(entered[name] ?? '').trim() !== '';

/** The same error, placed under `field` (for answers that name no field). */
function under(field, error) {
  if (!(error instanceof ApiError) || error.errors.length) return error;
  return new ApiError(error.status, { ...error.problem, errors: [{ field, message: error.detail }] });
}

/** The logo, the screen's <h1> and a line under it. */
function brand(title, line) {
  return h(
    'header',
    { class: 'account-brand' },
    h('img', { src: '/favicon.svg', alt: '', class: 'account-logo', width: 52, height: 52 }),
    h('h1', {}, title),
    h('p', { class: 'account-tagline' }, line),
  );
}

// ---------------------------------------------------------------------------
// 로그인

/** 로그인 (/login): username and password; `?next=` is where to go after. */
export async function signInScreen({ query }) {
  const form = h(
    'form',
    { class: 'account-form sign-in', novalidate: true },
    field({
      label: '아이디',
      name: 'username',
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: 'false',
      maxlength: 20,
      required: true,
    }),
    field({ label: '비밀번호', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('button', { type: 'submit', class: 'primary wide' }, '로그인'),
  );
  validate(form, [
    ['username', filled('username'), '아이디를 입력해 주세요.'],
    ['password', (entered) => entered.password !== '', '비밀번호를 입력해 주세요.'],
  ]);
  onSubmit(form, async ({ username, password }) => {
    try {
      await signIn(username.trim(), password);
    } catch (error) {
      // A wrong password (401) or too many tries (429) names no field: say
      // it under the password, where the user looks.
      throw under('password', error);
    }
    await navigate(target(query), { replace: true });
  });
  const signUp = query.get('next') ? `/signup?next=${encodeURIComponent(query.get('next'))}` : '/signup';
  return bare(
    h(
      'section',
      { class: 'account-card' },
      brand('에브리타임', '지금 내 학교에서는 무슨 일이?'),
      form,
      h('p', { class: 'account-switch' }, '계정이 없으신가요? ', h('a', { href: signUp }, '회원가입')),
    ),
  );
}

// ---------------------------------------------------------------------------
// 회원가입

async function schoolOptions() {
  try {
    const { items } = await api.get('/schools');
    return {
      options: [
        h('option', { value: '', disabled: true, selected: true }, '학교를 선택하세요'),
        ...items.map((school) => h('option', { value: String(school.id) }, school.name)),
      ],
      failed: null,
    };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { options: [h('option', { value: '' }, '학교 목록을 불러오지 못했습니다')], failed: error };
  }
}

/** 회원가입 (/signup): school, account, and how others see the user. */
export async function signUpScreen({ query }) {
  const { options, failed } = await schoolOptions();
  const form = h(
    'form',
    { class: 'account-form sign-up', novalidate: true },
    h(
      'div',
      { class: 'school-pick' },
      field({ label: '학교', name: 'school_id', tag: 'select', options, required: true, disabled: Boolean(failed) }),
      failed
        ? h(
          'p',
          { class: 'account-retry', role: 'alert' },
          h('span', {}, messageFor(failed)),
          h('button', { type: 'button', class: 'small', onclick: () => redraw() }, '다시 불러오기'),
        )
        : null,
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, '계정'),
      field({
        label: '아이디',
        name: 'username',
        autocomplete: 'username',
        autocapitalize: 'none',
        spellcheck: 'false',
        maxlength: 20,
        hint: '4~20자의 영문 소문자, 숫자, _',
        required: true,
      }),
      field({
        label: '비밀번호',
        name: 'password',
        type: 'password',
        autocomplete: 'new-password',
        maxlength: 128,
        hint: '8자 이상',
        required: true,
      }),
      field({ label: '비밀번호 확인', name: 'password_confirm', type: 'password', autocomplete: 'new-password', maxlength: 128, required: true }),
      field({ label: '이메일', name: 'email', type: 'email', autocomplete: 'email', autocapitalize: 'none', required: true }),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, '프로필'),
      field({ label: '닉네임', name: 'nickname', autocomplete: 'nickname', maxlength: 10, hint: '2~10자, 커뮤니티에서 보이는 이름', required: true }),
      field({ label: '이름', name: 'name', autocomplete: 'name', maxlength: 20, required: true }),
    ),
    h('button', { type: 'submit', class: 'primary wide' }, '회원가입'),
  );
  validate(form, [
    ['school_id', filled('school_id'), '학교를 선택해 주세요.'],
    ['username', filled('username'), '아이디를 입력해 주세요.'],
    ['password', (entered) => entered.password !== '', '비밀번호를 입력해 주세요.'],
    ['password_confirm', (entered) => entered.password === entered.password_confirm, '비밀번호가 일치하지 않습니다.'],
    ['email', filled('email'), '이메일을 입력해 주세요.'],
    ['nickname', filled('nickname'), '닉네임을 입력해 주세요.'],
    ['name', filled('name'), '이름을 입력해 주세요.'],
  ]);
  onSubmit(form, async (entered) => {
    await api.post('/auth/sign-up', {
      school_id: Number(entered.school_id),
      username: entered.username.trim(),
      password: entered.password,
      email: entered.email.trim(),
      nickname: entered.nickname.trim(),
      name: entered.name.trim(),
    });
    try {
      await signIn(entered.username.trim(), entered.password);
    } catch {
      // The account exists; signing in is the only step left.
      toast('가입했습니다. 로그인해 주세요.');
      await navigate('/login', { replace: true });
      return;
    }
    toast('에브리타임에 오신 것을 환영합니다!');
    await navigate(target(query), { replace: true });
  });
  return bare(
    h(
      'section',
      { class: 'account-card wide' },
      brand('회원가입', '학교를 고르고 계정을 만드세요.'),
      form,
      h('p', { class: 'account-switch' }, '이미 계정이 있으신가요? ', h('a', { href: '/login' }, '로그인')),
    ),
  );
}

// ---------------------------------------------------------------------------
// 내 정보

/** "Chrome · Windows" from a User-Agent header, as a person names a device. */
export function deviceName(userAgent) {
  const ua = userAgent ?? '';
  if (!ua.trim()) return '알 수 없는 기기';
  const browsers = [
    [/Everytime\//, '에브리타임 앱'],
    [/SamsungBrowser\//, '삼성 인터넷'],
    [/Whale\//, '네이버 웨일'],
    [/Edg(e|A|iOS)?\//, 'Edge'],
    [/(OPR|Opera)\//, 'Opera'],
    [/Firefox\/|FxiOS\//, 'Firefox'],
    [/CriOS\/|Chrome\/|Chromium\//, 'Chrome'],
    [/Version\/[\d.]+.*Safari\//, 'Safari'],
  ];
  const systems = [
    [/iPhone/, 'iPhone'],
    [/iPad/, 'iPad'],
    [/Android/, 'Android'],
    [/Windows/, 'Windows'],
    [/CrOS/, 'ChromeOS'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/Linux/, 'Linux'],
  ];
  const browser = browsers.find(([pattern]) => pattern.test(ua))?.[1];
  const system = systems.find(([pattern]) => pattern.test(ua))?.[1];
  const named = [browser, system].filter(Boolean).join(' · ');
  return named || (ua.length > 40 ? `${ua.slice(0, 40)}…` : ua);
}

function profileCard(user) {
  return h(
    'section',
    { class: 'card profile', 'aria-label': '프로필' },
    h('div', { class: 'profile-avatar', 'aria-hidden': 'true' }, [...(user.nickname ?? '?')][0]),
    h(
      'div',
      { class: 'profile-text' },
      h('p', { class: 'profile-nickname' }, user.nickname, user.role === 'admin' ? h('span', { class: 'account-badge' }, '관리자') : null),
      h('p', { class: 'profile-line' }, h('span', { class: 'profile-name' }, user.name), ' · ', h('span', { class: 'profile-school' }, user.school?.name ?? '')),
      h('p', { class: 'profile-line muted' }, h('span', { class: 'profile-username' }, user.username)),
    ),
  );
}

function infoList(user) {
  const row = (label, value, key) => h('div', { class: 'info-row', dataset: { info: key } }, h('dt', {}, label), h('dd', {}, value));
  return h(
    'dl',
    { class: 'info-list' },
    row('아이디', user.username, 'username'),
    row('이메일', user.email ?? '', 'email'),
    row('학교', user.school?.name ?? '', 'school'),
    row('닉네임', user.nickname, 'nickname'),
    row('이름', user.name, 'name'),
  );
}

function nicknameHint(user) {
  const changeableAt = user.nickname_changeable_at ? new Date(user.nickname_changeable_at) : null;
  if (changeableAt && changeableAt > new Date()) {
    return { locked: true, hint: `닉네임은 ${dateTime(user.nickname_changeable_at)}부터 다시 바꿀 수 있습니다.` };
  }
  // Where the server keeps the 30-day rule, the user says when it ends.
  if ('nickname_changeable_at' in user) return { locked: false, hint: '2~10자. 바꾸면 30일 동안 다시 바꿀 수 없습니다.' };
  return { locked: false, hint: '2~10자' };
}

function profileForm(user) {
  const { locked, hint } = nicknameHint(user);
  const form = h(
    'form',
    { class: 'card account-form profile-form', novalidate: true },
    field({
      label: '닉네임',
      name: 'nickname',
      value: user.nickname,
      maxlength: 10,
      required: true,
      readonly: locked,
      hint,
    }),
    field({ label: '이름', name: 'name', value: user.name, maxlength: 20, required: true }),
    h('button', { type: 'submit', class: 'primary' }, '저장'),
  );
  validate(form, [
    ['nickname', filled('nickname'), '닉네임을 입력해 주세요.'],
    ['name', filled('name'), '이름을 입력해 주세요.'],
  ]);
  onSubmit(form, async (entered) => {
    const change = {};
    if (entered.nickname.trim() !== user.nickname) change.nickname = entered.nickname.trim();
    if (entered.name.trim() !== user.name) change.name = entered.name.trim();
    if (!Object.keys(change).length) {
      toast('바뀐 내용이 없습니다.');
      return;
    }
    session.user = await api.patch('/users/me', change);
    toast('프로필을 저장했습니다.');
    await redraw();
  });
  return form;
}

function passwordForm(reloadDevices) {
  const form = h(
    'form',
    { class: 'card account-form password-form', novalidate: true },
    field({ label: '현재 비밀번호', name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
    field({
      label: '새 비밀번호',
      name: 'new_password',
      type: 'password',
      autocomplete: 'new-password',
      maxlength: 128,
      hint: '8자 이상. 바꾸면 다른 기기에서는 모두 로그아웃됩니다.',
      required: true,
    }),
    field({ label: '새 비밀번호 확인', name: 'new_password_confirm', type: 'password', autocomplete: 'new-password', maxlength: 128, required: true }),
    h('button', { type: 'submit', class: 'primary' }, '비밀번호 변경'),
  );
  validate(form, [
    ['current_password', (entered) => entered.current_password !== '', '현재 비밀번호를 입력해 주세요.'],
    ['new_password', (entered) => entered.new_password !== '', '새 비밀번호를 입력해 주세요.'],
    ['new_password_confirm', (entered) => entered.new_password === entered.new_password_confirm, '새 비밀번호가 일치하지 않습니다.'],
  ]);
  onSubmit(form, async (entered) => {
    try {
      await api.put('/users/me/password', {
        current_password: entered.current_password,
        new_password: entered.new_password,
      });
    } catch (error) {
      throw under('current_password', error);
    }
    form.reset();
    toast('비밀번호를 바꿨습니다. 다른 기기에서는 로그아웃되었습니다.');
    await reloadDevices();
  });
  return form;
}

function deviceItem(device, onRevoked) {
  const revoke = async (event) => {
    const button = event.currentTarget;
    const yes = await ask(`${deviceName(device.user_agent)}에서 로그아웃할까요?`, { yes: '로그아웃', danger: true });
    if (!yes) return;
    button.disabled = true;
    try {
      await api.del(`/auth/sessions/${device.id}`);
    } catch (error) {
      button.disabled = false;
      // Already gone (404): the list was stale; drawing it again shows that.
      if (error instanceof ApiError && error.status === 404) {
        onRevoked();
        return;
      }
      if (error instanceof ApiError) toast(messageFor(error), { kind: 'error' });
      else throw error;
      return;
    }
    toast('그 기기에서 로그아웃했습니다.');
    onRevoked();
  };
  return h(
    'li',
    { class: ['device-item', device.current && 'current'], dataset: { id: String(device.id) } },
    h(
      'div',
      { class: 'device-text' },
      h(
        'p',
        { class: 'device-name', title: device.user_agent || null },
        deviceName(device.user_agent),
        device.current ? h('span', { class: 'account-badge current-badge' }, '현재 기기') : null,
      ),
      h(
        'p',
        { class: 'muted device-times' },
        h('span', {}, `로그인 ${dateTime(device.created_at)}`),
        h('span', {}, `최근 사용 ${when(device.last_used_at)}`),
      ),
    ),
    device.current ? null : h('button', { type: 'button', class: 'small danger', onclick: revoke }, '로그아웃'),
  );
}

function devicesSection(devices) {
  const list = h('ul', { class: 'list devices' });
  const fill = (items) => {
    list.replaceChildren(...items.map((device) => deviceItem(device, reload)));
    if (!items.length) list.append(h('li', { class: 'empty' }, '로그인한 기기가 없습니다.'));
  };
  const reload = async () => {
    try {
      fill((await api.get('/auth/sessions')).items);
    } catch (error) {
      if (error instanceof ApiError) toast(messageFor(error), { kind: 'error' });
      else throw error;
    }
  };
  fill(devices);
  return { list, reload };
}

/** While 신고 keeps the user from writing: until when, and what. */
function restrictionCard(user) {
  const until = user.restricted_until;
  if (!until || new Date(until) <= new Date()) return null;
  return h(
    'section',
    { class: 'card restriction', role: 'status', 'aria-label': '이용 제한' },
    h('p', { class: 'restriction-title' }, '글쓰기 제한 중'),
    h(
      'p',
      { class: 'restriction-text' },
      '신고로 블라인드된 글이나 댓글이 30일 동안 3개가 되어, ',
      h('strong', { class: 'restricted-until' }, dateTime(until)),
      '까지 글, 댓글, 쪽지를 쓸 수 없습니다. 읽기, 공감, 신고는 할 수 있습니다.',
    ),
  );
}

/**
 * Links to the user's other pages: 쪽지함 and 알림 (with their unread
 * counts), 내 강의평가, 내가 쓴 글, and 신고 관리 for admins.
 */
function linksSection(user) {
  const link = (href, label, note, key, badge = null) =>
    h(
      'li',
      {},
      h('a', { href, class: 'me-link', dataset: { link: key } }, h('span', { class: 'me-link-label' }, label), badge, h('span', { class: 'muted' }, note), h('span', { class: 'me-link-arrow', 'aria-hidden': 'true' }, '›')),
    );
  return h(
    'section',
    { class: 'me-section', 'aria-labelledby': 'me-links' },
    h('h2', { class: 'section-title', id: 'me-links' }, '내 활동'),
    h(
      'ul',
      { class: 'list card flush me-links' },
      link('/messages', '쪽지함', '주고받은 쪽지', 'messages', unreadBadge('messages')),
      link('/notifications', '알림', '댓글, 쪽지, HOT 알림', 'notifications', unreadBadge('notifications')),
      link('/me/reviews', '내 강의평가', '내가 쓴 강의평가', 'reviews'),
      link('/my/posts', '내가 쓴 글', '게시판에 쓴 글', 'posts'),
      user.role === 'admin' ? link('/admin/reports', '신고 관리', '신고된 글과 댓글, 복구', 'reports') : null,
    ),
  );
}

/**
 * 회원 탈퇴: what happens, said first; the password; a box to tick; then a
 * last question. Done, every session is over: off to 로그인.
 */
function openLeaveForm(signal) {
  const form = h(
    'form',
    { class: 'account-form leave-form', novalidate: true },
    h('p', { class: 'sheet-kicker' }, '회원 탈퇴'),
    h('h2', { class: 'sheet-title' }, '탈퇴하기 전에 확인해 주세요'),
    h(
      'ul',
      { class: 'leave-warnings' },
      h('li', {}, '쓴 글과 댓글은 지워지지 않고 남으며, 글쓴이는 ', h('strong', {}, '(알 수 없음)'), '으로 보입니다. 지우고 싶은 글은 탈퇴 전에 직접 삭제해 주세요. (익명 글은 익명으로 남습니다.)'),
      h('li', {}, '시간표, 친구, 학점계산기 성적, 스크랩, 쪽지, 알림은 모두 삭제되며 되돌릴 수 없습니다. 강의평가는 익명으로 남습니다.'),
      h('li', {}, '아이디, 이메일, 이름과 비밀번호는 지워지고, 닉네임은 다른 사람이 쓸 수 있게 됩니다.'),
      h('li', {}, '같은 이메일로는 ', h('strong', {}, '24시간 동안 다시 가입할 수 없습니다.')),
      h('li', {}, '모든 기기에서 바로 로그아웃됩니다.'),
    ),
    field({
      label: '비밀번호',
      name: 'password',
      id: 'leave-password',
      type: 'password',
      autocomplete: 'current-password',
      hint: '본인 확인을 위해 지금 비밀번호를 입력해 주세요.',
      required: true,
    }),
    h(
      'div',
      { class: 'field', dataset: { field: 'agree' } },
      h('label', { class: 'check leave-agree' }, h('input', { type: 'checkbox', name: 'agree' }), '위 내용을 확인했으며 탈퇴에 동의합니다.'),
      h('small', { class: 'field-error', role: 'alert' }),
    ),
    h('p', { class: 'form-error', role: 'alert' }),
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { type: 'button', class: 'ghost', onclick: () => close() }, '취소'),
      h('button', { type: 'submit', class: 'danger' }, '탈퇴하기'),
    ),
  );
  const { close } = sheet({ class: 'leave-sheet', label: '회원 탈퇴', signal }, form);
  validate(form, [
    ['password', (entered) => entered.password !== '', '비밀번호를 입력해 주세요.'],
    ['agree', (entered) => entered.agree === true, '탈퇴 안내를 확인하고 동의해 주세요.'],
  ]);
  onSubmit(form, async ({ password }) => {
    const yes = await ask('정말 탈퇴할까요?\n탈퇴하면 되돌릴 수 없습니다.', { yes: '탈퇴', danger: true });
    if (!yes) return;
    try {
      await api.del('/users/me', { password });
    } catch (error) {
      throw under('password', error);
    }
    close();
    forget();
    toast('탈퇴했습니다. 그동안 에브리타임을 이용해 주셔서 감사합니다.');
    await navigate('/login', { replace: true });
  });
  form.querySelector('input[name=password]').focus();
}

async function leave() {
  const yes = await ask('로그아웃할까요?', { yes: '로그아웃' });
  if (!yes) return;
  try {
    await signOut();
  } catch (error) {
    // The local session is forgotten either way; the server ends it when
    // the refresh token expires.
    if (error instanceof ApiError && error.status !== 401) toast(messageFor(error), { kind: 'error' });
  }
  await navigate('/login', { replace: true });
}

/** 내 정보 (/me): who the user is, what they can change, where they are signed in. */
export async function meScreen({ signal }) {
  const [user, devices] = await Promise.all([api.get('/users/me'), api.get('/auth/sessions')]);
  session.user = user;
  const { list, reload } = devicesSection(devices.items);
  return screen(
    { title: '내 정보', className: 'me' },
    profileCard(user),
    restrictionCard(user),
    h('div', { class: 'me-grid' },
      h(
        'section',
        { class: 'me-section', 'aria-labelledby': 'me-info' },
        h('h2', { class: 'section-title', id: 'me-info' }, '계정 정보'),
        h('div', { class: 'card' }, infoList(user)),
      ),
      linksSection(user),
      h(
        'section',
        { class: 'me-section', 'aria-labelledby': 'me-profile' },
        h('h2', { class: 'section-title', id: 'me-profile' }, '프로필 수정'),
        profileForm(user),
      ),
      h(
        'section',
        { class: 'me-section', 'aria-labelledby': 'me-password' },
        h('h2', { class: 'section-title', id: 'me-password' }, '비밀번호 변경'),
        passwordForm(reload),
      ),
      h(
        'section',
        { class: 'me-section', 'aria-labelledby': 'me-devices' },
        h('h2', { class: 'section-title', id: 'me-devices' }, '로그인 기기'),
        h('p', { class: 'muted section-hint' }, '모르는 기기가 있으면 로그아웃하고 비밀번호를 바꾸세요.'),
        h('div', { class: 'card flush' }, list),
      ),
      h(
        'section',
        { class: 'me-section me-leave', 'aria-label': '로그아웃' },
        h('button', { type: 'button', class: 'wide', onclick: leave }, '로그아웃'),
        h('button', { type: 'button', class: 'ghost leave-account', onclick: () => openLeaveForm(signal) }, '회원 탈퇴'),
      ),
    ),
  );
}
