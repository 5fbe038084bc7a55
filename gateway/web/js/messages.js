// What the app says when something goes wrong: a problem's `code` (and,
// for field errors, the field) in Korean, as Everytime words it. The
// server's English `detail` is never shown as such; a moment it names
// (until when, from when) is read out of it and said in Korean.

import { dateTime } from './dom.js';

const BY_CODE = {
  network: '네트워크에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.',
  invalid_credentials: '아이디나 비밀번호가 올바르지 않습니다.',
  too_many_attempts: '로그인 시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.',
  rate_limited: '요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.',
  too_fast: '너무 빠르게 작성하고 있습니다. 잠시 후 다시 시도해 주세요.',
  username_taken: '이미 사용 중인 아이디입니다.',
  email_taken: '이미 가입된 이메일입니다.',
  nickname_taken: '이미 사용 중인 닉네임입니다.',
  nickname_recently_changed: (error) => {
    const from = timeIn(error);
    return from
      ? `닉네임은 30일에 한 번만 바꿀 수 있습니다. ${dateTime(from)}부터 다시 바꿀 수 있습니다.`
      : '닉네임은 30일에 한 번만 바꿀 수 있습니다.';
  },
  recently_deleted: '탈퇴한 지 24시간이 지나지 않은 이메일입니다. 24시간 뒤에 다시 가입해 주세요.',
  unknown_school: '학교를 선택해 주세요.',
  wrong_password: (error) => (error?.errors?.some((item) => item.field === 'password')
    ? '비밀번호가 올바르지 않습니다.'
    : '현재 비밀번호가 올바르지 않습니다.'),
  session_revoked: '로그아웃되었습니다. 다시 로그인해 주세요.',
  unauthenticated: '로그인이 필요합니다.',
  csrf_rejected: '허용되지 않은 요청입니다. 페이지를 새로고침해 주세요.',
  forbidden: '권한이 없습니다.',
  admin_only: '관리자만 할 수 있습니다.',
  not_found: '삭제되었거나 존재하지 않는 페이지입니다.',
  post_not_found: '삭제된 글입니다.',
  not_author: '자신이 쓴 글만 수정하거나 삭제할 수 있습니다.',
  already_liked: '이미 공감한 글입니다.',
  own_post: '자신의 글에는 공감할 수 없습니다.',
  already_reported: '이미 신고한 글입니다.',
  report_not_found: '이미 처리된 신고입니다.',
  write_restricted: (error) => {
    const until = timeIn(error);
    return until
      ? `신고가 누적되어 ${dateTime(until)}까지 글, 댓글, 쪽지를 쓸 수 없습니다.`
      : '신고가 누적되어 당분간 글, 댓글, 쪽지를 쓸 수 없습니다.';
  },
  comment_not_found: '삭제된 댓글입니다.',
  blocked: '차단된 쪽지입니다. 더 이상 쪽지를 주고받을 수 없습니다.',
  message_to_self: '자신에게는 쪽지를 보낼 수 없습니다.',
  conversation_not_found: '삭제되었거나 없는 쪽지입니다.',
  user_not_found: '탈퇴한 사용자입니다.',
  already_reviewed: '이미 이 강의를 평가했습니다. 강의평가는 한 강의에 한 번만 쓸 수 있습니다.',
  review_not_found: '삭제된 강의평가입니다.',
  course_not_found: '찾을 수 없는 수업입니다.',
  board_name_taken: '이미 있는 게시판 이름입니다.',
  too_many_boards: '더 이상 게시판을 만들 수 없습니다.',
  too_many_comments: '더 이상 댓글을 달 수 없습니다.',
  reply_to_reply: '대댓글에는 답글을 달 수 없습니다.',
  time_conflict: '같은 시간에 이미 수업이나 일정이 있습니다.',
  already_added: '이미 시간표에 추가된 수업입니다.',
  add_contended: '잠시 후 다시 시도해 주세요.',
  course_semester_mismatch: '다른 학기의 수업은 추가할 수 없습니다.',
  course_school_mismatch: '다른 학교의 수업은 추가할 수 없습니다.',
  too_many_timetables: '더 이상 시간표를 만들 수 없습니다. 한 학기에 20개까지 만들 수 있습니다.',
  too_many_custom_entries: '직접 추가한 일정은 한 시간표에 30개까지 넣을 수 있습니다.',
  custom_entry_not_found: '이미 삭제된 일정입니다.',
  timetable_not_found: '삭제되었거나 볼 수 없는 시간표입니다.',
  friend_timetable_not_found: '시간표를 볼 수 없는 친구가 있습니다.',
  primary_required: '기본 시간표는 하나 있어야 합니다.',
  not_owner: '자신의 시간표만 바꿀 수 있습니다.',
  already_friends: '이미 친구입니다.',
  already_requested: '이미 친구 요청을 보냈습니다.',
  cannot_befriend_self: '자기 자신에게는 친구 요청을 보낼 수 없습니다.',
  friend_limit: '더 이상 친구를 추가할 수 없습니다.',
  friend_request_not_found: '이미 처리된 친구 요청입니다.',
  not_recipient: '받은 친구 요청만 수락할 수 있습니다.',
  payload_too_large: '내용이 너무 깁니다.',
  service_unavailable: '서비스에 일시적인 문제가 있습니다. 잠시 후 다시 시도해 주세요.',
  backend_timeout: '응답이 늦어지고 있습니다. 잠시 후 다시 시도해 주세요.',
  request_timeout: '응답이 늦어지고 있습니다. 잠시 후 다시 시도해 주세요.',
  internal: '문제가 생겼습니다. 잠시 후 다시 시도해 주세요.',
};

/** What a field must look like, shown when the server refuses its value. */
const FIELD_RULES = {
  username: '아이디는 4~20자의 영문 소문자, 숫자, _로 입력해 주세요.',
  password: '비밀번호는 8~128자로 입력해 주세요.',
  new_password: '새 비밀번호는 8~128자로 입력해 주세요.',
  current_password: '현재 비밀번호를 입력해 주세요.',
  email: '올바른 이메일 주소를 입력해 주세요.',
  nickname: '닉네임은 2~10자로 입력해 주세요. 운영자나 익명처럼 보이는 닉네임은 쓸 수 없습니다.',
  name: '이름은 1~20자로 입력해 주세요.',
  school_id: '학교를 선택해 주세요.',
  title: '제목은 1~100자로 입력해 주세요.',
  content: '내용을 입력해 주세요.',
  description: '설명이 너무 깁니다.',
  q: '검색어는 2~50자로 입력해 주세요.',
};

/** Field errors of a 409 that name what is taken. */
const TAKEN = {
  username: BY_CODE.username_taken,
  email: BY_CODE.email_taken,
  nickname: BY_CODE.nickname_taken,
};

/**
 * The first RFC 3339 moment in a problem's `detail` or field messages
 * ("… until 2026-03-09T05:00:00Z"), or null.
 */
export function timeIn(error) {
  const texts = [error?.detail, ...(error?.errors ?? []).map((item) => item?.message)];
  for (const text of texts) {
    const found = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/.exec(String(text ?? ''));
    if (found && !Number.isNaN(Date.parse(found[0]))) return found[0];
  }
  return null;
}

/** The sentence for a whole error. */
export function messageFor(error, overrides = {}) {
  const code = error?.code;
  const said = overrides[code] ?? BY_CODE[code];
  if (typeof said === 'function') return said(error);
  return said ?? fallback(error?.status);
}

/** The sentence for one of `error.errors`. */
export function fieldMessage(error, fieldError, overrides = {}) {
  const field = fieldError.field;
  if (overrides[field]) return overrides[field];
  // A 409 names what is taken, unless its code says something else
  // (nickname_recently_changed, recently_deleted, already_reviewed).
  const own = overrides[error.code] ?? BY_CODE[error.code];
  if (error.status === 409) return own && !String(error.code).endsWith('_taken') ? messageFor(error, overrides) : TAKEN[field] ?? messageFor(error, overrides);
  if (error.code && BY_CODE[error.code] && error.code !== 'invalid_input') return messageFor(error, overrides);
  return FIELD_RULES[field] ?? '올바르지 않은 값입니다.';
}

function fallback(status) {
  if (status === 401) return BY_CODE.unauthenticated;
  if (status === 403) return BY_CODE.forbidden;
  if (status === 404) return BY_CODE.not_found;
  if (status === 413) return BY_CODE.payload_too_large;
  if (status === 429) return BY_CODE.rate_limited;
  if (status >= 500) return BY_CODE.service_unavailable;
  return '요청을 처리하지 못했습니다.';
}
