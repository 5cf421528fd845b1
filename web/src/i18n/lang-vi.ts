/** The vi texts of the thread as a file of their own (`/embed/lang-vi-<hash>.js`),
 * loaded only by pages that show a thread in vi. */
import { register } from '.';
import { vi } from './vi';

register('vi', vi);
