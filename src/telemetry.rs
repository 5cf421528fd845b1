//! Logging setup, the per-request log line, and running blocking work off the async
//! workers without losing the current span.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::Span;
use tracing_subscriber::EnvFilter;

use crate::error::ApiError;

/// Installs the global tracing subscriber: `RUST_LOG` filters (default `info`),
/// `json` selects JSON lines instead of text.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // A second init (tests that build several apps) is harmless: keep the first.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Runs `f` on tokio's blocking pool inside the caller's span.
pub async fn run_blocking<F, T>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let span = Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .await
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// Middleware: answers 408 when a request, its body included, is not handled within
/// `limit` (a client that sends its body a byte a second holds nothing for long).
pub async fn time_limit(
    limit: std::time::Duration,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(res) => res,
        Err(_) => Err(ApiError::RequestTimeout {
            after_secs: limit.as_secs(),
        }
        .into()),
    }
}

/// Middleware: warns once when a request brings `X-Forwarded-For` (or `Forwarded`)
/// from a peer that is not in `TRIBUNE_TRUSTED_PROXIES`: the header is ignored then, and
/// behind such a proxy every client counts as the proxy for per-IP limits.
pub async fn notice_forwarding(
    check: std::sync::Arc<crate::limits::ForwardingCheck>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let headers = req.headers();
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    let peer = req.peer_addr().map(|a| a.ip());
    if check.first_untrusted(peer, forwarded) {
        tracing::warn!(
            peer = %peer.map_or_else(String::new, |p| p.to_string()),
            "a request came with X-Forwarded-For from a peer that is not a trusted proxy: \
             the header is ignored, so behind a proxy every client counts as the proxy for \
             per-IP limits (registrations, logins). List the proxy in TRIBUNE_TRUSTED_PROXIES. \
             (Said once.)"
        );
    }
    next.call(req).await
}

/// The method as a metrics label and in logs: actix accepts any token as a method, so
/// only the known ones are named (a label per made-up method would let anyone create
/// series without bound).
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The process-wide Prometheus recorder (installed once, shared by every app in the
/// process, as the `metrics` macros use one global recorder).
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &[
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                        5.0,
                    ],
                )
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed"))
                .ok()
        })
        .as_ref()
}

/// Middleware: one log line per request with method, path, status and latency, and the
/// request counter and latency histogram by route template and status.
pub async fn observe_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let path = req.path().to_owned();
    let res = next.call(req).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (status, route) = match &res {
        Ok(r) => (
            r.status().as_u16(),
            r.request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned()),
        ),
        Err(e) => (
            e.as_response_error().status_code().as_u16(),
            "unmatched".to_owned(),
        ),
    };
    tracing::info!(
        %method,
        %path,
        status,
        latency_ms = format!("{:.2}", elapsed * 1000.0),
        "request"
    );
    metrics::counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed);
    res
}
