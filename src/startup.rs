//! Builds the actix application and server from `Settings`; used by `main` and tests.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::http::header;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use secrecy::SecretString;

use crate::auth::password::Passwords;
use crate::auth::sso::SsoVerifier;
use crate::auth::tokens::{self, Tokens};
use crate::cache::Caches;
use crate::clock::Clock;
use crate::db::{Db, meta, migrations};
use crate::error::{self, MAX_BODY_BYTES};
use crate::hook::ModerationHook;
use crate::limits::RateLimits;
use crate::routes;
use crate::settings::Settings;
use crate::state::AppState;
use crate::telemetry;
use crate::webhooks::{self, Webhooks};

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    /// This instance's webhook delivery worker, stopped with the server.
    deliveries: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Connects to and migrates the database, then binds.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::default()).await
    }

    /// As `build`, with a given clock (tests move it forward).
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let state = {
            let settings = settings.clone();
            tokio::task::spawn_blocking(move || prepare_state(&settings, clock)).await??
        };
        let recorder = telemetry::prometheus();
        let limits = state.limits.clone();
        // Idle keys are forgotten so the limiters' memory stays bounded, and the
        // recorder's upkeep drains its histogram buffers.
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            let mut ticks = 0u64;
            loop {
                tick.tick().await;
                ticks += 1;
                if let Some(recorder) = recorder {
                    recorder.run_upkeep();
                }
                if ticks.is_multiple_of(12) {
                    limits.forget_idle();
                }
            }
        });
        let deliveries = webhooks::spawn(
            state.db.clone(),
            state.clock.clone(),
            state.webhooks.clone(),
        );
        let state = web::Data::new(state);
        let cors_origins = settings.cors_origins.clone();
        let request_timeout = settings.request_timeout;
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(ErrorHandlers::new().default_handler(error::problem_for_bare_error))
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer")),
                )
                .wrap(cors(&cors_origins))
                .wrap(from_fn(move |req, next| {
                    telemetry::time_limit(request_timeout, req, next)
                }))
                .wrap(from_fn(telemetry::observe_request))
                .app_data(state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(MAX_BODY_BYTES)
                        .error_handler(error::json_error),
                )
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .configure(routes::configure)
        })
        // A client that closes its side has gone: drop its request at once, so work it
        // queued (a password hash) is skipped instead of done for nobody.
        .h1_allow_half_closed(false)
        .listen(listener)?
        .client_request_timeout(request_timeout.min(std::time::Duration::from_secs(10)))
        .max_connections(settings.max_connections)
        .shutdown_timeout(30);
        if let Some(workers) = settings.workers {
            server = server.workers(workers.max(1));
        }
        Ok(Self {
            port,
            server: server.run(),
            deliveries,
        })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM, finishing in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.deliveries.abort();
        served
    }
}

/// CORS for the configured origins (`*`: any); with none, browsers on other origins are
/// refused. Tokens travel in headers, so credentials (cookies) are never allowed.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin().send_wildcard()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// Opens the database, applies migrations, settles the token secret.
fn prepare_state(settings: &Settings, clock: Clock) -> anyhow::Result<AppState> {
    let db = Db::connect(&settings.database)?;
    let applied = migrations::run_pending(&db)?;
    db.watch_external_changes(&settings.database)?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied migrations");
    }
    let secret = match &settings.jwt_secret {
        Some(secret) => secret.clone(),
        None => {
            let candidate = tokens::generate_secret();
            let stored = db.with_writer_blocking(|conn| {
                meta::get_or_init(conn, "jwt_secret", &candidate)
                    .map_err(|e| anyhow::anyhow!("cannot store the JWT secret: {e}"))
            })?;
            SecretString::from(stored)
        }
    };
    Ok(AppState {
        tokens: Tokens::new(&secret, settings.tokens.clone(), clock.clone()),
        passwords: Passwords::new(&settings.passwords)?,
        sso: SsoVerifier::new(&settings.sso, &secret, clock.clone())?,
        caches: Caches::new(db.changes(), &clock),
        db,
        clock,
        limits: Arc::new(RateLimits::new(&settings.rate_limits)),
        trusted_proxies: settings.trusted_proxies.clone(),
        metrics_token: settings.metrics_token.clone(),
        publisher_hosts: settings.publisher_hosts.clone(),
        webhooks: Arc::new(Webhooks::new(settings.webhooks.clone())?),
        hook: ModerationHook::new(settings.webhooks.allow_private)?,
    })
}
