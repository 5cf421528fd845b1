//! What the moderation console needs from the API: notes about accounts, an account's
//! standing and comments, the article list, the dashboard, undo and the log's filters.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Anonymous, Ban, Caller, PASSWORD, Session, TestApp, assert_counts_exact, encode,
    expect_problem, expect_status, for_each_backend, id_of, tribune_command,
};

const A: &str = "politik/wahl-2026";
const B: &str = "sport/derby";

/// A reader with a comment, a moderator, a second moderator and an admin.
struct Desk {
    reader: Session,
    moderator: Session,
    other: Session,
    admin: Session,
    comment_id: i64,
}

async fn desk(app: &TestApp) -> Desk {
    let reader = app.register_reader("leserin").await;
    let moderator = app.account_with_role("moderator", "moderator").await;
    let other = app.account_with_role("zweiter", "moderator").await;
    let admin = app.account_with_role("chefin", "admin").await;
    let comment_id = id_of(&app.comment_ok(&reader, A, "Erster Kommentar", None).await);
    Desk {
        reader,
        moderator,
        other,
        admin,
        comment_id,
    }
}

/// Calls every console endpoint as `who` with a valid request about the desk's reader.
async fn call_console_endpoints(
    app: &TestApp,
    who: &(impl Caller + ?Sized),
    d: &Desk,
) -> Vec<(&'static str, Response)> {
    let user = d.reader.user_id;
    vec![
        ("user_standing", app.user_standing(who, user).await),
        ("user_comments", app.user_comments(who, user, "").await),
        ("notes", app.notes(who, user, "").await),
        ("add_note", app.add_note(who, user, "Hinweis").await),
        ("delete_note", app.delete_note(who, 1).await),
        ("undo", app.undo(who, d.comment_id).await),
        ("mod_articles", app.mod_articles(who, "").await),
        ("dashboard", app.dashboard(who, "").await),
    ]
}

#[tokio::test]
async fn console_endpoints_refuse_anonymous_callers() {
    for_each_backend(async |app| {
        let d = desk(app).await;

        for (endpoint, res) in call_console_endpoints(app, &Anonymous, &d).await {
            eprintln!("{endpoint}");
            expect_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
    })
    .await;
}

#[tokio::test]
async fn console_endpoints_refuse_readers() {
    for_each_backend(async |app| {
        let d = desk(app).await;

        for (endpoint, res) in call_console_endpoints(app, &d.reader, &d).await {
            eprintln!("{endpoint}");
            expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
        assert_eq!(note_rows(app), 0, "a reader's note must not be stored");
    })
    .await;
}

#[tokio::test]
async fn console_endpoints_refuse_banned_moderators() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.ban_ok(&d.admin, d.moderator.user_id, &Ban::new("Missbrauch"))
            .await;

        for (endpoint, res) in call_console_endpoints(app, &d.moderator, &d).await {
            eprintln!("{endpoint}");
            expect_problem(res, StatusCode::FORBIDDEN, "account_banned").await;
        }
        assert_eq!(note_rows(app), 0);
    })
    .await;
}

#[tokio::test]
async fn console_endpoints_admit_moderators() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.approve_ok(&d.moderator, d.comment_id, None).await;

        for (endpoint, res) in call_console_endpoints(app, &d.moderator, &d).await {
            let status = res.status();
            let expected = match endpoint {
                "add_note" => StatusCode::CREATED,
                "delete_note" => StatusCode::NO_CONTENT,
                _ => StatusCode::OK,
            };
            assert_eq!(
                status,
                expected,
                "{endpoint}: {}",
                res.text().await.unwrap()
            );
        }
    })
    .await;
}

/// A new session of `who`, after the clock moved past their access token's lifetime.
async fn again(app: &TestApp, who: &Session) -> Session {
    app.login_ok(&who.username, PASSWORD).await
}

// --- Notes ---

/// Rows in `moderator_notes`, read from the database.
fn note_rows(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use tribune::db::schema::moderator_notes;
    app.db
        .connect()
        .with_writer_blocking(|conn| Ok(moderator_notes::table.count().get_result(conn)?))
        .expect("count notes")
}

#[tokio::test]
async fn a_note_is_kept_with_its_author_and_time() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let before = Utc::now() - TimeDelta::seconds(1);

        let note = app
            .add_note_ok(
                &d.moderator,
                d.reader.user_id,
                "  Schreibt oft am Thema vorbei.\r\nBeobachten. ",
            )
            .await;

        assert_eq!(note["body"], "Schreibt oft am Thema vorbei.\nBeobachten.");
        assert_eq!(note["user_id"], d.reader.user_id);
        assert_eq!(
            note["author"],
            json!({"id": d.moderator.user_id, "username": "moderator"})
        );
        let at: DateTime<Utc> = note["created_at"].as_str().unwrap().parse().unwrap();
        assert!(
            at >= before && at <= Utc::now() + TimeDelta::seconds(1),
            "{at}"
        );
        let listed = app.notes_ok(&d.other, d.reader.user_id, "").await;
        assert_eq!(listed["items"], json!([note]));
        assert_eq!(listed["next_cursor"], Value::Null);
        assert_eq!(note_rows(app), 1);
    })
    .await;
}

#[tokio::test]
async fn notes_are_listed_newest_first_in_pages() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        for i in 1..=5 {
            app.add_note_ok(&d.moderator, d.reader.user_id, &format!("Notiz {i}"))
                .await;
        }
        let other = app.register_reader("andere").await;
        app.add_note_ok(&d.moderator, other.user_id, "woanders")
            .await;

        let first = app
            .notes_ok(&d.moderator, d.reader.user_id, "limit=2")
            .await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app
            .notes_ok(
                &d.moderator,
                d.reader.user_id,
                &format!("limit=2&cursor={cursor}"),
            )
            .await;
        let cursor = second["next_cursor"].as_str().unwrap();
        let third = app
            .notes_ok(
                &d.moderator,
                d.reader.user_id,
                &format!("limit=2&cursor={cursor}"),
            )
            .await;

        let bodies: Vec<&str> = [&first, &second, &third]
            .iter()
            .flat_map(|p| p["items"].as_array().unwrap())
            .map(|n| n["body"].as_str().unwrap())
            .collect();
        assert_eq!(
            bodies,
            ["Notiz 5", "Notiz 4", "Notiz 3", "Notiz 2", "Notiz 1"]
        );
        assert_eq!(third["next_cursor"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn only_the_author_or_an_admin_deletes_a_note() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let mine = id_of(
            &app.add_note_ok(&d.moderator, d.reader.user_id, "eins")
                .await,
        );
        let theirs = id_of(
            &app.add_note_ok(&d.moderator, d.reader.user_id, "zwei")
                .await,
        );

        let refused = app.delete_note(&d.other, mine).await;
        expect_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
        assert_eq!(note_rows(app), 2);

        let own = app.delete_note(&d.moderator, mine).await;
        assert_eq!(own.status(), StatusCode::NO_CONTENT);
        let by_admin = app.delete_note(&d.admin, theirs).await;
        assert_eq!(by_admin.status(), StatusCode::NO_CONTENT);

        assert_eq!(note_rows(app), 0);
        let again = app.delete_note(&d.moderator, mine).await;
        expect_problem(again, StatusCode::NOT_FOUND, "not_found").await;
        let listed = app.notes_ok(&d.moderator, d.reader.user_id, "").await;
        assert_eq!(listed["items"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn notes_are_logged_without_their_text() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let id = id_of(
            &app.add_note_ok(&d.moderator, d.reader.user_id, "vertraulich")
                .await,
        );
        app.delete_note(&d.admin, id).await;

        let log = app
            .mod_log_ok(&d.moderator, &format!("user_id={}", d.reader.user_id))
            .await;

        let items = log["items"].as_array().unwrap();
        let notes: Vec<(&str, i64, &str)> = items
            .iter()
            .filter(|i| i["action"].as_str().unwrap().starts_with("note_"))
            .map(|i| {
                (
                    i["action"].as_str().unwrap(),
                    i["actor"]["id"].as_i64().unwrap(),
                    i["note"].as_str().unwrap(),
                )
            })
            .collect();
        let named = format!("note {id}");
        assert_eq!(
            notes,
            [
                ("note_delete", d.admin.user_id, named.as_str()),
                ("note_add", d.moderator.user_id, named.as_str())
            ]
        );
        assert!(!log.to_string().contains("vertraulich"));
    })
    .await;
}

#[tokio::test]
async fn an_empty_overlong_or_malformed_note_is_refused() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        for body in ["", "   ", &"x".repeat(2001), "a\u{0}b"] {
            let res = app.add_note(&d.moderator, d.reader.user_id, body).await;
            let problem =
                expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(problem["errors"][0]["field"], "body");
        }
        let wrong_type = app
            .post(
                &format!("/mod/users/{}/notes", d.reader.user_id),
                Some(&d.moderator.access_token),
                &json!({"body": 7}),
            )
            .await;
        expect_problem(wrong_type, StatusCode::BAD_REQUEST, "malformed_request").await;
        assert_eq!(note_rows(app), 0);
    })
    .await;
}

#[tokio::test]
async fn notes_about_an_unknown_account_are_not_found() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let add = app.add_note(&d.moderator, 999_999, "niemand").await;
        expect_problem(add, StatusCode::NOT_FOUND, "not_found").await;
        let list = app.notes(&d.moderator, 999_999, "").await;
        expect_problem(list, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

#[tokio::test]
async fn erasing_an_account_erases_the_notes_about_it() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.add_note_ok(&d.moderator, d.reader.user_id, "über die Leserin")
            .await;
        app.add_note_ok(&d.admin, d.moderator.user_id, "über den Moderator")
            .await;

        let erased = app.erase_account(&d.reader, PASSWORD).await;
        assert_eq!(erased.status(), StatusCode::NO_CONTENT);

        assert_eq!(
            note_rows(app),
            1,
            "only the note about the erased reader goes"
        );
        let gone = app.notes(&d.moderator, d.reader.user_id, "").await;
        expect_problem(gone, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

// --- An account's standing and comments ---

#[tokio::test]
async fn an_accounts_standing_shows_its_counts_role_and_ban() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.update_article_ok(&d.moderator, B, &json!({"moderation": "pre"}))
            .await;
        let held = id_of(&app.comment_ok(&d.reader, B, "wartet", None).await);
        app.comment_ok(&d.reader, B, "wartet auch", None).await;
        app.reject_ok(&d.moderator, held, "off_topic", None).await;
        app.add_note_ok(&d.moderator, d.reader.user_id, "Notiz")
            .await;
        let until = Utc::now() + TimeDelta::days(7);
        app.ban_ok(
            &d.moderator,
            d.reader.user_id,
            &Ban::new("Beleidigungen").until(until),
        )
        .await;

        let standing = app.user_standing_ok(&d.moderator, d.reader.user_id).await;

        assert_eq!(standing["id"], d.reader.user_id);
        assert_eq!(standing["username"], "leserin");
        assert_eq!(standing["role"], "reader");
        assert_eq!(standing["status"], "banned");
        assert_eq!(standing["ban_reason"], "Beleidigungen");
        let banned_until: DateTime<Utc> =
            standing["banned_until"].as_str().unwrap().parse().unwrap();
        assert!((banned_until - until).num_seconds().abs() <= 1);
        assert_eq!(standing["approved_count"], 1);
        assert_eq!(standing["rejected_count"], 1);
        assert_eq!(standing["pending_count"], 1);
        assert_eq!(standing["notes_count"], 1);
        assert_eq!(standing["account_age_days"], 0);
        assert!(standing["created_at"].is_string());
        assert_eq!(
            standing["email"],
            Value::Null,
            "moderators do not see addresses"
        );
        let for_admin = app.user_standing_ok(&d.admin, d.reader.user_id).await;
        assert_eq!(for_admin["email"], "leserin@example.org");
    })
    .await;
}

#[tokio::test]
async fn an_accounts_age_counts_whole_days() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.clock.advance(TimeDelta::days(3) + TimeDelta::hours(5));
        let moderator = again(app, &d.moderator).await;

        let standing = app.user_standing_ok(&moderator, d.reader.user_id).await;

        assert_eq!(standing["account_age_days"], 3);
        assert_eq!(standing["status"], "active");
        assert_eq!(standing["banned_until"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn the_standing_of_an_unknown_or_erased_account_is_not_found() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let unknown = app.user_standing(&d.moderator, 999_999).await;
        expect_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
        app.erase_account(&d.reader, PASSWORD).await;
        let erased = app.user_standing(&d.moderator, d.reader.user_id).await;
        expect_problem(erased, StatusCode::NOT_FOUND, "not_found").await;
        let comments = app.user_comments(&d.moderator, d.reader.user_id, "").await;
        expect_problem(comments, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

/// The desk's reader with one comment of every status on `B` (besides the first on
/// `A`, approved): returns (approved, pending, rejected, deleted) ids.
async fn comments_of_every_status(app: &TestApp, d: &Desk) -> (i64, i64, i64, i64) {
    let approved = id_of(&app.comment_ok(&d.reader, B, "sichtbar", None).await);
    let deleted = id_of(&app.comment_ok(&d.reader, B, "gelöscht", None).await);
    app.delete_comment_ok(&d.reader, deleted).await;
    app.update_article_ok(
        &d.moderator,
        B,
        &json!({"moderation": "pre", "title": "Das Derby"}),
    )
    .await;
    let rejected = id_of(&app.comment_ok(&d.reader, B, "abgelehnt", None).await);
    app.reject_ok(&d.moderator, rejected, "spam", None).await;
    let pending = id_of(&app.comment_ok(&d.reader, B, "wartet", None).await);
    (approved, pending, rejected, deleted)
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect()
}

#[tokio::test]
async fn every_comment_of_an_account_is_listed_newest_first_as_moderators_see_it() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let (approved, pending, rejected, deleted) = comments_of_every_status(app, &d).await;
        let stranger = app.register_reader("fremd").await;
        app.comment_ok(&stranger, B, "nicht von ihr", None).await;

        let page = app
            .user_comments_ok(&d.moderator, d.reader.user_id, "")
            .await;

        assert_eq!(
            ids(&page),
            [pending, rejected, deleted, approved, d.comment_id]
        );
        let items = page["items"].as_array().unwrap();
        let statuses: Vec<&str> = items
            .iter()
            .map(|c| c["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            ["pending", "rejected", "deleted", "approved", "approved"]
        );
        assert_eq!(items[0]["moderation_reason"], "premoderation");
        assert_eq!(items[1]["rejection_reason"], "spam");
        assert_eq!(
            items[1]["article"],
            json!({"key": B, "title": "Das Derby", "url": null})
        );
        assert_eq!(items[1]["body"], "abgelehnt");
        assert_eq!(items[2]["body"], "", "a deleted comment's text is gone");
        assert_eq!(items[0]["author"]["approved_count"], 2);
        assert_eq!(items[0]["author"]["rejected_count"], 1);
        assert_eq!(page["next_cursor"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn queue_items_and_decisions_name_their_articles_title_and_url() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let url = "https://www.zeitung.de/sport/derby";
        app.update_article_ok(
            &d.moderator,
            B,
            &json!({"moderation": "pre", "title": "Das Derby", "url": url}),
        )
        .await;
        let held = id_of(&app.comment_ok(&d.reader, B, "wartet", None).await);
        let linked = json!({"key": B, "title": "Das Derby", "url": url});

        let pending = app
            .queue_ok(&d.moderator, &format!("article={}", encode(B)))
            .await;
        let approved = app.queue_ok(&d.moderator, "queue=approved").await;
        let own = app
            .user_comments_ok(&d.moderator, d.reader.user_id, "")
            .await;
        let decided = app.approve_ok(&d.moderator, held, None).await;

        assert_eq!(ids(&pending), [held]);
        assert_eq!(pending["items"][0]["article"], linked);
        assert_eq!(own["items"][0]["article"], linked);
        assert_eq!(decided["article"], linked);
        let unnamed = approved["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| id_of(c) == d.comment_id)
            .unwrap();
        assert_eq!(
            unnamed["article"],
            json!({"key": A, "title": null, "url": null}),
            "an article nobody named has neither"
        );
    })
    .await;
}

#[tokio::test]
async fn an_accounts_comments_filter_by_status_and_page_with_a_cursor() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let (approved, _, rejected, _) = comments_of_every_status(app, &d).await;

        let only_rejected = app
            .user_comments_ok(&d.moderator, d.reader.user_id, "status=rejected")
            .await;
        assert_eq!(ids(&only_rejected), [rejected]);

        let first = app
            .user_comments_ok(&d.moderator, d.reader.user_id, "status=approved&limit=1")
            .await;
        assert_eq!(ids(&first), [approved]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app
            .user_comments_ok(
                &d.moderator,
                d.reader.user_id,
                &format!("status=approved&limit=1&cursor={cursor}"),
            )
            .await;
        assert_eq!(ids(&second), [d.comment_id]);
        assert_eq!(second["next_cursor"], Value::Null);

        let other_filter = app
            .user_comments(&d.moderator, d.reader.user_id, &format!("cursor={cursor}"))
            .await;
        expect_problem(other_filter, StatusCode::BAD_REQUEST, "malformed_request").await;
        let unknown = app
            .user_comments(&d.moderator, d.reader.user_id, "status=hidden")
            .await;
        let problem = expect_problem(
            unknown,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "status");
    })
    .await;
}

// --- Articles ---

/// Asserts, from the database, that every article's pending and reported counters and
/// last comment time equal what its comments say.
fn assert_article_counters_exact(app: &TestApp) {
    use diesel::dsl::max;
    use diesel::prelude::*;
    use tribune::db::schema::{articles, comments};
    app.db
        .connect()
        .with_writer_blocking(|conn| {
            let stored: Vec<(i64, String, i64, i64, Option<chrono::NaiveDateTime>)> =
                articles::table
                    .select((
                        articles::id,
                        articles::key,
                        articles::pending_count,
                        articles::reported_count,
                        articles::last_comment_at,
                    ))
                    .load(conn)?;
            for (id, key, pending, reported, last) in stored {
                let of_article = || comments::table.filter(comments::article_id.eq(id));
                let actual_pending: i64 = of_article()
                    .filter(comments::status.eq("pending"))
                    .count()
                    .get_result(conn)?;
                let actual_reported: i64 = of_article()
                    .filter(comments::status.eq("approved"))
                    .filter(comments::open_flags.gt(0))
                    .count()
                    .get_result(conn)?;
                let actual_last: Option<chrono::NaiveDateTime> =
                    of_article().select(max(comments::created_at)).first(conn)?;
                assert_eq!(pending, actual_pending, "pending_count of {key}");
                assert_eq!(reported, actual_reported, "reported_count of {key}");
                assert_eq!(last, actual_last, "last_comment_at of {key}");
            }
            Ok(())
        })
        .expect("read article counters");
}

/// An article by key from the moderators' list.
async fn listed(app: &TestApp, who: &Session, key: &str) -> Value {
    let page = app
        .mod_articles_ok(who, &format!("article={}", encode(key)))
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    items[0].clone()
}

/// Two readers with standing enough to flag.
async fn flaggers(app: &TestApp) -> (Session, Session) {
    let one = app.register_reader("melder1").await;
    let two = app.register_reader("melder2").await;
    (one, two)
}

#[tokio::test]
async fn an_article_shows_its_approved_pending_and_reported_counts() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let (one, two) = flaggers(app).await;
        let second = id_of(&app.comment_ok(&two, A, "Zweiter", None).await);
        app.flag_ok(&one, d.comment_id, "spam", None).await;
        app.flag_ok(&two, d.comment_id, "abuse", None).await;
        app.flag_ok(&one, second, "off_topic", None).await;
        app.update_article_ok(
            &d.moderator,
            A,
            &json!({"moderation": "pre", "title": "Die Wahl"}),
        )
        .await;
        app.comment_ok(&one, A, "wartet", None).await;

        let article = listed(app, &d.moderator, A).await;

        assert_eq!(article["key"], A);
        assert_eq!(article["title"], "Die Wahl");
        assert_eq!(article["status"], "open");
        assert_eq!(article["moderation"], "pre");
        assert_eq!(article["closes_at"], Value::Null);
        assert_eq!(article["comment_count"], 2);
        assert_eq!(article["pending_count"], 1);
        assert_eq!(article["reported_count"], 2);
        assert!(article["last_comment_at"].is_string() && article["created_at"].is_string());
        assert_article_counters_exact(app);
    })
    .await;
}

#[tokio::test]
async fn article_counters_follow_decisions_flags_edits_deletions_and_undo() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let (one, two) = flaggers(app).await;
        let flagged = id_of(&app.comment_ok(&two, A, "strittig", None).await);
        app.flag_ok(&one, flagged, "spam", None).await;
        assert_eq!(listed(app, &d.moderator, A).await["reported_count"], 1);

        app.approve_ok(&d.moderator, flagged, None).await;
        assert_eq!(listed(app, &d.moderator, A).await["reported_count"], 0);
        app.undo_ok(&d.moderator, flagged).await;
        assert_eq!(listed(app, &d.moderator, A).await["reported_count"], 1);
        app.reject_ok(&d.moderator, flagged, "spam", None).await;
        let after_reject = listed(app, &d.moderator, A).await;
        assert_eq!(
            (
                &after_reject["reported_count"],
                &after_reject["comment_count"]
            ),
            (&json!(0), &json!(1))
        );
        assert_article_counters_exact(app);

        app.flag_ok(&one, d.comment_id, "abuse", None).await;
        app.delete_comment_ok(&d.reader, d.comment_id).await;
        assert_eq!(listed(app, &d.moderator, A).await["reported_count"], 0);

        app.update_article_ok(&d.moderator, A, &json!({"moderation": "pre"}))
            .await;
        let held = id_of(&app.comment_ok(&one, A, "wartet", None).await);
        app.edit_comment_ok(&one, held, "wartet, geändert").await;
        assert_eq!(listed(app, &d.moderator, A).await["pending_count"], 1);
        app.approve_ok(&d.moderator, held, None).await;
        assert_eq!(listed(app, &d.moderator, A).await["pending_count"], 0);
        app.undo_ok(&d.moderator, held).await;
        assert_eq!(listed(app, &d.moderator, A).await["pending_count"], 1);
        app.bulk_ok(&d.moderator, &[held], "reject", Some("spam"))
            .await;
        assert_eq!(listed(app, &d.moderator, A).await["pending_count"], 0);

        assert_article_counters_exact(app);
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn a_comment_hidden_by_its_first_flag_leaves_the_reported_count() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.update_settings_ok(&d.admin, json!({"auto_hide_flags": 1}))
            .await;
        let (one, _) = flaggers(app).await;
        app.comment_ok(&one, B, "schon dabei", None).await;
        app.clock.advance(TimeDelta::days(2));
        let one = again(app, &one).await;

        app.flag_ok(&one, d.comment_id, "abuse", None).await;

        let moderator = again(app, &d.moderator).await;
        let article = listed(app, &moderator, A).await;
        assert_eq!(
            app.get_comment_ok(&moderator, d.comment_id).await["status"],
            "pending"
        );
        assert_eq!(
            (&article["pending_count"], &article["reported_count"]),
            (&json!(1), &json!(0))
        );
        assert_article_counters_exact(app);
    })
    .await;
}

/// Articles `a`…`d` with 0–3 pending comments, 3–0 reported ones and the latest comment
/// on `b`; returns the keys in creation order.
async fn four_articles(app: &TestApp, d: &Desk) -> [&'static str; 4] {
    let keys = ["a-artikel", "b-artikel", "c-artikel", "d-artikel"];
    let (one, two) = flaggers(app).await;
    for (i, key) in keys.iter().enumerate() {
        app.update_article_ok(&d.moderator, key, &json!({"title": format!("Titel {key}")}))
            .await;
        for _ in 0..(3 - i) {
            let c = id_of(&app.comment_ok(&two, key, "gemeldet", None).await);
            app.flag_ok(&one, c, "spam", None).await;
        }
    }
    for (i, key) in keys.iter().enumerate() {
        app.update_article_ok(&d.moderator, key, &json!({"moderation": "pre"}))
            .await;
        for _ in 0..i {
            app.comment_ok(&one, key, "wartet", None).await;
        }
    }
    app.comment_ok(&one, "b-artikel", "der neueste", None).await;
    keys
}

fn keys(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn articles_sort_by_newest_pending_reported_and_recent_comments() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        four_articles(app, &d).await;
        let q = "q=-artikel";

        let newest = app.mod_articles_ok(&d.moderator, q).await;
        let pending = app
            .mod_articles_ok(&d.moderator, &format!("{q}&sort=pending"))
            .await;
        let reported = app
            .mod_articles_ok(&d.moderator, &format!("{q}&sort=reported"))
            .await;
        let recent = app.mod_articles_ok(&d.moderator, "sort=recent").await;

        assert_eq!(
            keys(&newest),
            ["d-artikel", "c-artikel", "b-artikel", "a-artikel"]
        );
        // b has 1 + 1 pending: ties go to the newer article.
        assert_eq!(
            keys(&pending),
            ["d-artikel", "c-artikel", "b-artikel", "a-artikel"]
        );
        let counts: Vec<i64> = pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["pending_count"].as_i64().unwrap())
            .collect();
        assert_eq!(counts, [3, 2, 2, 0]);
        assert_eq!(
            keys(&reported),
            ["a-artikel", "b-artikel", "c-artikel", "d-artikel"]
        );
        assert_eq!(keys(&recent)[..2], ["b-artikel", "d-artikel"]);
        assert_eq!(
            keys(&recent).len(),
            5,
            "every article with comments: {recent}"
        );
        assert_article_counters_exact(app);
    })
    .await;
}

#[tokio::test]
async fn an_article_list_pages_with_a_cursor_in_every_order() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        four_articles(app, &d).await;
        for sort in ["newest", "pending", "reported", "recent"] {
            let all = app
                .mod_articles_ok(&d.moderator, &format!("q=artikel&sort={sort}"))
                .await;
            let mut paged = Vec::new();
            let mut cursor = String::new();
            loop {
                let page = app
                    .mod_articles_ok(
                        &d.moderator,
                        &format!("q=artikel&sort={sort}&limit=1{cursor}"),
                    )
                    .await;
                paged.extend(keys(&page));
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = format!("&cursor={c}"),
                    None => break,
                }
            }
            assert_eq!(paged, keys(&all), "{sort}");
            assert_eq!(paged.len(), 4, "{sort}");
        }
        let first = app
            .mod_articles_ok(&d.moderator, "sort=pending&limit=1")
            .await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let mixed = app
            .mod_articles(&d.moderator, &format!("sort=reported&cursor={cursor}"))
            .await;
        expect_problem(mixed, StatusCode::BAD_REQUEST, "malformed_request").await;
    })
    .await;
}

#[tokio::test]
async fn articles_are_found_by_key_or_title_anywhere_ignoring_case() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.update_article_ok(
            &d.moderator,
            "https://zeitung.de/x?id=7",
            &json!({"title": "Äpfel und Birnen"}),
        )
        .await;
        app.update_article_ok(&d.moderator, "100%_sicher", &json!({"title": "Prozente"}))
            .await;
        app.update_article_ok(&d.moderator, B, &json!({"title": "Das DERBY am Sonntag"}))
            .await;

        let find = async |q: &str| {
            keys(
                &app.mod_articles_ok(&d.moderator, &format!("q={}", encode(q)))
                    .await,
            )
        };

        assert_eq!(find("derby").await, [B]);
        assert_eq!(find("Derby").await, [B]);
        assert_eq!(find("ÄPFEL").await, ["https://zeitung.de/x?id=7"]);
        assert_eq!(find("Äpfel").await, ["https://zeitung.de/x?id=7"]);
        assert_eq!(find("id=7").await, ["https://zeitung.de/x?id=7"]);
        assert_eq!(find("%_").await, ["100%_sicher"], "wildcards are literal");
        assert_eq!(find("wahl").await, [A]);
        assert!(find("nirgends").await.is_empty());
        let all = find("").await;
        assert_eq!(all.len(), 4);
    })
    .await;
}

#[tokio::test]
async fn the_article_form_names_one_article_by_its_exact_key() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.update_article_ok(&d.moderator, "politik/wahl-2026/live", &json!({}))
            .await;

        let one = app
            .mod_articles_ok(&d.moderator, &format!("article={}", encode(A)))
            .await;
        let none = app.mod_articles_ok(&d.moderator, "article=politik").await;

        assert_eq!(keys(&one), [A]);
        assert_eq!(one["items"][0]["comment_count"], 1);
        assert!(keys(&none).is_empty());
        let bad = app.mod_articles(&d.moderator, "article=").await;
        let problem =
            expect_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "article");
    })
    .await;
}

#[tokio::test]
async fn an_unknown_sort_or_an_overlong_search_is_refused() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let sort = app.mod_articles(&d.moderator, "sort=oldest").await;
        let problem =
            expect_problem(sort, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "sort");
        let long = app
            .mod_articles(&d.moderator, &format!("q={}", "x".repeat(513)))
            .await;
        let problem =
            expect_problem(long, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "q");
    })
    .await;
}

#[tokio::test]
async fn recount_repairs_the_pending_and_reported_counters() {
    use diesel::prelude::*;
    use tribune::db::schema::articles;
    for_each_backend(async |app| {
        let d = desk(app).await;
        let (one, _) = flaggers(app).await;
        app.flag_ok(&one, d.comment_id, "spam", None).await;
        app.update_article_ok(&d.moderator, B, &json!({"moderation": "pre"}))
            .await;
        app.comment_ok(&one, B, "wartet", None).await;
        app.db
            .connect()
            .with_writer_blocking(|conn| {
                diesel::update(articles::table)
                    .set((
                        articles::pending_count.eq(7),
                        articles::reported_count.eq(5),
                        articles::last_comment_at.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap();

        let out = tribune_command(&app.db.url)
            .arg("recount")
            .output()
            .unwrap();

        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_article_counters_exact(app);
        let b = listed(app, &d.moderator, B).await;
        assert_eq!(
            (&b["pending_count"], &b["reported_count"]),
            (&json!(1), &json!(0))
        );
    })
    .await;
}

// --- The dashboard ---

#[tokio::test]
async fn the_dashboard_shows_queues_the_oldest_pending_and_the_busiest_articles() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let (one, two) = flaggers(app).await;
        app.comment_ok(&two, B, "b1", None).await;
        let b2 = id_of(&app.comment_ok(&two, B, "b2", None).await);
        app.flag_ok(&one, b2, "spam", None).await;
        app.flag_ok(&one, d.comment_id, "spam", None).await;
        app.flag_ok(&two, d.comment_id, "abuse", None).await;
        app.update_article_ok(
            &d.moderator,
            B,
            &json!({"moderation": "pre", "title": "Derby"}),
        )
        .await;
        let oldest = app.comment_ok(&one, B, "wartet", None).await;
        app.clock.advance(TimeDelta::minutes(10));
        app.comment_ok(&one, B, "wartet auch", None).await;

        let board = app.dashboard_ok(&d.moderator, "").await;

        assert_eq!(board["queues"]["pending"], 2);
        assert_eq!(board["queues"]["reported"], 2);
        assert_eq!(board["queues"]["approved"], 3);
        assert_eq!(board["oldest_pending"]["comment_id"], id_of(&oldest));
        assert_eq!(board["oldest_pending"]["created_at"], oldest["created_at"]);
        let age = board["oldest_pending"]["age_seconds"].as_i64().unwrap();
        assert!((600..660).contains(&age), "{age}");
        assert_eq!(board["hours"], 24);
        assert_eq!(
            board["most_commented"],
            json!([{"key": B, "title": "Derby", "count": 4}, {"key": A, "title": null, "count": 1}])
        );
        assert_eq!(
            board["most_reported"],
            json!([{"key": A, "title": null, "count": 2}, {"key": B, "title": "Derby", "count": 1}])
        );
        let top = app.dashboard_ok(&d.moderator, "top=1").await;
        assert_eq!(top["most_commented"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_dashboards_rankings_count_only_the_window() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.clock.advance(TimeDelta::hours(3));
        let moderator = again(app, &d.moderator).await;
        let two = app.register_reader("spaeter").await;
        app.comment_ok(&two, B, "neu", None).await;

        let last_two_hours = app.dashboard_ok(&moderator, "hours=2").await;
        let last_day = app.dashboard_ok(&moderator, "hours=24").await;

        assert_eq!(keys_of(&last_two_hours["most_commented"]), [B]);
        assert_eq!(keys_of(&last_day["most_commented"]), [B, A]);
        for bad in ["hours=0", "hours=169", "top=0", "top=51"] {
            let res = app.dashboard(&moderator, bad).await;
            expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
    })
    .await;
}

fn keys_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap().to_owned())
        .collect()
}

/// The start of the hour of an RFC 3339 time in an answer.
fn hour_of(time: &Value) -> DateTime<Utc> {
    let t: DateTime<Utc> = time.as_str().unwrap().parse().unwrap();
    t.duration_trunc(TimeDelta::hours(1)).unwrap()
}

#[tokio::test]
async fn the_dashboard_counts_comments_and_decisions_per_hour_over_the_last_day() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let early = app.comment_ok(&d.reader, B, "früh", None).await;
        app.clock.advance(TimeDelta::hours(2));
        let (reader, moderator) = (again(app, &d.reader).await, again(app, &d.moderator).await);
        let late = app.comment_ok(&reader, B, "spät", None).await;
        app.approve_ok(&moderator, id_of(&late), None).await;
        app.reject_ok(&moderator, id_of(&early), "spam", None).await;
        app.clock.advance(TimeDelta::hours(30));
        let (reader, moderator) = (again(app, &reader).await, again(app, &moderator).await);
        let now = app.comment_ok(&reader, B, "jetzt", None).await;

        let board = app.dashboard_ok(&moderator, "").await;

        let hours = board["per_hour"].as_array().unwrap();
        assert_eq!(hours.len(), 24);
        let last = &hours[23];
        assert_eq!(hour_of(&last["hour"]), hour_of(&now["created_at"]));
        assert_eq!(
            (&last["comments"], &last["decisions"]),
            (&json!(1), &json!(0))
        );
        let total = |field: &str| {
            hours
                .iter()
                .map(|h| h[field].as_i64().unwrap())
                .sum::<i64>()
        };
        assert_eq!(
            (total("comments"), total("decisions")),
            (1, 0),
            "older than a day: {board}"
        );

        app.clock.advance(TimeDelta::hours(-30));
        let moderator = again(app, &moderator).await;
        let earlier = app.dashboard_ok(&moderator, "").await;
        let hours = earlier["per_hour"].as_array().unwrap();
        let at = |hour: DateTime<Utc>| {
            hours
                .iter()
                .find(|h| hour_of(&h["hour"]) == hour)
                .unwrap_or_else(|| panic!("{hour} missing"))
        };
        let first_hour = at(hour_of(&early["created_at"]));
        let late_hour = at(hour_of(&late["created_at"]));
        assert_eq!(
            first_hour["comments"], 2,
            "the first two comments: {earlier}"
        );
        assert_eq!(
            (&late_hour["comments"], &late_hour["decisions"]),
            (&json!(1), &json!(2))
        );
        let total = |field: &str| {
            hours
                .iter()
                .map(|h| h[field].as_i64().unwrap())
                .sum::<i64>()
        };
        assert_eq!((total("comments"), total("decisions")), (3, 2));
        let starts: Vec<DateTime<Utc>> = hours.iter().map(|h| hour_of(&h["hour"])).collect();
        assert!(
            starts
                .windows(2)
                .all(|w| w[1] - w[0] == TimeDelta::hours(1))
        );
    })
    .await;
}

// --- Undo ---

#[tokio::test]
async fn an_approval_undone_puts_the_comment_back_in_the_pending_queue() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.update_article_ok(&d.moderator, B, &json!({"moderation": "pre"}))
            .await;
        let held = id_of(&app.comment_ok(&d.reader, B, "wartet", None).await);
        app.approve_ok(&d.moderator, held, Some("passt")).await;
        assert_eq!(app.counts(&[B]).await[B], 1);

        let restored = app.undo_ok(&d.moderator, held).await;

        assert_eq!(restored["status"], "pending");
        assert_eq!(restored["moderation_reason"], "premoderation");
        assert_eq!(app.counts(&[B]).await[B], 0);
        let queue = app.queue_ok(&d.moderator, "queue=pending").await;
        assert_eq!(ids(&queue), [held]);
        let standing = app.user_standing_ok(&d.moderator, d.reader.user_id).await;
        assert_eq!(
            (&standing["approved_count"], &standing["pending_count"]),
            (&json!(1), &json!(1))
        );
        let unmoderated = app.queue_ok(&d.moderator, "queue=unmoderated").await;
        assert_eq!(ids(&unmoderated), [d.comment_id]);
        let actions = app
            .log_actions(&d.moderator, &format!("&comment_id={held}"))
            .await;
        assert_eq!(actions, ["auto_pending", "approve", "undo"]);
        let log = app
            .mod_log_ok(&d.moderator, &format!("comment_id={held}"))
            .await;
        assert_eq!(log["items"][0]["reason"], "approve");
        assert_eq!(log["items"][0]["actor"]["id"], d.moderator.user_id);
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn a_rejection_undone_restores_the_comment_and_its_flags() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let (one, two) = flaggers(app).await;
        app.flag_ok(&one, d.comment_id, "spam", Some("Werbung"))
            .await;
        app.flag_ok(&two, d.comment_id, "abuse", None).await;
        app.reject_ok(&d.moderator, d.comment_id, "spam", None)
            .await;
        assert!(ids(&app.queue_ok(&d.moderator, "queue=reported").await).is_empty());

        let restored = app.undo_ok(&d.moderator, d.comment_id).await;

        assert_eq!(restored["status"], "approved");
        assert_eq!(restored["rejection_reason"], Value::Null);
        assert_eq!(restored["moderation_reason"], Value::Null);
        assert_eq!(restored["flags"], json!({"abuse": 1, "spam": 1}));
        let reported = app.queue_ok(&d.moderator, "queue=reported").await;
        assert_eq!(ids(&reported), [d.comment_id]);
        assert_eq!(reported["items"][0]["flag_notes"][0]["note"], "Werbung");
        assert_eq!(app.counts(&[A]).await[A], 1);
        let mine = app.get_comment_ok(&d.reader, d.comment_id).await;
        assert_eq!(mine["status"], "approved");
        assert_eq!(mine["rejection_reason"], Value::Null);
        assert_counts_exact(app);
        assert_article_counters_exact(app);
    })
    .await;
}

#[tokio::test]
async fn only_the_deciding_moderator_undoes_and_only_once() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.moderator, d.comment_id, "spam", None)
            .await;

        let by_other = app.undo(&d.other, d.comment_id).await;
        expect_problem(by_other, StatusCode::CONFLICT, "nothing_to_undo").await;
        let by_admin = app.undo(&d.admin, d.comment_id).await;
        expect_problem(by_admin, StatusCode::CONFLICT, "nothing_to_undo").await;
        app.undo_ok(&d.moderator, d.comment_id).await;
        let twice = app.undo(&d.moderator, d.comment_id).await;
        expect_problem(twice, StatusCode::CONFLICT, "nothing_to_undo").await;

        let comment = app.get_comment_ok(&d.moderator, d.comment_id).await;
        assert_eq!(comment["status"], "approved");
    })
    .await;
}

#[tokio::test]
async fn nothing_but_a_decision_is_undone() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let automatic = app.undo(&d.moderator, d.comment_id).await;
        expect_problem(automatic, StatusCode::CONFLICT, "nothing_to_undo").await;

        app.approve_ok(&d.moderator, d.comment_id, None).await;
        app.edit_comment_ok(&d.reader, d.comment_id, "geändert")
            .await;
        let after_edit = app.undo(&d.moderator, d.comment_id).await;
        expect_problem(after_edit, StatusCode::CONFLICT, "nothing_to_undo").await;

        app.approve_ok(&d.moderator, d.comment_id, None).await;
        app.delete_comment_ok(&d.reader, d.comment_id).await;
        let after_delete = app.undo(&d.moderator, d.comment_id).await;
        expect_problem(after_delete, StatusCode::CONFLICT, "nothing_to_undo").await;

        let unknown = app.undo(&d.moderator, 999_999).await;
        expect_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn of_two_undos_at_once_one_wins() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        for round in 0..5 {
            app.reject_ok(&d.moderator, d.comment_id, "spam", None)
                .await;

            let (a, b) = tokio::join!(
                app.undo(&d.moderator, d.comment_id),
                app.undo(&d.moderator, d.comment_id)
            );

            let mut statuses = [a.status(), b.status()];
            statuses.sort();
            assert_eq!(
                statuses,
                [StatusCode::OK, StatusCode::CONFLICT],
                "round {round}"
            );
            assert_eq!(app.counts(&[A]).await[A], 1);
            assert_counts_exact(app);
            assert_article_counters_exact(app);
        }
    })
    .await;
}

#[tokio::test]
async fn an_undo_is_refused_after_thirty_seconds() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.moderator, d.comment_id, "spam", None)
            .await;
        app.clock.advance(TimeDelta::seconds(31));

        let late = app.undo(&d.moderator, d.comment_id).await;

        expect_problem(late, StatusCode::CONFLICT, "undo_window_passed").await;
        let comment = app.get_comment_ok(&d.moderator, d.comment_id).await;
        assert_eq!(comment["status"], "rejected");
    })
    .await;
}

#[tokio::test]
async fn each_comment_of_a_bulk_decision_can_be_undone() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let second = id_of(&app.comment_ok(&d.reader, A, "Zweiter", None).await);
        app.bulk_ok(
            &d.moderator,
            &[d.comment_id, second],
            "reject",
            Some("spam"),
        )
        .await;
        assert_eq!(app.counts(&[A]).await[A], 0);

        for id in [d.comment_id, second] {
            assert_eq!(app.undo_ok(&d.moderator, id).await["status"], "approved");
        }

        assert_eq!(app.counts(&[A]).await[A], 2);
        assert_counts_exact(app);
    })
    .await;
}

// --- The log's filters ---

#[tokio::test]
async fn the_log_filters_by_action_with_the_other_filters() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let second = id_of(&app.comment_ok(&d.reader, B, "Zweiter", None).await);
        app.reject_ok(&d.moderator, d.comment_id, "spam", None)
            .await;
        app.reject_ok(&d.other, second, "spam", None).await;
        app.approve_ok(&d.moderator, second, None).await;

        let rejections = app.mod_log_ok(&d.moderator, "action=reject").await;
        let by_one = app
            .mod_log_ok(
                &d.moderator,
                &format!("action=reject&moderator_id={}", d.other.user_id),
            )
            .await;
        let on_one = app
            .mod_log_ok(
                &d.moderator,
                &format!("action=auto_approve&comment_id={second}"),
            )
            .await;

        let comments = |page: &Value| -> Vec<i64> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["comment_id"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(comments(&rejections), [second, d.comment_id]);
        assert_eq!(comments(&by_one), [second]);
        assert_eq!(comments(&on_one), [second]);
        let unknown = app.mod_log(&d.moderator, "action=delete").await;
        let problem = expect_problem(
            unknown,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "action");
        let answered = expect_status(
            app.mod_log(&d.moderator, "action=undo").await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(answered["items"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn a_flag_racing_a_rejection_leaves_the_reported_count_exact() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let flagger = app.register_reader("melderin").await;
        for round in 0..20 {
            let id = id_of(
                &app.comment_ok(&d.reader, A, &format!("Runde {round}"), None)
                    .await,
            );
            let (flagged, rejected) = tokio::join!(
                app.flag(&flagger, id, "spam", None),
                app.reject(&d.moderator, id, "spam", None)
            );
            // A flag that comes after the rejection finds no visible comment.
            assert!(
                [StatusCode::CREATED, StatusCode::NOT_FOUND].contains(&flagged.status()),
                "round {round}: {}",
                flagged.status()
            );
            assert_eq!(rejected.status(), StatusCode::OK, "round {round}");
            assert_article_counters_exact(app);
        }
    })
    .await;
}

#[tokio::test]
async fn two_moderators_deciding_one_comment_at_once_move_the_counts_once() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        for round in 0..5 {
            let (a, b) = tokio::join!(
                app.reject(&d.moderator, d.comment_id, "spam", None),
                app.reject(&d.other, d.comment_id, "spam", None)
            );

            assert_eq!(a.status(), StatusCode::OK, "round {round}");
            assert_eq!(b.status(), StatusCode::OK, "round {round}");
            assert_eq!(app.counts(&[A]).await[A], 0, "round {round}");
            assert_counts_exact(app);
            assert_article_counters_exact(app);
            app.approve_ok(&d.moderator, d.comment_id, None).await;
            assert_eq!(app.counts(&[A]).await[A], 1, "round {round}");
        }
    })
    .await;
}
