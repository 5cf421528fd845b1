//! Single sign-on with tokens signed by the publisher's own login system.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, SSO_SECRET, TestApp, TestDb, backends, expect_problem, expect_status, fixture,
    for_each_backend,
};

fn in_an_hour() -> i64 {
    chrono::Utc::now().timestamp() + 3600
}

fn hs256(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SSO_SECRET.as_bytes()),
    )
    .unwrap()
}

fn signed_with(alg: Algorithm, private_pem: &str, claims: &Value) -> String {
    let key = match alg {
        Algorithm::EdDSA => EncodingKey::from_ed_pem(private_pem.as_bytes()),
        Algorithm::ES256 => EncodingKey::from_ec_pem(private_pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(private_pem.as_bytes()),
    };
    jsonwebtoken::encode(&Header::new(alg), claims, &key.unwrap()).unwrap()
}

#[tokio::test]
async fn hs256_sign_on_creates_then_updates_the_linked_account() {
    for_each_backend(async |app| {
        let token = hs256(&json!({"sub": "pub-42", "exp": in_an_hour(), "username": "Anna Müller", "email": "anna@zeitung.de"}));

        let body = expect_status(app.sso(&token).await, StatusCode::OK).await;

        assert_eq!(body["user"]["username"], "Anna_Müller");
        assert_eq!(body["user"]["email"], "anna@zeitung.de");
        assert_eq!(body["user"]["role"], "reader");
        assert_eq!(body["token_type"], "Bearer");
        let id = body["user"]["id"].clone();
        let me = expect_status(app.me(body["access_token"].as_str().unwrap()).await, StatusCode::OK).await;
        assert_eq!(me["id"], id);
        expect_status(app.refresh(body["refresh_token"].as_str().unwrap()).await, StatusCode::OK).await;

        // The publisher renamed the reader: same account, new name.
        let token = hs256(&json!({"sub": "pub-42", "exp": in_an_hour(), "username": "anna_m"}));
        let body = expect_status(app.sso(&token).await, StatusCode::OK).await;
        assert_eq!(body["user"]["id"], id);
        assert_eq!(body["user"]["username"], "anna_m");
        assert_eq!(body["user"]["email"], "anna@zeitung.de");

        // Numeric subjects are accepted; a claim-less token gets a generated name.
        let token = hs256(&json!({"sub": 7, "exp": in_an_hour()}));
        let body = expect_status(app.sso(&token).await, StatusCode::OK).await;
        assert_ne!(body["user"]["id"], id);
        assert_eq!(body["user"]["username"], "reader");
    })
    .await;
}

#[tokio::test]
async fn bad_publisher_tokens_are_invalid_credentials() {
    for_each_backend(async |app| {
        let now = chrono::Utc::now().timestamp();
        let ed_private = fixture("sso_ed25519_private.pem");
        let rs_private = fixture("sso_rs256_private.pem");
        let claims = json!({"sub": "pub-1", "exp": in_an_hour()});
        let none_header = base64_url(r#"{"alg":"none","typ":"JWT"}"#);
        let bad = [
            hs256(&json!({"exp": in_an_hour(), "username": "nosub"})),
            hs256(&json!({"sub": "pub-1"})),
            hs256(&json!({"sub": "pub-1", "exp": now - 3600})),
            hs256(&json!({"sub": "", "exp": in_an_hour()})),
            hs256(&json!({"sub": "pub-1", "exp": in_an_hour(), "nbf": now + 3600})),
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(b"not-the-publisher-secret-000000000"),
            )
            .unwrap(),
            // Algorithm confusion: HS256 keyed with the public key's text.
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(fixture("sso_ed25519_public.pem").as_bytes()),
            )
            .unwrap(),
            // RS256 is not configured for this app.
            signed_with(Algorithm::RS256, &rs_private, &claims),
            format!("{none_header}.{}.", base64_url(&claims.to_string())),
            "garbage".to_owned(),
        ];
        for token in bad {
            expect_problem(
                app.sso(&token).await,
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            )
            .await;
        }
        // The same claims, properly signed, pass.
        expect_status(
            app.sso(&signed_with(Algorithm::EdDSA, &ed_private, &claims))
                .await,
            StatusCode::OK,
        )
        .await;
    })
    .await;
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn asymmetric_keys_of_each_kind_verify() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        for (alg, public, private) in [
            (
                Algorithm::EdDSA,
                "sso_ed25519_public.pem",
                "sso_ed25519_private.pem",
            ),
            (
                Algorithm::ES256,
                "sso_es256_public.pem",
                "sso_es256_private.pem",
            ),
            (
                Algorithm::RS256,
                "sso_rs256_public.pem",
                "sso_rs256_private.pem",
            ),
        ] {
            let app = TestApp::spawn_with(TestDb::new(backend), |s| {
                s.sso.secret = None;
                s.sso.public_key = Some(fixture(public));
            })
            .await;
            let claims =
                json!({"sub": format!("{alg:?}-1"), "exp": in_an_hour(), "username": "reader_x"});

            let body = expect_status(
                app.sso(&signed_with(alg, &fixture(private), &claims)).await,
                StatusCode::OK,
            )
            .await;
            assert_eq!(body["user"]["username"], "reader_x", "{alg:?}");
            // With no shared secret configured, HS256 tokens are refused.
            expect_problem(
                app.sso(&hs256(&claims)).await,
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            )
            .await;
            app.stop().await;
        }
    }
}

#[tokio::test]
async fn sign_on_never_takes_over_a_local_account() {
    for_each_backend(async |app| {
        let local = app.register_reader("anna").await;
        let token = hs256(&json!({"sub": "pub-9", "exp": in_an_hour(), "username": "ANNA", "email": "anna@example.org"}));

        let body = expect_status(app.sso(&token).await, StatusCode::OK).await;

        assert_ne!(body["user"]["id"], local.user_id);
        assert_eq!(body["user"]["username"], "ANNA_2");
        assert_eq!(body["user"]["email"], Value::Null);
        // The SSO account has no password: no password logs it in or changes it.
        expect_problem(app.login("ANNA_2", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        expect_problem(app.login("ANNA_2", "").await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        let access = body["access_token"].as_str().unwrap();
        let res = app.change_password(access, "", "whatever123").await;
        expect_problem(res, StatusCode::FORBIDDEN, "wrong_password").await;
        app.login_ok("anna", PASSWORD).await;
    })
    .await;
}

#[tokio::test]
async fn sign_on_is_404_when_not_configured() {
    for backend in backends() {
        let app = TestApp::spawn_with(TestDb::new(backend), |s| s.sso = Default::default()).await;
        let token = hs256(&json!({"sub": "pub-1", "exp": in_an_hour()}));
        expect_problem(app.sso(&token).await, StatusCode::NOT_FOUND, "not_found").await;
        app.stop().await;
    }
}

#[tokio::test]
async fn simultaneous_first_sign_ons_create_one_account_and_no_500() {
    for_each_backend(async |app| {
        let token = hs256(&json!({"sub": "pub-race", "exp": in_an_hour(), "username": "racer"}));
        let attempts = (0..10).map(|_| {
            let token = token.clone();
            async move { app.sso(&token).await.status() }
        });
        let statuses = futures::future::join_all(attempts).await;

        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE),
            "{statuses:?}"
        );
        assert!(statuses.contains(&StatusCode::OK));
        // A retry after a 503 finds the account the winner created.
        let ids: Vec<Value> = futures::future::join_all((0..3).map(|_| async {
            expect_status(app.sso(&token).await, StatusCode::OK).await["user"]["id"].clone()
        }))
        .await;
        assert!(ids.windows(2).all(|w| w[0] == w[1]));
    })
    .await;
}

#[tokio::test]
async fn sign_on_answers_are_not_stored() {
    for_each_backend(async |app| {
        let res = app
            .sso(&hs256(&json!({"sub": "pub-1", "exp": in_an_hour()})))
            .await;
        assert_eq!(res.headers()["cache-control"], "no-store");
        expect_status(res, StatusCode::OK).await;
    })
    .await;
}
