//! Single sign-on with tokens signed by the publisher's own login system.

use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tribune::startup::Application;

use crate::helpers::{
    JWT_SECRET, PASSWORD, SSO_SECRET, TestApp, TestDb, backends, expect_problem, expect_status,
    fixture, for_each_backend, test_settings,
};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn in_five_minutes() -> i64 {
    now() + 300
}

/// `claims` with what every publisher token needs added where missing: `iat` now, `exp`
/// in five minutes, a fresh `jti`. A `null` value removes the claim.
fn publisher(claims: Value) -> Value {
    let mut full =
        json!({"iat": now(), "exp": in_five_minutes(), "jti": uuid::Uuid::new_v4().to_string()});
    for (key, value) in claims.as_object().unwrap() {
        if value.is_null() {
            full.as_object_mut().unwrap().remove(key);
        } else {
            full[key] = value.clone();
        }
    }
    full
}

/// An HS256 token with the publisher's secret over `publisher(claims)`.
fn hs256(claims: &Value) -> String {
    hs256_with(&Header::new(Algorithm::HS256), claims)
}

fn hs256_with(header: &Header, claims: &Value) -> String {
    jsonwebtoken::encode(
        header,
        &publisher(claims.clone()),
        &EncodingKey::from_secret(SSO_SECRET.as_bytes()),
    )
    .unwrap()
}

async fn assert_refused(app: &TestApp, token: &str) {
    expect_problem(
        app.sso(token).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
}

fn signed_with(alg: Algorithm, private_pem: &str, claims: &Value) -> String {
    let key = match alg {
        Algorithm::EdDSA => EncodingKey::from_ed_pem(private_pem.as_bytes()),
        Algorithm::ES256 => EncodingKey::from_ec_pem(private_pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(private_pem.as_bytes()),
    };
    jsonwebtoken::encode(&Header::new(alg), &publisher(claims.clone()), &key.unwrap()).unwrap()
}

#[tokio::test]
async fn hs256_sign_on_creates_then_updates_the_linked_account() {
    for_each_backend(async |app| {
        let token = hs256(&json!({"sub": "pub-42", "exp": in_five_minutes(), "username": "Anna Müller", "email": "anna@zeitung.de"}));

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
        let token = hs256(&json!({"sub": "pub-42", "exp": in_five_minutes(), "username": "anna_m"}));
        let body = expect_status(app.sso(&token).await, StatusCode::OK).await;
        assert_eq!(body["user"]["id"], id);
        assert_eq!(body["user"]["username"], "anna_m");
        assert_eq!(body["user"]["email"], "anna@zeitung.de");

        // Numeric subjects are accepted; a claim-less token gets a generated name.
        let token = hs256(&json!({"sub": 7, "exp": in_five_minutes()}));
        let body = expect_status(app.sso(&token).await, StatusCode::OK).await;
        assert_ne!(body["user"]["id"], id);
        assert_eq!(body["user"]["username"], "reader");
    })
    .await;
}

#[tokio::test]
async fn bad_publisher_tokens_are_invalid_credentials() {
    for_each_backend(async |app| {
        let now = now();
        let ed_private = fixture("sso_ed25519_private.pem");
        let rs_private = fixture("sso_rs256_private.pem");
        let claims = json!({"sub": "pub-1", "exp": in_five_minutes()});
        let none_header = base64_url(r#"{"alg":"none","typ":"JWT"}"#);
        let bad = [
            hs256(&json!({"exp": in_five_minutes(), "username": "nosub"})),
            hs256(&json!({"sub": "pub-1", "exp": null})),
            hs256(&json!({"sub": "pub-1", "iat": now - 3900, "exp": now - 3600})),
            hs256(&json!({"sub": "", "exp": in_five_minutes()})),
            hs256(&json!({"sub": "pub-1", "exp": in_five_minutes(), "nbf": now + 3600})),
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &publisher(claims.clone()),
                &EncodingKey::from_secret(b"not-the-publisher-secret-000000000"),
            )
            .unwrap(),
            // Algorithm confusion: HS256 keyed with the public key's text.
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &publisher(claims.clone()),
                &EncodingKey::from_secret(fixture("sso_ed25519_public.pem").as_bytes()),
            )
            .unwrap(),
            // RS256 is not configured for this app.
            signed_with(Algorithm::RS256, &rs_private, &claims),
            format!(
                "{none_header}.{}.",
                base64_url(&publisher(claims.clone()).to_string())
            ),
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
            let claims = json!({"sub": format!("{alg:?}-1"), "exp": in_five_minutes(), "username": "reader_x"});

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
        let token = hs256(&json!({"sub": "pub-9", "exp": in_five_minutes(), "username": "ANNA", "email": "anna@example.org"}));

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
        let token = hs256(&json!({"sub": "pub-1", "exp": in_five_minutes()}));
        expect_problem(app.sso(&token).await, StatusCode::NOT_FOUND, "not_found").await;
        app.stop().await;
    }
}

#[tokio::test]
async fn simultaneous_first_sign_ons_create_one_account_and_no_500() {
    for_each_backend(async |app| {
        // Ten tokens for one new reader, each with its own `jti`.
        let token = || hs256(&json!({"sub": "pub-race", "username": "racer"}));
        let attempts = (0..10).map(|_| {
            let token = token();
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
            expect_status(app.sso(&token()).await, StatusCode::OK).await["user"]["id"].clone()
        }))
        .await;
        assert!(ids.windows(2).all(|w| w[0] == w[1]));
    })
    .await;
}

/// Building an app with the test settings adjusted by `adjust`: its startup error.
async fn startup_error(
    db: &TestDb,
    adjust: impl FnOnce(&mut tribune::settings::Settings),
) -> String {
    let mut settings = test_settings(db);
    adjust(&mut settings);
    match Application::build(settings).await {
        Ok(_) => panic!("the app started"),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test]
async fn a_short_sso_secret_is_refused_at_startup() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = TestDb::new(backend);
        let error = startup_error(&db, |s| s.sso.secret = Some("abc".into())).await;
        assert!(error.contains("at least 32 bytes"), "{error}");
    }
}

#[tokio::test]
async fn an_sso_secret_equal_to_the_jwt_secret_is_refused_at_startup() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = TestDb::new(backend);
        let error = startup_error(&db, |s| s.sso.secret = Some(JWT_SECRET.into())).await;
        assert!(error.contains("must not be the JWT secret"), "{error}");

        // Also when the JWT secret was generated and kept in the database.
        let app = TestApp::spawn_with(db.clone(), |s| s.jwt_secret = None).await;
        app.stop().await;
        let generated = db
            .connect()
            .with_writer_blocking(|conn| {
                use diesel::prelude::*;
                use tribune::db::schema::app_meta;
                Ok(app_meta::table
                    .find("jwt_secret")
                    .select(app_meta::value)
                    .first::<String>(conn)?)
            })
            .unwrap();
        let error = startup_error(&db, |s| {
            s.jwt_secret = None;
            s.sso.secret = Some(generated.into());
        })
        .await;
        assert!(error.contains("must not be the JWT secret"), "{error}");
    }
}

#[tokio::test]
async fn tokens_shaped_like_tribunes_own_never_sign_on() {
    for_each_backend(async |app| {
        let reader = app.register_reader("anna").await;
        let access_type = Header {
            typ: Some("at+jwt".into()),
            ..Header::new(Algorithm::HS256)
        };
        // Signed with the publisher's key, but typed, addressed or issued as an access
        // token; and a real access token, which the publisher's key did not sign.
        for token in [
            hs256_with(&access_type, &json!({"sub": "4"})),
            hs256(&json!({"sub": "4", "aud": "tribune"})),
            hs256(&json!({"sub": "4", "aud": ["news", "tribune"]})),
            hs256(&json!({"sub": "4", "iss": "tribune"})),
            reader.access_token.clone(),
        ] {
            assert_refused(app, &token).await;
        }
        expect_status(app.sso(&hs256(&json!({"sub": "4"}))).await, StatusCode::OK).await;
    })
    .await;
}

#[tokio::test]
async fn a_configured_issuer_and_audience_are_required_and_must_match() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let app = TestApp::spawn_with(TestDb::new(backend), |s| {
            s.sso.issuer = Some("https://login.zeitung.de".into());
            s.sso.audience = Some("zeitung-comments".into());
        })
        .await;
        let (iss, aud) = ("https://login.zeitung.de", "zeitung-comments");
        for claims in [
            json!({"sub": "pub-1", "aud": aud}),
            json!({"sub": "pub-1", "iss": "https://evil.example", "aud": aud}),
            json!({"sub": "pub-1", "iss": iss}),
            json!({"sub": "pub-1", "iss": iss, "aud": "someone-else"}),
        ] {
            assert_refused(&app, &hs256(&claims)).await;
        }
        let good = hs256(&json!({"sub": "pub-1", "iss": iss, "aud": aud}));
        expect_status(app.sso(&good).await, StatusCode::OK).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn publisher_tokens_must_be_short_lived_and_issued_in_the_past() {
    for_each_backend(async |app| {
        let now = now();
        for claims in [
            json!({"sub": "pub-1", "iat": null}),
            // Valid until 2100.
            json!({"sub": "pub-1", "exp": 4_102_444_800_i64}),
            // Eleven minutes: over the default ten.
            json!({"sub": "pub-1", "iat": now - 60, "exp": now + 600}),
            json!({"sub": "pub-1", "iat": now + 300, "exp": now + 400}),
            // Expiring as it is issued.
            json!({"sub": "pub-1", "iat": now - 30, "exp": now - 30}),
        ] {
            assert_refused(app, &hs256(&claims)).await;
        }
        let ten_minutes = json!({"sub": "pub-1", "iat": now - 60, "exp": now + 540});
        expect_status(app.sso(&hs256(&ten_minutes)).await, StatusCode::OK).await;
    })
    .await;
}

#[tokio::test]
async fn a_publisher_token_signs_on_once_on_every_instance() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = TestDb::new(backend);
        let first = TestApp::spawn_with(db.clone(), |_| {}).await;
        let second = TestApp::spawn_with(db.clone(), |_| {}).await;
        let token = hs256(&json!({"sub": "pub-1"}));

        expect_status(first.sso(&token).await, StatusCode::OK).await;

        assert_refused(&first, &token).await;
        assert_refused(&second, &token).await;
        // Without a `jti`, there is nothing to remember it by.
        assert_refused(&first, &hs256(&json!({"sub": "pub-1", "jti": null}))).await;
        // A new token for the same reader works.
        expect_status(
            second.sso(&hs256(&json!({"sub": "pub-1"}))).await,
            StatusCode::OK,
        )
        .await;
        first.stop().await;
        second.stop().await;
    }
}

#[tokio::test]
async fn without_replay_protection_a_token_needs_no_jti() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let app = TestApp::spawn_with(TestDb::new(backend), |s| {
            s.sso.replay_protection = false;
        })
        .await;
        let token = hs256(&json!({"sub": "pub-1", "jti": null}));
        expect_status(app.sso(&token).await, StatusCode::OK).await;
        expect_status(app.sso(&token).await, StatusCode::OK).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_remembered_jti_is_forgotten_once_its_token_expired() {
    for_each_backend(async |app| {
        let jti = uuid::Uuid::new_v4().to_string();
        let token = hs256(&json!({"sub": "pub-1", "jti": jti}));
        expect_status(app.sso(&token).await, StatusCode::OK).await;
        app.clock.advance(TimeDelta::minutes(30));

        // A later token that happens to reuse the `jti` is not a replay of the first.
        let now = app.clock.now().timestamp();
        let later = hs256(&json!({"sub": "pub-1", "jti": jti, "iat": now, "exp": now + 300}));
        expect_status(app.sso(&later).await, StatusCode::OK).await;
        let count = app
            .db
            .connect()
            .with_writer_blocking(|conn| {
                use diesel::prelude::*;
                use tribune::db::schema::sso_seen_tokens;
                Ok(sso_seen_tokens::table.count().get_result::<i64>(conn)?)
            })
            .unwrap();
        assert_eq!(count, 1);
    })
    .await;
}

#[tokio::test]
async fn sign_on_answers_are_not_stored() {
    for_each_backend(async |app| {
        let res = app.sso(&hs256(&json!({"sub": "pub-1"}))).await;
        assert_eq!(res.headers()["cache-control"], "no-store");
        expect_status(res, StatusCode::OK).await;
    })
    .await;
}
