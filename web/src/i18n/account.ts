/**
 * The texts of the account pages that mailed links open (`/account/verify-email`,
 * `/account/reset-password`), in the reader's languages; the link's `?lang=`, then the
 * browser's language picks one.
 */
const en = {
  verifyTitle: 'Confirm your email address',
  confirm: 'Confirm my address',
  verifying: 'Confirming your email address…',
  verified: 'Your email address is confirmed. You can close this page.',
  resetTitle: 'Choose a new password',
  newPassword: 'New password (at least 8 characters)',
  repeatPassword: 'The new password again',
  setPassword: 'Set password',
  mismatch: 'The two passwords differ.',
  passwordSet: 'Your password is changed, and every session with the old one has ended. Sign in again with the new password.',
  requestTitle: 'Forgotten your password?',
  requestHint: 'Give the email address of your account. If it has a confirmed address, a link to choose a new password is on its way; it works once, for a short time.',
  email: 'Email address',
  sendLink: 'Send link',
  linkSent: 'If an account with a confirmed address {email} exists, a link is on its way. Look in your inbox (and the spam folder).',
  badLink: 'This link is expired, used already or not complete. Ask for a new one.',
  noMail: 'This service sends no mail, so it cannot confirm addresses or reset passwords. Ask its operator.',
  failed: 'That did not work: {detail}',
};

export type AccountMessages = typeof en;

const de: AccountMessages = {
  verifyTitle: 'E-Mail-Adresse bestätigen',
  confirm: 'Adresse bestätigen',
  verifying: 'Ihre E-Mail-Adresse wird bestätigt …',
  verified: 'Ihre E-Mail-Adresse ist bestätigt. Sie können diese Seite schließen.',
  resetTitle: 'Neues Passwort wählen',
  newPassword: 'Neues Passwort (mindestens 8 Zeichen)',
  repeatPassword: 'Neues Passwort wiederholen',
  setPassword: 'Passwort setzen',
  mismatch: 'Die beiden Passwörter sind verschieden.',
  passwordSet: 'Ihr Passwort ist geändert, und alle Anmeldungen mit dem alten sind beendet. Melden Sie sich mit dem neuen Passwort wieder an.',
  requestTitle: 'Passwort vergessen?',
  requestHint: 'Geben Sie die E-Mail-Adresse Ihres Kontos an. Ist sie bestätigt, kommt ein Link, mit dem Sie ein neues Passwort wählen; er gilt einmal und nur kurz.',
  email: 'E-Mail-Adresse',
  sendLink: 'Link senden',
  linkSent: 'Gibt es ein Konto mit der bestätigten Adresse {email}, ist ein Link unterwegs. Sehen Sie in Ihrem Posteingang (und im Spam-Ordner) nach.',
  badLink: 'Dieser Link ist abgelaufen, schon benutzt oder unvollständig. Fordern Sie einen neuen an.',
  noMail: 'Dieser Dienst versendet keine E-Mails und kann daher weder Adressen bestätigen noch Passwörter zurücksetzen. Wenden Sie sich an den Betreiber.',
  failed: 'Das hat nicht geklappt: {detail}',
};

const vi: AccountMessages = {
  verifyTitle: 'Xác nhận địa chỉ email',
  confirm: 'Xác nhận địa chỉ',
  verifying: 'Đang xác nhận địa chỉ email của bạn…',
  verified: 'Địa chỉ email của bạn đã được xác nhận. Bạn có thể đóng trang này.',
  resetTitle: 'Chọn mật khẩu mới',
  newPassword: 'Mật khẩu mới (ít nhất 8 ký tự)',
  repeatPassword: 'Nhập lại mật khẩu mới',
  setPassword: 'Đặt mật khẩu',
  mismatch: 'Hai mật khẩu không giống nhau.',
  passwordSet: 'Mật khẩu của bạn đã được đổi và mọi phiên đăng nhập bằng mật khẩu cũ đã kết thúc. Hãy đăng nhập lại bằng mật khẩu mới.',
  requestTitle: 'Quên mật khẩu?',
  requestHint: 'Nhập địa chỉ email của tài khoản. Nếu địa chỉ đã được xác nhận, một liên kết để chọn mật khẩu mới sẽ được gửi đến; liên kết chỉ dùng được một lần và trong thời gian ngắn.',
  email: 'Địa chỉ email',
  sendLink: 'Gửi liên kết',
  linkSent: 'Nếu có tài khoản với địa chỉ đã xác nhận {email}, một liên kết đang được gửi đến. Hãy xem hộp thư đến (và thư mục thư rác).',
  badLink: 'Liên kết này đã hết hạn, đã được dùng hoặc không đầy đủ. Hãy yêu cầu liên kết mới.',
  noMail: 'Dịch vụ này không gửi email nên không thể xác nhận địa chỉ hay đặt lại mật khẩu. Hãy hỏi người vận hành.',
  failed: 'Không thành công: {detail}',
};

const all: Record<string, AccountMessages> = { en, de, vi };

/** The texts in `wanted` (a language tag), else English; and the language used. */
export function accountI18n(wanted: string): { lang: string; t: (key: keyof AccountMessages, vars?: Record<string, string>) => string } {
  const lang = wanted.toLowerCase().split('-')[0];
  const messages = all[lang] ?? en;
  return {
    lang: all[lang] ? lang : 'en',
    t: (key, vars = {}) => messages[key].replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? ''),
  };
}
