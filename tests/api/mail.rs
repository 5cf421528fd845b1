//! Email over a real SMTP connection (a sink in the test process): verification and
//! reset links, answers that tell nothing, the account's language, hidden taken
//! addresses, single sign-on's vouched addresses, a crash after commit, no SMTP.

use std::collections::HashSet;
use std::process::Child;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use tribune::mail::{MailSettings, SmtpServer};
use tribune::settings::Settings;

use crate::helpers::{
    PASSWORD, SSO_SECRET, SmtpSink, TestApp, TestDb, backends, expect_problem, expect_status,
    for_each_backend, free_port, serve_binary, tribune_command, wait_until_up,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// Mail through `sink`, with quick polls and retries.
pub(crate) fn mail_settings(sink: &SmtpSink) -> MailSettings {
    MailSettings {
        smtp: Some(SmtpServer::Url(SecretString::from(sink.url()))),
        from: Some("Kommentare <kommentare@zeitung.de>".into()),
        public_url: Some("https://kommentare.zeitung.de".into()),
        poll_interval: Duration::from_millis(20),
        backoff_base: Duration::from_millis(50),
        timeout: Duration::from_secs(5),
        ..MailSettings::default()
    }
}

/// Runs `test` once per backend against an app that mails through a fresh sink.
pub(crate) async fn with_mail(
    adjust: impl Fn(&mut Settings),
    test: impl AsyncFn(&TestApp, &SmtpSink),
) {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let sink = SmtpSink::start().await;
        let app = TestApp::spawn_with(TestDb::new(backend), |s| {
            s.mail = mail_settings(&sink);
            adjust(s);
        })
        .await;
        test(&app, &sink).await;
        app.stop().await;
    }
}

pub(crate) fn email_of(username: &str) -> String {
    format!("{username}@example.org")
}

/// The token with one character of its signature changed.
fn tampered(token: &str) -> String {
    let (head, signature) = token.rsplit_once('.').unwrap();
    let mut chars: Vec<char> = signature.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    format!("{head}.{}", chars.into_iter().collect::<String>())
}

pub(crate) async fn verify(app: &TestApp, token: &str) -> reqwest::Response {
    app.post("/auth/verify-email", None, &json!({ "token": token }))
        .await
}

async fn ask_reset(app: &TestApp, email: &str) -> reqwest::Response {
    app.post("/auth/password-reset", None, &json!({ "email": email }))
        .await
}

async fn confirm_reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post(
        "/auth/password-reset/confirm",
        None,
        &json!({ "token": token, "new_password": password }),
    )
    .await
}

/// Registers `username` and verifies its address through the mailed link.
pub(crate) async fn verified_reader(
    app: &TestApp,
    sink: &SmtpSink,
    username: &str,
) -> crate::helpers::Session {
    let session = app.register_reader(username).await;
    let mail = sink.wait_for(&email_of(username), 1).await;
    expect_status(verify(app, &mail.token()).await, StatusCode::NO_CONTENT).await;
    session
}

#[tokio::test]
async fn a_verification_link_works_once_until_it_expires_and_not_when_tampered_with() {
    with_mail(
        |_| {},
        async |app, sink| {
            let anna = app.register_reader("anna").await;
            assert_eq!(app.me_ok(&anna).await["email_verified"], false);
            let mail = sink.wait_for("anna@example.org", 1).await;
            assert_eq!(mail.from, "kommentare@zeitung.de");
            assert!(
                mail.header("Content-Type")
                    .unwrap()
                    .starts_with("multipart/alternative"),
                "{}",
                mail.raw
            );
            let text = mail.text();
            assert!(
                text.contains("https://kommentare.zeitung.de/account/verify-email?lang=en#token="),
                "{text}"
            );
            let html = mail.part("text/html").unwrap();
            assert!(
                html.contains(
                    "<a href=\"https://kommentare.zeitung.de/account/verify-email?lang=en#token="
                ),
                "{html}"
            );
            assert!(!html.contains("<img"), "no tracking pixels: {html}");
            let token = mail.token();

            let refused = verify(app, &tampered(&token)).await;
            expect_problem(refused, StatusCode::BAD_REQUEST, "invalid_link").await;
            assert_eq!(app.me_ok(&anna).await["email_verified"], false);

            expect_status(verify(app, &token).await, StatusCode::NO_CONTENT).await;
            assert_eq!(app.me_ok(&anna).await["email_verified"], true);
            let reused = verify(app, &token).await;
            expect_problem(reused, StatusCode::BAD_REQUEST, "invalid_link").await;
            let again = app
                .post("/me/email/verify", Some(&anna.access_token), &json!({}))
                .await;
            expect_problem(again, StatusCode::CONFLICT, "email_already_verified").await;

            // A link past its day does not verify; a new one, asked for, does.
            app.register_reader("bert").await;
            let old = sink.wait_for("bert@example.org", 1).await.token();
            app.clock.advance(TimeDelta::hours(25));
            expect_problem(
                verify(app, &old).await,
                StatusCode::BAD_REQUEST,
                "invalid_link",
            )
            .await;
            let bert = app.login_ok("bert", PASSWORD).await;
            assert_eq!(app.me_ok(&bert).await["email_verified"], false);
            let asked = app
                .post("/me/email/verify", Some(&bert.access_token), &json!({}))
                .await;
            expect_status(asked, StatusCode::ACCEPTED).await;
            let fresh = sink.wait_for("bert@example.org", 2).await.token();
            expect_status(verify(app, &fresh).await, StatusCode::NO_CONTENT).await;
            assert_eq!(app.me_ok(&bert).await["email_verified"], true);
        },
    )
    .await;
}

#[tokio::test]
async fn a_reset_request_answers_alike_and_mails_only_a_verified_address() {
    with_mail(
        |_| {},
        async |app, sink| {
            verified_reader(app, sink, "anna").await;
            app.register_reader("carl").await; // never verified
            sink.wait_for("carl@example.org", 1).await;

            let mut answers = Vec::new();
            for email in [
                "nobody@example.org",
                "carl@example.org",
                "anna@example.org",
                "ANNA@example.org",
            ] {
                let res = ask_reset(app, email).await;
                let status = res.status();
                let content_type = res.headers().get("content-type").cloned();
                answers.push((status, content_type, res.text().await.unwrap()));
            }
            assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
            assert_eq!(answers[0].0, StatusCode::ACCEPTED);

            let reset = sink.wait_for("anna@example.org", 3).await;
            assert!(reset.text().contains("/account/reset-password?lang="));
            sink.expect_exactly("anna@example.org", 3).await;
            // The unverified address got its verification mail and nothing else.
            sink.expect_exactly("carl@example.org", 1).await;
            sink.expect_exactly("nobody@example.org", 0).await;

            let invalid = ask_reset(app, "not an address").await;
            expect_problem(
                invalid,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
        },
    )
    .await;
}

#[tokio::test]
async fn a_reset_sets_the_password_ends_every_session_and_its_link_works_once() {
    with_mail(
        |_| {},
        async |app, sink| {
            let anna = verified_reader(app, sink, "anna").await;
            let phone = app.login_ok("anna", PASSWORD).await;
            expect_status(
                ask_reset(app, "anna@example.org").await,
                StatusCode::ACCEPTED,
            )
            .await;
            let first = sink.wait_for("anna@example.org", 2).await.token();
            expect_status(
                ask_reset(app, "anna@example.org").await,
                StatusCode::ACCEPTED,
            )
            .await;
            let second = sink.wait_for("anna@example.org", 3).await.token();

            let weak = confirm_reset(app, &second, "short").await;
            expect_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            let forged = confirm_reset(app, &tampered(&second), NEW_PASSWORD).await;
            expect_problem(forged, StatusCode::BAD_REQUEST, "invalid_link").await;
            // A verification link is no reset link.
            let verification = sink.mails_to("anna@example.org")[0].token();
            let wrong_kind = confirm_reset(app, &verification, NEW_PASSWORD).await;
            expect_problem(wrong_kind, StatusCode::BAD_REQUEST, "invalid_link").await;
            expect_status(
                confirm_reset(app, &second, NEW_PASSWORD).await,
                StatusCode::NO_CONTENT,
            )
            .await;

            for session in [&anna, &phone] {
                expect_problem(
                    app.me(session).await,
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                )
                .await;
                let refreshed = app.refresh(&session.refresh_token).await;
                assert_eq!(refreshed.status(), StatusCode::UNAUTHORIZED);
            }
            let old = app.login("anna", PASSWORD).await;
            expect_problem(old, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
            app.login_ok("anna", NEW_PASSWORD).await;

            let reused = confirm_reset(app, &second, "yet another passphrase").await;
            expect_problem(reused, StatusCode::BAD_REQUEST, "invalid_link").await;
            // The other link was sent for the password that is gone.
            let stale = confirm_reset(app, &first, "yet another passphrase").await;
            expect_problem(stale, StatusCode::BAD_REQUEST, "invalid_link").await;
            app.login_ok("anna", NEW_PASSWORD).await;

            // Links expire.
            expect_status(
                ask_reset(app, "anna@example.org").await,
                StatusCode::ACCEPTED,
            )
            .await;
            let late = sink.wait_for("anna@example.org", 4).await.token();
            app.clock.advance(TimeDelta::minutes(61));
            let expired = confirm_reset(app, &late, "yet another passphrase").await;
            expect_problem(expired, StatusCode::BAD_REQUEST, "invalid_link").await;
        },
    )
    .await;
}

#[tokio::test]
async fn mail_comes_in_the_language_the_account_chose() {
    with_mail(|_| {}, async |app, sink| {
        let res = app
            .post(
                "/auth/register",
                None,
                &json!({"username": "linh", "email": "linh@example.org", "password": PASSWORD, "language": "vi"}),
            )
            .await;
        let body = expect_status(res, StatusCode::CREATED).await;
        assert_eq!(body["user"]["language"], "vi");
        let token = body["access_token"].as_str().unwrap().to_owned();
        let mail = sink.wait_for("linh@example.org", 1).await;
        assert!(mail.subject().starts_with("Vui lòng xác nhận"), "{}", mail.subject());
        assert!(mail.text().contains("Xin chào linh"), "{}", mail.text());

        let unknown = app
            .send_json(reqwest::Method::PATCH, "/me", Some(&token), &json!({"language": "fr"}))
            .await;
        expect_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let changed = app
            .send_json(reqwest::Method::PATCH, "/me", Some(&token), &json!({"language": "de"}))
            .await;
        assert_eq!(expect_status(changed, StatusCode::OK).await["language"], "de");
        expect_status(app.post("/me/email/verify", Some(&token), &json!({})).await, StatusCode::ACCEPTED).await;
        let mail = sink.wait_for("linh@example.org", 2).await;
        assert!(mail.subject().starts_with("Bitte bestätigen"), "{}", mail.subject());
        assert!(mail.part("text/html").unwrap().contains("lang=\"de\""));

        // Without a choice, the default language.
        app.register_reader("emma").await;
        let mail = sink.wait_for("emma@example.org", 1).await;
        assert!(mail.subject().starts_with("Please confirm"), "{}", mail.subject());
    })
    .await;
}

#[tokio::test]
async fn without_smtp_nothing_is_sent_and_the_mail_features_say_so() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        assert_eq!(app.me_ok(&anna).await["email_verified"], false);
        let reset = ask_reset(app, "anna@example.org").await;
        expect_problem(reset, StatusCode::CONFLICT, "mail_not_configured").await;
        let verify = app
            .post("/me/email/verify", Some(&anna.access_token), &json!({}))
            .await;
        expect_problem(verify, StatusCode::CONFLICT, "mail_not_configured").await;
    })
    .await;
}

#[tokio::test]
async fn with_taken_addresses_hidden_registration_answers_alike() {
    with_mail(
        |s| s.mail.hide_email_taken = true,
        async |app, sink| {
            let register = async |username: &str, email: &str| {
                app.post(
                    "/auth/register",
                    None,
                    &json!({"username": username, "email": email, "password": PASSWORD}),
                )
                .await
            };
            let free = expect_status(
                register("anna", "anna@example.org").await,
                StatusCode::ACCEPTED,
            )
            .await;
            assert_eq!(
                free,
                json!({"status": "verification_required", "email": "anna@example.org"})
            );
            let link = sink.wait_for("anna@example.org", 1).await.token();
            // Before the address is verified the account does not log in (its owner, who
            // knows the password, is sent a fresh link).
            expect_problem(
                app.login("anna", PASSWORD).await,
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            )
            .await;
            sink.wait_for("anna@example.org", 2).await;
            expect_status(verify(app, &link).await, StatusCode::NO_CONTENT).await;
            app.login_ok("anna", PASSWORD).await;

            let taken = expect_status(
                register("mallory", "anna@example.org").await,
                StatusCode::ACCEPTED,
            )
            .await;
            assert_eq!(taken, free, "a taken address answers as a free one");
            let notice = sink.wait_for("anna@example.org", 3).await;
            assert!(
                notice
                    .subject()
                    .starts_with("Registration with your email address"),
                "{}",
                notice.subject()
            );
            assert!(!notice.text().contains("#token="));
            expect_problem(
                app.login("mallory", PASSWORD).await,
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            )
            .await;

            // A taken username is said either way.
            let name = register("anna", "other@example.org").await;
            expect_problem(name, StatusCode::CONFLICT, "username_taken").await;
            let both = register("anna", "anna@example.org").await;
            expect_problem(both, StatusCode::CONFLICT, "username_taken").await;
        },
    )
    .await;
}

/// The status of the account `user_id`.
fn status_of(app: &TestApp, user_id: i64) -> String {
    use diesel::prelude::*;
    use tribune::db::schema::users;
    app.db
        .connect()
        .with_writer_blocking(|conn| {
            Ok(users::table
                .find(user_id)
                .select(users::status)
                .first::<String>(conn)?)
        })
        .expect("read status")
}

/// The id of the live account named `username`, if any.
fn live_account(app: &TestApp, username: &str) -> Option<i64> {
    use diesel::prelude::*;
    use tribune::db::schema::users;
    app.db
        .connect()
        .with_writer_blocking(|conn| {
            Ok(users::table
                .filter(users::username.eq(username))
                .filter(users::status.ne("deleted"))
                .select(users::id)
                .first::<i64>(conn)
                .optional()?)
        })
        .expect("read account")
}

#[tokio::test]
async fn with_taken_addresses_hidden_the_username_does_not_tell_either() {
    with_mail(
        |s| {
            s.mail.hide_email_taken = true;
            s.mail.prune_every = Duration::from_millis(50);
        },
        async |app, sink| {
            let register = async |username: &str, email: &str| {
                app.post(
                    "/auth/register",
                    None,
                    &json!({"username": username, "email": email, "password": PASSWORD}),
                )
                .await
            };
            // anna's address is taken (and verified).
            expect_status(
                register("anna", "anna@example.org").await,
                StatusCode::ACCEPTED,
            )
            .await;
            let link = sink.wait_for("anna@example.org", 1).await.token();
            expect_status(verify(app, &link).await, StatusCode::NO_CONTENT).await;

            // The probe: a made-up username with the address in question, then the same
            // username with another address. Taken and free addresses must look alike.
            for (probe, address) in [
                ("probe_t", "anna@example.org"),
                ("probe_f", "free@example.org"),
            ] {
                expect_status(register(probe, address).await, StatusCode::ACCEPTED).await;
                let again = register(probe, &format!("{probe}@example.org")).await;
                expect_problem(again, StatusCode::CONFLICT, "username_taken").await;
                // So is the name in other letter case.
                let upper = register(&probe.to_uppercase(), "x@example.org").await;
                expect_problem(upper, StatusCode::CONFLICT, "username_taken").await;
            }
            let pending = live_account(app, "probe_f").expect("the free address made an account");
            assert_eq!(
                live_account(app, "probe_t"),
                None,
                "the taken one made none"
            );

            // Past the hold: both names are free again at the same moment; the account
            // that never verified is erased, the verified one stays.
            app.clock
                .advance(TimeDelta::days(7) + TimeDelta::minutes(1));
            let deadline = Instant::now() + Duration::from_secs(10);
            while status_of(app, pending) != "deleted" {
                assert!(
                    Instant::now() < deadline,
                    "the unverified account was not erased"
                );
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            for probe in ["probe_t", "probe_f"] {
                let later = register(probe, &format!("{probe}.later@example.org")).await;
                expect_status(later, StatusCode::ACCEPTED).await;
            }
            let anna = sink.wait_for("anna@example.org", 2).await;
            assert!(
                !anna.text().contains("#token="),
                "anna got the notice, not a link"
            );
            app.login_ok("anna", PASSWORD).await;
        },
    )
    .await;
}

#[tokio::test]
async fn an_address_the_publisher_vouches_for_counts_as_verified() {
    with_mail(|_| {}, async |app, sink| {
        let sign = |claims: Value| {
            let now = chrono::Utc::now().timestamp();
            let mut claims = claims;
            claims["iat"] = json!(now);
            claims["exp"] = json!(now + 300);
            claims["jti"] = json!(uuid::Uuid::new_v4().to_string());
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(SSO_SECRET.as_bytes()),
            )
            .unwrap()
        };
        let vouched = sign(json!({"sub": "p-1", "username": "vera", "email": "vera@zeitung.de", "email_verified": true}));
        let body = expect_status(app.sso(&vouched).await, StatusCode::OK).await;
        assert_eq!(body["user"]["email_verified"], true);
        let unvouched = sign(json!({"sub": "p-2", "username": "walt", "email": "walt@zeitung.de"}));
        let body = expect_status(app.sso(&unvouched).await, StatusCode::OK).await;
        assert_eq!(body["user"]["email_verified"], false);

        // Neither gets a reset link, alike: accounts of the publisher's sign-on have no
        // password here, and a reset must not give them a second way in.
        expect_status(ask_reset(app, "vera@zeitung.de").await, StatusCode::ACCEPTED).await;
        expect_status(ask_reset(app, "walt@zeitung.de").await, StatusCode::ACCEPTED).await;
        sink.expect_exactly("vera@zeitung.de", 0).await;
        sink.expect_exactly("walt@zeitung.de", 0).await;
    })
    .await;
}

#[tokio::test]
async fn reset_requests_are_limited_per_address_alike_for_unknown_ones() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let sink = SmtpSink::start().await;
        let app = TestApp::spawn_with(TestDb::new(backend), |s| {
            s.mail = mail_settings(&sink);
            s.rate_limits.enabled = true;
            s.rate_limits.register = "100/hour".parse().unwrap();
            s.rate_limits.hashing_total = "100/second".parse().unwrap();
            s.rate_limits.password_reset = "2/hour".parse().unwrap();
        })
        .await;
        verified_reader(&app, &sink, "anna").await;
        for email in ["anna@example.org", "nobody@example.org"] {
            for _ in 0..2 {
                expect_status(ask_reset(&app, email).await, StatusCode::ACCEPTED).await;
            }
            let third = ask_reset(&app, email).await;
            assert!(third.headers().contains_key("retry-after"));
            expect_problem(third, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        }
        sink.expect_exactly("anna@example.org", 3).await;
        app.stop().await;
    }
}

fn start_server(database: &str, port: u16, sink: &SmtpSink) -> Child {
    serve_binary(
        database,
        port,
        &[
            ("TRIBUNE_SMTP_URL", &sink.url()),
            ("TRIBUNE_MAIL_FROM", "kommentare@zeitung.de"),
            ("TRIBUNE_PUBLIC_URL", "https://kommentare.zeitung.de"),
            ("TRIBUNE_MAIL_POLL_INTERVAL_MS", "20"),
            ("TRIBUNE_MAIL_BACKOFF_BASE_MS", "50"),
            // Mail a killed worker held is taken up again once its lease (8 × this + 1 s) ends.
            ("TRIBUNE_MAIL_TIMEOUT_MS", "500"),
        ],
    )
}

#[tokio::test]
async fn a_sigkill_after_commit_still_delivers_each_mail_once() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = TestDb::new(backend);
        let database = db.url.clone();
        assert!(
            tribune_command(&database)
                .arg("migrate")
                .status()
                .unwrap()
                .success()
        );
        // Until the crash the mail server refuses everything: all mail stays queued.
        let sink = SmtpSink::start().await;
        sink.refuse(u32::MAX);
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let mut server = start_server(&database, port, &sink);
        wait_until_up(&client, &base).await;

        let registrants = (0..2).map(|w| {
            let (client, base) = (client.clone(), base.clone());
            async move {
                let mut acknowledged = Vec::new();
                for n in 0.. {
                    let email = format!("r{w}n{n}@example.org");
                    let sent = client
                        .post(format!("{base}/api/v1/auth/register"))
                        .json(&json!({"username": format!("r{w}n{n}"), "email": email, "password": PASSWORD}))
                        .send()
                        .await;
                    match sent {
                        Ok(res) if res.status() == StatusCode::CREATED => acknowledged.push(email),
                        Ok(res) => panic!("unexpected {}", res.status()),
                        Err(_) => break,
                    }
                }
                acknowledged
            }
        });
        let killer = async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            server.kill().unwrap();
            server.wait().unwrap();
        };
        let (acknowledged, ()) = tokio::join!(futures::future::join_all(registrants), killer);
        let acknowledged: HashSet<String> = acknowledged.into_iter().flatten().collect();
        assert!(
            acknowledged.len() >= 3,
            "only {} registrations",
            acknowledged.len()
        );
        assert!(sink.mails().is_empty());

        sink.refuse(0);
        let mut server = start_server(&database, port, &sink);
        wait_until_up(&client, &base).await;
        sink.wait_until(Duration::from_secs(60), |mails| {
            let got: HashSet<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
            acknowledged.is_subset(&got)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mails = sink.mails();
        for email in &acknowledged {
            let to: Vec<_> = mails.iter().filter(|m| m.to.contains(email)).collect();
            assert_eq!(to.len(), 1, "{email} got {} mails", to.len());
        }
        let ids: HashSet<_> = mails.iter().map(|m| m.header("Message-ID")).collect();
        assert_eq!(ids.len(), mails.len(), "every mail once");
        server.kill().unwrap();
        server.wait().unwrap();
    }
}
