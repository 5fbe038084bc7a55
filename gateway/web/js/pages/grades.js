// 학점계산기: each semester as a section of course rows (과목명, 학점,
// 성적, 전공), saved whole; the running 평점 / 전공 평점 / 취득 학점 as
// the server counts them (exactly), the 목표 학점, and 시간표에서 가져오기.

import { ApiError, api } from '../api.js';
import { h, toast } from '../dom.js';
import { field, showProblem } from '../forms.js';
import { messageFor } from '../messages.js';
import { redraw } from '../router.js';
import { empty, screen } from '../shell.js';
import { currentSemester, semesterLabel, semesterPicker } from './timetable/semester.js';

const GRADES = ['A+', 'A0', 'B+', 'B0', 'C+', 'C0', 'D+', 'D0', 'F', 'P', 'NP'];
const WORDS = {
  timetable_not_found: '이 학기의 기본 시간표가 없습니다.',
  too_many_semesters: '학기를 더 추가할 수 없습니다.',
  target_credits: '목표 학점은 1~300 사이의 숫자로 입력해 주세요.',
};

const average = (value) => (value === null || value === undefined ? '-' : Number(value).toFixed(2));
const credits = (value) => String(Number(value ?? 0));

/** /grades */
export async function gradesScreen() {
  const record = await api.get('/me/grades');
  let adding = currentSemester();
  const pick = semesterPicker(adding, (value) => {
    adding = value;
  });
  const semesters = record.semesters;
  return screen(
    { title: '학점계산기', back: '/timetable', className: 'grades-screen' },
    summary(record),
    targetForm(record),
    h(
      'section',
      { class: 'card grade-add', 'aria-label': '학기 추가' },
      h('h2', { class: 'section-title' }, '학기 추가'),
      h(
        'div',
        { class: 'grade-add-row' },
        pick,
        h('button', { type: 'button', class: 'small primary', onclick: () => openSemester(adding) }, '학기 열기'),
      ),
    ),
    h('div', { class: 'grade-semesters' }, semesters.length ? semesters.map(semesterCard) : empty('아직 입력한 성적이 없습니다. 학기를 열어 과목을 추가하세요.')),
  );
}

function summary(record) {
  const item = (label, value, name) => h('div', { class: 'grade-stat', dataset: { stat: name } }, h('span', { class: 'muted' }, label), h('strong', {}, value));
  const target = record.target_credits;
  return h(
    'section',
    { class: 'card grade-summary', 'aria-label': '전체 성적' },
    item('전체 평점', `${average(record.gpa)} / 4.5`, 'gpa'),
    item('전공 평점', `${average(record.major_gpa)} / 4.5`, 'major_gpa'),
    item('취득 학점', target ? `${credits(record.earned_credits)} / ${target}` : credits(record.earned_credits), 'earned_credits'),
  );
}

function targetForm(record) {
  const form = h(
    'form',
    { class: 'card grade-target', novalidate: true },
    field({ label: '목표 학점 (졸업 학점)', name: 'target_credits', type: 'number', min: 1, max: 300, value: record.target_credits ?? '', inputmode: 'numeric' }),
    h('button', { type: 'submit', class: 'small' }, '저장'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api.put('/me/grades/target', { target_credits: Number(form.elements.target_credits.value) });
      toast('목표 학점을 저장했습니다.');
      redraw();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showProblem(form, error, WORDS);
    }
  });
  return form;
}

/** Opens an empty card for a semester not listed yet. */
function openSemester(semester) {
  const list = document.querySelector('.grade-semesters');
  if (list.querySelector(`[data-semester="${CSS.escape(semester)}"]`)) return;
  list.querySelector('.empty')?.remove();
  list.append(semesterCard({ semester, courses: [], gpa: null, major_gpa: null, credits: 0, earned_credits: 0 }));
}

function semesterCard(semester) {
  const rows = h('tbody', {}, semester.courses.map(courseRow));
  const stats = h(
    'p',
    { class: 'grade-semester-stats' },
    `평점 ${average(semester.gpa)} · 전공 ${average(semester.major_gpa)} · 신청 ${credits(semester.credits)}학점 · 취득 ${credits(semester.earned_credits)}학점`,
  );
  const form = h(
    'form',
    { class: 'card grade-semester', novalidate: true, dataset: { semester: semester.semester } },
    h('h2', { class: 'section-title' }, semesterLabel(semester.semester)),
    stats,
    h('table', { class: 'grade-table' }, h('thead', {}, h('tr', {}, h('th', {}, '과목명'), h('th', {}, '학점'), h('th', {}, '성적'), h('th', {}, '전공'), h('th', {}, ''))), rows),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', class: 'small', onclick: () => rows.append(courseRow({ name: '', credits: 3, grade: null, major: false })) }, '+ 과목 추가'),
      h('button', { type: 'button', class: 'small', onclick: () => fill(semester.semester, form) }, '시간표에서 가져오기'),
      h('button', { type: 'submit', class: 'small primary' }, '저장'),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const courses = [...rows.querySelectorAll('tr')].map((row) => ({
      name: row.querySelector('.grade-name').value,
      credits: Number(row.querySelector('.grade-credits').value),
      grade: row.querySelector('.grade-grade').value || null,
      major: row.querySelector('.grade-major').checked,
    }));
    try {
      await api.put(`/me/grades/${encodeURIComponent(semester.semester)}`, { courses });
      toast(`${semesterLabel(semester.semester)} 성적을 저장했습니다.`);
      redraw();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showRowErrors(form, error);
    }
  });
  return form;
}

/** `courses[2].credits` under that row's control; the rest above the buttons. */
function showRowErrors(form, error) {
  for (const slot of form.querySelectorAll('.field-error, .form-error')) slot.textContent = '';
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  let shown = false;
  for (const fieldError of error.errors ?? []) {
    const match = /^courses\[(\d+)\]\.(name|credits|grade)$/.exec(fieldError.field);
    const row = match ? form.querySelectorAll('tbody tr')[Number(match[1])] : null;
    const control = row?.querySelector(`.grade-${match[2]}`);
    if (!control) continue;
    control.setAttribute('aria-invalid', 'true');
    const slot = row.querySelector('.field-error');
    const words = { name: '과목명은 1~40자로 입력해 주세요.', credits: '학점은 0.5~10 사이, 0.5 단위로 입력해 주세요.', grade: '성적을 다시 골라 주세요.' };
    slot.textContent = [slot.textContent, words[match[2]]].filter(Boolean).join(' ');
    shown = true;
  }
  if (!shown) {
    let slot = form.querySelector('.form-error');
    if (!slot) {
      slot = h('p', { class: 'form-error', role: 'alert' });
      form.querySelector('.buttons').before(slot);
    }
    const tooMany = (error.errors ?? []).some((item) => item.field === 'courses');
    slot.textContent = tooMany ? '한 학기에 30과목까지 입력할 수 있습니다.' : messageFor(error, WORDS);
  }
}

function courseRow(course) {
  const row = h(
    'tr',
    { class: 'grade-row' },
    h('td', {}, h('input', { class: 'grade-name', 'aria-label': '과목명', value: course.name, maxlength: 40, placeholder: '과목명' }), h('small', { class: 'field-error', role: 'alert' })),
    h('td', {}, h('input', { class: 'grade-credits', 'aria-label': '학점', type: 'number', step: 0.5, min: 0.5, max: 10, value: course.credits, inputmode: 'decimal' })),
    h(
      'td',
      {},
      h('select', { class: 'grade-grade', 'aria-label': '성적' }, h('option', { value: '' }, '-'), GRADES.map((grade) => h('option', { value: grade, selected: grade === course.grade }, grade))),
    ),
    h('td', {}, h('input', { class: 'grade-major', 'aria-label': '전공', type: 'checkbox', checked: course.major })),
    h('td', {}, h('button', { type: 'button', class: 'small danger', 'aria-label': '과목 삭제', onclick: () => row.remove() }, '×')),
  );
  return row;
}

async function fill(semester, form) {
  try {
    await api.post(`/me/grades/${encodeURIComponent(semester)}/from-timetable`, {});
    toast('시간표의 과목을 가져왔습니다.');
    redraw();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    showRowErrors(form, error);
  }
}
