//! Webhook delivery: a tokio task per instance that claims due deliveries from the
//! outbox under a lease, POSTs them signed, and records each attempt (retrying with
//! exponential backoff and jitter for `retry_for`, then giving up and flagging the
//! endpoint). The HTTP client only connects to public addresses unless the operator
//! allows private ones: names are resolved by a resolver that refuses private answers,
//! so a name that re-binds after registration is refused when it is used.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};

use crate::clock::Clock;
use crate::db::Db;
use crate::db::events;
use crate::db::webhooks::{self as rows, Attempt, Claimed, Next};
use crate::domain::chat::{self, Format};
use crate::domain::event::Envelope;
use crate::domain::retry;
use crate::domain::webhook::{self, EndpointUrl};
use crate::error::ApiError;

/// Deliveries one worker claims and sends at once.
const BATCH: i64 = 16;

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Allow endpoints on loopback, private and link-local addresses (tests, labs).
    pub allow_private: bool,
    /// Longest wait for a receiver's answer.
    pub timeout: Duration,
    /// How often an idle worker looks for due deliveries.
    pub poll_interval: Duration,
    /// Wait before the first retry; doubles with each further one.
    pub backoff_base: Duration,
    /// How long after queueing a delivery is retried before it fails.
    pub retry_for: Duration,
    /// How long events (and their finished deliveries) are kept in the outbox.
    pub retention: Duration,
    /// How often the outbox is pruned of events older than `retention`.
    pub prune_every: Duration,
    /// Tribune's own origin (`TRIBUNE_PUBLIC_URL`), for links in chat messages.
    pub public_url: Option<String>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            backoff_base: Duration::from_secs(10),
            retry_for: Duration::from_secs(24 * 3600),
            retention: Duration::from_secs(30 * 24 * 3600),
            prune_every: Duration::from_secs(3600),
            public_url: None,
        }
    }
}

impl WebhookSettings {
    /// How long a claim holds: long enough for an attempt to finish and be recorded.
    fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }
}

/// Why an address was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("{0} resolves to a private, loopback or link-local address")]
    Private(String),
    #[error("{0} does not resolve")]
    Unresolved(String),
}

/// Resolves `host` and refuses it if any of its addresses is not public (unless allowed).
pub async fn resolve_checked(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, Refused> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| Refused::Unresolved(host.to_owned()))?
        .collect();
    if addrs.is_empty() {
        return Err(Refused::Unresolved(host.to_owned()));
    }
    if !allow_private && addrs.iter().any(|a| !webhook::is_public(a.ip())) {
        return Err(Refused::Private(host.to_owned()));
    }
    Ok(addrs)
}

/// Checks that an endpoint URL reaches only addresses Tribune may call.
pub async fn check_url(url: &EndpointUrl, allow_private: bool) -> Result<(), Refused> {
    if let Some(ip) = url.literal_ip() {
        if allow_private || webhook::is_public(ip) {
            return Ok(());
        }
        return Err(Refused::Private(ip.to_string()));
    }
    let (host, port) = url.host_and_port();
    resolve_checked(&host, port, allow_private)
        .await
        .map(|_| ())
}

/// reqwest's resolver, refusing private answers.
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs = resolve_checked(name.as_str(), 0, allow_private).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An HTTP client for admin-configured URLs: rustls, no redirects followed, names
/// resolved only to public addresses (unless `allow_private`), at most `timeout`.
pub fn guarded_client(allow_private: bool, timeout: Duration) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Tribune/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .build()?)
}

/// Whether a URL's host is an address literal Tribune may not call.
pub fn literal_refused(url: &EndpointUrl, allow_private: bool) -> Option<Refused> {
    url.literal_ip()
        .filter(|ip| !allow_private && !webhook::is_public(*ip))
        .map(|ip| Refused::Private(ip.to_string()))
}

/// The sending side: settings and an HTTP client (rustls, no redirects, guarded DNS).
pub struct Webhooks {
    pub settings: WebhookSettings,
    client: reqwest::Client,
}

impl Webhooks {
    /// Builds the client.
    pub fn new(settings: WebhookSettings) -> anyhow::Result<Self> {
        let client = guarded_client(settings.allow_private, settings.timeout)?;
        Ok(Self { settings, client })
    }

    /// POSTs one signed delivery and reports what happened.
    pub async fn send(&self, claimed: &Claimed, now: NaiveDateTime) -> Attempt {
        let started = Instant::now();
        let outcome = self.post(claimed, now).await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        metrics::histogram!("webhook_delivery_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        match outcome {
            Ok(code) => Attempt {
                status_code: Some(i32::from(code)),
                latency_ms,
                error: (!(200..300).contains(&code)).then(|| format!("answered {code}")),
            },
            Err(error) => Attempt {
                status_code: None,
                latency_ms,
                error: Some(error),
            },
        }
    }

    async fn post(&self, claimed: &Claimed, now: NaiveDateTime) -> Result<u16, String> {
        let url = EndpointUrl::parse(&claimed.url).map_err(str::to_owned)?;
        if let Some(refused) = literal_refused(&url, self.settings.allow_private) {
            return Err(refused.to_string());
        }
        let data: serde_json::Value = serde_json::from_str(&claimed.payload)
            .map_err(|_| "the stored event is not JSON".to_owned())?;
        let body = match Format::from_stored(&claimed.format) {
            Format::Tribune => serde_json::to_vec(&Envelope {
                id: &claimed.event_id,
                kind: &claimed.event_type,
                created_at: claimed.event_created_at.and_utc(),
                data,
            }),
            Format::Chat => serde_json::to_vec(&serde_json::json!({
                "text": chat::message(&claimed.event_type, &data, self.settings.public_url.as_deref()),
            })),
        }
        .map_err(|e| e.to_string())?;
        let secrets = claimed.signing_secrets(now);
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let signature = webhook::signature_header(&secrets, now.and_utc().timestamp(), &body);
        let answer = self
            .client
            .post(url.as_str())
            .header("Content-Type", "application/json")
            .header("Tribune-Signature", signature)
            .header("Tribune-Event-Id", &claimed.event_id)
            .header("Tribune-Event-Type", &claimed.event_type)
            .body(body)
            .send()
            .await
            .map_err(describe)?;
        Ok(answer.status().as_u16())
    }

    /// What follows an attempt: delivered on 2xx; otherwise a retry after the backoff,
    /// unless the delivery has been retried for `retry_for` already.
    fn next(&self, claimed: &Claimed, attempt: &Attempt, now: NaiveDateTime) -> Next {
        if attempt.error.is_none() {
            return Next::Delivered;
        }
        let s = &self.settings;
        match retry::next_attempt(
            claimed.attempts,
            claimed.queued_at,
            now,
            s.backoff_base,
            s.retry_for,
            rand::random(),
        ) {
            Some(at) => Next::RetryAt(at),
            None => Next::GiveUp,
        }
    }
}

/// A short reason for a failed request (the URL is the admin's own, no secrets).
pub fn describe(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut source: &dyn std::error::Error = &error;
    while let Some(inner) = source.source() {
        source = inner;
    }
    format!("{kind}: {source}")
}

/// Starts this instance's delivery worker, which also prunes the outbox (at start, then
/// every `prune_every`).
pub fn spawn(db: Db, clock: Clock, webhooks: Arc<Webhooks>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut next_prune = Instant::now();
        loop {
            if Instant::now() >= next_prune {
                prune(&db, &clock, &webhooks.settings).await;
                next_prune = Instant::now() + webhooks.settings.prune_every;
            }
            match tick(&db, &clock, &webhooks).await {
                Ok(0) => tokio::time::sleep(webhooks.settings.poll_interval).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "webhook worker: cannot claim deliveries");
                    tokio::time::sleep(webhooks.settings.poll_interval).await;
                }
            }
        }
    })
}

/// Events pruned in one write, so that a pass never holds the writer for long.
const PRUNE_BATCH: i64 = 500;

/// Deletes events older than the retention, with their finished deliveries, in batches.
/// Every instance prunes; deleting what another already deleted is harmless.
async fn prune(db: &Db, clock: &Clock, settings: &WebhookSettings) {
    let retention = TimeDelta::from_std(settings.retention).unwrap_or(TimeDelta::MAX);
    let Some(cutoff) = clock.now_naive().checked_sub_signed(retention) else {
        return;
    };
    let (mut after, mut pruned) = (0, 0);
    loop {
        match db
            .write(move |conn| events::prune_batch(conn, cutoff, after, PRUNE_BATCH))
            .await
        {
            Ok(batch) => {
                pruned += batch.events;
                after = batch.through;
                if batch.done {
                    break;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot prune the outbox; trying again later");
                break;
            }
        }
    }
    if pruned > 0 {
        metrics::counter!("events_pruned_total").increment(pruned as u64);
        tracing::info!(pruned, "pruned old events from the outbox");
    }
}

/// Claims due deliveries and sends them concurrently; answers how many.
async fn tick(db: &Db, clock: &Clock, webhooks: &Arc<Webhooks>) -> Result<usize, ApiError> {
    let now = clock.now_naive();
    if !db.read(move |conn| rows::any_due(conn, now)).await? {
        return Ok(0);
    }
    let token = hex::encode(rand::random::<[u8; 16]>());
    let lease = TimeDelta::from_std(webhooks.settings.lease()).unwrap_or(TimeDelta::minutes(1));
    let claim_token = token.clone();
    let claimed = db
        .write(move |conn| rows::claim(conn, &claim_token, now, now + lease, BATCH))
        .await?;
    let count = claimed.len();
    let mut sending = tokio::task::JoinSet::new();
    for delivery in claimed {
        let (clock, webhooks) = (clock.clone(), webhooks.clone());
        sending.spawn(async move { attempt(&clock, &webhooks, delivery).await });
    }
    let mut results = Vec::with_capacity(count);
    while let Some(result) = sending.join_next().await {
        if let Ok(result) = result {
            results.push(result);
        }
    }
    record_all(db, clock, results, token, now + lease).await;
    Ok(count)
}

/// One attempt of one delivery, and what follows it.
async fn attempt(clock: &Clock, webhooks: &Webhooks, claimed: Claimed) -> (Claimed, Attempt, Next) {
    let attempt = webhooks.send(&claimed, clock.now_naive()).await;
    let next = webhooks.next(&claimed, &attempt, clock.now_naive());
    let outcome = match next {
        Next::Delivered => "delivered",
        Next::RetryAt(_) => "retry",
        Next::GiveUp => "failed",
    };
    metrics::counter!("webhook_deliveries_total", "outcome" => outcome).increment(1);
    if next == Next::GiveUp {
        tracing::warn!(
            endpoint = claimed.endpoint_id,
            event = %claimed.event_id,
            error = attempt.error.as_deref().unwrap_or(""),
            "webhook delivery failed for good; endpoint flagged"
        );
    }
    (claimed, attempt, next)
}

/// Records a batch's attempts in one transaction (one connection, not one per
/// delivery), trying again while the lease holds: an attempt left unrecorded is sent
/// again once the lease runs out.
async fn record_all(
    db: &Db,
    clock: &Clock,
    results: Vec<(Claimed, Attempt, Next)>,
    token: String,
    lease_until: NaiveDateTime,
) {
    let results = Arc::new(results);
    loop {
        let (batch, token) = (results.clone(), token.clone());
        let now = clock.now_naive();
        let recorded = db
            .write(move |conn| {
                let mut lost = 0;
                for (claimed, attempt, next) in batch.iter() {
                    if !rows::record(conn, claimed, &token, attempt, *next, now)? {
                        lost += 1;
                    }
                }
                Ok(lost)
            })
            .await;
        match recorded {
            Ok(0) => return,
            Ok(lost) => {
                tracing::warn!(lost, "webhook deliveries outlived their lease");
                return;
            }
            Err(error) if clock.now_naive() + TimeDelta::seconds(1) < lease_until => {
                tracing::warn!(%error, "cannot record webhook attempts yet; trying again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot record webhook attempts; they will be sent again");
                return;
            }
        }
    }
}
