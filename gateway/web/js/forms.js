// Forms: fields with a place for their error, and a problem+json shown
// where it belongs (next to the field it names, else above the button).

import { ApiError } from './api.js';
import { h, toast } from './dom.js';
import { fieldMessage, messageFor } from './messages.js';

/**
 * A labelled input. `field({ label: '아이디', name: 'username' })`; extra
 * props go on the `<input>` (or `<textarea>`/`<select>` with `tag`). `id`
 * (default `field-<name>`) keeps two forms with the same field names apart.
 */
export function field({ label, name, id = `field-${name}`, tag = 'input', hint, options, ...props }) {
  const control = tag === 'select'
    ? h('select', { id, name, ...props }, options ?? [])
    : h(tag, { id, name, ...(tag === 'input' && !props.type ? { type: 'text' } : {}), ...props });
  return h(
    'div',
    { class: 'field', dataset: { field: name } },
    label ? h('label', { for: id }, label) : null,
    control,
    hint ? h('small', { class: 'hint' }, hint) : null,
    h('small', { class: 'field-error', id: `${id}-error`, role: 'alert' }),
  );
}

/** Removes every error shown in `form`. */
export function clearProblem(form) {
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  for (const slot of form.querySelectorAll('.field-error, .form-error')) slot.textContent = '';
}

/**
 * Shows `error` in `form`: each field error under its field (by `name`),
 * the rest in the form's `.form-error` (made if missing).
 */
export function showProblem(form, error, overrides = {}) {
  clearProblem(form);
  let shown = false;
  for (const fieldError of error.errors ?? []) {
    const control = form.querySelector(`[name="${CSS.escape(fieldError.field)}"]`);
    const slot = control?.closest('.field')?.querySelector('.field-error');
    if (!control || !slot) continue;
    control.setAttribute('aria-invalid', 'true');
    if (!slot.textContent) slot.textContent = fieldMessage(error, fieldError, overrides);
    if (!shown) control.focus();
    shown = true;
  }
  if (!shown) formError(form).textContent = messageFor(error, overrides);
}

function formError(form) {
  let slot = form.querySelector('.form-error');
  if (!slot) {
    slot = h('p', { class: 'form-error', role: 'alert' });
    const submit = form.querySelector('[type="submit"]');
    if (submit) submit.before(slot);
    else form.append(slot);
  }
  return slot;
}

/** The form's values by `name` (checkboxes as booleans). */
export function values(form) {
  const result = {};
  for (const control of form.elements) {
    if (!control.name) continue;
    result[control.name] = control.type === 'checkbox' ? control.checked : control.value;
  }
  return result;
}

/**
 * Runs `action(values)` on submit with the button disabled meanwhile; an
 * ApiError is shown in the form, anything else as a toast.
 */
export function onSubmit(form, action, overrides = {}) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = 'true';
    const buttons = [...form.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    clearProblem(form);
    try {
      await action(values(form), event);
    } catch (error) {
      if (error instanceof ApiError) showProblem(form, error, overrides);
      else toast(String(error?.message ?? error), { kind: 'error' });
    } finally {
      delete form.dataset.busy;
      for (const button of buttons) button.disabled = false;
    }
  });
  return form;
}

/** Runs `action` for a button; an ApiError becomes a toast in Korean. */
export async function attempt(action, overrides = {}) {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ApiError) toast(messageFor(error, overrides), { kind: 'error' });
    else throw error;
    return undefined;
  }
}
