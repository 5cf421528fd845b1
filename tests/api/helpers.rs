//! `TestApp`: the real service on a random port over a fresh database, and a client
//! whose methods read like an SDK.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Once};

use chrono::TimeDelta;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::{Response, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use tribune::auth::password::PasswordSettings;
use tribune::auth::sso::SsoSettings;
use tribune::auth::tokens::TokenSettings;
use tribune::clock::Clock;
use tribune::db::{Db, DbSettings};
use tribune::settings::Settings;
use tribune::startup::Application;

/// The JWT secret every test app signs with.
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-0123456789";
/// The publisher's HS256 secret for single sign-on.
pub const SSO_SECRET: &str = "publisher-sso-secret-for-tests-0123456789";
/// The password `register_reader` gives accounts.
pub const PASSWORD: &str = "correct horse battery";

/// A database backend under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        })
    }
}

/// SQLite always; PostgreSQL too when `TRIBUNE_TEST_POSTGRES_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    if postgres_base_url().is_some() {
        list.push(Backend::Postgres);
    }
    list
}

fn postgres_base_url() -> Option<String> {
    std::env::var("TRIBUNE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

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

/// A fresh, empty database: a temp-dir SQLite file, or a new PostgreSQL schema that
/// is dropped when this is dropped.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// Creates the database.
    pub fn new(backend: Backend) -> Arc<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path: PathBuf = dir.path().join("tribune.db");
                Arc::new(Self {
                    backend,
                    url: path.to_string_lossy().into_owned(),
                    _dir: Some(dir),
                    pg: None,
                })
            }
            Backend::Postgres => {
                let base = postgres_base_url().expect("TRIBUNE_TEST_POSTGRES_URL");
                sweep_old_schemas(&base);
                let schema = format!(
                    "tribune_test_{}_{}",
                    chrono::Utc::now().timestamp(),
                    uuid::Uuid::new_v4().simple()
                );
                let mut conn = PgConnection::establish(&base)
                    .unwrap_or_else(|e| panic!("PostgreSQL at {base} is unreachable: {e}"));
                conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                Arc::new(Self {
                    backend,
                    url: format!("{base}{sep}options=-csearch_path%3D{schema}"),
                    _dir: None,
                    pg: Some((base, schema)),
                })
            }
        }
    }

    /// Data-layer settings for this database.
    pub fn settings(&self) -> DbSettings {
        DbSettings {
            url: self.url.clone(),
            pool_size: 4,
            pool_timeout: std::time::Duration::from_secs(5),
            sqlite_busy_timeout: std::time::Duration::from_secs(5),
        }
    }

    /// A separate handle on the database, for asserting on stored rows.
    pub fn connect(&self) -> Db {
        Db::connect(&self.settings()).expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg
            && let Ok(mut conn) = PgConnection::establish(base)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// Drops schemas that crashed test runs left behind (older than two hours), once.
fn sweep_old_schemas(base: &str) {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(|| {
        if let Ok(mut conn) = PgConnection::establish(base) {
            let _ = conn.batch_execute(
                r"DO $$ DECLARE s text; BEGIN
                  FOR s IN SELECT nspname FROM pg_namespace
                           WHERE nspname LIKE 'tribune\_test\_%'
                             AND split_part(nspname, '_', 3)::bigint < extract(epoch FROM now())::bigint - 7200
                  LOOP EXECUTE 'DROP SCHEMA ' || quote_ident(s) || ' CASCADE'; END LOOP; END $$;",
            );
        }
    });
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
        },
        passwords: PasswordSettings {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
            max_concurrent: 2,
        },
        sso: SsoSettings {
            secret: Some(SecretString::from(SSO_SECRET)),
            public_key: Some(fixture("sso_ed25519_public.pem")),
            audience: None,
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
    handle: actix_web::dev::ServerHandle,
}

/// What a successful register or login hands back.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub username: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl Session {
    fn from_body(body: &Value) -> Self {
        Self {
            user_id: body["user"]["id"].as_i64().expect("user.id"),
            username: body["user"]["username"]
                .as_str()
                .expect("user.username")
                .into(),
            access_token: body["access_token"].as_str().expect("access_token").into(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .into(),
        }
    }
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
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            db,
            clock,
            client: reqwest::Client::new(),
            handle,
        }
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

    pub async fn register(&self, username: &str, email: &str, password: &str) -> Response {
        self.post(
            "/auth/register",
            None,
            &json!({"username": username, "email": email, "password": password}),
        )
        .await
    }

    /// Registers `username` (email derived from it) with `PASSWORD`; panics unless 201.
    pub async fn register_reader(&self, username: &str) -> Session {
        let email = format!("{}@example.org", username.to_lowercase());
        let res = self.register(username, &email, PASSWORD).await;
        let body = expect_status(res, StatusCode::CREATED).await;
        Session::from_body(&body)
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post(
            "/auth/login",
            None,
            &json!({"login": login, "password": password}),
        )
        .await
    }

    /// Logs in; panics unless 200.
    pub async fn login_ok(&self, login: &str, password: &str) -> Session {
        let body = expect_status(self.login(login, password).await, StatusCode::OK).await;
        Session::from_body(&body)
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post(
            "/auth/refresh",
            None,
            &json!({"refresh_token": refresh_token}),
        )
        .await
    }

    pub async fn me(&self, token: &str) -> Response {
        self.get("/me", Some(token)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.delete(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    /// Posts a comment (`parent`: a reply); returns the raw response.
    pub async fn comment(
        &self,
        token: &str,
        article: &str,
        body: &str,
        parent: Option<i64>,
    ) -> Response {
        self.post(
            "/comments",
            Some(token),
            &json!({"article": article, "body": body, "parent_id": parent}),
        )
        .await
    }

    /// Posts a comment; panics unless 201; returns it.
    pub async fn comment_ok(
        &self,
        token: &str,
        article: &str,
        body: &str,
        parent: Option<i64>,
    ) -> Value {
        expect_status(
            self.comment(token, article, body, parent).await,
            StatusCode::CREATED,
        )
        .await
    }

    /// `GET /comments` with extra query parameters (`&sort=top` …); panics unless 200.
    pub async fn thread(&self, article: &str, extra: &str, token: Option<&str>) -> Value {
        let path = format!("/comments?article={}{extra}", encode(article));
        expect_status(self.get(&path, token).await, StatusCode::OK).await
    }

    /// Counts for `keys` through `GET /counts`; panics unless 200.
    pub async fn counts(&self, keys: &[&str]) -> Value {
        let query: Vec<String> = keys
            .iter()
            .map(|k| format!("article={}", encode(k)))
            .collect();
        let path = format!("/counts?{}", query.join("&"));
        expect_status(self.get(&path, None).await, StatusCode::OK).await["counts"].clone()
    }

    pub async fn sso(&self, token: &str) -> Response {
        self.post("/auth/sso", None, &json!({"token": token})).await
    }
}

/// Asserts the status and returns the JSON body (`null` when empty).
pub async fn expect_status(res: Response, status: StatusCode) -> Value {
    let actual = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }
}

/// Asserts an RFC 9457 problem with the given status and code; returns its body.
pub async fn expect_problem(res: Response, status: StatusCode, code: &str) -> Value {
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = expect_status(res, status).await;
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["status"], status.as_u16(), "body: {body}");
    assert_eq!(body["type"], "about:blank");
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "body: {body}"
    );
    body
}

/// A TCP proxy in front of PostgreSQL that a test can cut and restore, to simulate an
/// outage of the database without disturbing other tests.
pub struct TcpProxy {
    pub port: u16,
    open: Arc<std::sync::atomic::AtomicBool>,
    links: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    /// Starts forwarding a random local port to `target` (`host:port`).
    pub async fn start(target: String) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let links = Arc::new(std::sync::Mutex::new(Vec::new()));
        let accept = {
            let (open, links) = (open.clone(), links.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !open.load(Ordering::SeqCst) {
                        drop(inbound);
                        continue;
                    }
                    let target = target.clone();
                    let link = tokio::spawn(async move {
                        if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    links.lock().unwrap().push(link);
                }
            })
        };
        Self {
            port,
            open,
            links,
            accept,
        }
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    /// Forwards again.
    pub fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// `host:port` of a `postgres://user@host:port/db` URL, and the URL with another port.
pub fn pg_url_via_port(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (auth, rest) = rest.rsplit_once('@').map_or(("", rest), |(a, r)| (a, r));
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host_port = &rest[..end];
    let target = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let host = target.rsplit_once(':').unwrap().0;
    let at = if auth.is_empty() {
        String::new()
    } else {
        format!("{auth}@")
    };
    (
        target.clone(),
        format!("{scheme}://{at}{host}:{port}{}", &rest[end..]),
    )
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Asserts, from the database, that every article's counter equals its stored approved
/// comments and every thread's reply counter its approved replies; returns the total.
pub fn assert_counts_exact(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use tribune::db::schema::{articles, comments};
    let db = app.db.connect();
    db.with_writer_blocking(|conn| {
        let stored: Vec<(String, i64)> = articles::table
            .select((articles::key, articles::comment_count))
            .load(conn)?;
        let mut total = 0;
        for (key, counter) in stored {
            let approved: i64 = comments::table
                .inner_join(articles::table)
                .filter(articles::key.eq(&key))
                .filter(comments::status.eq("approved"))
                .count()
                .get_result(conn)?;
            assert_eq!(counter, approved, "counter of {key}");
            total += approved;
        }
        let roots: Vec<(i64, i64)> = comments::table
            .filter(comments::depth.eq(0))
            .select((comments::id, comments::visible_replies))
            .load(conn)?;
        for (root, counter) in roots {
            let approved: i64 = comments::table
                .filter(comments::thread_id.eq(root))
                .filter(comments::depth.gt(0))
                .filter(comments::status.eq("approved"))
                .count()
                .get_result(conn)?;
            assert_eq!(counter, approved, "reply counter of thread {root}");
        }
        Ok(total)
    })
    .expect("read counts")
}

impl TestApp {
    /// Gives an account a role directly in the database (bootstrapping the first admin).
    pub fn set_role(&self, user_id: i64, role: &str) {
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
        self.set_role(session.user_id, role);
        session
    }

    /// Changes site settings as `admin`; panics unless 200; returns them.
    pub async fn settings(&self, admin: &Session, changes: Value) -> Value {
        expect_status(
            self.put("/admin/settings", Some(&admin.access_token), &changes)
                .await,
            StatusCode::OK,
        )
        .await
    }

    /// The moderation log actions, oldest first.
    pub async fn log_actions(&self, moderator: &Session, filter: &str) -> Vec<String> {
        let body = expect_status(
            self.get(
                &format!("/mod/log?limit=100{filter}"),
                Some(&moderator.access_token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let mut actions: Vec<String> = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["action"].as_str().expect("action").to_owned())
            .collect();
        actions.reverse();
        actions
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
