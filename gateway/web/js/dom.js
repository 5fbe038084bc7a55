// Building the page: elements from plain data (text is always a text node,
// never parsed as HTML), times as the app says them, toasts and a dialog.

/**
 * `h('button', { class: 'primary', onclick: fn, disabled: true }, '저장')`.
 * Props: `class`, `dataset`, `on*` functions (listeners), booleans (present
 * or absent attributes), `value`/`checked` (set as properties), anything
 * else as an attribute. Children: nodes, strings, numbers, arrays, and
 * null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked') element[key] = value;
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function pad(n) {
  return String(n).padStart(2, '0');
}

/** "방금", "5분 전", today's "14:05", this year's "03/02 14:05", else "25/03/02". */
export function when(iso, now = new Date()) {
  const date = new Date(iso);
  const ago = now - date;
  if (ago < MINUTE) return '방금';
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)}분 전`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (date.toDateString() === now.toDateString()) return time;
  const day = `${pad(date.getMonth() + 1)}/${pad(date.getDate())}`;
  if (date.getFullYear() === now.getFullYear()) return `${day} ${time}`;
  return `${String(date.getFullYear()).slice(2)}/${day}`;
}

/** A full local date and time, e.g. for devices: "2026. 3. 2. 14:05". */
export function dateTime(iso) {
  const date = new Date(iso);
  return `${date.getFullYear()}. ${date.getMonth() + 1}. ${date.getDate()}. ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A short message at the bottom of the screen, gone after a few seconds. */
export function toast(message, { kind = 'info' } = {}) {
  const box = document.getElementById('toasts');
  const item = h('div', { class: ['toast', kind], role: kind === 'error' ? 'alert' : 'status' }, message);
  box.append(item);
  setTimeout(() => item.remove(), 3500);
}

/** A yes/no question in a modal; resolves true for yes. */
export function ask(question, { yes = '확인', no = '취소', danger = false } = {}) {
  return new Promise((resolve) => {
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const dialog = h(
      'dialog',
      { class: 'ask' },
      h('p', {}, question),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'ghost', onclick: () => close(false) }, no),
        h('button', { type: 'button', class: danger ? 'danger' : 'primary', onclick: () => close(true) }, yes),
      ),
    );
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * A modal of its own content (a form, details): `sheet({ class, label,
 * signal }, ...children)` shows it at once and returns `{ dialog, close }`.
 * Esc, 취소 buttons that call `close()`, and leaving the screen (`signal`)
 * close and remove it.
 */
export function sheet({ class: className, label, signal } = {}, ...children) {
  const dialog = h('dialog', { class: ['sheet', className], 'aria-label': label }, children);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    if (dialog.open) dialog.close();
    dialog.remove();
  };
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });
  signal?.addEventListener('abort', close, { once: true });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close };
}

/** Calls `load()` whenever `sentinel` scrolls into view, until `signal` aborts. */
export function whenVisible(sentinel, load, signal) {
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) load();
  }, { rootMargin: '200px' });
  observer.observe(sentinel);
  signal?.addEventListener('abort', () => observer.disconnect());
  return observer;
}
