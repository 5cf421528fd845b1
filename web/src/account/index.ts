/**
 * The pages that mailed links open: `/account/verify-email#token=…` confirms an
 * address, `/account/reset-password#token=…` sets a new password, and
 * `/account/reset-password` without a token asks for a link. The token travels in the
 * fragment (never sent to a server, never in a log or a Referer) and is taken out of the
 * address at once. Plain DOM, no UI library: a form or two.
 */
import { accountI18n } from '../i18n/account';

const { lang, t } = accountI18n(new URLSearchParams(location.search).get('lang') ?? navigator.language);
document.documentElement.lang = lang;
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
if (location.hash) history.replaceState(null, '', location.pathname + location.search);
const main = document.getElementById('account') as HTMLElement;

/** POSTs JSON to the API (same origin); answers the problem's words on refusal. */
async function call(path: string, body: unknown): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    const res = await fetch(`/api/v1${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.ok) return { ok: true };
    const problem = await res.json().catch(() => ({}));
    if (problem.code === 'invalid_link') return { ok: false, message: t('badLink') };
    if (problem.code === 'mail_not_configured') return { ok: false, message: t('noMail') };
    const fields = Object.values(problem.errors ?? {}).join(' ');
    return { ok: false, message: t('failed', { detail: [problem.detail, fields].filter(Boolean).join(' ') || String(res.status) }) };
  } catch (err) {
    return { ok: false, message: t('failed', { detail: String(err) }) };
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** The page's heading, and a live region for what happened. */
function page(title: string) {
  document.title = title;
  const status = el('p', { className: 'status' });
  status.setAttribute('role', 'status');
  main.replaceChildren(el('h1', {}, title), status);
  return status;
}

function field(id: string, label: string, type: string, autocomplete: string) {
  const input = document.createElement('input');
  Object.assign(input, { id, type, required: true });
  input.setAttribute('autocomplete', autocomplete);
  return { input, nodes: [el('label', { htmlFor: id }, label), input] };
}

// A click confirms, not the page load: mail scanners that open links (and run their
// scripts) must not confirm an address for someone who never saw the mail.
function verify() {
  const status = page(t('verifyTitle'));
  const button = el('button', { type: 'button' }, t('confirm'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = t('verifying');
    const done = await call('/auth/verify-email', { token });
    status.textContent = done.ok ? t('verified') : done.message;
    status.className = done.ok ? 'status ok' : 'status error';
    if (done.ok) button.remove();
    else button.disabled = false;
  });
  main.append(button);
  button.focus();
}

function reset() {
  const status = page(t('resetTitle'));
  const first = field('new-password', t('newPassword'), 'password', 'new-password');
  const second = field('repeat-password', t('repeatPassword'), 'password', 'new-password');
  first.input.minLength = 8;
  const button = el('button', { type: 'submit' }, t('setPassword'));
  const form = el('form', {}, ...first.nodes, ...second.nodes, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (first.input.value !== second.input.value) {
      status.textContent = t('mismatch');
      status.className = 'status error';
      second.input.focus();
      return;
    }
    button.disabled = true;
    const done = await call('/auth/password-reset/confirm', { token, new_password: first.input.value });
    status.textContent = done.ok ? t('passwordSet') : done.message;
    status.className = done.ok ? 'status ok' : 'status error';
    if (done.ok) form.remove();
    else button.disabled = false;
  });
  main.append(form);
  first.input.focus();
}

function request() {
  const status = page(t('requestTitle'));
  const email = field('email', t('email'), 'email', 'email');
  const button = el('button', { type: 'submit' }, t('sendLink'));
  const form = el('form', {}, el('p', {}, t('requestHint')), ...email.nodes, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    const done = await call('/auth/password-reset', { email: email.input.value });
    status.textContent = done.ok ? t('linkSent', { email: email.input.value }) : done.message;
    status.className = done.ok ? 'status ok' : 'status error';
    button.disabled = false;
  });
  main.append(form);
  email.input.focus();
}

if (location.pathname.endsWith('/verify-email')) verify();
else if (token) reset();
else request();
