// A confirmation in a modal <dialog>: the focus goes to Cancel (the safe answer), Escape
// cancels, and the focus returns to what opened it. Resolves true only on Confirm.
import { h } from './dom.js';
import { t } from './i18n.js';

export function confirmBox(message, detail, confirmLabel) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const dialog = h('dialog', { class: 'confirm', id: 'confirm', 'aria-labelledby': 'confirm-text' });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      if (opener && opener.focus) opener.focus();
      resolve(answer);
    };
    const cancel = h('button', { type: 'button', class: 'secondary', id: 'confirm-no', onclick: () => finish(false) }, t('cancel'));
    dialog.append(
      h('p', { id: 'confirm-text' }, message),
      detail ? h('p', { class: 'alert' }, detail) : '',
      h('p', { class: 'buttons' },
        h('button', { type: 'button', id: 'confirm-yes', onclick: () => finish(true) }, confirmLabel || t('confirm')),
        ' ', cancel));
    dialog.addEventListener('cancel', (ev) => { ev.preventDefault(); finish(false); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
