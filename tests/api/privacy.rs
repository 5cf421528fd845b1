//! Data export and account erasure.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::Value;
use tribune::db::schema::{comments, users};

use crate::helpers::{
    Anonymous, PASSWORD, assert_counts_exact, expect_problem, expect_status, for_each_backend,
    id_of,
};

#[tokio::test]
async fn the_text_before_an_edit_is_exported_and_erased_with_the_comment() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let id = id_of(&app.comment_ok(&anna, "a1", "erste Fassung", None).await);
        app.edit_comment_ok(&anna, id, "zweite Fassung").await;

        let before = expect_status(app.export(&anna).await, StatusCode::OK).await;
        app.delete_comment_ok(&anna, id).await;
        let after = expect_status(app.export(&anna).await, StatusCode::OK).await;

        assert_eq!(before["comments"][0]["previous_body"], "erste Fassung");
        assert_eq!(after["comments"][0]["previous_body"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn export_holds_everything_about_the_reader() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let mine = app.comment_ok(&anna, "a1", "meiner", None).await;
        let deleted = app.comment_ok(&anna, "a1", "weg", None).await;
        app.delete_comment_ok(&anna, id_of(&deleted)).await;
        let theirs = app.comment_ok(&bert, "a1", "seiner", None).await;
        app.like_ok(&anna, id_of(&theirs)).await;
        app.flag_ok(&anna, id_of(&theirs), "spam", None).await;

        let export = expect_status(app.export(&anna).await, StatusCode::OK).await;

        assert_eq!(export["account"]["username"], "anna");
        assert_eq!(export["account"]["email"], "anna@example.org");
        let comments = export["comments"].as_array().unwrap();
        assert_eq!(comments.len(), 2);
        assert_eq!(comments[0]["id"], mine["id"]);
        assert_eq!(comments[0]["body"], "meiner");
        assert_eq!(comments[0]["article"], "a1");
        assert_eq!(comments[1]["status"], "deleted");
        assert_eq!(export["likes"][0]["comment_id"], theirs["id"]);
        assert_eq!(export["flags"][0]["reason"], "spam");
        assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
        expect_problem(
            app.export(&Anonymous).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn erasing_an_account_erases_its_comments_and_updates_counts() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let root = app.comment_ok(&anna, "a1", "Annas Wurzel", None).await;
        app.comment_ok(&anna, "a1", "Annas zweiter", None).await;
        app.comment_ok(&bert, "a1", "Berts Antwort", root["id"].as_i64())
            .await;
        let berts = app.comment_ok(&bert, "a1", "Berts eigener", None).await;
        app.like_ok(&anna, id_of(&berts)).await;
        assert_eq!(app.counts(&["a1"]).await["a1"], 4);

        let res = app.erase_account(&anna, "wrong one").await;
        expect_problem(res, StatusCode::FORBIDDEN, "wrong_password").await;
        let res = app.erase_account(&anna, PASSWORD).await;
        expect_status(res, StatusCode::NO_CONTENT).await;

        assert_eq!(app.counts(&["a1"]).await["a1"], 2);
        let list = app.thread("a1", "", &Anonymous).await;
        let threads = list["comments"].as_array().unwrap();
        assert_eq!(
            threads.len(),
            2,
            "the root stays as a placeholder above Bert's reply"
        );
        assert_eq!(threads[0]["status"], "deleted");
        assert_eq!(threads[0]["author"], Value::Null);
        assert_eq!(threads[0]["body"], "");
        assert_eq!(threads[1]["likes"], 0, "Anna's like is gone");

        // Nothing identifying is left in the database; the session is gone.
        let (stored_comments, user_row) = app
            .db
            .connect()
            .with_writer_blocking(|conn| {
                let bodies: Vec<(String, Option<i64>)> = comments::table
                    .filter(comments::id.eq(root["id"].as_i64().unwrap()))
                    .select((comments::body, comments::author_id))
                    .load(conn)?;
                let user: (String, Option<String>, Option<String>, String) = users::table
                    .find(anna.user_id)
                    .select((
                        users::username,
                        users::email,
                        users::password_hash,
                        users::status,
                    ))
                    .first(conn)?;
                Ok((bodies, user))
            })
            .unwrap();
        assert_eq!(stored_comments, [(String::new(), None)]);
        assert_eq!(user_row, (String::new(), None, None, "deleted".to_owned()));
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
        expect_problem(
            app.login("anna", PASSWORD).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
        // The name is free again.
        app.register_reader("anna").await;
        assert_eq!(assert_counts_exact(app), 2);
    })
    .await;
}
