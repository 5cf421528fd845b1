//! Registration, login, `/me` and password changes.

use diesel::prelude::*;
use futures::future::join_all;
use reqwest::StatusCode;
use tribune::db::schema::{refresh_tokens, users};
use tribune::db::users::NewUser;
use tribune::domain::user::{Email, Role, Username};

use crate::helpers::{PASSWORD, TestApp, expect_problem, expect_status, for_each_backend};

#[tokio::test]
async fn register_creates_an_account_and_logs_it_in() {
    for_each_backend(async |app| {
        let res = app
            .register("leser_anna", "Anna@Example.DE", PASSWORD)
            .await;
        let body = expect_status(res, StatusCode::CREATED).await;

        assert_eq!(body["user"]["username"], "leser_anna");
        assert_eq!(body["user"]["email"], "Anna@Example.DE");
        assert_eq!(body["user"]["role"], "reader");
        assert_eq!(body["user"]["status"], "active");
        assert_eq!(body["user"]["approved_count"], 0);
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        let refresh = body["refresh_token"].as_str().unwrap().to_owned();

        let me = expect_status(
            app.me(body["access_token"].as_str().unwrap()).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(me["id"], body["user"]["id"]);

        // The password is stored as an Argon2id hash, the refresh token only as a hash.
        let (hash, token_hashes) = app
            .db
            .connect()
            .with_writer_blocking(|conn| {
                let hash: Option<String> = users::table.select(users::password_hash).first(conn)?;
                let tokens: Vec<String> = refresh_tokens::table
                    .select(refresh_tokens::token_hash)
                    .load(conn)?;
                Ok((hash, tokens))
            })
            .unwrap();
        assert!(hash.unwrap().starts_with("$argon2id$"));
        assert_eq!(token_hashes.len(), 1);
        assert_ne!(token_hashes[0], refresh);
        assert_eq!(
            token_hashes[0],
            tribune::auth::tokens::hash_refresh_token(&refresh)
        );
    })
    .await;
}

#[tokio::test]
async fn register_reports_every_invalid_field() {
    for_each_backend(async |app| {
        let res = app.register("a b", "not-an-email", "short").await;
        let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["username", "email", "password"]);

        for (username, password) in [
            ("ab", PASSWORD),
            (&"x".repeat(33), PASSWORD),
            ("ok_name", &"p".repeat(257)),
        ] {
            let res = app.register(username, "x@example.org", password).await;
            expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
    })
    .await;
}

#[tokio::test]
async fn usernames_and_emails_are_unique_ignoring_case() {
    for_each_backend(async |app| {
        app.register_reader("Jürgen").await;

        let res = app.register("JÜRGEN", "other@example.org", PASSWORD).await;
        expect_problem(res, StatusCode::CONFLICT, "username_taken").await;

        let res = app
            .register("juergen2", "JÜRGEN@EXAMPLE.ORG", PASSWORD)
            .await;
        expect_problem(res, StatusCode::CONFLICT, "email_taken").await;

        // German sharp s folds to "ss".
        app.register_reader("Straße").await;
        let res = app
            .register("STRASSE", "strasse@example.org", PASSWORD)
            .await;
        expect_problem(res, StatusCode::CONFLICT, "username_taken").await;
    })
    .await;
}

#[tokio::test]
async fn unicode_usernames_register_and_log_in() {
    for_each_backend(async |app| {
        for name in ["Nguyễn_Văn_An", "Jürgen.Müller", "Đặng-Thị", "用户名"] {
            let session = app.register_reader(name).await;
            assert_eq!(session.username, name);
            app.login_ok(&name.to_uppercase(), PASSWORD).await;
        }
        // The same name typed in decomposed form (NFD) is the same account.
        let decomposed: String =
            unicode_normalization::UnicodeNormalization::nfd("Nguyễn_Văn_An").collect();
        let logged_in = app.login_ok(&decomposed, PASSWORD).await;
        assert_eq!(logged_in.username, "Nguyễn_Văn_An");
        let res = app.register(&decomposed, "nfd@example.org", PASSWORD).await;
        expect_problem(res, StatusCode::CONFLICT, "username_taken").await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_registrations_of_one_name_create_one_account() {
    for_each_backend(async |app| {
        let attempts = (0..20).map(|i| {
            let email = format!("racer{i}@example.org");
            async move { app.register("racer", &email, PASSWORD).await.status() }
        });
        let statuses = join_all(attempts).await;

        let created = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        let conflicts = statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count();
        assert_eq!((created, conflicts), (1, 19), "{statuses:?}");
        let stored: i64 = app
            .db
            .connect()
            .with_writer_blocking(|conn| Ok(users::table.count().get_result(conn)?))
            .unwrap();
        assert_eq!(stored, 1);
    })
    .await;
}

#[tokio::test]
async fn login_by_username_or_email() {
    for_each_backend(async |app| {
        let registered = app.register_reader("leser_anna").await;

        let by_name = app.login_ok("LESER_ANNA", PASSWORD).await;
        let by_email = app.login_ok("Leser_Anna@Example.org", PASSWORD).await;

        assert_eq!(by_name.user_id, registered.user_id);
        assert_eq!(by_email.user_id, registered.user_id);
        expect_status(app.me(&by_email).await, StatusCode::OK).await;
    })
    .await;
}

#[tokio::test]
async fn login_does_not_tell_whether_an_account_exists() {
    for_each_backend(async |app| {
        app.register_reader("leser_anna").await;

        let wrong_password = expect_problem(
            app.login("leser_anna", "wrong password").await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
        let unknown_user = expect_problem(
            app.login("nobody_here", "wrong password").await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
        let unknown_email = expect_problem(
            app.login("nobody@example.org", PASSWORD).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
        let absurd = expect_problem(
            app.login(&"x".repeat(5000), &"y".repeat(5000)).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;

        assert_eq!(wrong_password, unknown_user);
        assert_eq!(wrong_password, unknown_email);
        assert_eq!(wrong_password, absurd);
    })
    .await;
}

#[tokio::test]
async fn me_shows_the_account() {
    for_each_backend(async |app| {
        let session = app.register_reader("leser_anna").await;
        let me = expect_status(app.me(&session).await, StatusCode::OK).await;
        let mut keys: Vec<&str> = me.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "approved_count",
                "banned_until",
                "created_at",
                "email",
                "email_verified",
                "id",
                "language",
                "moderator_digest",
                "notify_replies",
                "role",
                "status",
                "username"
            ]
        );
        assert_eq!(me["email"], "leser_anna@example.org");
        assert!(me["created_at"].as_str().unwrap().ends_with('Z'));
    })
    .await;
}

#[tokio::test]
async fn password_change_revokes_the_other_sessions() {
    for_each_backend(async |app| {
        let this = app.register_reader("leser_anna").await;
        let other = app.login_ok("leser_anna", PASSWORD).await;

        let res = app
            .change_password(&this, "nope nope", "new password 1")
            .await;
        expect_problem(res, StatusCode::FORBIDDEN, "wrong_password").await;
        let res = app.change_password(&this, PASSWORD, "short").await;
        let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "new_password");

        let res = app.change_password(&this, PASSWORD, "new password 1").await;
        expect_status(res, StatusCode::NO_CONTENT).await;

        // This session goes on; the other one ended, access and refresh token alike.
        expect_status(app.me(&this).await, StatusCode::OK).await;
        expect_status(app.refresh(&this.refresh_token).await, StatusCode::OK).await;
        expect_problem(
            app.me(&other).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_problem(
            app.refresh(&other.refresh_token).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        // Only the new password works.
        expect_problem(
            app.login("leser_anna", PASSWORD).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
        app.login_ok("leser_anna", "new password 1").await;
    })
    .await;
}

#[tokio::test]
async fn usernames_that_only_look_alike_are_taken() {
    for_each_backend(async |app| {
        let admin = app.register_reader("admin").await;

        // Cyrillic а, then Greek Α: the same look, another name.
        for look_alike in ["\u{430}dmin", "\u{391}DMIN"] {
            let email = format!("{}@example.org", look_alike.len());
            let res = app.register(look_alike, &email, PASSWORD).await;
            expect_problem(res, StatusCode::CONFLICT, "username_taken").await;

            let res = app.login(look_alike, PASSWORD).await;
            expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        }
        assert_eq!(app.login_ok("ADMIN", PASSWORD).await.user_id, admin.user_id);
    })
    .await;
}

#[tokio::test]
async fn invisible_and_bidi_characters_are_refused_in_usernames() {
    for_each_backend(async |app| {
        for name in [
            "\u{202e}nimda",
            "ad\u{200b}min",
            "anna\u{200d}",
            "\u{3164}\u{3164}\u{3164}",
            "ann\u{ffa0}a",
        ] {
            let res = app.register(name, "hidden@example.org", PASSWORD).await;

            let body =
                expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["field"], "username", "{name:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn malformed_email_addresses_are_refused() {
    for_each_backend(async |app| {
        for email in [
            "two@@example.org",
            "a@b@example.org",
            "anna.@example.org",
            "anna@exa_mple.org",
            "anna@[127.0.0.1]",
            "Anna <anna@example.org>",
        ] {
            let res = app.register("leser_anna", email, PASSWORD).await;

            let body =
                expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(body["errors"][0]["field"], "email", "{email}");
            assert_eq!(
                body["errors"][0]["message"], "is not a valid email address",
                "{email}"
            );
        }
        let res = app
            .register("jürgen", "Jürgen+Tribune@Müller.de", PASSWORD)
            .await;
        expect_status(res, StatusCode::CREATED).await;
    })
    .await;
}

#[tokio::test]
async fn accounts_from_before_skeletons_get_theirs_on_the_next_start() {
    for_each_backend(async |app| {
        // Two accounts as an older version stored them: no skeleton, and the second
        // one a look-alike of the first (nothing refused it then).
        let now = chrono::Utc::now().naive_utc();
        let ids = app
            .db
            .connect()
            .with_writer_blocking(|conn| {
                let mut ids = Vec::new();
                for name in ["admin", "\u{430}dmin"] {
                    let name = Username::parse(name).unwrap();
                    let email =
                        Email::parse(&format!("{}@example.org", name.as_str().len())).unwrap();
                    let mut old = NewUser::new(&name, Some(&email), None, Role::Reader, now);
                    old.username_skeleton = None;
                    ids.push(tribune::db::users::insert(conn, &old)?.id);
                }
                Ok(ids)
            })
            .unwrap();

        let restarted = TestApp::spawn_with(app.db.clone(), |_| {}).await;

        let skeletons: Vec<Option<String>> = restarted
            .db
            .connect()
            .with_writer_blocking(|conn| {
                Ok(users::table
                    .filter(users::id.eq_any(&ids))
                    .order(users::id)
                    .select(users::username_skeleton)
                    .load(conn)?)
            })
            .unwrap();
        // The older account has it; the look-alike keeps none but still exists.
        assert!(
            skeletons[0].is_some() && skeletons[1].is_none(),
            "{skeletons:?}"
        );
        for look_alike in ["ADMIN", "\u{430}DMIN", "\u{3b1}dmin"] {
            let res = restarted
                .register(look_alike, "new@example.org", PASSWORD)
                .await;
            expect_problem(res, StatusCode::CONFLICT, "username_taken").await;
        }
        restarted.stop().await;
    })
    .await;
}
