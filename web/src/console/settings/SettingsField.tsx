/** One setting: a checkbox, a number or a word list (one per line), and what the API said of it. */
interface Props {
  name: string;
  label: string;
  hint?: string;
  value: boolean | number | string | string[];
  error?: string;
}

export function SettingsField({ name, label, hint, value, error }: Props) {
  const errorId = `${name}-error`;
  const hintId = `${name}-hint`;
  const described = [hint && hintId, error && errorId].filter(Boolean).join(' ') || undefined;
  const common = { id: name, name, 'aria-invalid': error ? ('true' as const) : undefined, 'aria-describedby': described };
  let input;
  if (typeof value === 'boolean') input = <input type="checkbox" {...common} defaultChecked={value} />;
  else if (Array.isArray(value)) input = <textarea {...common} rows={4} defaultValue={value.join('\n')} />;
  else input = <input {...common} inputMode="numeric" defaultValue={String(value)} />;
  return (
    <div class={`field${typeof value === 'boolean' ? ' check' : ''}`}>
      <label for={name}>{label}</label>
      {input}
      {hint && <p class="hint" id={hintId}>{hint}</p>}
      {error && <p class="field-error" id={errorId}>{error}</p>}
    </div>
  );
}
