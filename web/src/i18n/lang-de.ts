/** The de texts of the thread as a file of their own (`/embed/lang-de-<hash>.js`),
 * loaded only by pages that show a thread in de. */
import { register } from '.';
import { de } from './de';

register('de', de);
