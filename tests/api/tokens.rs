//! Access tokens: HS256 pinned, `typ`/`exp`/`iat`/`iss`/`aud` checked, sessions checked in
//! the database.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Anonymous, JWT_SECRET, TestApp, TestDb, backends, expect_problem, expect_status,
    for_each_backend,
};

/// The claims of a token, read without checking it.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// A token as Tribune would sign it (header `typ: at+jwt`), with `alg` and `secret`.
fn sign(alg: Algorithm, secret: &str, claims: &Value) -> String {
    let header = Header {
        typ: Some("at+jwt".into()),
        ..Header::new(alg)
    };
    sign_with(&header, secret, claims)
}

fn sign_with(header: &Header, secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

async fn assert_unauthorized(app: &TestApp, token: &str) {
    expect_problem(
        app.me(token).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_401() {
    for_each_backend(async |app| {
        expect_problem(
            app.me(&Anonymous).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        for header in [
            "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
            "Bearer",
            "Bearer    ",
            "token",
            "Bearer not.a.jwt",
        ] {
            let res = app
                .client
                .get(app.url("/me"))
                .header("Authorization", header)
                .send()
                .await
                .unwrap();
            expect_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
    })
    .await;
}

#[tokio::test]
async fn forged_tokens_are_refused() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let claims = claims_of(&anna.access_token);
        assert_eq!(claims["iss"], "tribune");

        // Payload changed to another user, signature kept.
        let mut parts: Vec<String> = anna.access_token.split('.').map(str::to_owned).collect();
        let mut tampered = claims.clone();
        tampered["sub"] = json!(bert.user_id.to_string());
        parts[1] = URL_SAFE_NO_PAD.encode(tampered.to_string());
        assert_unauthorized(app, &parts.join(".")).await;

        // alg: none, no signature.
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!(
            "{none_header}.{}.",
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        assert_unauthorized(app, &unsigned).await;

        // Another secret; another HMAC algorithm with the right secret.
        assert_unauthorized(
            app,
            &sign(
                Algorithm::HS256,
                "some-other-secret-of-sufficient-length",
                &claims,
            ),
        )
        .await;
        assert_unauthorized(app, &sign(Algorithm::HS512, JWT_SECRET, &claims)).await;

        // The right secret but the wrong issuer, or no expiry.
        let mut wrong_issuer = claims.clone();
        wrong_issuer["iss"] = json!("someone-else");
        assert_unauthorized(app, &sign(Algorithm::HS256, JWT_SECRET, &wrong_issuer)).await;
        let mut no_exp = claims.clone();
        no_exp.as_object_mut().unwrap().remove("exp");
        assert_unauthorized(app, &sign(Algorithm::HS256, JWT_SECRET, &no_exp)).await;

        // Correctly signed, but for a session that does not exist.
        let mut other_session = claims.clone();
        other_session["sid"] = json!(999_999);
        assert_unauthorized(app, &sign(Algorithm::HS256, JWT_SECRET, &other_session)).await;

        // The genuine token still works, so the refusals above were about the forgery.
        expect_status(app.me(&anna).await, StatusCode::OK).await;
        let resigned = sign(Algorithm::HS256, JWT_SECRET, &claims);
        expect_status(app.me(&resigned).await, StatusCode::OK).await;
    })
    .await;
}

#[tokio::test]
async fn access_tokens_carry_their_own_type_and_audience() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let claims = claims_of(&anna.access_token);
        let header = jsonwebtoken::decode_header(&anna.access_token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        assert_eq!(claims["aud"], "tribune");

        // The same claims as a plain JWT, or without or with another audience: refused.
        let plain = sign_with(&Header::new(Algorithm::HS256), JWT_SECRET, &claims);
        assert_unauthorized(app, &plain).await;
        let mut no_aud = claims.clone();
        no_aud.as_object_mut().unwrap().remove("aud");
        assert_unauthorized(app, &sign(Algorithm::HS256, JWT_SECRET, &no_aud)).await;
        let mut other_aud = claims.clone();
        other_aud["aud"] = json!("publisher");
        assert_unauthorized(app, &sign(Algorithm::HS256, JWT_SECRET, &other_aud)).await;

        expect_status(
            app.me(&sign(Algorithm::HS256, JWT_SECRET, &claims)).await,
            StatusCode::OK,
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let mut claims = claims_of(&anna.access_token);
        let now = chrono::Utc::now().timestamp();
        claims["iat"] = json!(now - 7200);
        claims["exp"] = json!(now - 3600);
        assert_unauthorized(app, &sign(Algorithm::HS256, JWT_SECRET, &claims)).await;

        // A real token lives 15 minutes.
        app.clock.advance(TimeDelta::minutes(14));
        expect_status(app.me(&anna).await, StatusCode::OK).await;
        app.clock.advance(TimeDelta::minutes(2));
        assert_unauthorized(app, &anna.access_token).await;
    })
    .await;
}

#[tokio::test]
async fn a_generated_secret_is_kept_in_the_database_and_shared() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = TestDb::new(backend);
        let first = TestApp::spawn_with(db.clone(), |s| s.jwt_secret = None).await;
        let second = TestApp::spawn_with(db.clone(), |s| s.jwt_secret = None).await;

        let anna = first.register_reader("anna").await;

        // The other instance accepts the token; the fixed test secret does not sign it.
        expect_status(second.me(&anna).await, StatusCode::OK).await;
        let claims = claims_of(&anna.access_token);
        assert_unauthorized(&second, &sign(Algorithm::HS256, JWT_SECRET, &claims)).await;
        first.stop().await;
        // A restart keeps the same secret.
        let restarted = TestApp::spawn_with(db.clone(), |s| s.jwt_secret = None).await;
        expect_status(restarted.me(&anna).await, StatusCode::OK).await;
        second.stop().await;
        restarted.stop().await;
    }
}
