//! Every failure, including actix's own, is an RFC 9457 problem; nothing is a 500.

use reqwest::StatusCode;

use crate::helpers::{expect_problem, for_each_backend};

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    for_each_backend(async |app| {
        expect_problem(
            app.get("/api/v1/nothing-here", None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        expect_problem(
            app.get("/nothing", None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;

        let res = app
            .client
            .delete(app.url("/auth/login"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["allow"], "POST");
        expect_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    })
    .await;
}

#[tokio::test]
async fn unreadable_bodies_are_400_or_415_or_413() {
    for_each_backend(async |app| {
        let post = |body: Vec<u8>, content_type: &'static str| {
            app.post_body("/auth/register", content_type, body)
        };
        let json = "application/json";
        for body in [
            &b"{not json"[..],
            b"",
            b"[]",
            br#"{"username": 5, "email": "a@b.de", "password": "12345678"}"#,
            br#"{"username": "anna"}"#,
            b"\xff\xfe{}",
        ] {
            let res = post(body.to_vec(), json).await;
            expect_problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
        }
        // Deep nesting stays a 400, not a stack overflow or a 500.
        let res = post("[".repeat(60_000).into_bytes(), json).await;
        expect_problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;

        let res = post(br#"{"username":"anna"}"#.to_vec(), "text/plain").await;
        expect_problem(
            res,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;

        let huge = format!(
            r#"{{"username":"{}","email":"a@b.de","password":"12345678"}}"#,
            "a".repeat(70 * 1024)
        );
        let res = post(huge.into_bytes(), json).await;
        expect_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    })
    .await;
}

#[tokio::test]
async fn responses_carry_security_headers_and_no_server_banner() {
    for_each_backend(async |app| {
        let res = app.get("/healthz", None).await;
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer");
        assert!(res.headers().get("server").is_none());
    })
    .await;
}
