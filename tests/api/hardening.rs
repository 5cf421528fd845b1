//! What a security review found, each closed: authorisation before any parsing, staff
//! in bad standing without powers, metrics without unbounded labels.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tribune::routes::gate::Access;

use crate::helpers::{Ban, TestApp, expect_problem, for_each_backend, id_of};

const A: &str = "artikel-1";

/// A request to `path` (its `{id}` unparseable) with a body and query that cannot be
/// read, as `token`.
async fn garbled(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> StatusCode {
    let url = app.url(&format!(
        "{}?limit=many&article=",
        path.replace("{id}", "abc")
    ));
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut req = app
        .client
        .request(method, url)
        .header("content-type", "application/json")
        .body("{\"not json");
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn every_protected_route_refuses_anonymous_callers_before_reading_the_request() {
    for_each_backend(async |app: &TestApp| {
        let routes = tribune::routes::access();
        assert!(routes.iter().all(|(_, _, access)| access.is_some()));
        for (method, path, access) in routes {
            if matches!(access, Some(Access::Public | Access::Operator)) {
                continue;
            }
            // Extractors race; one try could pass by luck, ten in a row cannot.
            for _ in 0..10 {
                let status = garbled(app, method, path, None).await;
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn staff_routes_refuse_readers_before_reading_the_request() {
    for_each_backend(async |app: &TestApp| {
        let reader = app.register_reader("leser").await;
        for (method, path, access) in tribune::routes::access() {
            if !matches!(access, Some(Access::Moderator | Access::Admin)) {
                continue;
            }
            for _ in 0..10 {
                let status = garbled(app, method, path, Some(&reader.access_token)).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn an_invalid_token_is_refused_before_a_bad_body_is_read() {
    for_each_backend(async |app: &TestApp| {
        for _ in 0..10 {
            let status = garbled(app, "post", "/comments", Some("not-a-token")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            // Public routes too: a token that is sent must be valid.
            let status = garbled(app, "get", "/comments", Some("not-a-token")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
    })
    .await;
}

#[tokio::test]
async fn banned_and_suspended_moderators_keep_no_powers() {
    for_each_backend(async |app: &TestApp| {
        let admin = app.account_with_role("chefin", "admin").await;
        let banned = app.account_with_role("gesperrt", "moderator").await;
        let suspended = app.account_with_role("pausiert", "moderator").await;
        let reader = app.register_reader("leser").await;
        let comment = id_of(&app.comment_ok(&reader, A, "Hallo", None).await);
        app.ban_ok(&admin, banned.user_id, &Ban::new("abuse of powers"))
            .await;
        let until = chrono::Utc::now() + chrono::TimeDelta::days(3);
        app.ban_ok(
            &admin,
            suspended.user_id,
            &Ban::new("cooling off").until(until),
        )
        .await;
        for staff in [&banned, &suspended] {
            let rejected = app.reject(staff, comment, "spam", None).await;
            expect_problem(rejected, StatusCode::FORBIDDEN, "account_banned").await;
            let ban = app.ban(staff, reader.user_id, &Ban::new("x")).await;
            expect_problem(ban, StatusCode::FORBIDDEN, "account_banned").await;
            let close = app
                .update_article(staff, A, &json!({"status": "closed"}))
                .await;
            expect_problem(close, StatusCode::FORBIDDEN, "account_banned").await;
            let users = app.find_users(staff, "le").await;
            expect_problem(users, StatusCode::FORBIDDEN, "account_banned").await;
        }
        // Nothing they tried took effect.
        let article = app.article_ok(A).await;
        assert_eq!(article["status"], "open");
        assert_eq!(
            app.get_comment_ok(&reader, comment).await["status"],
            "approved"
        );
    })
    .await;
}

#[tokio::test]
async fn made_up_methods_create_no_metrics_series() {
    for_each_backend(async |app: &TestApp| {
        for i in 0..20 {
            let method = Method::from_bytes(format!("BOGUS{i}X").as_bytes()).unwrap();
            let res = app
                .client
                .request(method, app.url("/counts?article=a"))
                .send()
                .await
                .unwrap();
            assert!(res.status().is_client_error(), "{}", res.status());
        }
        let metrics = app.get("/metrics", None).await.text().await.unwrap();
        assert!(!metrics.contains("BOGUS"), "made-up methods became labels");
        assert!(metrics.contains("method=\"other\""));
    })
    .await;
}

/// The `cache_bytes` gauge of `cache` in a metrics text.
fn cache_bytes(metrics: &str, cache: &str) -> f64 {
    let prefix = format!("cache_bytes{{cache=\"{cache}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in the metrics"))
}

#[tokio::test]
async fn padded_count_queries_and_unknown_articles_do_not_fill_the_caches() {
    for_each_backend(async |app: &TestApp| {
        let pad = "x".repeat(4000);
        for i in 0..40 {
            let res = app
                .get(&format!("/counts?article=a&pad={pad}&n={i}"), None)
                .await;
            assert_eq!(res.status(), StatusCode::OK);
        }
        for i in 0..40 {
            // Valid, but padded with a field of its own: answered, not kept by its body.
            let body = json!({"articles": ["a"], "pad": pad, "n": i});
            let res = app.post("/counts", None, &body).await;
            assert_eq!(res.status(), StatusCode::OK);
        }
        let long = "y".repeat(400);
        let reader = app.register_reader("anna").await;
        for i in 0..120 {
            for token in [None, Some(reader.access_token.as_str())] {
                let page = app
                    .get(&format!("/comments?article=nichts-{i}-{long}"), token)
                    .await;
                assert_eq!(page.status(), StatusCode::OK);
            }
        }
        let metrics = app.get("/metrics", None).await.text().await.unwrap();
        // Kept, they would hold 80 × 4 KB and 120 × 0.7 KB.
        assert!(
            cache_bytes(&metrics, "count_answers") < 40_000.0,
            "{metrics}"
        );
        assert!(cache_bytes(&metrics, "pages") < 40_000.0, "{metrics}");
        assert!(cache_bytes(&metrics, "page_rows") < 40_000.0, "{metrics}");
    })
    .await;
}

/// `TRIBUNE_CACHE_MIB` bounds the caches: an eighth of it each for counts and whole count
/// answers, however many made-up keys are asked for.
#[tokio::test]
async fn the_caches_hold_no_more_than_their_share_of_tribune_cache_mib() {
    for backend in crate::helpers::backends() {
        let db = crate::helpers::TestDb::new(backend);
        // The smallest `TRIBUNE_CACHE_MIB` allowed.
        let app = TestApp::spawn_with(db, |s| s.cache_bytes = 32 * 1024 * 1024).await;
        let share = (32 * 1024 * 1024 / 8) as f64;
        // 100 bodies of 1000 made-up keys: about 11 MB of counts and 5 MB of answers if
        // all were kept.
        // Measured after each (on PostgreSQL, other tests' commits may empty them between).
        let mut most = [0.0f64; 2];
        for round in 0..100 {
            let keys: Vec<String> = (0..1000).map(|i| format!("leer-{round}-{i}")).collect();
            let res = app
                .post("/counts", None, &json!({ "articles": keys }))
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            let metrics = app.get("/metrics", None).await.text().await.unwrap();
            for (most, cache) in most.iter_mut().zip(["counts", "count_answers"]) {
                let bytes = cache_bytes(&metrics, cache);
                assert!(bytes <= share, "{cache}: {bytes} > {share}\n{metrics}");
                *most = most.max(bytes);
            }
        }
        assert!(most.iter().all(|&m| m > share / 2.0), "filled: {most:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let token = "metrics-token-that-is-long-enough-0123456789";
    for backend in crate::helpers::backends() {
        let db = crate::helpers::TestDb::new(backend);
        let app = TestApp::spawn_with(db, |s| {
            s.metrics_token = Some(token.to_owned().into());
        })
        .await;
        let anonymous = app.get("/metrics", None).await;
        expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let wrong = app
            .get("/metrics", Some("metrics-token-that-is-wrong"))
            .await;
        expect_problem(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let right = app.get("/metrics", Some(token)).await;
        assert_eq!(right.status(), StatusCode::OK);
        app.stop().await;
    }
}

#[tokio::test]
async fn without_a_token_metrics_answer_only_direct_local_callers() {
    for_each_backend(async |app: &TestApp| {
        let direct = app.get("/metrics", None).await;
        assert_eq!(direct.status(), StatusCode::OK);
        let proxied = app
            .client
            .get(app.url("/metrics"))
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .unwrap();
        expect_problem(proxied, StatusCode::FORBIDDEN, "forbidden").await;
    })
    .await;
}

#[tokio::test]
async fn replying_to_a_missing_hidden_or_foreign_comment_answers_alike() {
    for_each_backend(async |app: &TestApp| {
        let author = app.register_reader("autorin").await;
        let other = app.register_reader("leser").await;
        let moderator = app.account_with_role("mod", "moderator").await;
        let hidden = id_of(&app.comment_ok(&author, A, "bald weg", None).await);
        app.reject_ok(&moderator, hidden, "spam", None).await;
        let foreign = id_of(&app.comment_ok(&author, "artikel-2", "anderswo", None).await);
        let mut details = Vec::new();
        for parent in [999_999, hidden, foreign] {
            let res = app.comment(&other, A, "Antwort", Some(parent)).await;
            let problem =
                expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            details.push(problem["errors"].to_string());
        }
        assert_eq!(details[0], details[1]);
        assert_eq!(details[1], details[2]);
    })
    .await;
}

#[tokio::test]
async fn the_last_admin_cannot_erase_their_account() {
    for_each_backend(async |app: &TestApp| {
        let admin = app.account_with_role("chefin", "admin").await;
        let erased = app.erase_account(&admin, crate::helpers::PASSWORD).await;
        expect_problem(erased, StatusCode::CONFLICT, "last_admin").await;
        assert_eq!(app.me_ok(&admin).await["role"], "admin");
        // With a second admin, the first may go.
        app.account_with_role("zweite", "admin").await;
        let erased = app.erase_account(&admin, crate::helpers::PASSWORD).await;
        assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    })
    .await;
}

#[tokio::test]
async fn only_admins_see_and_search_readers_addresses() {
    for_each_backend(async |app: &TestApp| {
        let admin = app.account_with_role("chefin", "admin").await;
        let moderator = app.account_with_role("mod", "moderator").await;
        app.register_reader("anna").await;
        let seen = app.find_users_ok(&moderator, "anna").await;
        assert_eq!(seen["items"][0]["username"], "anna");
        assert_eq!(seen["items"][0]["email"], serde_json::Value::Null);
        // A moderator cannot probe addresses by prefix either.
        let by_email = app.find_users_ok(&moderator, "anna@").await;
        assert_eq!(by_email["items"].as_array().map(Vec::len), Some(0));
        let seen = app.find_users_ok(&admin, "anna@").await;
        assert_eq!(seen["items"][0]["email"], "anna@example.org");
    })
    .await;
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_cut_off_with_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for backend in crate::helpers::backends() {
        let db = crate::helpers::TestDb::new(backend);
        let app = TestApp::spawn_with(db, |s| {
            s.request_timeout = std::time::Duration::from_secs(2);
        })
        .await;
        let address = app.address.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = "POST /api/v1/counts HTTP/1.1\r\nHost: tribune\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{";
        stream.write_all(head.as_bytes()).await.unwrap();
        let started = std::time::Instant::now();
        let mut answer = Vec::new();
        // Dribble the body; a server without a limit would wait for all 200 bytes.
        for _ in 0..40 {
            let mut chunk = [0u8; 1024];
            let read = tokio::time::timeout(
                std::time::Duration::from_millis(500),
                stream.read(&mut chunk),
            );
            match read.await {
                Ok(Ok(0)) => break,
                Ok(Ok(n)) => {
                    answer.extend_from_slice(&chunk[..n]);
                    break;
                }
                Ok(Err(_)) => break,
                Err(_) => {
                    let _ = stream.write_all(b" ").await;
                }
            }
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("request_timeout"), "{answer}");
        assert!(started.elapsed() < std::time::Duration::from_secs(15));
        app.stop().await;
    }
}

#[tokio::test]
async fn a_readers_first_comment_names_its_article_only_from_the_publishers_pages() {
    for_each_backend(async |app: &TestApp| {
        let reader = app.register_reader("leser").await;
        let phishing = json!({
            "article": "phish", "body": "Hallo",
            "article_title": "Zeitung: Please re-enter your password",
            "article_url": "https://evil.example/login",
        });
        let res = app.post_comment(&reader, &phishing).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let article = app.article_ok("phish").await;
        assert_eq!(article["title"], serde_json::Value::Null);
        assert_eq!(article["url"], serde_json::Value::Null);

        let genuine = json!({
            "article": "echt", "body": "Hallo",
            "article_title": "Wahl 2026", "article_url": "https://www.zeitung.de/wahl",
        });
        app.post_comment(&reader, &genuine).await;
        let article = app.article_ok("echt").await;
        assert_eq!(article["title"], "Wahl 2026");
        assert_eq!(article["url"], "https://www.zeitung.de/wahl");
    })
    .await;
}
