//! Production behaviour: rate limits, CORS, metrics, login floods, several instances,
//! crashes and shutdown.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tribune::limits::RateLimitSettings;

use crate::helpers::{
    Anonymous, Ban, PASSWORD, TestApp, TestDb, backends, expect_problem, expect_status,
    for_each_backend, free_port, id_of, post_until_killed, serve_binary, tribune_command,
    wait_until_up,
};

fn limits(change: impl FnOnce(&mut RateLimitSettings)) -> RateLimitSettings {
    let mut limits = RateLimitSettings::default();
    change(&mut limits);
    limits
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_recover() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let app = TestApp::spawn_with(TestDb::new(backend), |s| {
            s.rate_limits = limits(|l| {
                l.login = "2/second".parse().unwrap();
                l.register = "3/hour".parse().unwrap();
                l.post = "2/minute".parse().unwrap();
            });
        })
        .await;
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;

        // Per IP: the third login within a second waits.
        app.login_ok("anna", PASSWORD).await;
        app.login_ok("anna", PASSWORD).await;
        let res = app.login("anna", PASSWORD).await;
        let retry_after: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry_after));
        expect_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        app.login_ok("anna", PASSWORD).await;

        let res = app.register("carl", "carl@example.org", PASSWORD).await;
        expect_status(res, StatusCode::CREATED).await;
        expect_problem(
            app.register("dora", "dora@example.org", PASSWORD).await,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
        )
        .await;

        // Per account: Anna's third comment waits, Bert's first does not.
        app.comment_ok(&anna, "a", "1", None).await;
        app.comment_ok(&anna, "a", "2", None).await;
        expect_problem(
            app.comment(&anna, "a", "3", None).await,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
        )
        .await;
        app.comment_ok(&bert, "a", "b1", None).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    for (trusted, separate) in [(vec!["127.0.0.1".parse().unwrap()], true), (vec![], false)] {
        let app = TestApp::spawn_with(TestDb::new(crate::helpers::Backend::Sqlite), |s| {
            s.rate_limits = limits(|l| l.login = "1/minute".parse().unwrap());
            s.trusted_proxies = trusted;
        })
        .await;
        app.register_reader("anna").await;
        let login = |ip: &'static str| {
            app.client
                .post(app.url("/auth/login"))
                .header("X-Forwarded-For", ip)
                .json(&json!({"login": "anna", "password": PASSWORD}))
                .send()
        };
        assert_eq!(login("203.0.113.1").await.unwrap().status(), StatusCode::OK);
        let other = login("203.0.113.2").await.unwrap().status();
        let expected = if separate {
            StatusCode::OK
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(other, expected, "trusted proxy: {separate}");
        assert_eq!(
            login("203.0.113.1").await.unwrap().status(),
            StatusCode::TOO_MANY_REQUESTS
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::spawn_with(TestDb::new(crate::helpers::Backend::Sqlite), |s| {
        s.cors_origins = vec!["https://www.zeitung.de".into()];
    })
    .await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/comments"))
        .header("Origin", "https://www.zeitung.de")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::OK);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://www.zeitung.de"
    );

    let res = app
        .client
        .get(app.url("/counts?article=a"))
        .header("Origin", "https://www.zeitung.de")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://www.zeitung.de"
    );
    assert!(
        res.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("etag")
    );

    let res = app
        .client
        .get(app.url("/counts?article=a"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    app.stop().await;

    // By default no origin is allowed.
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let res = app
        .client
        .get(app.url("/counts?article=a"))
        .header("Origin", "https://www.zeitung.de")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    app.stop().await;
}

#[tokio::test]
async fn metrics_expose_requests_latency_pools_comments_and_queues() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let c = app.comment_ok(&anna, "a", "hallo", None).await;
        app.get_comment_ok(&Anonymous, id_of(&c)).await;

        let res = app.get("/metrics", None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        let text = res.text().await.unwrap();
        for expected in [
            r#"http_requests_total{method="GET",route="/api/v1/comments/{id}",status="200"}"#,
            r#"http_requests_total{method="POST",route="/api/v1/comments",status="201"}"#,
            "http_request_duration_seconds_bucket{",
            r#"db_pool_connections{"#,
            r#"comments{status="approved"}"#,
            r#"moderation_queue_depth{queue="pending"}"#,
        ] {
            assert!(text.contains(expected), "missing {expected} in\n{text}");
        }
    })
    .await;
}

#[tokio::test]
async fn counts_keep_answering_while_a_login_flood_queues() {
    const LOGINS: usize = 500;
    let app = TestApp::spawn_with(TestDb::new(crate::helpers::Backend::Sqlite), |s| {
        // The real cost, two hashes at a time.
        s.passwords.memory_kib = 19_456;
        s.passwords.iterations = 2;
        s.passwords.max_concurrent = 2;
        // Every login waits its turn here (the queue's bound has its own test).
        s.passwords.max_queued = LOGINS;
        // On a machine busy with other work the last of 500 real-cost hashes can be
        // more than 30 s away; a 408 is not what this test is about.
        s.request_timeout = Duration::from_secs(300);
    })
    .await;
    let anna = app.register_reader("anna").await;
    app.comment_ok(&anna, "a", "eins", None).await;
    let done = Arc::new(AtomicUsize::new(0));

    let client = &app;
    let flood = join_all((0..LOGINS).map(|i| {
        let done = done.clone();
        async move {
            let password = if i % 2 == 0 {
                PASSWORD
            } else {
                "wrong password"
            };
            let status = client.login("anna", password).await.status();
            done.fetch_add(1, Ordering::SeqCst);
            status
        }
    }));
    let reads = async {
        let mut answered_during_flood = 0;
        for _ in 0..20 {
            let counts = app.counts(&["a"]).await;
            assert_eq!(counts["a"], 1);
            if done.load(Ordering::SeqCst) < LOGINS {
                answered_during_flood += 1;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        answered_during_flood
    };
    let (statuses, answered_during_flood) = tokio::join!(flood, reads);

    assert!(
        answered_during_flood >= 10,
        "counts answered {answered_during_flood} times while logins queued"
    );
    let mut by_status = std::collections::BTreeMap::new();
    for status in &statuses {
        *by_status.entry(status.as_u16()).or_insert(0) += 1;
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        LOGINS / 2,
        "answers by status: {by_status:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        LOGINS / 2
    );
    app.stop().await;
}

#[tokio::test]
async fn two_instances_share_bans_roles_and_counts() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = TestDb::new(backend);
        let a = TestApp::spawn_with(db.clone(), |_| {}).await;
        let b = TestApp::spawn_with(db.clone(), |_| {}).await;
        let moderator = a.account_with_role("moderator", "moderator").await;
        let anna = a.register_reader("anna").await;

        b.comment_ok(&anna, "shared", "über B", None).await;
        assert_eq!(
            a.counts(&["shared"]).await["shared"],
            1,
            "A counts what B stored"
        );

        a.ban_ok(&moderator, anna.user_id, &Ban::new("Spam")).await;
        // B kept anna's account as the database had it, until a commit it did not make:
        // A's, which B's watcher sees within a few milliseconds.
        tokio::time::sleep(Duration::from_millis(100)).await;
        expect_problem(
            b.comment(&anna, "shared", "trotzdem", None).await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;

        a.set_role_in_db(moderator.user_id, "reader");
        expect_problem(
            b.queue(&moderator, "").await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        a.stop().await;
        b.stop().await;
    }
}

/// The binary as the sigkill and sigterm tests start it.
fn start_server(database: &str, port: u16) -> Child {
    serve_binary(database, port, &[])
}

#[tokio::test]
async fn acknowledged_comments_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("crash.db").to_string_lossy().into_owned();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start_server(&database, port);
    wait_until_up(&client, &base).await;
    let body = json!({"username": "crashtest", "email": "crash@example.org", "password": PASSWORD});
    let registered: Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = registered["access_token"].as_str().unwrap().to_owned();

    // Eight clients post as fast as they can; the server is killed under them.
    let acknowledged = post_until_killed(&mut server, &client, &base, &token, 8).await;
    assert!(
        acknowledged.len() > 20,
        "only {} posts before the kill",
        acknowledged.len()
    );

    let mut server = start_server(&database, port);
    wait_until_up(&client, &base).await;
    for id in &acknowledged {
        let res = client
            .get(format!("{base}/api/v1/comments/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "acknowledged comment {id} is lost"
        );
    }
    let counts: Value = client
        .get(format!("{base}/api/v1/counts?article=crash"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let counted = counts["counts"]["crash"].as_i64().unwrap();
    // Posts committed in the instant before the kill may lack their answer, never the reverse.
    assert!(counted >= acknowledged.len() as i64);
    let list: Value = client
        .get(format!("{base}/api/v1/comments?article=crash&limit=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["article"]["comment_count"], counted);
    server.kill().unwrap();
    server.wait().unwrap();
    let stored = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use tribune::db::schema::comments;
        let db = tribune::db::Db::connect(&tribune::db::DbSettings {
            url: database,
            pool_size: 1,
            pool_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
        })
        .unwrap();
        db.with_writer_blocking(|conn| {
            Ok(comments::table
                .filter(comments::status.eq("approved"))
                .count()
                .get_result::<i64>(conn)?)
        })
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(stored, counted, "the count equals the stored comments");
}

#[tokio::test]
async fn sigterm_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("term.db").to_string_lossy().into_owned();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = start_server(&database, port);
    wait_until_up(&client, &base).await;

    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = server.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
    assert!(client.get(format!("{base}/healthz")).send().await.is_err());
}

#[tokio::test]
async fn sigint_finishes_in_flight_requests_like_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("int.db").to_string_lossy().into_owned();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    // Costly hashing, so a registration is still running when the signal arrives.
    let mut server = tribune_command(&database)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env("TRIBUNE_RATE_LIMITS", "off")
        .env("TRIBUNE_ARGON2_ITERATIONS", "80")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_up(&client, &base).await;

    let body = json!({"username": "spaet", "email": "spaet@example.org", "password": PASSWORD});
    let started = Instant::now();
    let in_flight = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&body)
        .send();
    let interrupt = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let status = Command::new("kill")
            .args(["-INT", &server.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    let (res, ()) = tokio::join!(in_flight, interrupt);
    let res = res.expect("the in-flight request is answered, not dropped");
    assert!(
        started.elapsed() > Duration::from_millis(150),
        "the registration finished before the signal: make hashing costlier"
    );
    assert_eq!(res.status(), StatusCode::CREATED);

    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = server.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGINT");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
    assert!(client.get(format!("{base}/healthz")).send().await.is_err());
}

#[tokio::test]
async fn forwarded_requests_from_an_untrusted_peer_are_warned_about_once() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("xff.db").to_string_lossy().into_owned();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut server = tribune_command(&database)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_up(&client, &base).await;
    for _ in 0..3 {
        let res = client
            .get(format!("{base}/healthz"))
            .header("X-Forwarded-For", "203.0.113.7")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    server.kill().unwrap();
    let out = server.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let warnings = log.matches("TRIBUNE_TRUSTED_PROXIES").count();
    assert_eq!(warnings, 1, "{log}");
    assert!(
        log.contains("X-Forwarded-For from a peer that is not a trusted proxy"),
        "{log}"
    );
}

#[tokio::test]
async fn a_refused_cors_preflight_is_a_problem_with_the_security_headers() {
    let app = TestApp::spawn_with(TestDb::new(crate::helpers::Backend::Sqlite), |s| {
        s.cors_origins = vec!["https://www.zeitung.de".into()];
    })
    .await;
    for (origin, method) in [
        ("https://evil.example", "POST"),
        ("https://www.zeitung.de", "TRACE"),
    ] {
        let res = app
            .client
            .request(reqwest::Method::OPTIONS, app.url("/comments"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer");
        assert!(res.headers().get("access-control-allow-origin").is_none());
        let problem = expect_problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("TRIBUNE_CORS_ORIGINS")
        );
    }
    // Refusals of the gate carry the headers too.
    let res = app.get("/me", None).await;
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    app.stop().await;
}
