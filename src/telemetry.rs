//! Logging setup, the per-request log line, and running blocking work off the async
//! workers without losing the current span.

use std::io::IsTerminal;
use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
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

/// Middleware: one log line per request with method, path, status and latency.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let res = next.call(req).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match &res {
        Ok(r) => tracing::info!(
            %method,
            %path,
            status = r.status().as_u16(),
            latency_ms = format!("{latency_ms:.2}"),
            "request"
        ),
        Err(e) => tracing::info!(
            %method,
            %path,
            status = e.as_response_error().status_code().as_u16(),
            latency_ms = format!("{latency_ms:.2}"),
            "request"
        ),
    }
    res
}
