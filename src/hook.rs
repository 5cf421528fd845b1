//! The external moderation hook: asked about a comment before it is written (on the
//! async workers, never on SQLite's writer thread), within its timeout.

use std::time::{Duration, Instant};

use crate::domain::hook::{self, Heard, HookConfig, HookOutcome, HookRequest};
use crate::domain::webhook::{self, EndpointUrl};
use crate::webhooks::{describe, guarded_client, literal_refused};

/// Calls the hook.
pub struct ModerationHook {
    client: reqwest::Client,
    allow_private: bool,
}

impl ModerationHook {
    /// A client that reaches only public addresses unless `allow_private`.
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        let longest = Duration::from_millis(hook::TIMEOUT_MS.1);
        Ok(Self {
            client: guarded_client(allow_private, longest)?,
            allow_private,
        })
    }

    /// Asks the hook about a comment; a failure or timeout is an outcome too.
    pub async fn ask(&self, config: &HookConfig, request: &HookRequest) -> Heard {
        let started = Instant::now();
        let outcome = self.call(config, request, started).await;
        let elapsed = started.elapsed().as_secs_f64();
        metrics::histogram!("moderation_hook_duration_seconds").record(elapsed);
        metrics::counter!("moderation_hook_requests_total", "result" => outcome.result.clone())
            .increment(1);
        if outcome.is_failure() {
            tracing::warn!(
                result = %outcome.result,
                error = outcome.error.as_deref().unwrap_or(""),
                fail_closed = config.fail_closed,
                "the moderation hook gave no answer"
            );
        }
        Heard {
            outcome,
            fail_closed: config.fail_closed,
        }
    }

    async fn call(
        &self,
        config: &HookConfig,
        request: &HookRequest,
        started: Instant,
    ) -> HookOutcome {
        let latency = || i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let url = match EndpointUrl::parse(&config.url) {
            Ok(url) => url,
            Err(e) => return HookOutcome::failed(false, e.into(), latency()),
        };
        if let Some(refused) = literal_refused(&url, self.allow_private) {
            return HookOutcome::failed(false, refused.to_string(), latency());
        }
        let body = match serde_json::to_vec(request) {
            Ok(body) => body,
            Err(e) => return HookOutcome::failed(false, e.to_string(), latency()),
        };
        let now = chrono::Utc::now().timestamp();
        let signature = webhook::signature_header(&[&config.secret], now, &body);
        let timeout = Duration::from_millis(config.timeout_ms);
        let answer = self
            .client
            .post(url.as_str())
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Tribune-Signature", signature)
            .body(body)
            .send()
            .await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => return HookOutcome::failed(e.is_timeout(), describe(e), latency()),
        };
        let code = answer.status().as_u16();
        match answer.bytes().await {
            Ok(bytes) => hook::read_answer(code, &bytes, latency()),
            Err(e) => HookOutcome::failed(e.is_timeout(), describe(e), latency()),
        }
    }
}
