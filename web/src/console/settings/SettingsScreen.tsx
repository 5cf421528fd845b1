/**
 * Site settings (admins): word lists, thresholds, modes, the edit window, registration.
 * The API is the judge of every value: what it refuses is shown beside the field, in
 * its words.
 */
import { useEffect, useState } from 'preact/hooks';

import { ApiError } from '../../api/client';
import type { ConsoleI18n } from '../../i18n/console';
import { api, type Settings } from '../api';
import { failure } from '../failure';
import { SettingsField } from './SettingsField';

type Numbers = 'new_user_threshold' | 'auto_hide_flags' | 'flag_min_account_age_hours' | 'flag_min_approved'
  | 'edit_window_seconds' | 'max_comment_length';
const NUMBERS: Numbers[] = ['new_user_threshold', 'auto_hide_flags', 'flag_min_account_age_hours', 'flag_min_approved',
  'edit_window_seconds', 'max_comment_length'];

/** The form's settings; fields that are not whole numbers are named in `wrong`. */
function read(form: FormData, wrong: Record<string, string>, notANumber: string): Settings {
  const number = (name: Numbers) => {
    const raw = String(form.get(name) ?? '').trim();
    if (!/^-?\d+$/.test(raw)) wrong[name] = notANumber;
    return Number(raw);
  };
  const words = (name: string) => String(form.get(name) ?? '').split('\n').map((w) => w.trim()).filter(Boolean);
  const numbers = Object.fromEntries(NUMBERS.map((n) => [n, number(n)])) as Record<Numbers, number>;
  return {
    ...numbers,
    moderation_mode: form.get('moderation_mode') === 'pre' ? 'pre' : 'post',
    premod_links: form.get('premod_links') === 'on',
    banned_words: words('banned_words'),
    suspect_words: words('suspect_words'),
    registration_open: form.get('registration_open') === 'on',
  };
}

export function SettingsScreen({ i18n }: { i18n: ConsoleI18n }) {
  const { t } = i18n;
  const [settings, setSettings] = useState<Settings | null>(null);
  const [saved, setSaved] = useState(0);
  const [wrong, setWrong] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  useEffect(() => void api.settings().then(setSettings).catch((err) => setError(failure(i18n, err))), []);
  const refused = (fields: Record<string, string>) => {
    setWrong(fields);
    setStatus('');
    requestAnimationFrame(() => document.querySelector<HTMLElement>('.settings [aria-invalid=true]')?.focus());
  };
  const save = (e: Event) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    const next = read(new FormData(e.currentTarget as HTMLFormElement), local, t('wholeNumber'));
    setError('');
    if (Object.keys(local).length > 0) return refused(local);
    api.saveSettings(next)
      .then((answer) => { setSettings(answer); setSaved(saved + 1); setWrong({}); setStatus(t('settingsSaved')); })
      .catch((err) => {
        const fields = err instanceof ApiError ? err.problem?.errors ?? [] : [];
        if (fields.length > 0) refused(Object.fromEntries(fields.map((f) => [f.field, f.message])));
        else setError(failure(i18n, err));
      });
  };
  if (!settings) {
    return <main class="settings"><h2 tabIndex={-1}>{t('screen.settings')}</h2>{error ? <p role="alert">{error}</p> : <p>{t('loading')}</p>}</main>;
  }
  const field = (name: keyof Settings, label: string, hint?: string) => (
    <SettingsField name={name} label={label} hint={hint} value={settings[name]} error={wrong[name]} />
  );
  return (
    <main class="settings">
      <h2 tabIndex={-1}>{t('screen.settings')}</h2>
      <form onSubmit={save} noValidate key={saved}>
        <fieldset>
          <legend>{t('settingsModeration')}</legend>
          <div class="field">
            <label>{t('set.moderation_mode')}
              <select name="moderation_mode" defaultValue={settings.moderation_mode}>
                <option value="post">{t('mode.post')}</option>
                <option value="pre">{t('mode.pre')}</option>
              </select>
            </label>
          </div>
          {field('premod_links', t('set.premod_links'))}
          {field('new_user_threshold', t('set.new_user_threshold'), t('hint.new_user_threshold'))}
          {field('auto_hide_flags', t('set.auto_hide_flags'), t('hint.auto_hide_flags'))}
          {field('flag_min_account_age_hours', t('set.flag_min_account_age_hours'))}
          {field('flag_min_approved', t('set.flag_min_approved'))}
        </fieldset>
        <fieldset>
          <legend>{t('settingsWords')}</legend>
          {field('banned_words', t('set.banned_words'), t('hint.words'))}
          {field('suspect_words', t('set.suspect_words'), t('hint.words'))}
        </fieldset>
        <fieldset>
          <legend>{t('settingsComments')}</legend>
          {field('edit_window_seconds', t('set.edit_window_seconds'))}
          {field('max_comment_length', t('set.max_comment_length'))}
          {field('registration_open', t('set.registration_open'))}
        </fieldset>
        {error && <p role="alert">{error}</p>}
        {Object.keys(wrong).length > 0 && <p role="alert">{t('settingsRefused')}</p>}
        <button type="submit">{t('saveSettings')}</button> <span role="status">{status}</span>
      </form>
    </main>
  );
}
