//! Statements of reasons and appeals (EU Digital Services Act, Art. 17 and 20): what an
//! author learns about a decision, appealing it once and in time, the moderators'
//! appeals queue, who may decide an appeal, and what a reversal restores.

use chrono::{DateTime, Months, TimeDelta, Utc};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Anonymous, Ban, Caller, PASSWORD, Session, TestApp, assert_counts_exact, encode,
    expect_problem, expect_status, for_each_backend, id_of,
};

const A: &str = "politik/haushalt-2027";

/// A reader with two approved comments, two moderators and an admin.
struct Desk {
    reader: Session,
    first: Session,
    second: Session,
    admin: Session,
    comment: i64,
    other_comment: i64,
}

async fn desk(app: &TestApp) -> Desk {
    let reader = app.register_reader("leserin").await;
    let first = app.account_with_role("erste", "moderator").await;
    let second = app.account_with_role("zweiter", "moderator").await;
    let admin = app.account_with_role("chefin", "admin").await;
    let comment = id_of(&app.comment_ok(&reader, A, "Kauft bei mir!", None).await);
    let other_comment = id_of(&app.comment_ok(&reader, A, "Zweiter Gedanke", None).await);
    Desk {
        reader,
        first,
        second,
        admin,
        comment,
        other_comment,
    }
}

impl TestApp {
    pub(crate) async fn decisions(&self, who: &(impl Caller + ?Sized), query: &str) -> Response {
        self.get(&format!("/me/decisions?{query}"), who.token())
            .await
    }

    /// The caller's decisions (first page of 100), newest first; panics unless 200.
    pub(crate) async fn decisions_ok(&self, who: &(impl Caller + ?Sized)) -> Vec<Value> {
        let page = expect_status(self.decisions(who, "limit=100").await, StatusCode::OK).await;
        page["items"].as_array().expect("items").clone()
    }

    async fn appeal(&self, who: &(impl Caller + ?Sized), comment: i64, text: &str) -> Response {
        self.post(
            &format!("/comments/{comment}/appeal"),
            who.token(),
            &json!({"text": text}),
        )
        .await
    }

    pub(crate) async fn appeal_ok(
        &self,
        who: &(impl Caller + ?Sized),
        comment: i64,
        text: &str,
    ) -> Value {
        expect_status(self.appeal(who, comment, text).await, StatusCode::CREATED).await
    }

    pub(crate) async fn appeal_ban(&self, who: &(impl Caller + ?Sized), text: &str) -> Response {
        self.post("/me/ban/appeal", who.token(), &json!({"text": text}))
            .await
    }

    pub(crate) async fn appeals_queue_ok(
        &self,
        who: &(impl Caller + ?Sized),
        query: &str,
    ) -> Value {
        let res = self
            .get(&format!("/mod/appeals?{query}"), who.token())
            .await;
        expect_status(res, StatusCode::OK).await
    }

    pub(crate) async fn decide_appeal(
        &self,
        who: &(impl Caller + ?Sized),
        appeal: i64,
        outcome: &str,
        note: &str,
    ) -> Response {
        self.post(
            &format!("/mod/appeals/{appeal}/decide"),
            who.token(),
            &json!({"outcome": outcome, "note": note}),
        )
        .await
    }

    pub(crate) async fn decide_appeal_ok(
        &self,
        who: &(impl Caller + ?Sized),
        appeal: i64,
        outcome: &str,
        note: &str,
    ) -> Value {
        let res = self.decide_appeal(who, appeal, outcome, note).await;
        expect_status(res, StatusCode::OK).await
    }

    /// The article as the moderators' article list shows it.
    async fn listed(&self, who: &Session, key: &str) -> Value {
        let page = self
            .mod_articles_ok(who, &format!("article={}", encode(key)))
            .await;
        page["items"][0].clone()
    }

    /// `comment.approved` events of a comment in the outbox.
    fn approved_events(&self, comment: i64) -> usize {
        use diesel::prelude::*;
        use tribune::db::schema::events;
        let payloads: Vec<String> = self
            .db
            .connect()
            .with_writer_blocking(|conn| {
                Ok(events::table
                    .filter(events::event_type.eq("comment.approved"))
                    .select(events::payload)
                    .load(conn)?)
            })
            .expect("read events");
        payloads
            .iter()
            .map(|p| serde_json::from_str::<Value>(p).unwrap())
            .filter(|p| p["comment_id"] == comment || p["data"]["comment_id"] == comment)
            .count()
    }
}

/// The session of `who` after logging in again (the test clock moved past the token).
async fn again(app: &TestApp, who: &Session) -> Session {
    app.login_ok(&who.username, PASSWORD).await
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_rejection_is_explained_to_its_author() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "advertising", Some("Werbelink"))
            .await;

        let decisions = app.decisions_ok(&d.reader).await;

        assert_eq!(decisions.len(), 1, "{decisions:?}");
        let decision = &decisions[0];
        assert_eq!(decision["action"], "reject");
        assert_eq!(decision["automatic"], false);
        assert_eq!(decision["means"], "moderator");
        assert_eq!(decision["reason"], "advertising");
        assert_eq!(decision["statement"], Value::Null);
        assert_eq!(decision["in_force"], true);
        assert_eq!(decision["comment"]["id"], d.comment);
        assert_eq!(decision["comment"]["body"], "Kauft bei mir!");
        assert_eq!(decision["comment"]["status"], "rejected");
        assert_eq!(decision["comment"]["article"]["key"], A);
        // The moderator's note and name are for the desk, not for the author.
        let text = decision.to_string();
        assert!(
            !text.contains("Werbelink") && !text.contains("erste"),
            "{text}"
        );
        let appeal = &decision["appeal"];
        assert_eq!(appeal["state"], "available");
        assert_eq!(
            appeal["endpoint"],
            format!("/api/v1/comments/{}/appeal", d.comment)
        );
        let decided = time(&decision["decided_at"]);
        assert_eq!(
            time(&appeal["possible_until"]),
            decided.checked_add_months(Months::new(6)).unwrap()
        );
        // Someone else sees none of it.
        let other = app.register_reader("jemand").await;
        assert!(app.decisions_ok(&other).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn automatic_decisions_say_how_they_were_taken() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.update_settings_ok(
            &d.admin,
            json!({"banned_words": ["idiot"], "auto_hide_flags": 1}),
        )
        .await;
        let banned = id_of(&app.comment_ok(&d.reader, A, "Du Idiot", None).await);
        let flagger = app.register_reader("melder").await;
        app.comment_ok(&flagger, A, "Eigener Beitrag", None).await;
        app.clock.advance(TimeDelta::days(2));
        let flagger = again(app, &flagger).await;
        let reader = again(app, &d.reader).await;
        app.flag_ok(&flagger, d.other_comment, "abuse", None).await;

        let decisions = app.decisions_ok(&reader).await;

        let summary: Vec<(&Value, &Value, &Value, &Value)> = decisions
            .iter()
            .map(|d| (&d["action"], &d["means"], &d["reason"], &d["automatic"]))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    &json!("auto_hide"),
                    &json!("flags"),
                    &json!("flagged"),
                    &json!(true)
                ),
                (
                    &json!("auto_reject"),
                    &json!("word_list"),
                    &json!("banned_word"),
                    &json!(true)
                ),
            ]
        );
        assert_eq!(decisions[1]["comment"]["id"], banned);
        // A hold by flags is provisional: the moderators' decision is the one to appeal.
        assert_eq!(decisions[0]["appeal"]["state"], "unavailable");
        assert_eq!(decisions[0]["appeal"]["possible_until"], Value::Null);
        let refused = app.appeal(&reader, d.other_comment, "bitte").await;
        expect_problem(refused, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(decisions[1]["appeal"]["state"], "available");
    })
    .await;
}

#[tokio::test]
async fn a_reversed_rejection_restores_the_comment_and_every_count() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "spam", Some("Werbung"))
            .await;
        assert_eq!(app.counts(&[A]).await[A], 1);
        let standing = app.user_standing_ok(&d.first, d.reader.user_id).await;
        assert_eq!(
            (&standing["approved_count"], &standing["rejected_count"]),
            (&json!(1), &json!(1))
        );

        let filed = app
            .appeal_ok(
                &d.reader,
                d.comment,
                "Das ist kein Spam, sondern meine Meinung.",
            )
            .await;
        assert_eq!(filed["appeal"]["state"], "open");
        assert_eq!(filed["appeal"]["endpoint"], Value::Null);
        let appeal = filed["appeal"]["id"].as_i64().unwrap();

        let queue = app.appeals_queue_ok(&d.second, "state=open").await;
        let item = &queue["items"][0];
        assert_eq!(item["id"], appeal);
        assert_eq!(item["state"], "open");
        assert_eq!(item["text"], "Das ist kein Spam, sondern meine Meinung.");
        assert_eq!(item["decision"]["action"], "reject");
        assert_eq!(item["decision"]["actor"]["id"], d.first.user_id);
        assert_eq!(item["decision"]["reason"], "spam");
        assert_eq!(item["decision"]["note"], "Werbung");
        assert_eq!(item["comment"]["id"], d.comment);
        assert_eq!(item["comment"]["status"], "rejected");
        assert_eq!(item["comment"]["author"]["rejected_count"], 1);
        assert_eq!(item["appellant"]["id"], d.reader.user_id);
        assert_eq!(item["outcome"], Value::Null);

        let decided = app
            .decide_appeal_ok(&d.second, appeal, "reversed", "Meinung, keine Werbung.")
            .await;

        assert_eq!(decided["state"], "reversed");
        assert_eq!(decided["comment"]["status"], "approved");
        assert_eq!(decided["outcome"]["decided_by"]["id"], d.second.user_id);
        assert_eq!(app.counts(&[A]).await[A], 2);
        let standing = app.user_standing_ok(&d.first, d.reader.user_id).await;
        assert_eq!(
            (&standing["approved_count"], &standing["rejected_count"]),
            (&json!(2), &json!(0))
        );
        let article = app.listed(&d.first, A).await;
        assert_eq!(article["comment_count"], 2);
        assert_eq!(article["pending_count"], 0);
        let mine = app.get_comment_ok(&d.reader, d.comment).await;
        assert_eq!(mine["status"], "approved");
        assert_eq!(mine["rejection_reason"], Value::Null);
        let seen = app.get_comment_ok(&Anonymous, d.comment).await;
        assert_eq!(seen["body"], "Kauft bei mir!");
        let decision = &app.decisions_ok(&d.reader).await[0];
        assert_eq!(decision["in_force"], false);
        assert_eq!(decision["appeal"]["state"], "reversed");
        assert_eq!(decision["appeal"]["note"], "Meinung, keine Werbung.");
        assert!(decision["appeal"]["decided_at"].is_string());
        let actions = app
            .log_actions(&d.first, &format!("&comment_id={}", d.comment))
            .await;
        assert_eq!(
            actions,
            ["auto_approve", "reject", "appeal", "appeal_reversed"]
        );
        let log = app
            .mod_log_ok(&d.first, &format!("comment_id={}", d.comment))
            .await;
        assert_eq!(log["items"][0]["actor"]["id"], d.second.user_id);
        assert_eq!(log["items"][0]["note"], "Meinung, keine Werbung.");
        assert_eq!(log["items"][1]["actor"]["id"], d.reader.user_id);
        assert_eq!(log["items"][1]["reason"], "reject");
        assert_eq!(app.approved_events(d.comment), 1);
        let decided = app.appeals_queue_ok(&d.first, "state=decided").await;
        assert_eq!(decided["items"][0]["id"], appeal);
        assert!(
            app.appeals_queue_ok(&d.first, "").await["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn an_appeal_is_filed_once_and_within_six_months() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "spam", None).await;
        app.reject_ok(&d.first, d.other_comment, "off_topic", None)
            .await;
        app.appeal_ok(&d.reader, d.comment, "Bitte prüfen").await;

        let twice = app.appeal(&d.reader, d.comment, "Noch einmal").await;

        expect_problem(twice, StatusCode::CONFLICT, "already_appealed").await;
        app.clock.advance(TimeDelta::days(185));
        let reader = again(app, &d.reader).await;
        let late = app.appeal(&reader, d.other_comment, "Zu spät?").await;
        expect_problem(
            late,
            StatusCode::UNPROCESSABLE_ENTITY,
            "appeal_window_passed",
        )
        .await;
        let still_twice = app.appeal(&reader, d.comment, "Und jetzt?").await;
        expect_problem(still_twice, StatusCode::CONFLICT, "already_appealed").await;
        let decisions = app.decisions_ok(&reader).await;
        let states: Vec<&Value> = decisions.iter().map(|d| &d["appeal"]["state"]).collect();
        assert_eq!(states, [&json!("expired"), &json!("open")]);
        assert_eq!(decisions[0]["appeal"]["endpoint"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn an_appeal_just_inside_six_months_is_taken() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "spam", None).await;
        let decided = time(&app.decisions_ok(&d.reader).await[0]["decided_at"]);
        let deadline = decided.checked_add_months(Months::new(6)).unwrap();
        app.clock
            .advance(deadline - app.clock.now() - TimeDelta::minutes(1));
        let reader = again(app, &d.reader).await;

        app.appeal_ok(&reader, d.comment, "Gerade noch").await;
    })
    .await;
}

#[tokio::test]
async fn only_another_moderator_decides_an_appeal() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "spam", None).await;
        let filed = app.appeal_ok(&d.reader, d.comment, "Bitte prüfen").await;
        let appeal = filed["appeal"]["id"].as_i64().unwrap();
        app.set_role_in_db(d.first.user_id, "admin");

        let own = app
            .decide_appeal(&d.first, appeal, "reversed", "passt")
            .await;

        expect_problem(own, StatusCode::FORBIDDEN, "conflict_of_interest").await;
        let upheld = app
            .decide_appeal_ok(&d.second, appeal, "upheld", "Eindeutig Werbung.")
            .await;
        assert_eq!(upheld["state"], "upheld");
        let again = app
            .decide_appeal(&d.admin, appeal, "reversed", "doch")
            .await;
        expect_problem(again, StatusCode::CONFLICT, "appeal_decided").await;
        assert_eq!(
            app.get_comment_ok(&d.reader, d.comment).await["status"],
            "rejected"
        );
        assert_eq!(app.counts(&[A]).await[A], 1);
        let decision = &app.decisions_ok(&d.reader).await[0];
        assert_eq!(decision["appeal"]["state"], "upheld");
        assert_eq!(decision["appeal"]["note"], "Eindeutig Werbung.");
        assert_eq!(decision["in_force"], true);
        let actions = app
            .log_actions(&d.second, &format!("&comment_id={}", d.comment))
            .await;
        assert_eq!(
            actions,
            ["auto_approve", "reject", "appeal", "appeal_upheld"]
        );
        let missing = app
            .decide_appeal(&d.second, appeal + 100, "upheld", "x")
            .await;
        expect_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn any_moderator_decides_an_appeal_against_an_automatic_decision() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.update_settings_ok(&d.admin, json!({"banned_words": ["idiot"]}))
            .await;
        let banned = id_of(&app.comment_ok(&d.reader, A, "Kein Idiot", None).await);
        let filed = app
            .appeal_ok(&d.reader, banned, "Ich sage: kein Idiot.")
            .await;
        let appeal = filed["appeal"]["id"].as_i64().unwrap();
        assert_eq!(app.counts(&[A]).await[A], 2);

        let reversed = app
            .decide_appeal_ok(&d.first, appeal, "reversed", "Verneinung.")
            .await;

        assert_eq!(reversed["decision"]["actor"], Value::Null);
        assert_eq!(reversed["comment"]["status"], "approved");
        assert_eq!(app.counts(&[A]).await[A], 3);
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn a_ban_is_explained_appealed_and_lifted_on_reversal() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.update_article_ok(&d.first, A, &json!({"moderation": "pre"}))
            .await;
        let held = id_of(&app.comment_ok(&d.reader, A, "wartet", None).await);
        let nobody = app.appeal_ban(&d.reader, "Ich bin nicht gesperrt").await;
        expect_problem(nobody, StatusCode::NOT_FOUND, "not_found").await;
        app.ban_ok(
            &d.first,
            d.reader.user_id,
            &Ban::new("Wiederholte Werbung").rejecting_pending(),
        )
        .await;
        let decisions = app.decisions_ok(&d.reader).await;
        let actions: Vec<&Value> = decisions.iter().map(|d| &d["action"]).collect();
        assert_eq!(actions, [&json!("reject"), &json!("ban")]);
        assert_eq!(decisions[0]["comment"]["id"], held);
        assert_eq!(decisions[0]["reason"], "other");
        let ban = &decisions[1];
        assert_eq!(ban["statement"], "Wiederholte Werbung");
        assert_eq!(ban["reason"], Value::Null);
        assert_eq!(ban["comment"], Value::Null);
        assert_eq!(ban["banned_until"], Value::Null);
        assert_eq!(ban["appeal"]["endpoint"], "/api/v1/me/ban/appeal");

        let filed = expect_status(
            app.appeal_ban(&d.reader, "Ich habe nur einmal verlinkt.")
                .await,
            StatusCode::CREATED,
        )
        .await;

        assert_eq!(filed["action"], "ban");
        assert_eq!(filed["appeal"]["state"], "open");
        let appeal = filed["appeal"]["id"].as_i64().unwrap();
        let queued = app.appeals_queue_ok(&d.second, "").await;
        assert_eq!(queued["items"][0]["comment"], Value::Null);
        assert_eq!(queued["items"][0]["appellant"]["status"], "banned");
        let own = app.decide_appeal(&d.first, appeal, "reversed", "ok").await;
        expect_problem(own, StatusCode::FORBIDDEN, "conflict_of_interest").await;
        app.decide_appeal_ok(&d.second, appeal, "reversed", "Einmal ist keinmal.")
            .await;
        assert_eq!(app.me_ok(&d.reader).await["status"], "active");
        let ban = &app.decisions_ok(&d.reader).await[1];
        assert_eq!(ban["in_force"], false);
        assert_eq!(ban["appeal"]["state"], "reversed");
        let twice = app.appeal_ban(&d.reader, "noch mal").await;
        expect_problem(twice, StatusCode::CONFLICT, "already_appealed").await;
        let actions = app
            .log_actions(&d.second, &format!("&user_id={}", d.reader.user_id))
            .await;
        assert_eq!(
            actions[actions.len() - 4..],
            ["ban", "reject", "appeal", "appeal_reversed"].map(String::from)[..]
        );
        let lines = app
            .mod_log_ok(
                &d.second,
                &format!("user_id={}&action=appeal_reversed", d.reader.user_id),
            )
            .await;
        assert_eq!(lines["items"][0]["comment_id"], Value::Null);
        assert_eq!(lines["items"][0]["actor"]["id"], d.second.user_id);
        app.comment_ok(&d.reader, "sport/derby", "Wieder da", None)
            .await;
    })
    .await;
}

#[tokio::test]
async fn reversing_a_decision_that_no_longer_applies_leaves_the_newer_one_appealable() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "advertising", None)
            .await;
        let old = app.appeal_ok(&d.reader, d.comment, "Keine Werbung.").await;
        let old = old["appeal"]["id"].as_i64().unwrap();
        // Meanwhile it was approved and rejected again, on another ground.
        app.approve_ok(&d.first, d.comment, None).await;
        app.reject_ok(&d.first, d.comment, "off_topic", None).await;

        app.decide_appeal_ok(&d.second, old, "reversed", "Damals keine Werbung.")
            .await;
        let comment = app.get_comment_ok(&d.reader, d.comment).await;
        assert_eq!(comment["status"], "rejected", "the newer rejection stands");
        let newest = &app.decisions_ok(&d.reader).await[0];
        assert_eq!(newest["reason"], "off_topic");
        assert_eq!(newest["in_force"], true, "{newest}");
        app.appeal_ok(&d.reader, d.comment, "Doch zum Thema.").await;
    })
    .await;
}

#[tokio::test]
async fn a_reversal_racing_a_new_ban_never_lifts_the_new_one() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.ban_ok(&d.first, d.reader.user_id, &Ban::new("Werbung"))
            .await;
        for round in 0..15 {
            let filed = expect_status(
                app.appeal_ban(&d.reader, &format!("Runde {round}")).await,
                StatusCode::CREATED,
            )
            .await;
            let appeal = filed["appeal"]["id"].as_i64().unwrap();
            // The second moderator reverses the ban under appeal while the first bans
            // again: whichever commits first, the new ban must stand.
            let again = Ban::new(&format!("Wieder {round}"));
            let (reversed, banned) = tokio::join!(
                app.decide_appeal(&d.second, appeal, "reversed", "Einmal ist keinmal."),
                app.ban(&d.first, d.reader.user_id, &again)
            );
            assert_eq!(reversed.status(), StatusCode::OK, "round {round}");
            assert_eq!(banned.status(), StatusCode::OK, "round {round}");
            assert_eq!(
                app.me_ok(&d.reader).await["status"],
                "banned",
                "round {round}: the new ban was lifted"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_suspension_says_when_it_ends() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let until = (app.clock.now() + TimeDelta::days(7))
            .with_timezone(&Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let until = time(&json!(until));
        app.ban_ok(&d.first, d.reader.user_id, &Ban::new("Pause").until(until))
            .await;

        let ban = &app.decisions_ok(&d.reader).await[0];

        assert_eq!(time(&ban["banned_until"]), until);
        assert_eq!(ban["appeal"]["state"], "available");
        app.clock.advance(TimeDelta::days(8));
        let reader = again(app, &d.reader).await;
        let over = &app.decisions_ok(&reader).await[0];
        assert_eq!(over["in_force"], false);
        assert_eq!(over["appeal"]["state"], "unavailable");
        let late = app.appeal_ban(&reader, "vorbei").await;
        expect_problem(late, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

#[tokio::test]
async fn appeals_about_others_or_about_nothing_are_not_found_alike() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let stranger = app.register_reader("fremder").await;
        app.reject_ok(&d.first, d.comment, "spam", None).await;

        let others = app.appeal(&stranger, d.comment, "Für sie").await;
        let undecided = app.appeal(&d.reader, d.other_comment, "Nichts").await;
        let missing = app.appeal(&d.reader, d.comment + 1000, "Nichts").await;

        let mut bodies = Vec::new();
        for res in [others, undecided, missing] {
            bodies.push(expect_problem(res, StatusCode::NOT_FOUND, "not_found").await);
        }
        assert_eq!(bodies[0], bodies[1]);
        assert_eq!(bodies[1], bodies[2]);
        // An undone rejection is no decision to appeal either.
        app.reject_ok(&d.first, d.other_comment, "spam", None).await;
        app.undo_ok(&d.first, d.other_comment).await;
        let undone = app.appeal(&d.reader, d.other_comment, "Nichts").await;
        assert_eq!(
            expect_problem(undone, StatusCode::NOT_FOUND, "not_found").await,
            bodies[0]
        );
        // Nothing was filed.
        let queue = app.appeals_queue_ok(&d.second, "").await;
        assert!(queue["items"].as_array().unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_appeal_needs_a_text_and_a_decision_an_outcome_and_a_note() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "spam", None).await;

        let blank = app.appeal(&d.reader, d.comment, "   ").await;
        let body =
            expect_problem(blank, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "text");
        let long = app.appeal(&d.reader, d.comment, &"x".repeat(5001)).await;
        expect_problem(long, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let wrong = app
            .post(
                &format!("/comments/{}/appeal", d.comment),
                Some(&d.reader.access_token),
                &json!({"text": 5}),
            )
            .await;
        expect_problem(wrong, StatusCode::BAD_REQUEST, "malformed_request").await;
        let appeal = app.appeal_ok(&d.reader, d.comment, "Bitte").await["appeal"]["id"]
            .as_i64()
            .unwrap();
        let unknown = app.decide_appeal(&d.second, appeal, "maybe", "x").await;
        let body = expect_problem(
            unknown,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "outcome");
        let no_note = app.decide_appeal(&d.second, appeal, "upheld", " ").await;
        let body = expect_problem(
            no_note,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "note");
        let state = app
            .get("/mod/appeals?state=closed", Some(&d.second.access_token))
            .await;
        expect_problem(state, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    })
    .await;
}

#[tokio::test]
async fn readers_are_refused_the_appeals_queue_before_any_body_is_read() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        let token = Some(d.reader.access_token.as_str());
        for body in [json!("not an object"), json!({}), json!({"outcome": 1})] {
            let res = app.post("/mod/appeals/1/decide", token, &body).await;
            expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
        let garbage = app
            .client
            .post(app.url("/mod/appeals/x/decide"))
            .bearer_auth(&d.reader.access_token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        expect_problem(garbage, StatusCode::FORBIDDEN, "forbidden").await;
        let list = app.get("/mod/appeals?state=nonsense", token).await;
        expect_problem(list, StatusCode::FORBIDDEN, "forbidden").await;
        let anonymous = app.post("/mod/appeals/1/decide", None, &json!("x")).await;
        expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let anonymous = app.post("/comments/1/appeal", None, &json!("x")).await;
        expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let decisions = app.decisions(&Anonymous, "").await;
        expect_problem(decisions, StatusCode::UNAUTHORIZED, "unauthorized").await;
    })
    .await;
}

#[tokio::test]
async fn decisions_page_with_a_cursor() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "spam", None).await;
        app.reject_ok(&d.first, d.other_comment, "spam", None).await;

        let first = expect_status(app.decisions(&d.reader, "limit=1").await, StatusCode::OK).await;
        let cursor = first["next_cursor"].as_str().unwrap().to_owned();
        let second = expect_status(
            app.decisions(&d.reader, &format!("limit=1&cursor={cursor}"))
                .await,
            StatusCode::OK,
        )
        .await;

        assert_eq!(first["items"][0]["comment"]["id"], d.other_comment);
        assert_eq!(second["items"][0]["comment"]["id"], d.comment);
        assert_eq!(second["next_cursor"], Value::Null);
        let bad = app.decisions(&d.reader, "cursor=zzz").await;
        expect_problem(bad, StatusCode::BAD_REQUEST, "malformed_request").await;
    })
    .await;
}

#[tokio::test]
async fn the_export_holds_decisions_and_appeals() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "hate_speech", None)
            .await;
        app.appeal_ok(&d.reader, d.comment, "Das war Satire.").await;

        let export = expect_status(app.export(&d.reader).await, StatusCode::OK).await;

        let decisions = export["decisions"].as_array().unwrap();
        assert_eq!(decisions.len(), 1, "{export}");
        assert_eq!(decisions[0]["reason"], "hate_speech");
        assert_eq!(decisions[0]["comment"]["id"], d.comment);
        assert_eq!(decisions[0]["appeal"]["state"], "open");
        assert_eq!(decisions[0]["appeal"]["text"], "Das war Satire.");
    })
    .await;
}

#[tokio::test]
async fn erasing_an_account_erases_its_appeals_text() {
    for_each_backend(async |app| {
        let d = desk(app).await;
        app.reject_ok(&d.first, d.comment, "spam", None).await;
        app.appeal_ok(&d.reader, d.comment, "Mein persönlicher Einwand")
            .await;

        let erased = app.erase_account(&d.reader, PASSWORD).await;

        expect_status(erased, StatusCode::NO_CONTENT).await;
        let queue = app.appeals_queue_ok(&d.second, "").await;
        let item = &queue["items"][0];
        assert_eq!(item["text"], "");
        assert_eq!(item["appellant"], Value::Null);
        assert!(!queue.to_string().contains("persönlicher"));
    })
    .await;
}
