//! Typed settings, from flags or `TRIBUNE_*` environment variables, passed in explicitly.

use std::net::IpAddr;
use std::time::Duration;

use chrono::TimeDelta;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::password::PasswordSettings;
use crate::auth::sso::SsoSettings;
use crate::auth::tokens::{MIN_SECRET_BYTES, TokenSettings};
use crate::db::DbSettings;
use crate::domain::user::Language;
use crate::limits::{Rate, RateLimitSettings};
use crate::mail::{MailSettings, SmtpServer, TlsMode};
use crate::webhooks::WebhookSettings;

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DbSettings,
    /// Address to listen on, `host:port`.
    pub bind: String,
    /// Signs access tokens; when `None`, one is generated once and kept in the database.
    pub jwt_secret: Option<SecretString>,
    pub tokens: TokenSettings,
    pub passwords: PasswordSettings,
    pub sso: SsoSettings,
    /// HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// Origins allowed to call the API from a browser (`*`: any); none by default.
    pub cors_origins: Vec<String>,
    pub rate_limits: RateLimitSettings,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Bearer token `/metrics` requires; without one only local, direct callers may read it.
    pub metrics_token: Option<SecretString>,
    /// Longest a request may take to arrive and be answered (408 past it).
    pub request_timeout: Duration,
    /// Open connections each worker accepts; further ones wait in the listen queue.
    pub max_connections: usize,
    /// Bytes the read caches may hold together (see `cache::Caches::new` for the shares).
    pub cache_bytes: usize,
    /// Hosts of the publisher's article pages (lowercase): a reader's comment may give
    /// its article a title and URL only with a URL on one of them.
    pub publisher_hosts: Vec<String>,
    /// Whether `/demo/` serves the demo article page.
    pub demo: bool,
    /// Webhook delivery.
    pub webhooks: WebhookSettings,
    /// Email: SMTP, sender, links, verification and reset.
    pub mail: MailSettings,
}

/// Database flags, shared by every command.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// `postgres://user@host/db` or a SQLite file path.
    #[arg(
        long,
        env = "TRIBUNE_DATABASE_URL",
        default_value = "tribune.db",
        global = true
    )]
    pub database_url: String,
    /// Pooled connections (readers, for SQLite).
    #[arg(long, env = "TRIBUNE_POOL_SIZE", default_value_t = 8, global = true)]
    pub pool_size: u32,
    /// Seconds a request waits for a database connection before answering 503.
    #[arg(
        long,
        env = "TRIBUNE_POOL_TIMEOUT_SECS",
        default_value_t = 5,
        global = true
    )]
    pub pool_timeout_secs: u64,
}

impl DatabaseArgs {
    /// The data layer's settings.
    pub fn to_settings(&self) -> DbSettings {
        DbSettings {
            url: self.database_url.clone(),
            pool_size: self.pool_size.max(1),
            pool_timeout: Duration::from_secs(self.pool_timeout_secs.max(1)),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

/// Flags of `tribune serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TRIBUNE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Secret for signing access tokens, at least 32 bytes. Unset: generated once and
    /// kept in the database, so restarts and instances agree.
    #[arg(long, env = "TRIBUNE_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Lifetime of access tokens, seconds.
    #[arg(long, env = "TRIBUNE_ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: i64,
    /// Lifetime of refresh tokens, seconds.
    #[arg(long, env = "TRIBUNE_REFRESH_TOKEN_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: i64,
    /// Absolute lifetime of a login session, seconds: then refresh fails, rotated or not.
    #[arg(long, env = "TRIBUNE_SESSION_MAX_AGE_SECS", default_value_t = 90 * 24 * 3600)]
    pub session_max_age_secs: i64,
    /// Argon2id memory per hash, KiB (at least 19456).
    #[arg(long, env = "TRIBUNE_ARGON2_MEMORY_KIB", default_value_t = PasswordSettings::OWASP_MIN_MEMORY_KIB)]
    pub argon2_memory_kib: u32,
    /// Argon2id iterations (at least 2).
    #[arg(long, env = "TRIBUNE_ARGON2_ITERATIONS", default_value_t = PasswordSettings::OWASP_MIN_ITERATIONS)]
    pub argon2_iterations: u32,
    /// Argon2id lanes.
    #[arg(long, env = "TRIBUNE_ARGON2_PARALLELISM", default_value_t = 1)]
    pub argon2_parallelism: u32,
    /// Password hashes computed at once (default: half the cores); the rest queue.
    #[arg(long, env = "TRIBUNE_ARGON2_MAX_CONCURRENT")]
    pub argon2_max_concurrent: Option<usize>,
    /// Password hashes waiting at most (default: 16 per hashing thread); more get 503.
    #[arg(long, env = "TRIBUNE_ARGON2_MAX_QUEUED")]
    pub argon2_max_queued: Option<usize>,
    /// Milliseconds a request waits for a place in a full hashing queue before 503.
    #[arg(long, env = "TRIBUNE_ARGON2_QUEUE_WAIT_MS", default_value_t = 5000)]
    pub argon2_queue_wait_ms: u64,
    /// HS256 secret of the publisher's login system, for `/auth/sso`.
    #[arg(long, env = "TRIBUNE_SSO_SECRET", hide_env_values = true)]
    pub sso_secret: Option<String>,
    /// PEM public key of the publisher's login system (RS256, ES256 or EdDSA), or a path to one.
    #[arg(long, env = "TRIBUNE_SSO_PUBLIC_KEY")]
    pub sso_public_key: Option<String>,
    /// Required `aud` of publisher tokens, if any (set it in production).
    #[arg(long, env = "TRIBUNE_SSO_AUDIENCE")]
    pub sso_audience: Option<String>,
    /// Required `iss` of publisher tokens, if any (set it in production).
    #[arg(long, env = "TRIBUNE_SSO_ISSUER")]
    pub sso_issuer: Option<String>,
    /// Longest lifetime (`exp - iat`) of a publisher token, seconds.
    #[arg(
        long,
        env = "TRIBUNE_SSO_MAX_TOKEN_LIFETIME_SECS",
        default_value_t = 600
    )]
    pub sso_max_token_lifetime_secs: i64,
    /// `on`: publisher tokens need a `jti` and work once; `off` only if the publisher
    /// cannot send one.
    #[arg(long, env = "TRIBUNE_SSO_REPLAY_PROTECTION", default_value = "on", value_parser = ["on", "off"])]
    pub sso_replay_protection: String,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "TRIBUNE_WORKERS")]
    pub workers: Option<usize>,
    /// Comma-separated origins allowed by CORS (`*` for any); none by default.
    #[arg(long, env = "TRIBUNE_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// `on` or `off` (e.g. for benchmarks).
    #[arg(long, env = "TRIBUNE_RATE_LIMITS", default_value = "on", value_parser = ["on", "off"])]
    pub rate_limits: String,
    /// Registrations per client IP, e.g. `5/hour`.
    #[arg(long, env = "TRIBUNE_RATE_LIMIT_REGISTER", default_value = "5/hour")]
    pub rate_limit_register: Rate,
    /// Login attempts per client IP.
    #[arg(long, env = "TRIBUNE_RATE_LIMIT_LOGIN", default_value = "10/minute")]
    pub rate_limit_login: Rate,
    /// Token refreshes per client IP.
    #[arg(long, env = "TRIBUNE_RATE_LIMIT_REFRESH", default_value = "30/minute")]
    pub rate_limit_refresh: Rate,
    /// New comments per account.
    #[arg(long, env = "TRIBUNE_RATE_LIMIT_POST", default_value = "10/minute")]
    pub rate_limit_post: Rate,
    /// Comment edits per account.
    #[arg(long, env = "TRIBUNE_RATE_LIMIT_EDIT", default_value = "20/minute")]
    pub rate_limit_edit: Rate,
    /// Flags per account.
    #[arg(long, env = "TRIBUNE_RATE_LIMIT_FLAG", default_value = "20/minute")]
    pub rate_limit_flag: Rate,
    /// Login attempts per login name, from any address.
    #[arg(
        long,
        env = "TRIBUNE_RATE_LIMIT_LOGIN_ACCOUNT",
        default_value = "20/hour"
    )]
    pub rate_limit_login_account: Rate,
    /// Current-password checks (password change, erasure) per account and per client IP.
    #[arg(
        long,
        env = "TRIBUNE_RATE_LIMIT_PASSWORD_CHECK",
        default_value = "10/hour"
    )]
    pub rate_limit_password_check: Rate,
    /// Likes and unlikes per account.
    #[arg(long, env = "TRIBUNE_RATE_LIMIT_LIKE", default_value = "60/minute")]
    pub rate_limit_like: Rate,
    /// Registrations, logins and password checks of all clients together.
    #[arg(
        long,
        env = "TRIBUNE_RATE_LIMIT_HASHING_TOTAL",
        default_value = "20/second"
    )]
    pub rate_limit_hashing_total: Rate,
    /// Prefix length by which IPv6 clients are counted (a subscriber's network).
    #[arg(long, env = "TRIBUNE_RATE_LIMIT_IPV6_PREFIX", default_value_t = 64, value_parser = clap::value_parser!(u8).range(1..=128))]
    pub rate_limit_ipv6_prefix: u8,
    /// Comma-separated IPs of reverse proxies whose X-Forwarded-For is believed.
    #[arg(long, env = "TRIBUNE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// Bearer token for `/metrics` (at least 32 bytes); without it only callers on this
    /// machine that come through no proxy may read the metrics.
    #[arg(long, env = "TRIBUNE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Seconds a request (its body included) may take before it is answered 408.
    #[arg(long, env = "TRIBUNE_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Open connections per worker thread.
    #[arg(long, env = "TRIBUNE_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// MiB the read caches (counts, whole count answers, anonymous pages, signed-in pages'
    /// rows, callers) may hold together; each has a fixed share of it.
    #[arg(long, env = "TRIBUNE_CACHE_MIB", default_value_t = 96, value_parser = clap::value_parser!(u64).range(32..=65_536))]
    pub cache_mib: u64,
    /// Comma-separated hosts of the publisher's article pages (e.g. `www.zeitung.de`);
    /// readers' comments name articles (title, URL) only with URLs on them.
    #[arg(long, env = "TRIBUNE_PUBLISHER_HOSTS", value_delimiter = ',')]
    pub publisher_hosts: Vec<String>,
    /// `on`: `/demo/` shows a sample article page with comments and counts; `off` in
    /// production, where its comments would land in the real database.
    #[arg(long, env = "TRIBUNE_DEMO", default_value = "on", value_parser = ["on", "off"])]
    pub demo: String,
    /// Where readers and moderators reach this service (e.g. `https://comments.zeitung.de`),
    /// for links in what it sends out (chat messages).
    #[arg(long, env = "TRIBUNE_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// `on`: webhook endpoints may be on loopback, private and link-local addresses.
    #[arg(long, env = "TRIBUNE_WEBHOOK_ALLOW_PRIVATE", default_value = "off", value_parser = ["on", "off"])]
    pub webhook_allow_private: String,
    /// Milliseconds a webhook receiver has to answer.
    #[arg(long, env = "TRIBUNE_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub webhook_timeout_ms: u64,
    /// Milliseconds between an idle delivery worker's looks for due deliveries.
    #[arg(long, env = "TRIBUNE_WEBHOOK_POLL_INTERVAL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub webhook_poll_interval_ms: u64,
    /// Milliseconds before the first retry of a failed delivery (doubling, with jitter).
    #[arg(long, env = "TRIBUNE_WEBHOOK_BACKOFF_BASE_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub webhook_backoff_base_ms: u64,
    /// Seconds a delivery is retried before it fails and its endpoint is flagged.
    #[arg(long, env = "TRIBUNE_WEBHOOK_RETRY_FOR_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub webhook_retry_for_secs: u64,
    /// Days events (and their delivered or failed deliveries) stay in the outbox before
    /// they are pruned; pending deliveries and their events are kept until they finish.
    #[arg(long, env = "TRIBUNE_EVENT_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub event_retention_days: u64,
    /// The SMTP server as a URL: `smtps://user:pass@host:465`, `smtp://user:pass@host:587?tls=required`
    /// or `smtp://host:25` (unencrypted). Instead of the `TRIBUNE_SMTP_HOST` group.
    #[arg(long, env = "TRIBUNE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The SMTP server's host name. Unset (and no URL): no mail is sent.
    #[arg(long, env = "TRIBUNE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// The SMTP server's port (default: 465 for `tls`, 587 for `starttls`, 25 for `none`).
    #[arg(long, env = "TRIBUNE_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// `tls` (from the first byte), `starttls` (required) or `none`.
    #[arg(long, env = "TRIBUNE_SMTP_TLS", default_value = "starttls", value_parser = ["tls", "starttls", "none"])]
    pub smtp_tls: String,
    /// SMTP user name, if the server wants one.
    #[arg(long, env = "TRIBUNE_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// SMTP password.
    #[arg(long, env = "TRIBUNE_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The sender of every mail, `Name <address>` or an address.
    #[arg(long, env = "TRIBUNE_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// The language of accounts that choose none: `de`, `en` or `vi`.
    #[arg(long, env = "TRIBUNE_DEFAULT_LANGUAGE", default_value = "en", value_parser = ["de", "en", "vi"])]
    pub default_language: String,
    /// Seconds a verification link works.
    #[arg(long, env = "TRIBUNE_EMAIL_VERIFICATION_TTL_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(60..=2_592_000))]
    pub email_verification_ttl_secs: u64,
    /// Seconds a password reset link works.
    #[arg(long, env = "TRIBUNE_PASSWORD_RESET_TTL_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(60..=86_400))]
    pub password_reset_ttl_secs: u64,
    /// `on`: registration answers alike for taken and free addresses (no tokens; the
    /// owner of a taken address is told by mail), and accounts log in once verified.
    #[arg(long, env = "TRIBUNE_HIDE_EMAIL_TAKEN", default_value = "off", value_parser = ["on", "off"])]
    pub hide_email_taken: String,
    /// With taken addresses hidden: days a registered account has to verify its address
    /// before it is erased (and its username freed); a username tried with a taken
    /// address is held as long.
    #[arg(long, env = "TRIBUNE_UNVERIFIED_ACCOUNT_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u64).range(1..=365))]
    pub unverified_account_days: u64,
    /// Milliseconds between an idle mail worker's looks for due mail.
    #[arg(long, env = "TRIBUNE_MAIL_POLL_INTERVAL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub mail_poll_interval_ms: u64,
    /// Milliseconds before the first retry of a mail (doubling, with jitter).
    #[arg(long, env = "TRIBUNE_MAIL_BACKOFF_BASE_MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub mail_backoff_base_ms: u64,
    /// Seconds a mail is retried before it fails.
    #[arg(long, env = "TRIBUNE_MAIL_RETRY_FOR_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub mail_retry_for_secs: u64,
    /// Milliseconds an SMTP conversation may take.
    #[arg(long, env = "TRIBUNE_MAIL_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=120_000))]
    pub mail_timeout_ms: u64,
    /// Password reset requests per address.
    #[arg(
        long,
        env = "TRIBUNE_RATE_LIMIT_PASSWORD_RESET",
        default_value = "3/hour"
    )]
    pub rate_limit_password_reset: Rate,
    /// Password reset requests per client IP.
    #[arg(
        long,
        env = "TRIBUNE_RATE_LIMIT_PASSWORD_RESET_IP",
        default_value = "10/hour"
    )]
    pub rate_limit_password_reset_ip: Rate,
    /// Verification mails asked for, per account.
    #[arg(
        long,
        env = "TRIBUNE_RATE_LIMIT_VERIFY_EMAIL",
        default_value = "3/hour"
    )]
    pub rate_limit_verify_email: Rate,
    /// Mailed links used (verification, password reset), per client IP.
    #[arg(long, env = "TRIBUNE_RATE_LIMIT_MAIL_LINK", default_value = "30/hour")]
    pub rate_limit_mail_link: Rate,
    /// "Someone tried to register with your address" mails (and the fresh verification
    /// links of that path), per address.
    #[arg(
        long,
        env = "TRIBUNE_RATE_LIMIT_REGISTRATION_MAIL",
        default_value = "3/hour"
    )]
    pub rate_limit_registration_mail: Rate,
    /// Seconds the first reply of a batch waits for more before its mail goes.
    #[arg(long, env = "TRIBUNE_NOTIFY_BATCH_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub notify_batch_secs: u64,
    /// Hours the oldest pending comment may wait before subscribed moderators get an
    /// hourly digest as well as the daily one (0: daily only).
    #[arg(long, env = "TRIBUNE_DIGEST_ALERT_HOURS", default_value_t = 4, value_parser = clap::value_parser!(u64).range(0..=720))]
    pub digest_alert_hours: u64,
}

impl ServeArgs {
    /// Validates the flags into settings; refuses weak secrets and Argon2 parameters
    /// below the OWASP minimum.
    pub fn into_settings(self, database: &DatabaseArgs) -> anyhow::Result<Settings> {
        let jwt_secret = self.jwt_secret.map(SecretString::from);
        if let Some(secret) = &jwt_secret {
            anyhow::ensure!(
                secret.expose_secret().len() >= MIN_SECRET_BYTES,
                "TRIBUNE_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long"
            );
        }
        anyhow::ensure!(
            self.argon2_memory_kib >= PasswordSettings::OWASP_MIN_MEMORY_KIB
                && self.argon2_iterations >= PasswordSettings::OWASP_MIN_ITERATIONS
                && self.argon2_parallelism >= 1,
            "Argon2id parameters below the OWASP minimum (m=19456 KiB, t=2, p=1)"
        );
        anyhow::ensure!(
            self.access_token_ttl_secs > 0
                && self.refresh_token_ttl_secs > 0
                && self.session_max_age_secs > 0,
            "token and session lifetimes must be positive"
        );
        for origin in &self.cors_origins {
            let origin = origin.trim();
            let valid = origin == "*"
                || ((origin.starts_with("https://") || origin.starts_with("http://"))
                    && !origin
                        .trim_start_matches("https://")
                        .trim_start_matches("http://")
                        .contains('/'));
            anyhow::ensure!(
                valid || origin.is_empty(),
                "TRIBUNE_CORS_ORIGINS: {origin:?} is not an origin like https://www.zeitung.de"
            );
        }
        if let Some(token) = &self.metrics_token {
            anyhow::ensure!(
                token.len() >= MIN_SECRET_BYTES,
                "TRIBUNE_METRICS_TOKEN must be at least {MIN_SECRET_BYTES} bytes long"
            );
        }
        let smtp = match (self.smtp_url, self.smtp_host) {
            (Some(_), Some(_)) => {
                anyhow::bail!("set TRIBUNE_SMTP_URL or TRIBUNE_SMTP_HOST, not both")
            }
            (Some(url), None) => Some(SmtpServer::Url(SecretString::from(url))),
            (None, Some(host)) => Some(SmtpServer::Host {
                host,
                port: self.smtp_port,
                tls: TlsMode::parse(&self.smtp_tls).unwrap_or(TlsMode::StartTls),
                username: self.smtp_username,
                password: self.smtp_password.map(SecretString::from),
            }),
            (None, None) => None,
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // Half the cores by default: a login flood never takes the whole machine.
        let hashing_threads = self.argon2_max_concurrent.unwrap_or(cores / 2).max(1);
        Ok(Settings {
            database: database.to_settings(),
            bind: self.bind,
            jwt_secret,
            tokens: TokenSettings {
                access_ttl: TimeDelta::seconds(self.access_token_ttl_secs),
                refresh_ttl: TimeDelta::seconds(self.refresh_token_ttl_secs),
                session_max_age: TimeDelta::seconds(self.session_max_age_secs),
            },
            passwords: PasswordSettings {
                memory_kib: self.argon2_memory_kib,
                iterations: self.argon2_iterations,
                parallelism: self.argon2_parallelism,
                max_concurrent: hashing_threads,
                max_queued: self
                    .argon2_max_queued
                    .unwrap_or(16 * hashing_threads)
                    .max(1),
                queue_wait: Duration::from_millis(self.argon2_queue_wait_ms),
            },
            sso: SsoSettings {
                secret: self.sso_secret.map(SecretString::from),
                public_key: self.sso_public_key,
                audience: self.sso_audience,
                issuer: self.sso_issuer,
                max_token_lifetime: TimeDelta::seconds(self.sso_max_token_lifetime_secs),
                replay_protection: self.sso_replay_protection == "on",
            },
            workers: self.workers,
            cors_origins: self
                .cors_origins
                .into_iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            rate_limits: RateLimitSettings {
                enabled: self.rate_limits == "on",
                register: self.rate_limit_register,
                login: self.rate_limit_login,
                refresh: self.rate_limit_refresh,
                post: self.rate_limit_post,
                edit: self.rate_limit_edit,
                flag: self.rate_limit_flag,
                login_account: self.rate_limit_login_account,
                password_check: self.rate_limit_password_check,
                like: self.rate_limit_like,
                hashing_total: self.rate_limit_hashing_total,
                ipv6_prefix: self.rate_limit_ipv6_prefix,
                password_reset: self.rate_limit_password_reset,
                password_reset_ip: self.rate_limit_password_reset_ip,
                verify_email: self.rate_limit_verify_email,
                link_use: self.rate_limit_mail_link,
                registration_mail: self.rate_limit_registration_mail,
            },
            trusted_proxies: self.trusted_proxies,
            metrics_token: self.metrics_token.map(SecretString::from),
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            max_connections: self.max_connections.max(1),
            cache_bytes: usize::try_from(self.cache_mib)
                .unwrap_or(usize::MAX)
                .saturating_mul(1024 * 1024),
            publisher_hosts: self
                .publisher_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            demo: self.demo == "on",
            webhooks: WebhookSettings {
                allow_private: self.webhook_allow_private == "on",
                timeout: Duration::from_millis(self.webhook_timeout_ms),
                poll_interval: Duration::from_millis(self.webhook_poll_interval_ms),
                backoff_base: Duration::from_millis(self.webhook_backoff_base_ms),
                retry_for: Duration::from_secs(self.webhook_retry_for_secs),
                retention: Duration::from_secs(self.event_retention_days * 24 * 3600),
                public_url: self.public_url.clone(),
                ..WebhookSettings::default()
            },
            mail: MailSettings {
                smtp,
                from: self.mail_from,
                public_url: self.public_url,
                default_language: Language::parse(&self.default_language).unwrap_or(Language::En),
                verification_ttl: TimeDelta::seconds(
                    i64::try_from(self.email_verification_ttl_secs).unwrap_or(86_400),
                ),
                reset_ttl: TimeDelta::seconds(
                    i64::try_from(self.password_reset_ttl_secs).unwrap_or(3600),
                ),
                hide_email_taken: self.hide_email_taken == "on",
                unverified_account_ttl: TimeDelta::days(
                    i64::try_from(self.unverified_account_days).unwrap_or(7),
                ),
                poll_interval: Duration::from_millis(self.mail_poll_interval_ms),
                backoff_base: Duration::from_millis(self.mail_backoff_base_ms),
                retry_for: Duration::from_secs(self.mail_retry_for_secs),
                timeout: Duration::from_millis(self.mail_timeout_ms),
                retention: Duration::from_secs(self.event_retention_days * 24 * 3600),
                notify_batch: Duration::from_secs(self.notify_batch_secs),
                digest_alert_hours: self.digest_alert_hours,
                ..MailSettings::default()
            },
        })
    }
}

/// An absolute `http` or `https` URL without credentials, query or fragment, kept without
/// a trailing slash.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("not an absolute URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("must be an http or https URL with a host".to_owned());
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err("must not carry credentials, a query or a fragment".to_owned());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}
