//! Rate limits an attacker cannot step around (security review, issue 11): IPv6
//! clients counted by network, login attempts counted per name as well as per address,
//! a total for everything that hashes a password, limits on current-password checks and
//! likes, and a bounded hashing queue. Windows are an hour long, so no limit recovers
//! while a test runs, however slow the machine.

use futures::future::join_all;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tribune::limits::{Rate, RateLimitSettings};
use tribune::settings::Settings;

use crate::helpers::{
    PASSWORD, Session, TestApp, TestDb, backends, expect_problem, expect_status, id_of,
};

/// Runs `test` once per configured backend against an app whose rate limits are on, as
/// `limits` sets them (every limit not set is too high to matter), behind a trusted
/// proxy so a test can send from any address with `X-Forwarded-For`.
async fn for_each_backend_limited(
    limits: impl Fn(&mut RateLimitSettings),
    test: impl AsyncFn(&TestApp),
) {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let app = TestApp::spawn_with(TestDb::new(backend), |s: &mut Settings| {
            let plenty = rate("1000/hour");
            let mut l = RateLimitSettings {
                register: plenty,
                login: plenty,
                refresh: plenty,
                post: plenty,
                edit: plenty,
                flag: plenty,
                login_account: plenty,
                password_check: plenty,
                like: plenty,
                hashing_total: plenty,
                ..RateLimitSettings::default()
            };
            limits(&mut l);
            s.rate_limits = l;
            s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        })
        .await;
        test(&app).await;
        app.stop().await;
    }
}

fn rate(s: &str) -> Rate {
    s.parse().unwrap()
}

/// A request from `ip`, as the trusted proxy forwards it.
async fn from(
    app: &TestApp,
    ip: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("X-Forwarded-For", ip)
        .json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("request")
}

async fn login_from(app: &TestApp, ip: &str, login: &str, password: &str) -> StatusCode {
    let body = json!({"login": login, "password": password});
    from(app, ip, Method::POST, "/auth/login", None, body)
        .await
        .status()
}

async fn register_from(app: &TestApp, ip: &str, username: &str) -> StatusCode {
    let body = json!({
        "username": username,
        "email": format!("{username}@example.org"),
        "password": PASSWORD,
    });
    from(app, ip, Method::POST, "/auth/register", None, body)
        .await
        .status()
}

async fn change_password_from(app: &TestApp, ip: &str, who: &Session, current: &str) -> Response {
    let body = json!({"current_password": current, "new_password": "a new passphrase"});
    let token = Some(who.access_token.as_str());
    from(app, ip, Method::PUT, "/me/password", token, body).await
}

async fn erase_from(app: &TestApp, ip: &str, who: &Session, password: &str) -> Response {
    let token = Some(who.access_token.as_str());
    let body = json!({"password": password});
    from(app, ip, Method::DELETE, "/me", token, body).await
}

const TOO_MANY: StatusCode = StatusCode::TOO_MANY_REQUESTS;

#[tokio::test]
async fn logins_from_one_ipv6_network_share_one_limit() {
    let limits = |l: &mut RateLimitSettings| l.login = rate("2/hour");
    for_each_backend_limited(limits, async |app| {
        app.register_reader("anna").await;

        let first = login_from(app, "2001:db8:1:2::1", "anna", PASSWORD).await;
        let second = login_from(app, "2001:db8:1:2::2", "anna", "wrong password").await;
        let third = login_from(app, "2001:db8:1:2:ffff:1:2:3", "anna", PASSWORD).await;
        let next_network = login_from(app, "2001:db8:1:3::1", "anna", PASSWORD).await;

        assert_eq!(
            [first, second, third, next_network],
            [
                StatusCode::OK,
                StatusCode::UNAUTHORIZED,
                TOO_MANY,
                StatusCode::OK
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn registrations_from_one_ipv6_network_share_one_limit() {
    let limits = |l: &mut RateLimitSettings| l.register = rate("2/hour");
    for_each_backend_limited(limits, async |app| {
        let statuses = [
            register_from(app, "2001:db8:5:6::a", "anna").await,
            register_from(app, "2001:db8:5:6::b", "bert").await,
            register_from(app, "2001:db8:5:6:1::c", "carl").await,
            register_from(app, "2001:db8:5:7::a", "dora").await,
        ];

        let created = StatusCode::CREATED;
        assert_eq!(statuses, [created, created, TOO_MANY, created]);
    })
    .await;
}

#[tokio::test]
async fn logins_to_one_name_are_limited_from_any_address() {
    let limits = |l: &mut RateLimitSettings| l.login_account = rate("2/hour");
    for_each_backend_limited(limits, async |app| {
        app.register_reader("anna").await;
        app.register_reader("bert").await;

        let statuses = [
            login_from(app, "198.51.100.1", "anna", "wrong password").await,
            login_from(app, "198.51.100.2", "anna", PASSWORD).await,
            // The same name in other case: the same budget, even with the right password.
            login_from(app, "198.51.100.3", "ANNA", PASSWORD).await,
            login_from(app, "198.51.100.3", "bert", PASSWORD).await,
        ];

        let (ok, wrong) = (StatusCode::OK, StatusCode::UNAUTHORIZED);
        assert_eq!(statuses, [wrong, ok, TOO_MANY, ok]);
        expect_problem(
            from(
                app,
                "198.51.100.4",
                Method::POST,
                "/auth/login",
                None,
                json!({"login": "anna", "password": PASSWORD}),
            )
            .await,
            TOO_MANY,
            "rate_limited",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn logins_to_unknown_names_are_limited_alike() {
    let limits = |l: &mut RateLimitSettings| l.login_account = rate("2/hour");
    for_each_backend_limited(limits, async |app| {
        app.register_reader("anna").await;

        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for n in 0..3 {
            known.push(login_from(app, &format!("198.51.100.{n}"), "anna", "guess").await);
            unknown.push(login_from(app, &format!("203.0.113.{n}"), "nobody", "guess").await);
        }

        assert_eq!(known, unknown, "a 429 must not tell which names exist");
        assert_eq!(
            unknown,
            [StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED, TOO_MANY]
        );
    })
    .await;
}

#[tokio::test]
async fn registrations_and_logins_of_all_clients_share_a_total() {
    let limits = |l: &mut RateLimitSettings| l.hashing_total = rate("3/hour");
    for_each_backend_limited(limits, async |app| {
        let statuses = [
            register_from(app, "198.51.100.1", "anna").await,
            login_from(app, "198.51.100.2", "anna", PASSWORD).await,
            register_from(app, "198.51.100.3", "bert").await,
            login_from(app, "198.51.100.4", "bert", PASSWORD).await,
            register_from(app, "198.51.100.5", "carl").await,
        ];

        let (ok, created) = (StatusCode::OK, StatusCode::CREATED);
        assert_eq!(statuses, [created, ok, created, TOO_MANY, TOO_MANY]);
    })
    .await;
}

#[tokio::test]
async fn current_password_checks_are_limited_per_account() {
    let limits = |l: &mut RateLimitSettings| l.password_check = rate("2/hour");
    for_each_backend_limited(limits, async |app| {
        let anna = app.register_reader("anna").await;

        let first = change_password_from(app, "198.51.100.1", &anna, "guess one").await;
        expect_problem(first, StatusCode::FORBIDDEN, "wrong_password").await;
        let second = erase_from(app, "198.51.100.2", &anna, "guess two").await;
        expect_problem(second, StatusCode::FORBIDDEN, "wrong_password").await;
        // A stolen token cannot try even the right password now, from anywhere.
        let third = change_password_from(app, "198.51.100.3", &anna, PASSWORD).await;
        expect_problem(third, TOO_MANY, "rate_limited").await;
        let fourth = erase_from(app, "198.51.100.4", &anna, PASSWORD).await;
        expect_problem(fourth, TOO_MANY, "rate_limited").await;

        app.me_ok(&anna).await;
        app.login_ok("anna", PASSWORD).await;
    })
    .await;
}

#[tokio::test]
async fn current_password_checks_are_limited_per_address() {
    let limits = |l: &mut RateLimitSettings| l.password_check = rate("2/hour");
    for_each_backend_limited(limits, async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let carl = app.register_reader("carl").await;
        let ip = "2001:db8:7:7::1";

        let anna_tries = change_password_from(app, ip, &anna, "guess").await;
        let bert_tries = erase_from(app, "2001:db8:7:7::2", &bert, "guess").await;
        let carl_tries = change_password_from(app, ip, &carl, PASSWORD).await;

        expect_problem(anna_tries, StatusCode::FORBIDDEN, "wrong_password").await;
        expect_problem(bert_tries, StatusCode::FORBIDDEN, "wrong_password").await;
        expect_problem(carl_tries, TOO_MANY, "rate_limited").await;
        let elsewhere = change_password_from(app, "198.51.100.9", &carl, PASSWORD).await;
        expect_status(elsewhere, StatusCode::NO_CONTENT).await;
    })
    .await;
}

#[tokio::test]
async fn wrong_current_passwords_spend_the_accounts_login_attempts() {
    let limits = |l: &mut RateLimitSettings| l.login_account = rate("2/hour");
    for_each_backend_limited(limits, async |app| {
        let anna = app.register_reader("anna").await;

        for guess in ["guess one", "guess two"] {
            let res = change_password_from(app, "198.51.100.1", &anna, guess).await;
            expect_problem(res, StatusCode::FORBIDDEN, "wrong_password").await;
        }

        assert_eq!(
            login_from(app, "203.0.113.1", "anna", PASSWORD).await,
            TOO_MANY
        );
    })
    .await;
}

#[tokio::test]
async fn likes_are_limited_per_account() {
    let limits = |l: &mut RateLimitSettings| l.like = rate("2/hour");
    for_each_backend_limited(limits, async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let carl = app.register_reader("carl").await;
        let comment = id_of(&app.comment_ok(&anna, "a", "Erster!", None).await);

        app.like_ok(&bert, comment).await;
        app.unlike_ok(&bert, comment).await;
        expect_problem(app.like(&bert, comment).await, TOO_MANY, "rate_limited").await;
        expect_problem(app.unlike(&bert, comment).await, TOO_MANY, "rate_limited").await;

        let other = app.like_ok(&carl, comment).await;
        assert_eq!(other["likes"], 1);
    })
    .await;
}

#[tokio::test]
async fn a_full_hashing_queue_answers_503_with_retry_after() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let app = TestApp::spawn_with(TestDb::new(backend), |s| {
            // The real cost on one thread, one hash waiting at most: a burst of logins
            // arrives far faster than they are hashed.
            s.passwords.memory_kib = 19_456;
            s.passwords.iterations = 2;
            s.passwords.max_concurrent = 1;
            s.passwords.max_queued = 1;
            s.passwords.queue_wait = std::time::Duration::ZERO;
        })
        .await;
        app.register_reader("anna").await;

        let attempts = (0..40).map(|_| async {
            let res = app.login("anna", "wrong password").await;
            let retry_after = res.headers().get("retry-after").cloned();
            let status = res.status();
            if status == StatusCode::SERVICE_UNAVAILABLE {
                expect_problem(res, status, "unavailable").await;
            }
            (status, retry_after)
        });
        let answers = join_all(attempts).await;

        let refused: Vec<_> = answers
            .iter()
            .filter(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
            .collect();
        assert!(!refused.is_empty(), "no login was refused: {answers:?}");
        assert!(
            refused.iter().all(|(_, retry)| retry.is_some()),
            "{refused:?}"
        );
        assert!(
            answers.iter().all(|(status, _)| [
                StatusCode::UNAUTHORIZED,
                StatusCode::SERVICE_UNAVAILABLE
            ]
            .contains(status)),
            "{answers:?}"
        );
        // Once the burst is through, logins are answered again.
        app.login_ok("anna", PASSWORD).await;
        app.stop().await;
    }
}
