//! Comment counts: exact, batched, cacheable; Unicode article keys.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Anonymous, assert_counts_exact, expect_problem, for_each_backend};

const KEYS: [&str; 5] = [
    "204241014210826959",
    "https://zeitung.de/politik/wahl-2026?seite=2&utm_source=x#kommentare",
    "https://www.tagesblatt.de/kultur/gänsefüßchen-und-ß",
    "https://báo.vn/thời-sự/bầu-cử-quốc-hội-khóa-xvi",
    "politik/Ärger über „Zitate“ — ein Gespräch",
];

#[tokio::test]
async fn unicode_article_keys_round_trip() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        for (i, key) in KEYS.iter().enumerate() {
            for n in 0..=i {
                let c = app
                    .comment_ok(&anna, key, &format!("Bình luận {n}"), None)
                    .await;
                assert_eq!(c["article"], *key);
            }
        }
        let counts = app.counts(&KEYS).await;
        for (i, key) in KEYS.iter().enumerate() {
            assert_eq!(counts[*key], i as i64 + 1, "{key}");
            let list = app.thread(key, "", &Anonymous).await;
            assert_eq!(list["article"]["key"], *key);
            assert_eq!(list["comments"].as_array().unwrap().len(), i + 1);
            let article = app.article_ok(key).await;
            assert_eq!(article["key"], *key);
        }
        assert_eq!(assert_counts_exact(app), 15);
    })
    .await;
}

#[tokio::test]
async fn a_hundred_keys_in_one_get_and_a_thousand_in_one_post() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        app.comment_ok(&anna, "key-7", "one", None).await;
        app.comment_ok(&anna, "key-7", "two", None).await;
        app.comment_ok(&anna, "key-99", "three", None).await;

        let keys: Vec<String> = (0..100).map(|i| format!("key-{i}")).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let counts = app.counts(&refs).await;
        assert_eq!(counts.as_object().unwrap().len(), 100);
        assert_eq!(counts["key-7"], 2);
        assert_eq!(counts["key-99"], 1);
        assert_eq!(counts["key-0"], 0);

        let too_many: Vec<String> = (0..101).map(|i| format!("k{i}")).collect();
        let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
        let res = app.get_counts(&too_many).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        expect_problem(
            app.get_counts(&[]).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;

        let thousand: Vec<String> = (0..1000).map(|i| format!("key-{i}")).collect();
        let counts = app.post_counts_ok(&json!(thousand)).await;
        assert_eq!(counts.as_object().unwrap().len(), 1000);
        assert_eq!(counts["key-7"], 2);
        let over: Vec<String> = (0..1001).map(|i| format!("key-{i}")).collect();
        expect_problem(
            app.post_counts(&json!(over)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        expect_problem(
            app.post_counts(&json!(["ok", ""])).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        expect_problem(
            app.post_counts(&json!("key-7")).await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn counts_are_cacheable_with_etags() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        app.comment_ok(&anna, "a", "x", None).await;
        let res = app.get_counts(&["a", "b"]).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .starts_with("public, max-age=")
        );
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            json!({"counts": {"a": 1, "b": 0}})
        );

        let res = app
            .client
            .get(app.url("/counts?article=a&article=b"))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);

        // A new comment changes the answer, and so the ETag.
        app.comment_ok(&anna, "b", "y", None).await;
        let res = app
            .client
            .get(app.url("/counts?article=a&article=b"))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_ne!(res.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            json!({"counts": {"a": 1, "b": 1}})
        );
    })
    .await;
}

#[tokio::test]
async fn a_post_of_counts_hears_first_that_its_body_is_too_large_then_that_it_is_not_json() {
    for_each_backend(async |app| {
        let send = |body: Vec<u8>, content_type: &'static str| {
            app.post_body("/counts", content_type, body)
        };
        // A thousand keys (the most one POST may name) of 100 characters: more than the
        // 64 KB a body may take, which is said before anything else about it.
        let keys: Vec<String> = (0..1000)
            .map(|i| format!("https://zeitung.de/artikel/{i:04}-{}", "ü".repeat(35)))
            .collect();
        let huge = json!({ "articles": keys }).to_string().into_bytes();
        assert!(huge.len() > 64 * 1024, "{}", huge.len());
        for content_type in ["application/json", "text/plain"] {
            let res = send(huge.clone(), content_type).await;
            expect_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
        }
        // Within the limit: the type, then the JSON, then the keys.
        let small = br#"{"articles": ["a"]}"#.to_vec();
        let res = send(small.clone(), "text/plain").await;
        expect_problem(
            res,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
        let res = send(br#"{"articles": 5}"#.to_vec(), "application/json").await;
        expect_problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
        let res = send(br#"{"articles": []}"#.to_vec(), "application/json").await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        for content_type in ["application/json; charset=utf-8", "application/ld+json"] {
            let res = send(small.clone(), content_type).await;
            assert_eq!(res.status(), StatusCode::OK, "{content_type}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["counts"], json!({"a": 0}));
        }
    })
    .await;
}
