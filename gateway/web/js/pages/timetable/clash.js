// A clash (409 time_conflict) as the app says it: what is in the way, by
// name, courses and 직접 추가 entries told apart.

import { messageFor } from '../../messages.js';

/** A conflict is a course (it has a `code`) or a custom entry (직접 추가). */
export function isCourse(conflict) {
  return typeof conflict?.code === 'string';
}

/**
 * "‘자료구조’, ‘운영체제’ 수업과 시간이 겹칩니다."; with 직접 추가 entries in
 * the way: "‘자료구조’ 수업, ‘알고리즘 스터디’ 일정과 시간이 겹칩니다."
 */
export function clashMessage(error) {
  const conflicts = error.problem?.conflicts ?? [];
  const quoted = (items) => items.map((item) => `‘${item.name}’`).join(', ');
  const courses = conflicts.filter(isCourse);
  const entries = conflicts.filter((item) => !isCourse(item));
  const parts = [courses.length && `${quoted(courses)} 수업`, entries.length && `${quoted(entries)} 일정`].filter(Boolean);
  if (!parts.length) return messageFor(error);
  return `${parts.join(', ')}과 시간이 겹칩니다.`;
}
