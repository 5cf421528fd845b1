//! `AppState`: what every handler and extractor can reach. It sits below `routes/`
//! (which reads it) and above the services it holds, so nothing it uses imports it.

use std::net::IpAddr;
use std::sync::Arc;

use secrecy::SecretString;

use crate::auth::password::Passwords;
use crate::auth::sso::SsoVerifier;
use crate::auth::tokens::Tokens;
use crate::cache::{Caches, Fresh};
use crate::clock::Clock;
use crate::db::{Db, settings as db_settings};
use crate::domain::moderation::Site;
use crate::error::ApiError;
use crate::hook::ModerationHook;
use crate::limits::RateLimits;
use crate::mail::Mail;
use crate::webhooks::Webhooks;

/// The service's shared state.
pub struct AppState {
    pub db: Db,
    pub tokens: Tokens,
    pub passwords: Passwords,
    /// `None` when single sign-on is not configured.
    pub sso: Option<SsoVerifier>,
    pub clock: Clock,
    pub limits: Arc<RateLimits>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Every read cache (see `cache` for why their answers are exact).
    pub caches: Caches,
    /// Required to read `/metrics`, when set (else only local callers may).
    pub metrics_token: Option<SecretString>,
    /// The publisher's hosts (lowercase): readers' comments may name articles on them.
    pub publisher_hosts: Vec<String>,
    /// Whether `/demo/` is served.
    pub demo: bool,
    /// Webhook settings and the client that delivers (and checks endpoints).
    pub webhooks: Arc<Webhooks>,
    /// Calls the external moderation hook.
    pub hook: ModerationHook,
    /// Mail settings, the SMTP sender (if configured) and the mailed links.
    pub mail: Arc<Mail>,
}

impl AppState {
    /// The site settings in force, with their word-list matchers: from the cache while
    /// they cannot have changed since they were read (they are needed for every comment,
    /// and a change applies to the next one).
    pub async fn site(&self) -> Result<Arc<Site>, ApiError> {
        let cache = &self.caches.site;
        cache
            .get_or_load(&(), |_| async {
                let (settings, hook) = self
                    .db
                    .read(|conn| Ok((db_settings::load(conn)?, db_settings::load_hook(conn)?)))
                    .await?;
                let previous = cache.last(&());
                let site = Site {
                    hook,
                    ..Site::new(settings, previous.as_deref())
                };
                Ok(Fresh::new(Arc::new(site)))
            })
            .await
    }
}
