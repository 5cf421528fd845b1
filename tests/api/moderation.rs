//! Moderation: roles, rules, queues, decisions, flags, bans, articles, the log, settings
//! and recount.

use chrono::TimeDelta;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Anonymous, Ban, Caller, PASSWORD, Session, TestApp, TestDb, assert_counts_exact, backends,
    expect_problem, expect_status, for_each_backend, id_of, tribune_command,
};

const A: &str = "artikel-1";

// --- Roles: who may call the moderator and admin endpoints ---

/// A reader, a moderator, an admin, and a comment of the reader's.
struct Staff {
    reader: Session,
    moderator: Session,
    admin: Session,
    comment_id: i64,
}

async fn staff(app: &TestApp) -> Staff {
    let reader = app.register_reader("reader").await;
    let moderator = app.account_with_role("moderator", "moderator").await;
    let admin = app.account_with_role("admin", "admin").await;
    let comment_id = id_of(&app.comment_ok(&reader, A, "hello", None).await);
    Staff {
        reader,
        moderator,
        admin,
        comment_id,
    }
}

/// Calls every moderator endpoint as `who`, each with a valid request about the
/// reader and their comment; returns each endpoint's name and response.
async fn call_moderator_endpoints(
    app: &TestApp,
    who: &(impl Caller + ?Sized),
    s: &Staff,
) -> Vec<(&'static str, Response)> {
    let (id, user) = (s.comment_id, s.reader.user_id);
    vec![
        ("queue", app.queue(who, "").await),
        ("approve", app.approve(who, id, None).await),
        ("reject", app.reject(who, id, "spam", None).await),
        ("bulk", app.bulk(who, &[id], "approve", None).await),
        ("ban", app.ban(who, user, &Ban::new("test")).await),
        ("unban", app.unban(who, user).await),
        ("find_users", app.find_users(who, "").await),
        ("mod_log", app.mod_log(who, "").await),
        (
            "update_article",
            app.update_article(who, A, &json!({"title": "T"})).await,
        ),
    ]
}

/// Calls every admin endpoint as `who`, each with a valid request about the reader.
async fn call_admin_endpoints(
    app: &TestApp,
    who: &(impl Caller + ?Sized),
    s: &Staff,
) -> Vec<(&'static str, Response)> {
    vec![
        ("get_settings", app.get_settings(who).await),
        (
            "update_settings",
            app.update_settings(who, &json!({"premod_links": false}))
                .await,
        ),
        (
            "set_user_role",
            app.set_user_role(who, s.reader.user_id, "reader").await,
        ),
    ]
}

#[tokio::test]
async fn moderator_and_admin_endpoints_refuse_anonymous_callers() {
    for_each_backend(async |app| {
        let s = staff(app).await;

        let mut responses = call_moderator_endpoints(app, &Anonymous, &s).await;
        responses.extend(call_admin_endpoints(app, &Anonymous, &s).await);

        assert_eq!(responses.len(), 12);
        for (endpoint, res) in responses {
            eprintln!("{endpoint}");
            expect_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
    })
    .await;
}

#[tokio::test]
async fn moderator_and_admin_endpoints_refuse_readers() {
    for_each_backend(async |app| {
        let s = staff(app).await;

        let mut responses = call_moderator_endpoints(app, &s.reader, &s).await;
        responses.extend(call_admin_endpoints(app, &s.reader, &s).await);

        assert_eq!(responses.len(), 12);
        for (endpoint, res) in responses {
            eprintln!("{endpoint}");
            expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
    })
    .await;
}

#[tokio::test]
async fn admin_endpoints_refuse_moderators() {
    for_each_backend(async |app| {
        let s = staff(app).await;

        let responses = call_admin_endpoints(app, &s.moderator, &s).await;

        for (endpoint, res) in responses {
            eprintln!("{endpoint}");
            expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
    })
    .await;
}

#[tokio::test]
async fn admin_endpoints_admit_admins() {
    for_each_backend(async |app| {
        let s = staff(app).await;

        let responses = call_admin_endpoints(app, &s.admin, &s).await;

        for (endpoint, res) in responses {
            assert_eq!(res.status(), StatusCode::OK, "{endpoint}");
        }
    })
    .await;
}

#[tokio::test]
async fn moderator_endpoints_admit_moderators() {
    for_each_backend(async |app| {
        let s = staff(app).await;

        let responses = call_moderator_endpoints(app, &s.moderator, &s).await;

        for (endpoint, res) in responses {
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "{endpoint}: {}",
                res.text().await.unwrap()
            );
        }
    })
    .await;
}

// --- Rules: what a new comment's text decides ---

/// An admin's word lists and link rule in place; Anna writes, Bert reads.
async fn with_rules(app: &TestApp) -> (Session, Session, Session) {
    let admin = app.account_with_role("admin", "admin").await;
    let anna = app.register_reader("anna").await;
    let bert = app.register_reader("bert").await;
    app.update_settings_ok(
        &admin,
        json!({"banned_words": ["Scheiße", "ass", "đồ ngu"], "suspect_words": ["Lügenpresse"], "premod_links": true}),
    )
    .await;
    (admin, anna, bert)
}

/// Each text, and the status and reason the rules give it.
const RULE_CASES: [(&str, &str, Option<&str>); 8] = [
    ("So eine SCHEISSE", "rejected", Some("banned_word")),
    ("scheisse!", "rejected", Some("banned_word")),
    ("Đồ ngu!", "rejected", Some("banned_word")),
    ("Mir ist das scheißegal", "approved", None),
    ("A class act", "approved", None),
    ("Typisch LÜGENPRESSE", "pending", Some("suspect_word")),
    (
        "Mehr unter https://example.org",
        "pending",
        Some("contains_link"),
    ),
    ("Ganz normal", "approved", None),
];

/// Anna posts every case on `A`; returns the comments.
async fn post_rule_cases(app: &TestApp, anna: &Session) -> Vec<Value> {
    let mut posted = Vec::new();
    for (body, _, _) in RULE_CASES {
        posted.push(app.comment_ok(anna, A, body, None).await);
    }
    posted
}

#[tokio::test]
async fn each_rule_holds_or_rejects_with_its_reason() {
    for_each_backend(async |app| {
        let (_, anna, _) = with_rules(app).await;

        let posted = post_rule_cases(app, &anna).await;

        for ((body, status, reason), c) in RULE_CASES.iter().zip(&posted) {
            assert_eq!(c["status"], *status, "{body}");
            assert_eq!(c["moderation_reason"], json!(reason), "{body}");
        }
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn others_see_and_count_only_the_approved_comments() {
    for_each_backend(async |app| {
        let (_, anna, bert) = with_rules(app).await;
        post_rule_cases(app, &anna).await;

        let others: [&dyn Caller; 2] = [&Anonymous, &bert];
        for who in others {
            let list = app.thread(A, "", who).await;

            let bodies: Vec<&str> = list["comments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["body"].as_str().unwrap())
                .collect();
            assert_eq!(
                bodies,
                ["Mir ist das scheißegal", "A class act", "Ganz normal"]
            );
            assert!(list["comments"][0].get("moderation_reason").is_none());
        }
        assert_eq!(app.counts(&[A]).await[A], 3);
    })
    .await;
}

#[tokio::test]
async fn the_author_sees_all_their_comments_with_the_reasons() {
    for_each_backend(async |app| {
        let (_, anna, _) = with_rules(app).await;
        post_rule_cases(app, &anna).await;

        let own = app.thread(A, "", &anna).await;

        assert_eq!(own["comments"].as_array().unwrap().len(), 8);
        assert_eq!(own["comments"][0]["moderation_reason"], "banned_word");
    })
    .await;
}

#[tokio::test]
async fn a_held_comment_is_found_only_by_its_author() {
    for_each_backend(async |app| {
        let (_, anna, bert) = with_rules(app).await;
        let posted = post_rule_cases(app, &anna).await;
        let held = id_of(&posted[5]);

        expect_problem(
            app.get_comment(&Anonymous, held).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        expect_problem(
            app.get_comment(&bert, held).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        app.get_comment_ok(&anna, held).await;
    })
    .await;
}

#[tokio::test]
async fn a_held_reply_stays_hidden_in_its_thread_except_from_its_author() {
    for_each_backend(async |app| {
        let (_, anna, bert) = with_rules(app).await;
        let posted = post_rule_cases(app, &anna).await;
        let parent = posted[7]["id"].as_i64();

        let reply = app.comment_ok(&anna, A, "LÜGENPRESSE!", parent).await;

        assert_eq!(reply["status"], "pending");
        let others = app.thread(A, "", &bert).await;
        assert_eq!(others["comments"][2]["id"], posted[7]["id"]);
        assert_eq!(others["comments"][2]["replies"], json!([]));
        assert_eq!(others["comments"][2]["reply_count"], 0);
        let author = app.thread(A, "", &anna).await;
        assert_eq!(author["comments"][7]["replies"][0]["id"], reply["id"]);
        assert_eq!(app.counts(&[A]).await[A], 3);
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn a_premoderated_article_holds_every_comment() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;

        let article = app
            .update_article_ok(&moderator, "pre-art", &json!({"moderation": "pre"}))
            .await;
        let c = app.comment_ok(&anna, "pre-art", "hallo", None).await;

        assert_eq!(article["moderation"], "pre");
        assert_eq!(
            (c["status"].as_str(), c["moderation_reason"].as_str()),
            (Some("pending"), Some("premoderation"))
        );
    })
    .await;
}

#[tokio::test]
async fn site_wide_premoderation_holds_comments_on_articles_without_their_own_mode() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let anna = app.register_reader("anna").await;

        app.update_settings_ok(&admin, json!({"moderation_mode": "pre"}))
            .await;
        let c = app.comment_ok(&anna, "other", "hallo", None).await;

        assert_eq!(c["moderation_reason"], "premoderation");
    })
    .await;
}

#[tokio::test]
async fn a_post_moderated_article_approves_despite_site_wide_premoderation() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;
        app.update_settings_ok(&admin, json!({"moderation_mode": "pre"}))
            .await;

        app.update_article_ok(&moderator, "post-art", &json!({"moderation": "post"}))
            .await;
        let c = app.comment_ok(&anna, "post-art", "hallo", None).await;

        assert_eq!(c["status"], "approved");
    })
    .await;
}

#[tokio::test]
async fn new_users_are_held_until_enough_approved_comments() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        app.update_settings_ok(&admin, json!({"new_user_threshold": 5}))
            .await;
        let newbie = app.register_reader("newbie").await;

        let c = app.comment_ok(&newbie, "other", "hallo", None).await;

        assert_eq!(c["moderation_reason"], "new_user");
    })
    .await;
}

#[tokio::test]
async fn the_new_user_rule_counts_approved_comments_as_they_are_at_the_post() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let moderator = app.account_with_role("moderator", "moderator").await;
        app.update_settings_ok(&admin, json!({"new_user_threshold": 1}))
            .await;
        let newbie = app.register_reader("newbie").await;
        let first = app.comment_ok(&newbie, "a", "eins", None).await;
        assert_eq!(first["moderation_reason"], "new_user");
        app.approve_ok(&moderator, id_of(&first), None).await;

        // One approved: the next is approved at once, and the account says two at once
        // (the caller as authenticated is kept a second, not its counts).
        let second = app.comment_ok(&newbie, "a", "zwei", None).await;
        assert_eq!(second["status"], "approved");
        let me = app.me_ok(&newbie).await;
        assert_eq!(me["approved_count"], 2);
        let unchanged = app
            .send_json(reqwest::Method::PATCH, "/me", newbie.token(), &json!({}))
            .await;
        let unchanged: Value = expect_status(unchanged, StatusCode::OK).await;
        assert_eq!(unchanged["approved_count"], 2);
        let export: Value = expect_status(app.export(&newbie).await, StatusCode::OK).await;
        assert_eq!(export["account"]["approved_count"], 2);

        // Both deleted by their author: none approved now, so the next is held again.
        app.delete_comment_ok(&newbie, id_of(&first)).await;
        app.delete_comment_ok(&newbie, id_of(&second)).await;
        let third = app.comment_ok(&newbie, "a", "drei", None).await;
        assert_eq!(
            (
                third["status"].as_str(),
                third["moderation_reason"].as_str()
            ),
            (Some("pending"), Some("new_user"))
        );
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn editing_runs_the_rules_again() {
    for_each_backend(async |app| {
        let (_, anna, _) = with_rules(app).await;
        let ok = app.comment_ok(&anna, "edit-art", "harmlos", None).await;

        let edited = app.edit_comment_ok(&anna, id_of(&ok), "doch Scheiße").await;

        assert_eq!(ok["status"], "approved");
        assert_eq!(
            (
                edited["status"].as_str(),
                edited["moderation_reason"].as_str()
            ),
            (Some("rejected"), Some("banned_word"))
        );
        assert_counts_exact(app);
    })
    .await;
}

// --- Queues ---

/// Anna's two visible comments (on `A` and `b`, flagged once and three times) and three
/// held ones (on `A`, `b`, `A`), seen by a moderator.
struct Queues {
    moderator: Session,
    visible_a: Value,
    visible_b: Value,
    pending: [Value; 3],
}

async fn queues(app: &TestApp) -> Queues {
    let admin = app.account_with_role("admin", "admin").await;
    let moderator = app.account_with_role("moderator", "moderator").await;
    let readers = [
        app.register_reader("rdr1").await,
        app.register_reader("rdr2").await,
        app.register_reader("rdr3").await,
    ];
    let anna = app.register_reader("anna").await;
    let visible_a = app.comment_ok(&anna, A, "visible a", None).await;
    let visible_b = app.comment_ok(&anna, "b", "visible b", None).await;
    app.update_settings_ok(&admin, json!({"moderation_mode": "pre"}))
        .await;
    let pending = [
        app.comment_ok(&anna, A, "pending 1", None).await,
        app.comment_ok(&anna, "b", "pending 2", None).await,
        app.comment_ok(&anna, A, "pending 3", None).await,
    ];
    for r in &readers {
        let note = format!("note {}", r.username);
        app.flag_ok(r, id_of(&visible_b), "other", Some(&note))
            .await;
    }
    app.flag_ok(&readers[0], id_of(&visible_a), "spam", None)
        .await;
    Queues {
        moderator,
        visible_a,
        visible_b,
        pending,
    }
}

#[tokio::test]
async fn the_pending_queue_lists_oldest_first_with_every_queues_count() {
    for_each_backend(async |app| {
        let q = queues(app).await;

        let pending = app.queue_ok(&q.moderator, "queue=pending").await;

        let ids: Vec<&Value> = pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["id"])
            .collect();
        let [p1, p2, p3] = &q.pending;
        assert_eq!(ids, [&p1["id"], &p2["id"], &p3["id"]], "oldest first");
        assert_eq!(
            pending["counts"],
            json!({"pending": 3, "reported": 2, "unmoderated": 2, "rejected": 0, "approved": 2})
        );
    })
    .await;
}

#[tokio::test]
async fn queue_items_show_the_article_the_reason_and_the_authors_standing() {
    for_each_backend(async |app| {
        let q = queues(app).await;

        let pending = app.queue_ok(&q.moderator, "queue=pending").await;

        let item = &pending["items"][0];
        assert_eq!(item["article"]["key"], A);
        assert_eq!(item["moderation_reason"], "premoderation");
        assert_eq!(item["author"]["username"], "anna");
        assert_eq!(item["author"]["status"], "active");
        assert_eq!(item["author"]["approved_count"], 2);
    })
    .await;
}

#[tokio::test]
async fn the_reported_queue_lists_the_most_flagged_first_with_reasons_and_notes() {
    for_each_backend(async |app| {
        let q = queues(app).await;

        let reported = app.queue_ok(&q.moderator, "queue=reported").await;

        assert_eq!(
            reported["items"][0]["id"], q.visible_b["id"],
            "most flagged first"
        );
        assert_eq!(reported["items"][0]["flags"], json!({"other": 3}));
        assert_eq!(reported["items"][0]["flag_notes"][0]["note"], "note rdr1");
        assert_eq!(reported["items"][1]["id"], q.visible_a["id"]);
        assert_eq!(reported["items"][1]["flags"], json!({"spam": 1}));
    })
    .await;
}

#[tokio::test]
async fn a_queue_filters_by_article() {
    for_each_backend(async |app| {
        let q = queues(app).await;

        let filtered = app
            .queue_ok(&q.moderator, &format!("queue=pending&article={A}"))
            .await;

        assert_eq!(filtered["items"].as_array().unwrap().len(), 2);
        assert_eq!(filtered["counts"]["pending"], 2);
    })
    .await;
}

#[tokio::test]
async fn a_queue_pages_with_a_cursor() {
    for_each_backend(async |app| {
        let q = queues(app).await;

        let first = app.queue_ok(&q.moderator, "queue=pending&limit=2").await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = app
            .queue_ok(
                &q.moderator,
                &format!("queue=pending&limit=2&cursor={cursor}"),
            )
            .await;

        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        assert_eq!(second["items"][0]["id"], q.pending[2]["id"]);
        assert_eq!(second["next_cursor"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn the_unmoderated_queue_lists_newest_first() {
    for_each_backend(async |app| {
        let q = queues(app).await;

        let unmoderated = app.queue_ok(&q.moderator, "queue=unmoderated").await;

        assert_eq!(
            unmoderated["items"][0]["id"], q.visible_b["id"],
            "newest first"
        );
    })
    .await;
}

#[tokio::test]
async fn an_unknown_queue_is_a_validation_error() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;

        let res = app.queue(&moderator, "queue=everything").await;

        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    })
    .await;
}

// --- Decisions ---

/// Anna's visible comment (`shown`, flagged by Bert) and three held ones on `A`.
struct Decisions {
    moderator: Session,
    anna: Session,
    shown: Value,
    held: [i64; 3],
}

async fn decisions(app: &TestApp) -> Decisions {
    let admin = app.account_with_role("admin", "admin").await;
    let moderator = app.account_with_role("moderator", "moderator").await;
    let anna = app.register_reader("anna").await;
    let bert = app.register_reader("bert").await;
    let shown = app.comment_ok(&anna, A, "shown", None).await;
    app.update_settings_ok(&admin, json!({"moderation_mode": "pre"}))
        .await;
    let held = [
        id_of(&app.comment_ok(&anna, A, "held 1", None).await),
        id_of(&app.comment_ok(&anna, A, "held 2", None).await),
        id_of(&app.comment_ok(&anna, A, "held 3", None).await),
    ];
    app.flag_ok(&bert, id_of(&shown), "spam", None).await;
    Decisions {
        moderator,
        anna,
        shown,
        held,
    }
}

#[tokio::test]
async fn approving_a_held_comment_shows_and_counts_it() {
    for_each_backend(async |app| {
        let d = decisions(app).await;
        assert_eq!(app.counts(&[A]).await[A], 1);

        let approved = app.approve_ok(&d.moderator, d.held[0], Some("ok")).await;

        assert_eq!(approved["status"], "approved");
        assert_eq!(app.counts(&[A]).await[A], 2);
        app.get_comment_ok(&Anonymous, d.held[0]).await;
    })
    .await;
}

#[tokio::test]
async fn rejecting_a_comment_uncounts_it_and_resolves_its_flags() {
    for_each_backend(async |app| {
        let d = decisions(app).await;

        let rejected = app
            .reject_ok(
                &d.moderator,
                id_of(&d.shown),
                "advertising",
                Some("Werbung"),
            )
            .await;

        assert_eq!(rejected["status"], "rejected");
        assert_eq!(rejected["rejection_reason"], "advertising");
        assert_eq!(rejected["flags"], json!({}), "flags resolved");
        assert_eq!(app.counts(&[A]).await[A], 0);
        let reported = app.queue_ok(&d.moderator, "queue=reported").await;
        assert_eq!(reported["counts"]["reported"], 0);
    })
    .await;
}

#[tokio::test]
async fn the_author_of_a_rejected_comment_is_told_why() {
    for_each_backend(async |app| {
        let d = decisions(app).await;

        app.reject_ok(
            &d.moderator,
            id_of(&d.shown),
            "advertising",
            Some("Werbung"),
        )
        .await;

        let mine = app.get_comment_ok(&d.anna, id_of(&d.shown)).await;
        assert_eq!(mine["rejection_reason"], "advertising");
        assert_eq!(mine["moderation_reason"], "moderator");
    })
    .await;
}

#[tokio::test]
async fn a_rejection_needs_a_known_reason() {
    for_each_backend(async |app| {
        let d = decisions(app).await;

        let res = app.reject(&d.moderator, d.held[1], "rude", None).await;

        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    })
    .await;
}

#[tokio::test]
async fn deciding_on_an_unknown_comment_is_not_found() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;

        let res = app.approve(&moderator, 999_999, None).await;

        expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

#[tokio::test]
async fn a_bulk_approval_reports_which_ids_it_updated_and_which_it_did_not_find() {
    for_each_backend(async |app| {
        let d = decisions(app).await;

        let body = app
            .bulk_ok(
                &d.moderator,
                &[d.held[1], d.held[2], 999_999],
                "approve",
                None,
            )
            .await;

        let mut updated: Vec<i64> = body["updated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        updated.sort_unstable();
        assert_eq!(updated, [d.held[1], d.held[2]]);
        assert_eq!(body["not_found"], json!([999_999]));
        assert_eq!(app.counts(&[A]).await[A], 3);
    })
    .await;
}

#[tokio::test]
async fn a_bulk_rejection_uncounts_the_comments() {
    for_each_backend(async |app| {
        let d = decisions(app).await;
        app.bulk_ok(&d.moderator, &[d.held[1], d.held[2]], "approve", None)
            .await;
        assert_eq!(app.counts(&[A]).await[A], 3);

        app.bulk_ok(&d.moderator, &[d.held[1]], "reject", Some("off_topic"))
            .await;

        assert_eq!(app.counts(&[A]).await[A], 2);
    })
    .await;
}

#[tokio::test]
async fn a_bulk_rejection_needs_a_reason() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;

        let res = app.bulk(&moderator, &[1], "reject", None).await;

        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    })
    .await;
}

#[tokio::test]
async fn a_bulk_decision_needs_at_least_one_id() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;

        let res = app.bulk(&moderator, &[], "approve", None).await;

        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    })
    .await;
}

#[tokio::test]
async fn decisions_keep_the_authors_approved_count_and_the_counters_exact() {
    for_each_backend(async |app| {
        let d = decisions(app).await;

        app.approve_ok(&d.moderator, d.held[0], Some("ok")).await;
        app.reject_ok(
            &d.moderator,
            id_of(&d.shown),
            "advertising",
            Some("Werbung"),
        )
        .await;
        app.bulk_ok(&d.moderator, &[d.held[1], d.held[2]], "approve", None)
            .await;
        app.bulk_ok(&d.moderator, &[d.held[1]], "reject", Some("off_topic"))
            .await;

        let me = app.me_ok(&d.anna).await;
        assert_eq!(me["approved_count"], 2);
        assert_eq!(assert_counts_exact(app), 2);
    })
    .await;
}

// --- Flags ---

/// A new reader with one approved comment (on another article), so their flags count.
async fn established_reader(app: &TestApp, username: &str) -> Session {
    let reader = app.register_reader(username).await;
    app.comment_ok(&reader, "anderswo", "mein erster", None)
        .await;
    reader
}

/// With `auto_hide_flags` at 2, Anna's comment and two established readers to flag it.
async fn two_flags_hide(app: &TestApp) -> (Session, Session, Value, [Session; 2]) {
    let admin = app.account_with_role("admin", "admin").await;
    app.update_settings_ok(&admin, json!({"auto_hide_flags": 2}))
        .await;
    let anna = app.register_reader("anna").await;
    let c = app.comment_ok(&anna, A, "umstritten", None).await;
    let readers = [
        established_reader(app, "rdr1").await,
        established_reader(app, "rdr2").await,
    ];
    (admin, anna, c, readers)
}

#[tokio::test]
async fn flags_of_throwaway_accounts_are_kept_but_do_not_hide_a_comment() {
    for_each_backend(async |app| {
        let (admin, _, c, _) = two_flags_hide(app).await;
        let id = id_of(&c);

        for i in 0..5 {
            let throwaway = app.register_reader(&format!("wegwerf{i}")).await;
            app.flag_ok(&throwaway, id, "abuse", None).await;
        }

        assert_eq!(app.counts(&[A]).await[A], 1, "still visible");
        let reported = app.queue_ok(&admin, "queue=reported").await;
        assert_eq!(reported["items"][0]["id"], id);
        assert_eq!(reported["items"][0]["flags"], json!({"abuse": 5}));
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn flags_count_once_their_accounts_are_old_enough() {
    for_each_backend(async |app| {
        let (_, _, c, _) = two_flags_hide(app).await;
        let id = id_of(&c);
        let first = app.register_reader("neu1").await;
        app.flag_ok(&first, id, "abuse", None).await;
        let second = app.register_reader("neu2").await;

        app.clock.advance(TimeDelta::hours(24));
        let second = app.login_ok(&second.username, PASSWORD).await;
        app.flag_ok(&second, id, "spam", None).await;

        assert_eq!(app.counts(&[A]).await[A], 0, "hidden by two old accounts");
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn with_no_minimum_age_every_flag_counts() {
    for_each_backend(async |app| {
        let (admin, _, c, _) = two_flags_hide(app).await;
        let id = id_of(&c);
        app.update_settings_ok(&admin, json!({"flag_min_account_age_hours": 0}))
            .await;

        for i in 0..2 {
            let throwaway = app.register_reader(&format!("wegwerf{i}")).await;
            app.flag_ok(&throwaway, id, "abuse", None).await;
        }

        assert_eq!(app.counts(&[A]).await[A], 0);
    })
    .await;
}

#[tokio::test]
async fn enough_distinct_flags_send_a_comment_back_to_pending() {
    for_each_backend(async |app| {
        let (_, anna, c, [r1, r2]) = two_flags_hide(app).await;
        let id = id_of(&c);

        app.flag_ok(&r1, id, "abuse", None).await;
        assert_eq!(app.counts(&[A]).await[A], 1, "one flag is not enough");
        app.flag_ok(&r2, id, "spam", None).await;

        assert_eq!(app.counts(&[A]).await[A], 0);
        let own = app.get_comment_ok(&anna, id).await;
        assert_eq!(
            (own["status"].as_str(), own["moderation_reason"].as_str()),
            (Some("pending"), Some("flagged"))
        );
        expect_problem(
            app.get_comment(&Anonymous, id).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn an_automatic_hide_is_logged_without_an_actor() {
    for_each_backend(async |app| {
        let (admin, _, c, [r1, r2]) = two_flags_hide(app).await;
        let id = id_of(&c);

        app.flag_ok(&r1, id, "abuse", None).await;
        app.flag_ok(&r2, id, "spam", None).await;

        let actions = app.log_actions(&admin, &format!("&comment_id={id}")).await;
        assert_eq!(actions, ["auto_approve", "auto_hide"]);
        let log = app.mod_log_ok(&admin, &format!("comment_id={id}")).await;
        assert_eq!(
            log["items"][0]["actor"],
            Value::Null,
            "automatic decisions have no actor"
        );
        assert_eq!(log["items"][0]["reason"], "flagged");
    })
    .await;
}

#[tokio::test]
async fn editing_a_flag_hidden_comment_keeps_it_hidden() {
    for_each_backend(async |app| {
        let (_, anna, c, [r1, r2]) = two_flags_hide(app).await;
        let id = id_of(&c);
        app.flag_ok(&r1, id, "abuse", None).await;
        app.flag_ok(&r2, id, "spam", None).await;

        let edited = app.edit_comment_ok(&anna, id, "ganz harmlos").await;

        assert_eq!(
            (
                edited["status"].as_str(),
                edited["moderation_reason"].as_str()
            ),
            (Some("pending"), Some("flagged"))
        );
        assert_eq!(app.counts(&[A]).await[A], 0);
        assert_counts_exact(app);
    })
    .await;
}

// --- Edits after a moderator's approval ---

#[tokio::test]
async fn an_edit_after_approval_waits_in_the_pending_queue_with_the_previous_text() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;
        let id = id_of(&app.comment_ok(&anna, A, "geprüft", None).await);
        app.approve_ok(&moderator, id, None).await;

        let edited = app.edit_comment_ok(&anna, id, "ausgetauscht").await;

        assert_eq!(
            (
                edited["status"].as_str(),
                edited["moderation_reason"].as_str()
            ),
            (Some("pending"), Some("edited"))
        );
        assert_eq!(app.counts(&[A]).await[A], 0, "hidden until reviewed");
        let pending = app.queue_ok(&moderator, "queue=pending").await;
        assert_eq!(pending["items"][0]["id"], id);
        assert_eq!(pending["items"][0]["body"], "ausgetauscht");
        assert_eq!(pending["items"][0]["previous_body"], "geprüft");
        let log = app
            .mod_log_ok(&moderator, &format!("comment_id={id}"))
            .await;
        assert_eq!(
            (&log["items"][0]["action"], &log["items"][0]["reason"]),
            (&json!("auto_pending"), &json!("edited"))
        );
        assert_eq!(log["items"][0]["actor"], Value::Null);
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn a_second_edit_keeps_the_approved_text_for_review() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;
        let id = id_of(&app.comment_ok(&anna, A, "geprüft", None).await);
        app.approve_ok(&moderator, id, None).await;
        app.edit_comment_ok(&anna, id, "erste Fassung").await;

        let edited = app.edit_comment_ok(&anna, id, "zweite Fassung").await;

        assert_eq!(edited["moderation_reason"], "edited");
        let pending = app.queue_ok(&moderator, "queue=pending").await;
        assert_eq!(pending["items"][0]["previous_body"], "geprüft");
        app.approve_ok(&moderator, id, None).await;
        assert_eq!(app.counts(&[A]).await[A], 1);
        assert_counts_exact(app);
    })
    .await;
}

// --- Bans and suspensions ---

/// An admin, a moderator, Anna (one visible comment, one held) and Bert (one comment).
struct Bans {
    admin: Session,
    moderator: Session,
    anna: Session,
    bert: Session,
    annas: Value,
    berts: Value,
    held: Value,
}

async fn bans(app: &TestApp) -> Bans {
    let admin = app.account_with_role("admin", "admin").await;
    let moderator = app.account_with_role("moderator", "moderator").await;
    let anna = app.register_reader("anna").await;
    let bert = app.register_reader("bert").await;
    let berts = app.comment_ok(&bert, A, "von bert", None).await;
    let annas = app.comment_ok(&anna, A, "von anna", None).await;
    app.update_settings_ok(&admin, json!({"moderation_mode": "pre"}))
        .await;
    let held = app.comment_ok(&anna, A, "wartet", None).await;
    Bans {
        admin,
        moderator,
        anna,
        bert,
        annas,
        berts,
        held,
    }
}

#[tokio::test]
async fn a_ban_is_permanent_without_an_end() {
    for_each_backend(async |app| {
        let b = bans(app).await;

        let user = app
            .ban_ok(&b.moderator, b.anna.user_id, &Ban::new("Beleidigungen"))
            .await;

        assert_eq!(user["status"], "banned");
        assert_eq!(user["banned_until"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn a_banned_reader_cannot_post_like_flag_or_edit() {
    for_each_backend(async |app| {
        let b = bans(app).await;

        app.ban_ok(&b.moderator, b.anna.user_id, &Ban::new("Beleidigungen"))
            .await;

        let banned = expect_problem(
            app.comment(&b.anna, A, "trotzdem", None).await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;
        assert_eq!(banned["until"], Value::Null);
        expect_problem(
            app.like(&b.anna, id_of(&b.berts)).await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;
        expect_problem(
            app.flag(&b.anna, id_of(&b.berts), "spam", None).await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;
        expect_problem(
            app.edit_comment(&b.anna, id_of(&b.annas), "x").await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn a_banned_reader_can_still_log_in_and_read() {
    for_each_backend(async |app| {
        let b = bans(app).await;

        app.ban_ok(&b.moderator, b.anna.user_id, &Ban::new("Beleidigungen"))
            .await;

        let session = app.login_ok("anna", PASSWORD).await;
        let me = app.me_ok(&session).await;
        assert_eq!(me["status"], "banned");
        app.get_comment_ok(&session, id_of(&b.annas)).await;
    })
    .await;
}

#[tokio::test]
async fn a_ban_can_reject_the_readers_pending_comments() {
    for_each_backend(async |app| {
        let b = bans(app).await;

        app.ban_ok(
            &b.moderator,
            b.anna.user_id,
            &Ban::new("Beleidigungen").rejecting_pending(),
        )
        .await;

        let own = app.get_comment_ok(&b.anna, id_of(&b.held)).await;
        assert_eq!(own["status"], "rejected");
    })
    .await;
}

#[tokio::test]
async fn an_unban_lets_the_reader_write_again() {
    for_each_backend(async |app| {
        let b = bans(app).await;
        app.ban_ok(&b.moderator, b.anna.user_id, &Ban::new("Beleidigungen"))
            .await;

        let user = app.unban_ok(&b.moderator, b.anna.user_id).await;

        assert_eq!(user["status"], "active");
        app.comment_ok(&b.anna, A, "wieder da", None).await;
    })
    .await;
}

#[tokio::test]
async fn a_suspension_ends_by_itself() {
    for_each_backend(async |app| {
        let b = bans(app).await;
        let until = chrono::Utc::now() + TimeDelta::hours(1);

        app.ban_ok(
            &b.moderator,
            b.anna.user_id,
            &Ban::new("Pause").until(until),
        )
        .await;

        let suspended = expect_problem(
            app.comment(&b.anna, A, "noch gesperrt", None).await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;
        assert!(suspended["until"].is_string());
        app.clock.advance(TimeDelta::minutes(61));
        let fresh = app.login_ok("anna", PASSWORD).await;
        app.comment_ok(&fresh, A, "Sperre vorbei", None).await;
    })
    .await;
}

#[tokio::test]
async fn moderators_ban_readers_only() {
    for_each_backend(async |app| {
        let b = bans(app).await;

        let res = app.ban(&b.moderator, b.admin.user_id, &Ban::new("x")).await;

        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    })
    .await;
}

#[tokio::test]
async fn nobody_bans_themself() {
    for_each_backend(async |app| {
        let b = bans(app).await;

        let res = app
            .ban(&b.moderator, b.moderator.user_id, &Ban::new("x"))
            .await;

        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    })
    .await;
}

#[tokio::test]
async fn a_suspension_cannot_end_in_the_past() {
    for_each_backend(async |app| {
        let b = bans(app).await;
        let past = chrono::Utc::now() - TimeDelta::hours(1);

        let res = app
            .ban(&b.moderator, b.bert.user_id, &Ban::new("x").until(past))
            .await;

        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    })
    .await;
}

#[tokio::test]
async fn banning_an_unknown_account_is_not_found() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;

        let res = app.ban(&moderator, 999_999, &Ban::new("x")).await;

        expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

#[tokio::test]
async fn moderators_find_accounts_by_username_and_admins_by_email_prefix_ignoring_case() {
    for_each_backend(async |app| {
        let b = bans(app).await;

        let found = app.find_users_ok(&b.moderator, "ANN").await;
        let by_email = app.find_users_ok(&b.admin, "bert@ex").await;

        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        assert_eq!(found["items"][0]["username"], "anna");
        assert_eq!(by_email["items"][0]["username"], "bert");
    })
    .await;
}

// --- Articles ---

#[tokio::test]
async fn a_closed_article_refuses_comments() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;

        let article = app
            .update_article_ok(
                &moderator,
                A,
                &json!({"title": "Wahl", "url": "https://zeitung.de/wahl", "status": "closed"}),
            )
            .await;

        assert_eq!(article["status"], "closed");
        assert_eq!(article["title"], "Wahl");
        expect_problem(
            app.comment(&anna, A, "zu spät", None).await,
            StatusCode::CONFLICT,
            "article_closed",
        )
        .await;
        assert_eq!(
            app.thread(A, "", &Anonymous).await["article"]["status"],
            "closed"
        );
    })
    .await;
}

#[tokio::test]
async fn a_reopened_article_takes_comments_again() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;
        app.close_article(&moderator, A).await;

        let article = app.reopen_article(&moderator, A).await;

        assert_eq!(article["status"], "open");
        app.comment_ok(&anna, A, "jetzt", None).await;
    })
    .await;
}

/// An article titled "Wahl" with Anna's comment, set to close in two hours.
struct Scheduled {
    moderator: Session,
    anna: Session,
    article: Value,
    comment: Value,
}

async fn scheduled_closing(app: &TestApp) -> Scheduled {
    let moderator = app.account_with_role("moderator", "moderator").await;
    let anna = app.register_reader("anna").await;
    app.update_article_ok(&moderator, A, &json!({"title": "Wahl"}))
        .await;
    let comment = app.comment_ok(&anna, A, "jetzt", None).await;
    let closes_at = (chrono::Utc::now() + TimeDelta::hours(2)).to_rfc3339();
    let article = app
        .update_article_ok(&moderator, A, &json!({"closes_at": closes_at}))
        .await;
    Scheduled {
        moderator,
        anna,
        article,
        comment,
    }
}

#[tokio::test]
async fn a_scheduled_closing_changes_only_the_closing_time() {
    for_each_backend(async |app| {
        let s = scheduled_closing(app).await;

        assert_eq!(s.article["status"], "open");
        assert_eq!(s.article["title"], "Wahl", "absent fields stay");
        assert!(s.article["closes_at"].is_string(), "{}", s.article);
        app.comment_ok(&s.anna, A, "noch offen", None).await;
    })
    .await;
}

#[tokio::test]
async fn an_article_closes_on_schedule_to_comments_and_replies() {
    for_each_backend(async |app| {
        let s = scheduled_closing(app).await;

        app.clock.advance(TimeDelta::hours(3));

        // The access tokens have expired meanwhile.
        let anna = app.login_ok(&s.anna.username, PASSWORD).await;
        expect_problem(
            app.comment(&anna, A, "zu spät", s.comment["id"].as_i64())
                .await,
            StatusCode::CONFLICT,
            "article_closed",
        )
        .await;
        assert_eq!(app.article_ok(A).await["status"], "closed");
    })
    .await;
}

#[tokio::test]
async fn clearing_a_passed_closing_time_reopens_the_article() {
    for_each_backend(async |app| {
        let s = scheduled_closing(app).await;
        app.clock.advance(TimeDelta::hours(3));
        let moderator = app.login_ok(&s.moderator.username, PASSWORD).await;

        let article = app
            .update_article_ok(&moderator, A, &json!({"closes_at": null}))
            .await;

        assert_eq!(article["status"], "open");
    })
    .await;
}

#[tokio::test]
async fn article_changes_are_validated() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;

        for bad in [
            json!({"status": "archived"}),
            json!({"moderation": "strict"}),
            json!({"url": "ftp://x"}),
        ] {
            let res = app.update_article(&moderator, A, &bad).await;

            expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
    })
    .await;
}

// --- Roles ---

#[tokio::test]
async fn a_promotion_takes_effect_on_the_next_request() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let moderator = app.register_reader("moderator").await;

        let user = app
            .set_user_role_ok(&admin, moderator.user_id, "moderator")
            .await;

        assert_eq!(user["role"], "moderator");
        app.queue_ok(&moderator, "").await;
    })
    .await;
}

#[tokio::test]
async fn a_demotion_takes_effect_on_the_next_request() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let moderator = app.register_reader("moderator").await;
        app.set_user_role_ok(&admin, moderator.user_id, "moderator")
            .await;
        app.queue_ok(&moderator, "").await;

        app.set_user_role_ok(&admin, moderator.user_id, "reader")
            .await;

        expect_problem(
            app.queue(&moderator, "").await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn the_last_admin_cannot_step_down() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;

        let res = app.set_user_role(&admin, admin.user_id, "reader").await;

        expect_problem(res, StatusCode::CONFLICT, "last_admin").await;
    })
    .await;
}

#[tokio::test]
async fn an_unknown_role_is_a_validation_error() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let reader = app.register_reader("reader").await;

        let res = app.set_user_role(&admin, reader.user_id, "owner").await;

        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    })
    .await;
}

#[tokio::test]
async fn with_a_second_admin_an_admin_can_step_down() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let second = app.register_reader("second").await;
        app.set_user_role_ok(&admin, second.user_id, "admin").await;

        app.set_user_role_ok(&admin, admin.user_id, "moderator")
            .await;

        expect_problem(
            app.get_settings(&admin).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    })
    .await;
}

// --- The log ---

/// An admin's settings change, Anna's comments `c1` (auto-approved) and `c2` (held,
/// then rejected), a ban and unban of Anna, her promotion, a closed article and the
/// approval of `c1`.
async fn logged_scenario(app: &TestApp) -> (Session, Session, i64) {
    let admin = app.account_with_role("admin", "admin").await;
    let anna = app.register_reader("anna").await;
    app.update_settings_ok(&admin, json!({"suspect_words": ["idiot"]}))
        .await;
    let c1 = id_of(&app.comment_ok(&anna, A, "hallo", None).await);
    let c2 = id_of(&app.comment_ok(&anna, A, "du idiot", None).await);
    app.reject_ok(&admin, c2, "abusive", None).await;
    app.ban_ok(&admin, anna.user_id, &Ban::new("Beleidigung"))
        .await;
    app.unban_ok(&admin, anna.user_id).await;
    app.set_user_role_ok(&admin, anna.user_id, "moderator")
        .await;
    app.close_article(&admin, A).await;
    app.approve_ok(&admin, c1, None).await;
    (admin, anna, c2)
}

#[tokio::test]
async fn the_log_records_every_step_of_a_scenario() {
    for_each_backend(async |app| {
        let (admin, _, _) = logged_scenario(app).await;

        let all = app.log_actions(&admin, "").await;

        assert_eq!(
            all,
            [
                "settings_change",
                "auto_approve",
                "auto_pending",
                "reject",
                "ban",
                "unban",
                "role_change",
                "article_change",
                "approve"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn the_log_filters_by_the_account_concerned() {
    for_each_backend(async |app| {
        let (admin, anna, _) = logged_scenario(app).await;

        let annas = app
            .log_actions(&admin, &format!("&user_id={}", anna.user_id))
            .await;

        assert_eq!(
            annas,
            [
                "auto_approve",
                "auto_pending",
                "reject",
                "ban",
                "unban",
                "role_change",
                "approve"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn the_log_filters_by_comment() {
    for_each_backend(async |app| {
        let (admin, _, c2) = logged_scenario(app).await;

        let actions = app.log_actions(&admin, &format!("&comment_id={c2}")).await;

        assert_eq!(actions, ["auto_pending", "reject"]);
    })
    .await;
}

#[tokio::test]
async fn the_log_filters_by_moderator() {
    for_each_backend(async |app| {
        let (admin, _, _) = logged_scenario(app).await;

        let actions = app
            .log_actions(&admin, &format!("&moderator_id={}", admin.user_id))
            .await;

        assert_eq!(actions.len(), 7);
    })
    .await;
}

#[tokio::test]
async fn the_log_pages_newest_first_and_names_the_actor() {
    for_each_backend(async |app| {
        let (admin, _, _) = logged_scenario(app).await;

        let page = app.mod_log_ok(&admin, "limit=2").await;
        let cursor = page["next_cursor"].as_str().unwrap();
        let next = app
            .mod_log_ok(&admin, &format!("limit=2&cursor={cursor}"))
            .await;

        assert_eq!(page["items"][0]["action"], "approve");
        assert_eq!(page["items"][0]["actor"]["username"], "admin");
        assert_eq!(next["items"][0]["action"], "role_change");
    })
    .await;
}

// --- Site settings ---

#[tokio::test]
async fn settings_start_from_the_defaults() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;

        let defaults = app.get_settings_ok(&admin).await;

        assert_eq!(
            defaults,
            json!({"moderation_mode": "post", "premod_links": false, "new_user_threshold": 0, "banned_words": [], "suspect_words": [],
                   "edit_window_seconds": 900, "max_comment_length": 5000, "auto_hide_flags": 5,
                   "flag_min_account_age_hours": 24, "flag_min_approved": 1, "registration_open": true})
        );
    })
    .await;
}

#[tokio::test]
async fn invalid_settings_are_refused() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;

        for bad in [
            json!({"moderation_mode": "strict"}),
            json!({"max_comment_length": 0}),
            json!({"banned_words": [""]}),
            json!({"auto_hide_flags": -1}),
            json!({"flag_min_account_age_hours": -1}),
            json!({"flag_min_approved": -1}),
            json!({"unknown_setting": 1}),
        ] {
            let res = app.update_settings(&admin, &bad).await;

            assert!(
                matches!(
                    res.status(),
                    StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
                ),
                "{bad}"
            );
        }
        assert_eq!(app.get_settings_ok(&admin).await["moderation_mode"], "post");
    })
    .await;
}

#[tokio::test]
async fn a_settings_change_keeps_the_settings_it_does_not_name() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;

        let saved = app
            .update_settings_ok(
                &admin,
                json!({"banned_words": ["verboten"], "max_comment_length": 10, "registration_open": false}),
            )
            .await;

        assert_eq!(saved["max_comment_length"], 10);
        assert_eq!(saved["moderation_mode"], "post");
    })
    .await;
}

#[tokio::test]
async fn a_settings_change_reaches_every_instance() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = TestDb::new(backend);
        let a = TestApp::spawn_with(db.clone(), |_| {}).await;
        let b = TestApp::spawn_with(db.clone(), |_| {}).await;
        let admin = a.account_with_role("admin", "admin").await;

        a.update_settings_ok(
            &admin,
            json!({"banned_words": ["verboten"], "max_comment_length": 10, "registration_open": false}),
        )
        .await;

        // Instance B applies A's change as soon as its watcher sees the commit (within
        // milliseconds).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        for attempt in 0.. {
            let res = b
                .register(
                    &format!("late{attempt}"),
                    &format!("late{attempt}@example.org"),
                    PASSWORD,
                )
                .await;
            if res.status() == StatusCode::FORBIDDEN {
                expect_problem(res, StatusCode::FORBIDDEN, "registration_closed").await;
                break;
            }
            assert!(std::time::Instant::now() < deadline, "B still registers");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let c = b.comment_ok(&admin, A, "verboten!", None).await;
        assert_eq!(c["status"], "rejected");
        let res = b.comment(&admin, A, "elf Zeichen", None).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        a.stop().await;
        b.stop().await;
    }
}

// --- Recount ---

/// Three comments (a thread of two on `A`, one on `b`), then `A`'s counter and the
/// thread's reply counter overwritten with wrong values.
async fn corrupted_counters(app: &TestApp) {
    use diesel::prelude::*;
    use tribune::db::schema::{articles, comments};
    let anna = app.register_reader("anna").await;
    let bert = app.register_reader("bert").await;
    let root = id_of(&app.comment_ok(&anna, A, "eins", None).await);
    app.comment_ok(&bert, A, "zwei", Some(root)).await;
    app.comment_ok(&anna, "b", "drei", None).await;
    app.db
        .connect()
        .with_writer_blocking(|conn| {
            diesel::update(articles::table.filter(articles::key.eq(A)))
                .set(articles::comment_count.eq(41))
                .execute(conn)?;
            diesel::update(comments::table.find(root))
                .set(comments::visible_replies.eq(9))
                .execute(conn)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(app.counts(&[A]).await[A], 41);
}

/// Runs `tribune recount` on the app's database; asserts it succeeded; returns stdout.
fn recount(app: &TestApp) -> String {
    let out = tribune_command(&app.db.url)
        .arg("recount")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn recount_repairs_a_corrupted_counter_and_reports_only_it() {
    for_each_backend(async |app| {
        corrupted_counters(app).await;

        let report = recount(app);

        assert!(
            report.contains(&format!("fixed {A}: stored 41 -> actual 2")),
            "{report}"
        );
        assert!(!report.contains("fixed b"), "{report}");
        assert_eq!(assert_counts_exact(app), 3);
    })
    .await;
}

#[tokio::test]
async fn the_server_notices_a_recount_within_milliseconds() {
    for_each_backend(async |app| {
        corrupted_counters(app).await;

        recount(app);

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        while app.counts(&[A, "b"]).await != json!({A: 2, "b": 1}) {
            assert!(
                std::time::Instant::now() < deadline,
                "the repaired count did not show"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_recount_after_a_repair_finds_all_counts_exact() {
    for_each_backend(async |app| {
        corrupted_counters(app).await;
        recount(app);

        let again = recount(app);

        assert!(again.contains("all counts were exact"), "{again}");
    })
    .await;
}
