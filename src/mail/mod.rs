//! Email: settings, the SMTP sender (lettre, rustls), the mails Tribune queues, and the
//! worker that sends them from the outbox (`db::mail`).
//!
//! # How a mail travels
//! A handler queues a mail with [`crate::db::mail::enqueue`] inside the write that is its
//! cause (a registration, a reset request), so a cause that rolls back queues nothing
//! and one that commits keeps its mail through any crash. Each instance runs a worker
//! that claims due mails under a lease, re-checks the recipient (the account must still
//! exist and have that address; anything but verification mail needs it verified),
//! signs the mail's link *at sending* (the outbox never holds a secret), renders the
//! account's language as plain text and HTML, and hands it to the configured SMTP
//! server. Temporary failures are retried with exponential backoff and jitter for
//! `retry_for`; permanent ones (5xx) fail at once. Every mail has an idempotency key:
//! queueing one cause twice is one mail, and the key is the mail's `Message-ID`, so in
//! the one window no outbox can close (the server took the mail, the process died
//! before recording it) the resend carries the same `Message-ID`.
//!
//! # Adding a kind of mail
//! A variant of [`templates::Kind`] with its texts in [`templates::render`], a
//! constructor here that builds its [`NewMail`] (key, recipient, language, values), and
//! one `db::mail::enqueue` call in the transaction of its cause. Whether it may go to
//! an unverified address is `Kind::to_unverified` (only verification may).

mod notices;
pub mod notify;
pub mod templates;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::auth::links::{Links, Purpose, password_fingerprint};
use crate::clock::Clock;
use crate::db::mail::{self as outbox, Claimed, NewMail, Outcome};
use crate::db::users::{self, User};
use crate::db::{Db, username_holds};
use crate::domain::user::{Language, UserId, UserStatus, email_key};
use crate::error::ApiError;
use templates::{DigestFigures, Kind, ListedReply, Notice, NoticeComment, Values};

/// How the SMTP server is reached.
#[derive(Debug, Clone)]
pub enum SmtpServer {
    /// `smtp://user:pass@host:587?tls=required`, `smtps://…:465` or `smtp://host:25`
    /// (lettre's URL form); it may hold a password.
    Url(SecretString),
    /// Host, port, TLS mode and credentials given one by one.
    Host {
        host: String,
        port: Option<u16>,
        tls: TlsMode,
        username: Option<String>,
        password: Option<SecretString>,
    },
}

/// How the connection to the SMTP server is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (SMTPS, port 465 by default).
    Tls,
    /// Plain connection upgraded by STARTTLS, which is required (port 587 by default).
    StartTls,
    /// No encryption (a relay on the same machine or network; port 25 by default).
    None,
}

impl TlsMode {
    /// `tls`, `starttls` or `none`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tls" => Some(Self::Tls),
            "starttls" => Some(Self::StartTls),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// Mail settings.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Where mail goes; `None`: nothing is sent, and what needs mail answers 409 `mail_not_configured`.
    pub smtp: Option<SmtpServer>,
    /// The sender, `Name <address>` or an address (required with SMTP).
    pub from: Option<String>,
    /// Tribune's own origin (`TRIBUNE_PUBLIC_URL`), for links (required with SMTP).
    pub public_url: Option<String>,
    /// The language of accounts that choose none.
    pub default_language: Language,
    /// How long a verification link works.
    pub verification_ttl: TimeDelta,
    /// How long a password reset link works.
    pub reset_ttl: TimeDelta,
    /// Answer registration alike for taken and free addresses (Discourse's
    /// `hide_email_address_taken`): registration never logs in, and accounts log in
    /// once their address is verified.
    pub hide_email_taken: bool,
    /// With `hide_email_taken`: how long a registered account has to verify its address
    /// before it is erased, and how long a username tried with a taken address is held.
    pub unverified_account_ttl: TimeDelta,
    /// How often an idle worker looks for due mail.
    pub poll_interval: Duration,
    /// Wait before the first retry; doubles with each further one (at most an hour).
    pub backoff_base: Duration,
    /// How long after queueing a mail is retried before it fails.
    pub retry_for: Duration,
    /// Longest an SMTP conversation may take.
    pub timeout: Duration,
    /// How long finished mails stay in the outbox.
    pub retention: Duration,
    /// How often the worker prunes the outbox and ends username holds (an hour; tests
    /// shorten it).
    pub prune_every: Duration,
    /// How long the first reply of a batch waits for more (`TRIBUNE_NOTIFY_BATCH_SECS`).
    pub notify_batch: Duration,
    /// Hours the oldest pending comment may wait before digest subscribers get an
    /// hourly digest too (0: daily only).
    pub digest_alert_hours: u64,
    /// How long an unsubscribe link works.
    pub unsubscribe_ttl: TimeDelta,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp: None,
            from: None,
            public_url: None,
            default_language: Language::En,
            verification_ttl: TimeDelta::hours(24),
            reset_ttl: TimeDelta::hours(1),
            hide_email_taken: false,
            unverified_account_ttl: TimeDelta::days(7),
            poll_interval: Duration::from_secs(1),
            backoff_base: Duration::from_secs(30),
            retry_for: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(10),
            retention: Duration::from_secs(30 * 24 * 3600),
            prune_every: Duration::from_secs(3600),
            notify_batch: Duration::from_secs(300),
            digest_alert_hours: 4,
            unsubscribe_ttl: TimeDelta::days(365),
        }
    }
}

/// What a reply mail lists.
#[derive(Debug, Clone)]
pub struct ReplyBatch<'a> {
    pub subscription: i64,
    /// Whether the subscription is the article's (else one comment's).
    pub whole_article: bool,
    /// The article's title, or its key.
    pub article: &'a str,
    /// The article page, when known.
    pub url: Option<&'a str>,
    pub replies: &'a [ListedReply],
}

/// Mails one worker claims at once (sent one after another).
const BATCH: i64 = 8;

/// The configured sender.
struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
    /// The public URL's host, named in mails.
    site: String,
}

/// Mail as the handlers and the worker see it.
pub struct Mail {
    pub settings: MailSettings,
    /// Signs and checks the mailed links.
    pub links: Links,
    sender: Option<Sender>,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("enabled", &self.enabled())
            .finish_non_exhaustive()
    }
}

impl Mail {
    /// Builds the SMTP transport (connecting only when a mail is sent); refuses
    /// incomplete settings.
    pub fn new(settings: MailSettings, links: Links) -> anyhow::Result<Self> {
        anyhow::ensure!(
            settings.smtp.is_some() || !settings.hide_email_taken,
            "TRIBUNE_HIDE_EMAIL_TAKEN=on needs mail: set TRIBUNE_SMTP_URL or TRIBUNE_SMTP_HOST"
        );
        let sender = match &settings.smtp {
            None => None,
            Some(server) => Some(sender(server, &settings)?),
        };
        Ok(Self {
            settings,
            links,
            sender,
        })
    }

    /// Whether SMTP is configured.
    pub fn enabled(&self) -> bool {
        self.sender.is_some()
    }

    /// 409 `mail_not_configured` unless SMTP is configured (a 4xx: the request cannot be met
    /// on this service as configured; no input may get a 5xx).
    pub fn require(&self) -> Result<(), ApiError> {
        if self.enabled() {
            Ok(())
        } else {
            Err(ApiError::MailNotConfigured)
        }
    }

    /// The verification mail for `user`'s address, for `cause` (one mail per cause).
    pub fn verification(&self, user: &User, cause: &str) -> Option<NewMail> {
        self.to_account(
            Kind::VerifyEmail,
            user,
            &format!("verify:{}:{cause}", user.id),
        )
    }

    /// The password reset mail for `user`, for one request; none for an account without a
    /// password (signed on through the publisher: its login is the publisher's to reset,
    /// and a reset must not give it a second way in).
    pub fn password_reset(&self, user: &User) -> Option<NewMail> {
        user.password_hash.as_ref()?;
        let nonce = hex::encode(rand::random::<[u8; 12]>());
        self.to_account(
            Kind::PasswordReset,
            user,
            &format!("reset:{}:{nonce}", user.id),
        )
    }

    /// The notice to `user` that someone tried to register with its address.
    pub fn registration_attempt(&self, user: &User) -> Option<NewMail> {
        let nonce = hex::encode(rand::random::<[u8; 12]>());
        self.to_account(
            Kind::RegistrationAttempt,
            user,
            &format!("taken:{}:{nonce}", user.id),
        )
    }

    /// The mail listing new replies under a subscription, one per batch (`key`).
    pub fn replies(&self, user: &User, key: &str, batch: &ReplyBatch<'_>) -> Option<NewMail> {
        let mut mail = self.to_account(Kind::Replies, user, key)?;
        mail.payload = serde_json::json!({
            "username": user.username,
            "subscription": batch.subscription,
            "whole_article": batch.whole_article,
            "article": batch.article,
            "url": batch.url,
            "replies": batch.replies,
        });
        Some(mail)
    }

    /// The moderators' digest for `user`, one per period (`key`).
    pub fn digest(&self, user: &User, key: &str, figures: DigestFigures) -> Option<NewMail> {
        let mut mail = self.to_account(Kind::Digest, user, key)?;
        mail.payload = serde_json::json!({
            "username": user.username,
            "new_reports": figures.new_reports,
            "pending": figures.pending,
            "oldest_hours": figures.oldest_hours,
        });
        Some(mail)
    }

    /// A mail of `kind` to the account's address, if mail is configured, it has one,
    /// and the address may receive this kind.
    fn to_account(&self, kind: Kind, user: &User, key: &str) -> Option<NewMail> {
        let email = user.email.as_ref()?;
        if !self.enabled() || !(kind.to_unverified() || user.email_verified()) {
            return None;
        }
        Some(NewMail {
            key: key.to_owned(),
            kind,
            user: Some(user.user_id()),
            recipient: email.clone(),
            language: user.language(),
            payload: serde_json::json!({ "username": user.username }),
        })
    }

    /// Renders and sends one claimed mail; what happened decides its next state.
    async fn deliver(&self, db: &Db, clock: &Clock, mail: &Claimed) -> Outcome {
        let Some(sender) = &self.sender else {
            return Outcome::RetryAt(
                clock.now_naive() + TimeDelta::hours(1),
                "mail is not configured".into(),
            );
        };
        let Some(kind) = Kind::parse(&mail.kind) else {
            return Outcome::Failed(format!("unknown kind {}", mail.kind));
        };
        let user = match mail.user_id {
            Some(id) => match db.read(move |conn| users::find(conn, UserId(id))).await {
                Ok(user) => user,
                Err(e) => return self.retry(clock, mail, format!("cannot read the account: {e}")),
            },
            None => None,
        };
        let Some(user) = user else {
            return Outcome::Dropped("the account is gone".into());
        };
        let current = user.email.as_deref().map(email_key);
        if user.status == "deleted"
            || current.as_deref() != Some(email_key(&mail.recipient).as_str())
        {
            return Outcome::Dropped("the account no longer has this address".into());
        }
        if !kind.to_unverified() && !user.email_verified() {
            return Outcome::Dropped("the address is not verified".into());
        }
        if kind == Kind::VerifyEmail && user.email_verified() {
            return Outcome::Dropped("the address is verified already".into());
        }
        let payload: serde_json::Value = serde_json::from_str(&mail.payload).unwrap_or_default();
        let (link, ttl) = match kind {
            Kind::VerifyEmail => (Some(Purpose::VerifyEmail), self.settings.verification_ttl),
            Kind::PasswordReset => (Some(Purpose::PasswordReset), self.settings.reset_ttl),
            Kind::RegistrationAttempt
            | Kind::DecisionNotice
            | Kind::AppealOutcome
            | Kind::Replies
            | Kind::Digest => (None, TimeDelta::zero()),
        };
        let notice = match kind {
            Kind::DecisionNotice | Kind::AppealOutcome => {
                let (p, now, id) = (payload.clone(), clock.now(), user.user_id());
                match db
                    .read(move |conn| notice_facts(conn, kind, id, &p, now))
                    .await
                {
                    Ok(Some(facts)) => Some(facts),
                    Ok(None) => return Outcome::Dropped("the decision no longer applies".into()),
                    Err(e) => {
                        return self.retry(clock, mail, format!("cannot read the decision: {e}"));
                    }
                }
            }
            _ => None,
        };
        let language = Language::parse(&mail.language).unwrap_or(self.settings.default_language);
        let link = match link {
            None if notice.is_some() => notice.as_ref().and_then(|(_, link)| link.clone()),
            None => None,
            Some(purpose) => {
                let password = (purpose == Purpose::PasswordReset)
                    .then(|| password_fingerprint(user.password_hash.as_deref()));
                match self
                    .links
                    .sign(purpose, user.user_id(), &mail.recipient, password, ttl)
                {
                    // The page speaks the mail's language (`?lang=`); the token stays
                    // in the fragment, which no server sees.
                    Ok(token) => Some(format!(
                        "{}{}?lang={}#token={token}",
                        sender.public_url,
                        purpose.path(),
                        language.as_str()
                    )),
                    Err(e) => return Outcome::Failed(e.to_string()),
                }
            }
        };
        // Mails one can stop: still wanted, and signed a one-click unsubscribe link.
        let (link, unsubscribe) = match kind {
            Kind::Replies | Kind::Digest => {
                let what = match self.still_wanted(db, clock, kind, &user, &payload).await {
                    Ok(what) => what,
                    Err(outcome) => return outcome,
                };
                let token = match self.links.sign_unsubscribe(
                    user.user_id(),
                    &mail.recipient,
                    &what,
                    self.settings.unsubscribe_ttl,
                ) {
                    Ok(token) => token,
                    Err(e) => return Outcome::Failed(e.to_string()),
                };
                let unsubscribe = format!(
                    "{}{}?lang={}&token={token}",
                    sender.public_url,
                    Purpose::Unsubscribe.path(),
                    language.as_str()
                );
                let link = match kind {
                    Kind::Digest => Some(format!("{}/moderate/", sender.public_url)),
                    _ => payload["url"].as_str().map(str::to_owned),
                };
                (link, Some(unsubscribe))
            }
            _ => (link, None),
        };
        let username = payload["username"]
            .as_str()
            .unwrap_or(&user.username)
            .to_owned();
        let replies: Vec<ListedReply> =
            serde_json::from_value(payload["replies"].clone()).unwrap_or_default();
        let digest = (kind == Kind::Digest).then(|| DigestFigures {
            new_reports: payload["new_reports"].as_i64().unwrap_or(0),
            pending: payload["pending"].as_i64().unwrap_or(0),
            oldest_hours: payload["oldest_hours"].as_i64(),
        });
        let rendered = templates::render(
            kind,
            language,
            &Values {
                valid_minutes: ttl.num_minutes(),
                notice: notice.as_ref().map(|(n, _)| n),
                article: payload["article"].as_str().unwrap_or(""),
                whole_article: payload["whole_article"].as_bool().unwrap_or(false),
                replies: &replies,
                digest,
                unsubscribe: unsubscribe.as_deref(),
                ..Values::basic(&username, &sender.site, link.as_deref())
            },
        );
        let message = match build_message(sender, mail, rendered, unsubscribe.as_deref()) {
            Ok(message) => message,
            Err(e) => return Outcome::Failed(e),
        };
        let started = Instant::now();
        let sent =
            tokio::time::timeout(self.settings.timeout, sender.transport.send(message)).await;
        metrics::histogram!("mail_send_duration_seconds").record(started.elapsed().as_secs_f64());
        match sent {
            Ok(Ok(_)) => Outcome::Sent,
            Ok(Err(e)) if e.is_permanent() => Outcome::Failed(format!("refused: {e}")),
            Ok(Err(e)) => self.retry(clock, mail, format!("{e}")),
            Err(_) => self.retry(clock, mail, "timed out".into()),
        }
    }

    /// Whether a reply mail or digest is still wanted when it is sent: the account is
    /// active and has not turned it off (nor ended the subscription) meanwhile. Answers
    /// what its unsubscribe link ends (`sub:<id>` or `digest`).
    async fn still_wanted(
        &self,
        db: &Db,
        clock: &Clock,
        kind: Kind,
        user: &User,
        payload: &serde_json::Value,
    ) -> Result<String, Outcome> {
        if user.status_at(clock.now()) != UserStatus::Active {
            return Err(Outcome::Dropped("the account is not active".into()));
        }
        if kind == Kind::Digest {
            return if user.moderator_digest && user.role().can_moderate() {
                Ok("digest".into())
            } else {
                Err(Outcome::Dropped("the digest was turned off".into()))
            };
        }
        if !user.notify_replies {
            return Err(Outcome::Dropped("reply mails were turned off".into()));
        }
        let Some(id) = payload["subscription"].as_i64() else {
            return Err(Outcome::Dropped("the mail names no subscription".into()));
        };
        match db
            .read(move |conn| crate::db::subscriptions::find(conn, id))
            .await
        {
            Ok(Some(s)) if s.user_id == user.id => Ok(format!("sub:{id}")),
            Ok(_) => Err(Outcome::Dropped("the subscription ended".into())),
            Err(e) => Err(Outcome::RetryAt(
                clock.now_naive() + TimeDelta::seconds(30),
                format!("cannot read the subscription: {e}"),
            )),
        }
    }

    /// A retry after the backoff, unless the mail has been retried for `retry_for`.
    fn retry(&self, clock: &Clock, mail: &Claimed, error: String) -> Outcome {
        let s = &self.settings;
        let next = crate::domain::retry::next_attempt(
            mail.attempts,
            mail.queued_at,
            clock.now_naive(),
            s.backoff_base,
            s.retry_for,
            rand::random(),
        );
        match next {
            Some(at) => Outcome::RetryAt(at, error),
            None => Outcome::Failed(error),
        }
    }
}

/// The lettre transport and sender from settings.
fn sender(server: &SmtpServer, settings: &MailSettings) -> anyhow::Result<Sender> {
    let from: Mailbox = settings
        .from
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("mail needs a sender: set TRIBUNE_MAIL_FROM"))?
        .parse()
        .map_err(|e| anyhow::anyhow!("TRIBUNE_MAIL_FROM is not a mailbox: {e}"))?;
    let public_url = settings
        .public_url
        .clone()
        .ok_or_else(|| anyhow::anyhow!("mail needs links: set TRIBUNE_PUBLIC_URL"))?;
    let site = url::Url::parse(&public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| public_url.clone());
    let builder = match server {
        SmtpServer::Url(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|_| anyhow::anyhow!("TRIBUNE_SMTP_URL is not an smtp:// or smtps:// URL"))?,
        SmtpServer::Host {
            host,
            port,
            tls,
            username,
            password,
        } => {
            let builder = match tls {
                TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
                TlsMode::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
                TlsMode::None => {
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(25)
                }
            };
            let builder = match port {
                Some(port) => builder.port(*port),
                None => builder,
            };
            match (username, password) {
                (Some(user), Some(password)) => builder.credentials(Credentials::new(
                    user.clone(),
                    password.expose_secret().to_owned(),
                )),
                (None, None) => builder,
                _ => anyhow::bail!("TRIBUNE_SMTP_USERNAME and TRIBUNE_SMTP_PASSWORD go together"),
            }
        }
    };
    Ok(Sender {
        transport: builder.timeout(Some(settings.timeout)).build(),
        from,
        public_url,
        site,
    })
}

/// The notice of the log line `line` to `user` (kind `DecisionNotice` or
/// `AppealOutcome`): about the decision logged as `decision`, and the appeal `appeal`
/// for an outcome. One mail per log line; none without a verified address. Queued by
/// `db::notices` in the decision's transaction, when mail is on; its facts are read
/// when it is sent.
pub fn notice(
    user: &User,
    kind: Kind,
    line: i64,
    decision: i64,
    appeal: Option<i64>,
) -> Option<NewMail> {
    let email = user.email.as_ref()?;
    if !user.email_verified() {
        return None;
    }
    Some(NewMail {
        key: format!("notice:{line}"),
        kind,
        user: Some(user.user_id()),
        recipient: email.clone(),
        language: user.language(),
        payload: serde_json::json!({
            "username": user.username,
            "decision": decision,
            "appeal": appeal,
        }),
    })
}

/// Where a notice sends its reader: the article's page on the publisher's site with the
/// fragment that opens the widget's "Decisions about you" (EMBED.md), when its URL is
/// known.
pub fn decisions_link(article_url: &str) -> String {
    let page = article_url.split('#').next().unwrap_or(article_url);
    format!("{page}#tribune-decisions")
}

/// The facts a notice tells, read now: `None` when the mail should not go (the decision
/// is gone, or, for a statement of reasons, no longer applies: undone, decided again,
/// reversed, lifted).
fn notice_facts(
    conn: &mut crate::db::DbConnection,
    kind: Kind,
    user: UserId,
    payload: &serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<(Notice, Option<String>)>, ApiError> {
    let Some(line) = payload["decision"].as_i64() else {
        return Ok(None);
    };
    let Some(record) = crate::db::appeals::decision(conn, line, user, now)? else {
        return Ok(None);
    };
    if kind == Kind::DecisionNotice && !record.in_force {
        return Ok(None);
    }
    let article_url = match &record.comment {
        Some(c) => c.article_url.clone(),
        None => crate::db::appeals::latest_article_url(conn, user)?,
    };
    let view = crate::routes::me::decisions::DecisionView::new(record, now);
    let appeal = view.appeal;
    let notice = Notice {
        action: view.action,
        reason: view.reason,
        statement: view.statement,
        means: view.means,
        decided_at: view.decided_at,
        comment: view.comment.map(|c| NoticeComment {
            excerpt: templates::excerpt(&c.body),
            article: c.article.title.unwrap_or(c.article.key),
            posted_at: c.created_at,
        }),
        banned_until: view.banned_until,
        appeal_until: appeal
            .possible_until
            .filter(|_| appeal.state == "available"),
        outcome: (kind == Kind::AppealOutcome).then(|| appeal.state.clone()),
        note: (kind == Kind::AppealOutcome)
            .then_some(appeal.note)
            .flatten(),
    };
    Ok(Some((notice, article_url.as_deref().map(decisions_link))))
}

/// The MIME message: multipart/alternative of text and HTML, its `Message-ID` from the
/// idempotency key; with an `unsubscribe` link, the headers of RFC 2369 and RFC 8058
/// (one-click: a mail client POSTs `List-Unsubscribe=One-Click` to it).
fn build_message(
    sender: &Sender,
    mail: &Claimed,
    rendered: templates::Rendered,
    unsubscribe: Option<&str>,
) -> Result<Message, String> {
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|e| format!("not a deliverable address: {e}"))?;
    let domain = sender.from.email.domain().to_owned();
    let id = hex::encode(&Sha256::digest(mail.key.as_bytes())[..16]);
    let mut builder = Message::builder();
    if let Some(url) = unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    builder
        .from(sender.from.clone())
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(format!("<{id}@{domain}>")))
        .multipart(MultiPart::alternative_plain_html(
            rendered.text,
            rendered.html,
        ))
        .map_err(|e| format!("cannot build the mail: {e}"))
}

/// Starts this instance's mail worker (nothing when SMTP is not configured); it also
/// prunes finished mails (at start, then hourly).
pub fn spawn(db: Db, clock: Clock, mail: Arc<Mail>) -> Option<tokio::task::JoinHandle<()>> {
    if !mail.enabled() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut next_prune = Instant::now();
        let mut notifier = notify::Notifier::default();
        loop {
            if Instant::now() >= next_prune {
                prune(&db, &clock, &mail.settings).await;
                purge_holds(&db, &clock).await;
                next_prune = Instant::now() + mail.settings.prune_every;
            }
            notifier.pass(&db, &clock, &mail).await;
            match tick(&db, &clock, &mail).await {
                Ok(0) => tokio::time::sleep(mail.settings.poll_interval).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "mail worker: cannot claim mail");
                    tokio::time::sleep(mail.settings.poll_interval).await;
                }
            }
        }
    }))
}

/// Ends username holds whose time is over, erasing the unverified accounts among them
/// (see `db::username_holds`), in batches.
async fn purge_holds(db: &Db, clock: &Clock) {
    let now = clock.now_naive();
    loop {
        match db
            .write(move |conn| username_holds::purge(conn, now, 100))
            .await
        {
            Ok(100) => {}
            Ok(_) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot end username holds; trying again later");
                return;
            }
        }
    }
}

/// Deletes finished mails older than the retention, in batches.
async fn prune(db: &Db, clock: &Clock, settings: &MailSettings) {
    let retention = TimeDelta::from_std(settings.retention).unwrap_or(TimeDelta::MAX);
    let Some(cutoff) = clock.now_naive().checked_sub_signed(retention) else {
        return;
    };
    if let Err(error) = db
        .write(move |conn| crate::db::subscriptions::prune(conn, cutoff))
        .await
    {
        tracing::warn!(%error, "cannot prune old reply notes; trying again later");
    }
    loop {
        match db.write(move |conn| outbox::prune(conn, cutoff, 500)).await {
            Ok(500) => {}
            Ok(_) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot prune the mail outbox; trying again later");
                return;
            }
        }
    }
}

/// Claims due mails and sends them one after another; answers how many.
async fn tick(db: &Db, clock: &Clock, mail: &Arc<Mail>) -> Result<usize, ApiError> {
    let now = clock.now_naive();
    if !db.read(move |conn| outbox::any_due(conn, now)).await? {
        return Ok(0);
    }
    let token = hex::encode(rand::random::<[u8; 16]>());
    // Long enough for every mail of the batch to be tried and recorded; a worker that
    // dies holding it delays those mails by as much.
    let lease = TimeDelta::from_std(
        mail.settings.timeout * BATCH.unsigned_abs() as u32 + Duration::from_secs(1),
    )
    .unwrap_or(TimeDelta::minutes(5));
    let claim_token = token.clone();
    let claimed = db
        .write(move |conn| outbox::claim(conn, &claim_token, now, now + lease, BATCH))
        .await?;
    let count = claimed.len();
    for one in claimed {
        let outcome = mail.deliver(db, clock, &one).await;
        let label = match outcome {
            Outcome::Sent => "sent",
            Outcome::RetryAt(..) => "retry",
            Outcome::Failed(_) => "failed",
            Outcome::Dropped(_) => "dropped",
        };
        metrics::counter!("mail_total", "outcome" => label).increment(1);
        if let Outcome::Failed(error) = &outcome {
            tracing::warn!(mail = one.id, kind = %one.kind, %error, "a mail failed for good");
        }
        record(db, clock, one, outcome, token.clone(), now + lease).await;
    }
    Ok(count)
}

/// Records an attempt, trying again while the lease holds: an attempt left unrecorded
/// is sent again (with the same `Message-ID`) once the lease runs out.
async fn record(
    db: &Db,
    clock: &Clock,
    mail: Claimed,
    outcome: Outcome,
    token: String,
    lease_until: NaiveDateTime,
) {
    let (mail, outcome) = (Arc::new(mail), Arc::new(outcome));
    loop {
        let (m, o, t) = (mail.clone(), outcome.clone(), token.clone());
        let now = clock.now_naive();
        match db
            .write(move |conn| outbox::record(conn, &m, &t, &o, now))
            .await
        {
            Ok(true) => return,
            Ok(false) => {
                tracing::warn!(mail = mail.id, "a mail outlived its lease");
                return;
            }
            Err(error) if clock.now_naive() + TimeDelta::seconds(1) < lease_until => {
                tracing::warn!(%error, "cannot record a mail attempt yet; trying again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot record a mail attempt; it will be sent again");
                return;
            }
        }
    }
}

/// Queues `mail`, if any, in the caller's transaction.
pub fn enqueue(
    conn: &mut crate::db::DbConnection,
    mail: Option<NewMail>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if let Some(mail) = mail {
        outbox::enqueue(conn, &mail, now)?;
    }
    Ok(())
}
