//! The text of every kind of mail, in each account language, as plain text and HTML.
//! Nothing in them tracks the reader: no images, no remote resources, no per-reader
//! redirects; the only links are the ones the mail is about, pointing at Tribune itself.

use chrono::{DateTime, Utc};

use crate::domain::user::Language;

/// The kinds of mail Tribune sends. Adding one: a variant here, its texts in
/// [`render`], and an enqueue call where its cause is written (see `crate::mail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A link that verifies the account's address (the only kind that may go to an
    /// unverified address).
    VerifyEmail,
    /// A link that sets a new password.
    PasswordReset,
    /// Someone tried to register with the address of an existing account (sent only
    /// with `TRIBUNE_HIDE_EMAIL_TAKEN=on`).
    RegistrationAttempt,
    /// A statement of reasons: a decision about the author's comment or account, and how
    /// to contest it (EU Digital Services Act, Art. 17).
    DecisionNotice,
    /// The outcome of the author's appeal (Art. 20).
    AppealOutcome,
    /// New approved replies under a subscription, listed (one mail per batch).
    Replies,
    /// The moderators' digest: new reports and the pending queue.
    Digest,
}

impl Kind {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
            Self::RegistrationAttempt => "registration_attempt",
            Self::DecisionNotice => "decision_notice",
            Self::AppealOutcome => "appeal_outcome",
            Self::Replies => "replies",
            Self::Digest => "digest",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "verify_email" => Some(Self::VerifyEmail),
            "password_reset" => Some(Self::PasswordReset),
            "registration_attempt" => Some(Self::RegistrationAttempt),
            "decision_notice" => Some(Self::DecisionNotice),
            "appeal_outcome" => Some(Self::AppealOutcome),
            "replies" => Some(Self::Replies),
            "digest" => Some(Self::Digest),
            _ => None,
        }
    }

    /// Whether it may go to an address that is not verified.
    pub fn to_unverified(self) -> bool {
        self == Self::VerifyEmail
    }
}

/// What a template fills in.
#[derive(Debug, Clone)]
pub struct Values<'a> {
    pub username: &'a str,
    /// Where the reader reaches Tribune (`TRIBUNE_PUBLIC_URL`'s host).
    pub site: &'a str,
    /// The signed link, for the kinds that carry one.
    pub link: Option<&'a str>,
    /// How long the link works, in minutes.
    pub valid_minutes: i64,
    /// What a statement of reasons or an appeal's outcome tells (those kinds only).
    pub notice: Option<&'a Notice>,
    /// Reply mails: the article's title (or key).
    pub article: &'a str,
    /// Reply mails: whether the subscription is the article's (else one comment's).
    pub whole_article: bool,
    /// Reply mails: the replies, oldest first.
    pub replies: &'a [ListedReply],
    /// Digest mails: the figures.
    pub digest: Option<DigestFigures>,
    /// The one-click unsubscribe link, for the kinds that carry one.
    pub unsubscribe: Option<&'a str>,
}

impl<'a> Values<'a> {
    /// Values with only the name, site and link.
    pub fn basic(username: &'a str, site: &'a str, link: Option<&'a str>) -> Self {
        Self {
            username,
            site,
            link,
            valid_minutes: 0,
            article: "",
            whole_article: false,
            replies: &[],
            digest: None,
            unsubscribe: None,
            notice: None,
        }
    }
}

/// A reply as a mail lists it: plain text, never markup.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListedReply {
    pub author: String,
    /// The reply's text (its Markdown source, shortened), shown as plain text.
    pub body: String,
}

/// What a digest reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestFigures {
    /// Reports filed in the last 24 hours.
    pub new_reports: i64,
    /// Comments in the pending queue.
    pub pending: i64,
    /// How long the oldest of them has waited, in whole hours.
    pub oldest_hours: Option<i64>,
}

/// What a statement of reasons or an appeal's outcome tells, read when it is sent.
#[derive(Debug, Clone)]
pub struct Notice {
    /// `reject`, `auto_reject`, `auto_hide` or `ban`.
    pub action: String,
    /// The ground, as `GET /me/decisions` gives it (`spam`, …, `banned_word`, `flagged`).
    pub reason: Option<String>,
    /// A ban's reason as the moderator wrote it, or the moderation hook's statement.
    pub statement: Option<String>,
    /// `moderator`, `word_list`, `hook` or `flags`.
    pub means: String,
    pub decided_at: DateTime<Utc>,
    /// The comment decided on (none for a ban).
    pub comment: Option<NoticeComment>,
    /// The end of a suspension.
    pub banned_until: Option<DateTime<Utc>>,
    /// Until when the decision can be appealed, while it can.
    pub appeal_until: Option<DateTime<Utc>>,
    /// An appeal's outcome: `upheld` or `reversed`.
    pub outcome: Option<String>,
    /// The deciding moderator's note on the appeal, written for the author.
    pub note: Option<String>,
}

/// The facts of a decided comment.
#[derive(Debug, Clone)]
pub struct NoticeComment {
    /// The start of its text, plain.
    pub excerpt: String,
    /// Its article's title, or its key.
    pub article: String,
    pub posted_at: DateTime<Utc>,
}

/// Longest excerpt of a comment in a mail, in characters.
const EXCERPT_CHARS: usize = 280;

/// The start of `body` for a mail: whitespace collapsed, at most [`EXCERPT_CHARS`].
pub fn excerpt(body: &str) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(EXCERPT_CHARS).collect();
    format!("{}…", cut.trim_end())
}

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Paragraphs of a mail before they are laid out: the link goes between `before` and
/// `after`.
pub(super) struct Parts {
    pub subject: String,
    pub greeting: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// How long a link works, for people: whole hours when it is hours.
fn duration(language: Language, minutes: i64) -> String {
    let hours = minutes / 60;
    match (language, minutes % 60 == 0 && hours > 0) {
        (Language::De, true) if hours == 1 => "1 Stunde".into(),
        (Language::De, true) => format!("{hours} Stunden"),
        (Language::De, false) => format!("{minutes} Minuten"),
        (Language::En, true) if hours == 1 => "1 hour".into(),
        (Language::En, true) => format!("{hours} hours"),
        (Language::En, false) => format!("{minutes} minutes"),
        (Language::Vi, true) => format!("{hours} giờ"),
        (Language::Vi, false) => format!("{minutes} phút"),
    }
}

fn parts(kind: Kind, language: Language, v: &Values<'_>) -> Parts {
    if let (Kind::DecisionNotice | Kind::AppealOutcome, Some(notice)) = (kind, v.notice) {
        return super::notices::parts(kind, language, v, notice);
    }
    let (user, site) = (v.username, v.site);
    let valid = duration(language, v.valid_minutes);
    let s = |x: &str| x.to_owned();
    match (kind, language) {
        (Kind::VerifyEmail, Language::De) => Parts {
            subject: format!("Bitte bestätigen Sie Ihre E-Mail-Adresse für {site}"),
            greeting: format!("Hallo {user},"),
            before: vec![s(
                "bitte bestätigen Sie Ihre E-Mail-Adresse mit diesem Link:",
            )],
            after: vec![
                format!("Der Link gilt {valid} und nur einmal."),
                s("Wenn Sie sich nicht registriert haben, können Sie diese Nachricht ignorieren."),
            ],
        },
        (Kind::VerifyEmail, Language::En) => Parts {
            subject: format!("Please confirm your email address for {site}"),
            greeting: format!("Hello {user},"),
            before: vec![s("please confirm your email address with this link:")],
            after: vec![
                format!("The link works once, for {valid}."),
                s("If you did not register, you can ignore this message."),
            ],
        },
        (Kind::VerifyEmail, Language::Vi) => Parts {
            subject: format!("Vui lòng xác nhận địa chỉ email của bạn cho {site}"),
            greeting: format!("Xin chào {user},"),
            before: vec![s(
                "vui lòng xác nhận địa chỉ email của bạn bằng liên kết này:",
            )],
            after: vec![
                format!("Liên kết chỉ dùng được một lần, trong {valid}."),
                s("Nếu bạn không đăng ký, bạn có thể bỏ qua thư này."),
            ],
        },
        (Kind::PasswordReset, Language::De) => Parts {
            subject: format!("Neues Passwort für {site}"),
            greeting: format!("Hallo {user},"),
            before: vec![s("mit diesem Link setzen Sie ein neues Passwort:")],
            after: vec![
                format!(
                    "Der Link gilt {valid} und nur einmal. Danach sind Sie überall abgemeldet."
                ),
                s(
                    "Wenn Sie kein neues Passwort angefordert haben, ignorieren Sie diese Nachricht; Ihr Passwort bleibt, wie es ist.",
                ),
            ],
        },
        (Kind::PasswordReset, Language::En) => Parts {
            subject: format!("A new password for {site}"),
            greeting: format!("Hello {user},"),
            before: vec![s("set a new password with this link:")],
            after: vec![
                format!(
                    "The link works once, for {valid}. Afterwards you are logged out everywhere."
                ),
                s(
                    "If you did not ask for a new password, ignore this message; your password stays as it is.",
                ),
            ],
        },
        (Kind::PasswordReset, Language::Vi) => Parts {
            subject: format!("Mật khẩu mới cho {site}"),
            greeting: format!("Xin chào {user},"),
            before: vec![s("hãy đặt mật khẩu mới bằng liên kết này:")],
            after: vec![
                format!(
                    "Liên kết chỉ dùng được một lần, trong {valid}. Sau đó bạn sẽ bị đăng xuất ở mọi nơi."
                ),
                s(
                    "Nếu bạn không yêu cầu mật khẩu mới, hãy bỏ qua thư này; mật khẩu của bạn vẫn giữ nguyên.",
                ),
            ],
        },
        (Kind::RegistrationAttempt, Language::De) => Parts {
            subject: format!("Registrierung mit Ihrer E-Mail-Adresse bei {site}"),
            greeting: format!("Hallo {user},"),
            before: vec![
                s(
                    "jemand hat versucht, mit Ihrer E-Mail-Adresse ein neues Konto anzulegen. Ihr Konto besteht weiter; es wurde nichts geändert.",
                ),
                s(
                    "Wenn Sie das waren: Melden Sie sich mit Ihrem bisherigen Konto an, oder fordern Sie ein neues Passwort an, falls Sie es vergessen haben.",
                ),
            ],
            after: vec![s("Wenn nicht, können Sie diese Nachricht ignorieren.")],
        },
        (Kind::RegistrationAttempt, Language::En) => Parts {
            subject: format!("Registration with your email address at {site}"),
            greeting: format!("Hello {user},"),
            before: vec![
                s(
                    "someone tried to create a new account with your email address. Your account is unchanged.",
                ),
                s(
                    "If it was you: log in with your existing account, or ask for a new password if you have forgotten it.",
                ),
            ],
            after: vec![s("If not, you can ignore this message.")],
        },
        (Kind::RegistrationAttempt, Language::Vi) => Parts {
            subject: format!("Đăng ký bằng địa chỉ email của bạn tại {site}"),
            greeting: format!("Xin chào {user},"),
            before: vec![
                s(
                    "ai đó đã cố tạo tài khoản mới bằng địa chỉ email của bạn. Tài khoản của bạn không thay đổi.",
                ),
                s(
                    "Nếu đó là bạn: hãy đăng nhập bằng tài khoản hiện có, hoặc yêu cầu mật khẩu mới nếu bạn đã quên.",
                ),
            ],
            after: vec![s("Nếu không, bạn có thể bỏ qua thư này.")],
        },
        // Without their facts (never sent so: the worker reads them first).
        (Kind::DecisionNotice | Kind::AppealOutcome, _) => Parts {
            subject: site.to_owned(),
            greeting: format!("{user},"),
            before: Vec::new(),
            after: Vec::new(),
        },
        (Kind::Replies, Language::De) => Parts {
            subject: format!("Neue Antworten auf Ihren Kommentar bei {site}"),
            greeting: format!("Hallo {user},"),
            before: vec![if v.whole_article {
                format!(
                    "es gibt neue Antworten auf Ihre Kommentare zu „{}“:",
                    v.article
                )
            } else {
                format!(
                    "es gibt neue Antworten auf Ihren Kommentar zu „{}“:",
                    v.article
                )
            }],
            after: vec![s(
                "Sie erhalten diese Nachricht, weil Sie Benachrichtigungen über Antworten eingeschaltet haben.",
            )],
        },
        (Kind::Replies, Language::En) => Parts {
            subject: format!("New replies to your comment at {site}"),
            greeting: format!("Hello {user},"),
            before: vec![if v.whole_article {
                format!("there are new replies to your comments on “{}”:", v.article)
            } else {
                format!("there are new replies to your comment on “{}”:", v.article)
            }],
            after: vec![s(
                "You get this message because you asked to be told about replies.",
            )],
        },
        (Kind::Replies, Language::Vi) => Parts {
            subject: format!("Phản hồi mới cho bình luận của bạn tại {site}"),
            greeting: format!("Xin chào {user},"),
            before: vec![if v.whole_article {
                format!(
                    "có phản hồi mới cho các bình luận của bạn về “{}”:",
                    v.article
                )
            } else {
                format!("có phản hồi mới cho bình luận của bạn về “{}”:", v.article)
            }],
            after: vec![s(
                "Bạn nhận được thư này vì bạn đã bật thông báo về phản hồi.",
            )],
        },
        (Kind::Digest, language) => digest_parts(language, v),
    }
}

/// The moderators' digest: figures as "label: value" lines, which need no plurals.
fn digest_parts(language: Language, v: &Values<'_>) -> Parts {
    let f = v.digest.unwrap_or(DigestFigures {
        new_reports: 0,
        pending: 0,
        oldest_hours: None,
    });
    let (user, site) = (v.username, v.site);
    let oldest = f.oldest_hours.map(|h| match (h, language) {
        (0, Language::De) => "weniger als 1 Stunde".to_owned(),
        (0, Language::En) => "less than an hour".to_owned(),
        (0, Language::Vi) => "chưa đến 1 giờ".to_owned(),
        (h, language) => duration(language, h.saturating_mul(60)),
    });
    match language {
        Language::De => Parts {
            subject: format!("Moderation bei {site}: {} wartend", f.pending),
            greeting: format!("Hallo {user},"),
            before: [
                Some(format!(
                    "Neue Meldungen (letzte 24 Stunden): {}",
                    f.new_reports
                )),
                Some(format!("Wartende Kommentare: {}", f.pending)),
                oldest.map(|o| format!("Der älteste wartet seit: {o}")),
                Some("Zur Moderation:".to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            after: vec![
                "Sie erhalten diese Übersicht, weil Sie sie in Ihrem Konto eingeschaltet haben."
                    .to_owned(),
            ],
        },
        Language::En => Parts {
            subject: format!("Moderation at {site}: {} waiting", f.pending),
            greeting: format!("Hello {user},"),
            before: [
                Some(format!("New reports (last 24 hours): {}", f.new_reports)),
                Some(format!("Comments waiting: {}", f.pending)),
                oldest.map(|o| format!("The oldest has waited: {o}")),
                Some("To the moderation console:".to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            after: vec!["You get this digest because you turned it on in your account.".to_owned()],
        },
        Language::Vi => Parts {
            subject: format!("Kiểm duyệt tại {site}: {} đang chờ", f.pending),
            greeting: format!("Xin chào {user},"),
            before: [
                Some(format!("Báo cáo mới (24 giờ qua): {}", f.new_reports)),
                Some(format!("Bình luận đang chờ: {}", f.pending)),
                oldest.map(|o| format!("Bình luận lâu nhất đã chờ: {o}")),
                Some("Đến trang kiểm duyệt:".to_owned()),
            ]
            .into_iter()
            .flatten()
            .collect(),
            after: vec![
                "Bạn nhận được bản tóm tắt này vì bạn đã bật nó trong tài khoản của mình."
                    .to_owned(),
            ],
        },
    }
}

/// "bert wrote:" in each language.
fn wrote(language: Language, author: &str) -> String {
    match language {
        Language::De => format!("{author} schrieb:"),
        Language::En => format!("{author} wrote:"),
        Language::Vi => format!("{author} đã viết:"),
    }
}

/// The unsubscribe line's label.
fn unsubscribe_label(language: Language) -> &'static str {
    match language {
        Language::De => "Diese Nachrichten abbestellen:",
        Language::En => "Stop these messages:",
        Language::Vi => "Hủy nhận các thư này:",
    }
}

/// Escapes text for HTML (element content and quoted attribute values).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The mail of `kind` in `language`, as plain text and HTML.
pub fn render(kind: Kind, language: Language, values: &Values<'_>) -> Rendered {
    let parts = parts(kind, language, values);
    let mut text = vec![parts.greeting.clone()];
    text.extend(parts.before.iter().cloned());
    for reply in values.replies {
        let quoted: Vec<String> = reply.body.lines().map(|l| format!("> {l}")).collect();
        text.push(format!(
            "{}\n{}",
            wrote(language, &reply.author),
            quoted.join("\n")
        ));
    }
    if let Some(link) = values.link {
        text.push(link.to_owned());
    }
    text.extend(parts.after.iter().cloned());
    if let Some(link) = values.unsubscribe {
        text.push(format!("{}\n{link}", unsubscribe_label(language)));
    }
    text.push(format!("-- \n{}", values.site));

    let paragraph = |p: &String| format!("<p>{}</p>", escape(p));
    let mut html = vec![paragraph(&parts.greeting)];
    html.extend(parts.before.iter().map(paragraph));
    for reply in values.replies {
        let lines: Vec<String> = reply.body.lines().map(escape).collect();
        html.push(format!(
            "<p>{}</p>\n<blockquote>{}</blockquote>",
            escape(&wrote(language, &reply.author)),
            lines.join("<br>\n")
        ));
    }
    if let Some(link) = values.link {
        html.push(format!("<p><a href=\"{0}\">{0}</a></p>", escape(link)));
    }
    html.extend(parts.after.iter().map(paragraph));
    if let Some(link) = values.unsubscribe {
        html.push(format!(
            "<p>{} <a href=\"{1}\">{1}</a></p>",
            escape(unsubscribe_label(language)),
            escape(link)
        ));
    }
    html.push(format!("<p>-- <br>{}</p>", escape(values.site)));
    let title = escape(&parts.subject);
    Rendered {
        subject: parts.subject,
        text: text.join("\n\n") + "\n",
        html: format!(
            "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n{}\n</body></html>\n",
            language.as_str(),
            title,
            html.join("\n")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_in_every_language_with_its_link_and_no_markup_from_names() {
        let replies = [ListedReply {
            author: "bert".into(),
            body: "<script>alert(1)</script>\nzweite Zeile".into(),
        }];
        let values = Values {
            valid_minutes: 1440,
            article: "<i>Haushalt</i>",
            replies: &replies,
            digest: Some(DigestFigures {
                new_reports: 2,
                pending: 3,
                oldest_hours: Some(5),
            }),
            unsubscribe: Some("https://kommentare.zeitung.de/account/unsubscribe?token=x"),
            ..Values::basic(
                "<b>anna</b>",
                "kommentare.zeitung.de",
                Some("https://kommentare.zeitung.de/account/verify-email#token=a.b.c"),
            )
        };
        for kind in [
            Kind::VerifyEmail,
            Kind::PasswordReset,
            Kind::RegistrationAttempt,
            Kind::Replies,
            Kind::Digest,
        ] {
            for language in [Language::De, Language::En, Language::Vi] {
                let mail = render(kind, language, &values);
                assert!(mail.text.contains("#token=a.b.c"));
                assert!(mail.html.contains("href=\"https://kommentare.zeitung.de/"));
                assert!(!mail.html.contains("<b>anna"), "{}", mail.html);
                assert!(!mail.html.contains("<img"));
                assert!(!mail.html.contains("<script"), "{}", mail.html);
                assert!(!mail.html.contains("<i>Haushalt"), "{}", mail.html);
                assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            }
        }
        let replies = render(Kind::Replies, Language::En, &values);
        assert!(
            replies
                .text
                .contains("bert wrote:\n> <script>alert(1)</script>\n> zweite Zeile"),
            "{}",
            replies.text
        );
        assert!(replies.html.contains("&lt;script&gt;alert(1)"));
        let digest = render(Kind::Digest, Language::De, &values);
        assert!(
            digest.text.contains("Wartende Kommentare: 3"),
            "{}",
            digest.text
        );
        assert!(digest.text.contains("5 Stunden"), "{}", digest.text);
        assert!(
            render(Kind::VerifyEmail, Language::De, &values)
                .text
                .contains("24 Stunden")
        );
        assert_eq!(
            Kind::parse(Kind::PasswordReset.as_str()),
            Some(Kind::PasswordReset)
        );
    }

    #[test]
    fn notices_render_in_every_language_with_their_facts_escaped() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T21:30:00Z")
            .unwrap()
            .to_utc();
        let mut notice = Notice {
            action: "reject".into(),
            reason: Some("hate_speech".into()),
            statement: None,
            means: "moderator".into(),
            decided_at: at,
            comment: Some(NoticeComment {
                excerpt: excerpt("<script>x</script>\n\n  und   mehr"),
                article: "Haushalt & Co".into(),
                posted_at: at,
            }),
            banned_until: None,
            appeal_until: Some(at),
            outcome: None,
            note: None,
        };
        let link = "https://www.zeitung.de/a#tribune-decisions";
        for kind in [Kind::DecisionNotice, Kind::AppealOutcome] {
            notice.outcome = (kind == Kind::AppealOutcome).then(|| "upheld".into());
            notice.note = (kind == Kind::AppealOutcome).then(|| "<i>weil</i>".into());
            for language in [Language::De, Language::En, Language::Vi] {
                let values = Values {
                    notice: Some(&notice),
                    ..Values::basic("anna", "kommentare.zeitung.de", Some(link))
                };
                let mail = render(kind, language, &values);
                assert!(
                    mail.text.contains("<script>x</script> und mehr"),
                    "{}",
                    mail.text
                );
                assert!(mail.text.contains(link));
                assert!(!mail.html.contains("<script>"), "{}", mail.html);
                assert!(!mail.html.contains("<i>weil"), "{}", mail.html);
                assert!(mail.html.contains("Haushalt &amp; Co"), "{}", mail.html);
                assert!(mail.text.contains("2026"), "{}", mail.text);
            }
        }
        assert_eq!(excerpt(&"ab ".repeat(200)).chars().count(), 281);
    }
}
