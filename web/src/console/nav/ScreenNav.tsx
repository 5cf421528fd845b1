/** The console's screens as links (the current one marked for screen readers too). */
import type { ConsoleI18n } from '../../i18n/console';
import { ADMIN_SCREENS, href, type Screen, SCREENS } from '../route';

interface Props { i18n: ConsoleI18n; current: Screen; admin: boolean }

export function ScreenNav({ i18n, current, admin }: Props) {
  const shown = SCREENS.filter((s) => admin || !ADMIN_SCREENS.includes(s));
  return (
    <nav aria-label={i18n.t('screens')} class="screens">
      <ul>
        {shown.map((screen) => (
          <li key={screen}>
            <a href={href(screen)} aria-current={screen === current ? 'page' : undefined}>{i18n.t(`screen.${screen}`)}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
