//! Refresh-token rotation with replay detection, and logout.

use chrono::TimeDelta;
use futures::future::join;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Anonymous, PASSWORD, expect_problem, expect_status, for_each_backend};

#[tokio::test]
async fn refresh_rotates_the_pair() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;

        let body = expect_status(app.refresh(&anna.refresh_token).await, StatusCode::OK).await;

        let new_refresh = body["refresh_token"].as_str().unwrap();
        let new_access = body["access_token"].as_str().unwrap();
        assert_ne!(new_refresh, anna.refresh_token);
        assert_eq!(body["user"]["id"], anna.user_id);
        assert_eq!(body["token_type"], "Bearer");
        expect_status(app.me(new_access).await, StatusCode::OK).await;
        let again = expect_status(app.refresh(new_refresh).await, StatusCode::OK).await;
        assert!(again["refresh_token"].is_string());
    })
    .await;
}

#[tokio::test]
async fn replaying_a_used_refresh_token_revokes_the_session() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let elsewhere = app.login_ok("anna", PASSWORD).await;
        let rotated = expect_status(app.refresh(&anna.refresh_token).await, StatusCode::OK).await;

        // Someone replays the old token: refused, and the whole session ends.
        expect_problem(
            app.refresh(&anna.refresh_token).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;

        let new_refresh = rotated["refresh_token"].as_str().unwrap();
        let new_access = rotated["access_token"].as_str().unwrap();
        expect_problem(
            app.refresh(new_refresh).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_problem(
            app.me(new_access).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_problem(
            app.me(&anna).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        // Another login of the same account is a different session and goes on.
        expect_status(app.me(&elsewhere).await, StatusCode::OK).await;
        expect_status(app.refresh(&elsewhere.refresh_token).await, StatusCode::OK).await;
    })
    .await;
}

#[tokio::test]
async fn two_concurrent_uses_of_one_refresh_token_are_a_replay() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;

        let (a, b) = join(
            app.refresh(&anna.refresh_token),
            app.refresh(&anna.refresh_token),
        )
        .await;

        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::UNAUTHORIZED]);
        // The winner's pair died with the session.
        let winner = if a.status() == StatusCode::OK { a } else { b };
        let body = expect_status(winner, StatusCode::OK).await;
        let access = body["access_token"].as_str().unwrap();
        expect_problem(
            app.me(access).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn refresh_tokens_expire_and_unknown_ones_are_refused() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        expect_problem(
            app.refresh("made-up-token").await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_problem(
            app.post("/auth/refresh", None, &json!({})).await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;

        app.clock.advance(TimeDelta::days(31));

        expect_problem(
            app.refresh(&anna.refresh_token).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_session_ends_after_its_absolute_lifetime_however_often_it_rotated() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let mut refresh_token = anna.refresh_token.clone();
        // Refreshed within every 30 days, for 87 days of the 90.
        for _ in 0..3 {
            app.clock.advance(TimeDelta::days(29));
            let body = expect_status(app.refresh(&refresh_token).await, StatusCode::OK).await;
            refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
        }

        app.clock.advance(TimeDelta::days(4));

        expect_problem(
            app.refresh(&refresh_token).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        // A new login starts a new session.
        let again = app.login_ok("anna", PASSWORD).await;
        expect_status(app.refresh(&again.refresh_token).await, StatusCode::OK).await;
    })
    .await;
}

#[tokio::test]
async fn answers_carrying_tokens_or_personal_data_are_not_stored() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let email = "bert@example.org";
        let responses = [
            (
                app.register("bert", email, PASSWORD).await,
                StatusCode::CREATED,
            ),
            (app.login("anna", PASSWORD).await, StatusCode::OK),
            (app.refresh(&anna.refresh_token).await, StatusCode::OK),
            (app.export(&anna).await, StatusCode::OK),
        ];
        for (res, status) in responses {
            let url = res.url().to_string();
            let cache_control = res.headers().get("cache-control").cloned();
            expect_status(res, status).await;
            assert_eq!(cache_control.unwrap(), "no-store", "{url}");
        }
    })
    .await;
}

#[tokio::test]
async fn logout_ends_the_session_and_only_it() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let other = app.login_ok("anna", PASSWORD).await;
        let bert = app.register_reader("bert").await;

        expect_problem(
            app.logout(&Anonymous, Some(&anna.refresh_token)).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        // Bert cannot end Anna's session by presenting her refresh token.
        expect_status(
            app.logout(&bert, Some(&anna.refresh_token)).await,
            StatusCode::NO_CONTENT,
        )
        .await;
        expect_status(app.me(&anna).await, StatusCode::OK).await;
        expect_problem(
            app.me(&bert).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;

        expect_status(
            app.logout(&anna, Some(&anna.refresh_token)).await,
            StatusCode::NO_CONTENT,
        )
        .await;

        expect_problem(
            app.me(&anna).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_problem(
            app.refresh(&anna.refresh_token).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_status(app.me(&other).await, StatusCode::OK).await;

        // Without a refresh token, the access token's own session ends.
        expect_status(app.logout(&other, None).await, StatusCode::NO_CONTENT).await;
        expect_problem(
            app.refresh(&other.refresh_token).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn access_tokens_of_a_session_past_its_lifetime_are_refused() {
    for backend in crate::helpers::backends() {
        let db = crate::helpers::TestDb::new(backend);
        let app = crate::helpers::TestApp::spawn_with(db, |s| {
            s.tokens.session_max_age = TimeDelta::minutes(10);
        })
        .await;
        let anna = app.register_reader("anna").await;
        expect_status(app.me(&anna).await, StatusCode::OK).await;
        // The access token (15 minutes) outlives the session (10).
        app.clock.advance(TimeDelta::minutes(11));
        let me = app.me(&anna).await;
        expect_problem(me, StatusCode::UNAUTHORIZED, "unauthorized").await;
        app.stop().await;
    }
}

#[tokio::test]
async fn logout_takes_no_body_at_all() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let other = app.login_ok("anna", PASSWORD).await;
        let res = app
            .client
            .post(app.url("/auth/logout"))
            .bearer_auth(&anna.access_token)
            .send()
            .await
            .unwrap();
        expect_status(res, StatusCode::NO_CONTENT).await;
        expect_problem(
            app.me(&anna).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_status(app.me(&other).await, StatusCode::OK).await;

        // JSON `null` is no body too; a body that is not JSON is still refused.
        let res = app
            .client
            .post(app.url("/auth/logout"))
            .bearer_auth(&other.access_token)
            .header("Content-Type", "text/plain")
            .body("bye")
            .send()
            .await
            .unwrap();
        expect_problem(
            res,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
        let res = app
            .client
            .post(app.url("/auth/logout"))
            .bearer_auth(&other.access_token)
            .json(&serde_json::Value::Null)
            .send()
            .await
            .unwrap();
        expect_status(res, StatusCode::NO_CONTENT).await;
        expect_problem(
            app.me(&other).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    })
    .await;
}
