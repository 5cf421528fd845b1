//! `TestApp`: the real service on a random port over a fresh database, its settings,
//! and the raw HTTP transport the client methods are built on.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::TimeDelta;
use reqwest::Response;
use secrecy::SecretString;
use serde_json::Value;
use tribune::auth::password::PasswordSettings;
use tribune::auth::sso::SsoSettings;
use tribune::auth::tokens::TokenSettings;
use tribune::clock::Clock;
use tribune::settings::Settings;
use tribune::startup::Application;

use super::{Backend, Session, TestDb, backends};

/// The JWT secret every test app signs with.
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-0123456789";
/// The publisher's HS256 secret for single sign-on.
pub const SSO_SECRET: &str = "publisher-sso-secret-for-tests-0123456789";
/// The password `register_reader` gives accounts.
pub const PASSWORD: &str = "correct horse battery";

/// Runs `test` once per configured backend, each time against a new app on a fresh
/// database; the backend is printed so a failure's output names it.
pub async fn for_each_backend(test: impl AsyncFn(&TestApp)) {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let app = TestApp::spawn(backend).await;
        test(&app).await;
        app.stop().await;
    }
}

/// Settings for a test app: cheap Argon2, a fixed JWT secret, SSO with the HS256
/// secret and the Ed25519 fixture key.
pub fn test_settings(db: &TestDb) -> Settings {
    Settings {
        database: db.settings(),
        bind: "127.0.0.1:0".into(),
        jwt_secret: Some(SecretString::from(JWT_SECRET)),
        tokens: TokenSettings {
            access_ttl: TimeDelta::minutes(15),
            refresh_ttl: TimeDelta::days(30),
            session_max_age: TimeDelta::days(90),
        },
        passwords: PasswordSettings {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
            max_concurrent: 2,
            max_queued: 64,
            queue_wait: std::time::Duration::from_secs(5),
        },
        sso: SsoSettings {
            secret: Some(SecretString::from(SSO_SECRET)),
            public_key: Some(fixture("sso_ed25519_public.pem")),
            ..Default::default()
        },
        workers: Some(2),
        cors_origins: Vec::new(),
        // The concurrency tests send many requests from one address; the rate-limit
        // tests turn limits on.
        rate_limits: tribune::limits::RateLimitSettings {
            enabled: false,
            ..Default::default()
        },
        trusted_proxies: Vec::new(),
        metrics_token: None,
        request_timeout: std::time::Duration::from_secs(30),
        max_connections: 10_000,
        cache_bytes: 96 * 1024 * 1024,
        publisher_hosts: vec!["zeitung.de".into(), "www.zeitung.de".into()],
        demo: true,
        // Receivers run inside the test process; retries come quickly.
        webhooks: tribune::webhooks::WebhookSettings {
            allow_private: true,
            timeout: std::time::Duration::from_millis(1000),
            poll_interval: std::time::Duration::from_millis(50),
            backoff_base: std::time::Duration::from_millis(50),
            retry_for: std::time::Duration::from_secs(3600),
            ..Default::default()
        },
        // No SMTP unless a test starts a sink (`with_mail`).
        mail: tribune::mail::MailSettings::default(),
    }
}

/// A file under `tests/api/fixtures`, as text.
pub fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A running app and a client for it.
pub struct TestApp {
    pub address: String,
    pub db: Arc<TestDb>,
    pub clock: Clock,
    pub client: reqwest::Client,
    /// The change generations its cached reads check against.
    pub changes: Arc<tribune::db::changes::ChangeSignal>,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// An app with the default test settings on a fresh database.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(TestDb::new(backend), |_| {}).await
    }

    /// An app on `db` (possibly shared with another app), with adjusted settings.
    pub async fn spawn_with(db: Arc<TestDb>, adjust: impl FnOnce(&mut Settings)) -> Self {
        eprintln!("spawning an app on {}", db.backend);
        let mut settings = test_settings(&db);
        adjust(&mut settings);
        let clock = Clock::default();
        let app = Application::build_with_clock(settings, clock.clone())
            .await
            .expect("build the app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        let changes = app.changes();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            db,
            clock,
            client: reqwest::Client::new(),
            changes,
            handle,
        }
    }

    /// A browser's `GET` of a page or script outside the API, with extra headers.
    pub async fn get_page(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = self.client.get(format!("{}{path}", self.address));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send().await.expect("request")
    }

    /// `POST base/api/v1{path}` of raw bytes with the given content type.
    pub async fn post_body(&self, path: &str, content_type: &str, body: Vec<u8>) -> Response {
        self.client
            .post(self.url(path))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// Stops the server and closes its pools.
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }

    /// `base/api/v1{path}`.
    pub fn url(&self, path: &str) -> String {
        if ["/api", "/healthz", "/readyz", "/metrics"]
            .iter()
            .any(|root| path.starts_with(root))
        {
            format!("{}{path}", self.address)
        } else {
            format!("{}/api/v1{path}", self.address)
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(reqwest::Method::PUT, path, token, body)
            .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.delete(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }
}

impl TestApp {
    /// Gives an account a role directly in the database (bootstrapping the first admin).
    pub fn set_role_in_db(&self, user_id: i64, role: &str) {
        use diesel::prelude::*;
        use tribune::db::schema::users;
        self.db
            .connect()
            .with_writer_blocking(|conn| {
                diesel::update(users::table.find(user_id))
                    .set(users::role.eq(role))
                    .execute(conn)?;
                Ok(())
            })
            .expect("set role");
    }

    /// A new account with role `role`.
    pub async fn account_with_role(&self, username: &str, role: &str) -> Session {
        let session = self.register_reader(username).await;
        self.set_role_in_db(session.user_id, role);
        session
    }
}

/// The `tribune` binary on `database_url`, with no other `TRIBUNE_*` setting from the
/// test's environment leaking in.
pub fn tribune_command(database_url: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tribune"));
    for (key, _) in std::env::vars() {
        if key.starts_with("TRIBUNE_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("TRIBUNE_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn");
    cmd
}
