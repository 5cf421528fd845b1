//! Moderation: roles, rules, queues, decisions, flags, bans, articles, the log, recount.

use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, TestDb, assert_counts_exact, backends, expect_problem, expect_status,
    for_each_backend,
};

const A: &str = "artikel-1";

#[tokio::test]
async fn every_moderator_and_admin_endpoint_checks_the_role() {
    for_each_backend(async |app| {
        let reader = app.register_reader("reader").await;
        let moderator = app.account_with_role("moderator", "moderator").await;
        let admin = app.account_with_role("admin", "admin").await;
        let c = app.comment_ok(&reader.access_token, A, "hello", None).await;
        let id = c["id"].as_i64().unwrap();
        let uid = reader.user_id;
        let moderator_endpoints: Vec<(Method, String, Value)> = vec![
            (Method::GET, "/mod/queue".into(), Value::Null),
            (
                Method::POST,
                format!("/mod/comments/{id}/approve"),
                json!({}),
            ),
            (
                Method::POST,
                format!("/mod/comments/{id}/reject"),
                json!({"reason": "spam"}),
            ),
            (
                Method::POST,
                "/mod/comments/bulk".into(),
                json!({"ids": [id], "action": "approve"}),
            ),
            (
                Method::POST,
                format!("/mod/users/{uid}/ban"),
                json!({"reason": "test"}),
            ),
            (Method::POST, format!("/mod/users/{uid}/unban"), Value::Null),
            (Method::GET, "/mod/users?q=".into(), Value::Null),
            (Method::GET, "/mod/log".into(), Value::Null),
            (
                Method::PUT,
                format!("/mod/articles?article={A}"),
                json!({"title": "T"}),
            ),
        ];
        let admin_endpoints: Vec<(Method, String, Value)> = vec![
            (Method::GET, "/admin/settings".into(), Value::Null),
            (
                Method::PUT,
                "/admin/settings".into(),
                json!({"premod_links": false}),
            ),
            (
                Method::PUT,
                format!("/admin/users/{uid}/role"),
                json!({"role": "reader"}),
            ),
        ];
        let call = async |method: &Method, path: &str, body: &Value, token: Option<&str>| {
            if method == Method::GET {
                app.get(path, token).await
            } else {
                app.send_json(method.clone(), path, token, body).await
            }
        };
        for (method, path, body) in moderator_endpoints.iter().chain(&admin_endpoints) {
            expect_problem(
                call(method, path, body, None).await,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
            )
            .await;
            expect_problem(
                call(method, path, body, Some(&reader.access_token)).await,
                StatusCode::FORBIDDEN,
                "forbidden",
            )
            .await;
        }
        for (method, path, body) in &admin_endpoints {
            expect_problem(
                call(method, path, body, Some(&moderator.access_token)).await,
                StatusCode::FORBIDDEN,
                "forbidden",
            )
            .await;
            let res = call(method, path, body, Some(&admin.access_token)).await;
            assert_eq!(res.status(), StatusCode::OK, "{method} {path}");
        }
        for (method, path, body) in &moderator_endpoints {
            let res = call(method, path, body, Some(&moderator.access_token)).await;
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "{method} {path}: {}",
                res.text().await.unwrap()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn each_rule_holds_or_rejects_with_its_reason() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        app.settings(&admin, json!({"banned_words": ["Scheiße", "ass", "đồ ngu"], "suspect_words": ["Lügenpresse"], "premod_links": true})).await;

        let cases = [
            ("So eine SCHEISSE", "rejected", Some("banned_word")),
            ("scheisse!", "rejected", Some("banned_word")),
            ("Đồ ngu!", "rejected", Some("banned_word")),
            ("Mir ist das scheißegal", "approved", None),
            ("A class act", "approved", None),
            ("Typisch LÜGENPRESSE", "pending", Some("suspect_word")),
            ("Mehr unter https://example.org", "pending", Some("contains_link")),
            ("Ganz normal", "approved", None),
        ];
        for (body, status, reason) in cases {
            let c = app.comment_ok(&anna.access_token, A, body, None).await;
            assert_eq!(c["status"], status, "{body}");
            assert_eq!(c["moderation_reason"], json!(reason), "{body}");
        }
        // Other readers and anonymous see only the approved ones, and counts agree.
        for token in [None, Some(bert.access_token.as_str())] {
            let list = app.thread(A, "", token).await;
            let bodies: Vec<&str> = list["comments"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
            assert_eq!(bodies, ["Mir ist das scheißegal", "A class act", "Ganz normal"]);
            assert!(list["comments"][0].get("moderation_reason").is_none());
        }
        assert_eq!(app.counts(&[A]).await[A], 3);
        // The author sees all of theirs, with the reasons.
        let own = app.thread(A, "", Some(&anna.access_token)).await;
        assert_eq!(own["comments"].as_array().unwrap().len(), 8);
        assert_eq!(own["comments"][0]["moderation_reason"], "banned_word");
        let held = own["comments"][5]["id"].as_i64().unwrap();
        expect_problem(app.get(&format!("/comments/{held}"), None).await, StatusCode::NOT_FOUND, "not_found").await;
        expect_problem(app.get(&format!("/comments/{held}"), Some(&bert.access_token)).await, StatusCode::NOT_FOUND, "not_found").await;
        expect_status(app.get(&format!("/comments/{held}"), Some(&anna.access_token)).await, StatusCode::OK).await;
        // A held reply stays hidden in its thread too, except from its author.
        let parent = own["comments"][7]["id"].as_i64();
        let reply = app.comment_ok(&anna.access_token, A, "LÜGENPRESSE!", parent).await;
        assert_eq!(reply["status"], "pending");
        let others = app.thread(A, "", Some(&bert.access_token)).await;
        assert_eq!(others["comments"][2]["replies"], json!([]));
        assert_eq!(others["comments"][2]["reply_count"], 0);
        let author = app.thread(A, "", Some(&anna.access_token)).await;
        assert_eq!(author["comments"][7]["replies"][0]["id"], reply["id"]);
        assert_eq!(app.counts(&[A]).await[A], 3);

        // Pre-moderation: per article, then site-wide; new users.
        let moderator = app.account_with_role("moderator", "moderator").await;
        let res = app.put("/mod/articles?article=pre-art", Some(&moderator.access_token), &json!({"moderation": "pre"})).await;
        assert_eq!(expect_status(res, StatusCode::OK).await["moderation"], "pre");
        let c = app.comment_ok(&anna.access_token, "pre-art", "hallo", None).await;
        assert_eq!((c["status"].as_str(), c["moderation_reason"].as_str()), (Some("pending"), Some("premoderation")));
        app.settings(&admin, json!({"moderation_mode": "pre"})).await;
        let c = app.comment_ok(&anna.access_token, "other", "hallo", None).await;
        assert_eq!(c["moderation_reason"], "premoderation");
        let res = app.put("/mod/articles?article=post-art", Some(&moderator.access_token), &json!({"moderation": "post"})).await;
        expect_status(res, StatusCode::OK).await;
        assert_eq!(app.comment_ok(&anna.access_token, "post-art", "hallo", None).await["status"], "approved");
        app.settings(&admin, json!({"moderation_mode": "post", "new_user_threshold": 5})).await;
        let newbie = app.register_reader("newbie").await;
        let c = app.comment_ok(&newbie.access_token, "other", "hallo", None).await;
        assert_eq!(c["moderation_reason"], "new_user");
        // Editing runs the rules again.
        let ok = app.comment_ok(&anna.access_token, "edit-art", "harmlos", None).await;
        app.settings(&admin, json!({"new_user_threshold": 0})).await;
        let edited = app
            .send_json(Method::PATCH, &format!("/comments/{}", ok["id"]), Some(&anna.access_token), &json!({"body": "doch Scheiße"}))
            .await;
        let edited = expect_status(edited, StatusCode::OK).await;
        assert_eq!((edited["status"].as_str(), edited["moderation_reason"].as_str()), (Some("rejected"), Some("banned_word")));
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn queues_order_filter_page_and_count() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let moderator = app.account_with_role("moderator", "moderator").await;
        let readers = [
            app.register_reader("rdr1").await,
            app.register_reader("rdr2").await,
            app.register_reader("rdr3").await,
        ];
        let anna = app.register_reader("anna").await;
        let visible_a = app
            .comment_ok(&anna.access_token, A, "visible a", None)
            .await;
        let visible_b = app
            .comment_ok(&anna.access_token, "b", "visible b", None)
            .await;
        app.settings(&admin, json!({"moderation_mode": "pre"}))
            .await;
        let p1 = app
            .comment_ok(&anna.access_token, A, "pending 1", None)
            .await;
        let p2 = app
            .comment_ok(&anna.access_token, "b", "pending 2", None)
            .await;
        let p3 = app
            .comment_ok(&anna.access_token, A, "pending 3", None)
            .await;
        // visible_b gets three flags, visible_a one.
        for r in &readers {
            let res = app
                .post(
                    &format!("/comments/{}/flags", visible_b["id"]),
                    Some(&r.access_token),
                    &json!({"reason": "other", "note": format!("note {}", r.username)}),
                )
                .await;
            expect_status(res, StatusCode::CREATED).await;
        }
        let res = app
            .post(
                &format!("/comments/{}/flags", visible_a["id"]),
                Some(&readers[0].access_token),
                &json!({"reason": "spam"}),
            )
            .await;
        expect_status(res, StatusCode::CREATED).await;
        let token = Some(moderator.access_token.as_str());

        let pending = expect_status(
            app.get("/mod/queue?queue=pending", token).await,
            StatusCode::OK,
        )
        .await;
        let ids: Vec<&Value> = pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["id"])
            .collect();
        assert_eq!(ids, [&p1["id"], &p2["id"], &p3["id"]], "oldest first");
        assert_eq!(
            pending["counts"],
            json!({"pending": 3, "reported": 2, "unmoderated": 2, "rejected": 0, "approved": 2})
        );
        let item = &pending["items"][0];
        assert_eq!(item["article"]["key"], A);
        assert_eq!(item["moderation_reason"], "premoderation");
        assert_eq!(item["author"]["username"], "anna");
        assert_eq!(item["author"]["status"], "active");
        assert_eq!(item["author"]["approved_count"], 2);

        let reported = expect_status(
            app.get("/mod/queue?queue=reported", token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            reported["items"][0]["id"], visible_b["id"],
            "most flagged first"
        );
        assert_eq!(reported["items"][0]["flags"], json!({"other": 3}));
        assert_eq!(reported["items"][0]["flag_notes"][0]["note"], "note rdr1");
        assert_eq!(reported["items"][1]["flags"], json!({"spam": 1}));

        // Filter by article, and page through.
        let filtered = expect_status(
            app.get(&format!("/mod/queue?queue=pending&article={A}"), token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(filtered["items"].as_array().unwrap().len(), 2);
        assert_eq!(filtered["counts"]["pending"], 2);
        let first = expect_status(
            app.get("/mod/queue?queue=pending&limit=2", token).await,
            StatusCode::OK,
        )
        .await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = expect_status(
            app.get(
                &format!("/mod/queue?queue=pending&limit=2&cursor={cursor}"),
                token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(second["items"][0]["id"], p3["id"]);
        assert_eq!(second["next_cursor"], Value::Null);
        let unmoderated = expect_status(
            app.get("/mod/queue?queue=unmoderated", token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            unmoderated["items"][0]["id"], visible_b["id"],
            "newest first"
        );
        expect_problem(
            app.get("/mod/queue?queue=everything", token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn decisions_update_counts_resolve_flags_and_tell_the_author_why() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let token = Some(moderator.access_token.as_str());
        let shown = app.comment_ok(&anna.access_token, A, "shown", None).await;
        app.settings(&admin, json!({"moderation_mode": "pre"}))
            .await;
        let held: Vec<Value> = [
            app.comment_ok(&anna.access_token, A, "held 1", None).await,
            app.comment_ok(&anna.access_token, A, "held 2", None).await,
            app.comment_ok(&anna.access_token, A, "held 3", None).await,
        ]
        .to_vec();
        assert_eq!(app.counts(&[A]).await[A], 1);
        let res = app
            .post(
                &format!("/comments/{}/flags", shown["id"]),
                Some(&bert.access_token),
                &json!({"reason": "spam"}),
            )
            .await;
        expect_status(res, StatusCode::CREATED).await;

        let approved = expect_status(
            app.post(
                &format!("/mod/comments/{}/approve", held[0]["id"]),
                token,
                &json!({"note": "ok"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(approved["status"], "approved");
        assert_eq!(app.counts(&[A]).await[A], 2);

        let rejected = app
            .post(
                &format!("/mod/comments/{}/reject", shown["id"]),
                token,
                &json!({"reason": "advertising", "note": "Werbung"}),
            )
            .await;
        let rejected = expect_status(rejected, StatusCode::OK).await;
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(rejected["rejection_reason"], "advertising");
        assert_eq!(rejected["flags"], json!({}), "flags resolved");
        assert_eq!(app.counts(&[A]).await[A], 1);
        let mine = expect_status(
            app.get(
                &format!("/comments/{}", shown["id"]),
                Some(&anna.access_token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(mine["rejection_reason"], "advertising");
        assert_eq!(mine["moderation_reason"], "moderator");
        let reported = expect_status(
            app.get("/mod/queue?queue=reported", token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(reported["counts"]["reported"], 0);

        let res = app
            .post(
                &format!("/mod/comments/{}/reject", held[1]["id"]),
                token,
                &json!({"reason": "rude"}),
            )
            .await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        expect_problem(
            app.post("/mod/comments/999999/approve", token, &json!({}))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;

        let bulk = json!({"ids": [held[1]["id"], held[2]["id"], 999_999], "action": "approve"});
        let body = expect_status(
            app.post("/mod/comments/bulk", token, &bulk).await,
            StatusCode::OK,
        )
        .await;
        let mut updated: Vec<i64> = body["updated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        updated.sort_unstable();
        assert_eq!(
            updated,
            [
                held[1]["id"].as_i64().unwrap(),
                held[2]["id"].as_i64().unwrap()
            ]
        );
        assert_eq!(body["not_found"], json!([999_999]));
        assert_eq!(app.counts(&[A]).await[A], 3);
        let bulk = json!({"ids": [held[1]["id"]], "action": "reject", "reason": "off_topic"});
        expect_status(
            app.post("/mod/comments/bulk", token, &bulk).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(app.counts(&[A]).await[A], 2);
        expect_problem(
            app.post(
                "/mod/comments/bulk",
                token,
                &json!({"ids": [1], "action": "reject"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        expect_problem(
            app.post(
                "/mod/comments/bulk",
                token,
                &json!({"ids": [], "action": "approve"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;

        let me = expect_status(app.me(&anna.access_token).await, StatusCode::OK).await;
        assert_eq!(me["approved_count"], 2);
        assert_eq!(assert_counts_exact(app), 2);
    })
    .await;
}

#[tokio::test]
async fn enough_distinct_flags_send_a_comment_back_to_pending() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        app.settings(&admin, json!({"auto_hide_flags": 2})).await;
        let anna = app.register_reader("anna").await;
        let c = app
            .comment_ok(&anna.access_token, A, "umstritten", None)
            .await;
        let path = format!("/comments/{}/flags", c["id"]);
        let r1 = app.register_reader("rdr1").await;
        let r2 = app.register_reader("rdr2").await;

        expect_status(
            app.post(&path, Some(&r1.access_token), &json!({"reason": "abuse"}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(app.counts(&[A]).await[A], 1);
        expect_status(
            app.post(&path, Some(&r2.access_token), &json!({"reason": "spam"}))
                .await,
            StatusCode::CREATED,
        )
        .await;

        assert_eq!(app.counts(&[A]).await[A], 0);
        let own = expect_status(
            app.get(&format!("/comments/{}", c["id"]), Some(&anna.access_token))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (own["status"].as_str(), own["moderation_reason"].as_str()),
            (Some("pending"), Some("flagged"))
        );
        expect_problem(
            app.get(&format!("/comments/{}", c["id"]), None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let actions = app
            .log_actions(&admin, &format!("&comment_id={}", c["id"]))
            .await;
        assert_eq!(actions, ["auto_approve", "auto_hide"]);
        let log = expect_status(
            app.get(
                &format!("/mod/log?comment_id={}", c["id"]),
                Some(&admin.access_token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            log["items"][0]["actor"],
            Value::Null,
            "automatic decisions have no actor"
        );
        assert_eq!(log["items"][0]["reason"], "flagged");
        assert_counts_exact(app);
    })
    .await;
}

#[tokio::test]
async fn bans_and_suspensions_stop_writing_until_lifted_or_over() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let token = Some(moderator.access_token.as_str());
        let berts = app
            .comment_ok(&bert.access_token, A, "von bert", None)
            .await;
        let annas = app
            .comment_ok(&anna.access_token, A, "von anna", None)
            .await;
        app.settings(&admin, json!({"moderation_mode": "pre"}))
            .await;
        let held = app.comment_ok(&anna.access_token, A, "wartet", None).await;

        let res = app
            .post(
                &format!("/mod/users/{}/ban", anna.user_id),
                token,
                &json!({"reason": "Beleidigungen", "reject_pending": true}),
            )
            .await;
        let user = expect_status(res, StatusCode::OK).await;
        assert_eq!(user["status"], "banned");
        assert_eq!(user["banned_until"], Value::Null);

        let banned = expect_problem(
            app.comment(&anna.access_token, A, "trotzdem", None).await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;
        assert_eq!(banned["until"], Value::Null);
        let like = format!("/comments/{}/like", berts["id"]);
        expect_problem(
            app.put(&like, Some(&anna.access_token), &json!(null)).await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;
        let flag = format!("/comments/{}/flags", berts["id"]);
        expect_problem(
            app.post(&flag, Some(&anna.access_token), &json!({"reason": "spam"}))
                .await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;
        let edit = app
            .send_json(
                Method::PATCH,
                &format!("/comments/{}", annas["id"]),
                Some(&anna.access_token),
                &json!({"body": "x"}),
            )
            .await;
        expect_problem(edit, StatusCode::FORBIDDEN, "account_banned").await;
        // Reading and logging in still work; the held comment was rejected.
        let session = app.login_ok("anna", PASSWORD).await;
        let me = expect_status(app.me(&session.access_token).await, StatusCode::OK).await;
        assert_eq!(me["status"], "banned");
        let own = expect_status(
            app.get(
                &format!("/comments/{}", held["id"]),
                Some(&anna.access_token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(own["status"], "rejected");

        let res = app
            .post(
                &format!("/mod/users/{}/unban", anna.user_id),
                token,
                &json!(null),
            )
            .await;
        assert_eq!(expect_status(res, StatusCode::OK).await["status"], "active");
        app.comment_ok(&anna.access_token, A, "wieder da", None)
            .await;

        // A suspension ends by itself.
        let until = (chrono::Utc::now() + TimeDelta::hours(1)).to_rfc3339();
        let res = app
            .post(
                &format!("/mod/users/{}/ban", anna.user_id),
                token,
                &json!({"reason": "Pause", "until": until}),
            )
            .await;
        expect_status(res, StatusCode::OK).await;
        let suspended = expect_problem(
            app.comment(&anna.access_token, A, "noch gesperrt", None)
                .await,
            StatusCode::FORBIDDEN,
            "account_banned",
        )
        .await;
        assert!(suspended["until"].is_string());
        app.clock.advance(TimeDelta::minutes(61));
        let fresh = app.login_ok("anna", PASSWORD).await;
        app.comment_ok(&fresh.access_token, A, "Sperre vorbei", None)
            .await;
        let moderator = app.login_ok("moderator", PASSWORD).await;
        let token = Some(moderator.access_token.as_str());

        // Moderators ban readers only; nobody bans themself; the past is no end date.
        let res = app
            .post(
                &format!("/mod/users/{}/ban", admin.user_id),
                token,
                &json!({"reason": "x"}),
            )
            .await;
        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app
            .post(
                &format!("/mod/users/{}/ban", moderator.user_id),
                token,
                &json!({"reason": "x"}),
            )
            .await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        let past = (chrono::Utc::now() - TimeDelta::hours(1)).to_rfc3339();
        let res = app
            .post(
                &format!("/mod/users/{}/ban", bert.user_id),
                token,
                &json!({"reason": "x", "until": past}),
            )
            .await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        expect_problem(
            app.post("/mod/users/999999/ban", token, &json!({"reason": "x"}))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;

        let found = expect_status(app.get("/mod/users?q=ANN", token).await, StatusCode::OK).await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        assert_eq!(found["items"][0]["username"], "anna");
        let by_email = expect_status(
            app.get("/mod/users?q=bert%40ex", token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(by_email["items"][0]["username"], "bert");
    })
    .await;
}

#[tokio::test]
async fn articles_close_now_or_on_schedule_and_reopen() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;
        let token = Some(moderator.access_token.as_str());
        let path = format!("/mod/articles?article={A}");

        let article = expect_status(
            app.put(
                &path,
                token,
                &json!({"title": "Wahl", "url": "https://zeitung.de/wahl", "status": "closed"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(article["status"], "closed");
        assert_eq!(article["title"], "Wahl");
        expect_problem(
            app.comment(&anna.access_token, A, "zu spät", None).await,
            StatusCode::CONFLICT,
            "article_closed",
        )
        .await;
        assert_eq!(app.thread(A, "", None).await["article"]["status"], "closed");

        expect_status(
            app.put(&path, token, &json!({"status": "open"})).await,
            StatusCode::OK,
        )
        .await;
        let c = app.comment_ok(&anna.access_token, A, "jetzt", None).await;

        let closes_at = (chrono::Utc::now() + TimeDelta::hours(2)).to_rfc3339();
        let article = expect_status(
            app.put(&path, token, &json!({"closes_at": closes_at}))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(article["status"], "open");
        assert_eq!(article["title"], "Wahl", "absent fields stay");
        app.comment_ok(&anna.access_token, A, "noch offen", None)
            .await;
        app.clock.advance(TimeDelta::hours(3));
        let anna = app.login_ok("anna", PASSWORD).await;
        let moderator = app.login_ok("moderator", PASSWORD).await;
        let token = Some(moderator.access_token.as_str());
        expect_problem(
            app.comment(
                &anna.access_token,
                A,
                "zu spät",
                Some(c["id"].as_i64().unwrap()),
            )
            .await,
            StatusCode::CONFLICT,
            "article_closed",
        )
        .await;
        let article = expect_status(
            app.get(&format!("/articles?article={A}"), None).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(article["status"], "closed");
        let article = expect_status(
            app.put(&path, token, &json!({"closes_at": null})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(article["status"], "open");

        for bad in [
            json!({"status": "archived"}),
            json!({"moderation": "strict"}),
            json!({"url": "ftp://x"}),
        ] {
            expect_problem(
                app.put(&path, token, &bad).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_demotion_takes_effect_on_the_next_request() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let moderator = app.register_reader("moderator").await;
        let path = format!("/admin/users/{}/role", moderator.user_id);

        let user = expect_status(
            app.put(
                &path,
                Some(&admin.access_token),
                &json!({"role": "moderator"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(user["role"], "moderator");
        expect_status(
            app.get("/mod/queue", Some(&moderator.access_token)).await,
            StatusCode::OK,
        )
        .await;

        expect_status(
            app.put(&path, Some(&admin.access_token), &json!({"role": "reader"}))
                .await,
            StatusCode::OK,
        )
        .await;
        expect_problem(
            app.get("/mod/queue", Some(&moderator.access_token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;

        // The last admin cannot step down; with a second admin, they can.
        let own = format!("/admin/users/{}/role", admin.user_id);
        expect_problem(
            app.put(&own, Some(&admin.access_token), &json!({"role": "reader"}))
                .await,
            StatusCode::CONFLICT,
            "last_admin",
        )
        .await;
        expect_problem(
            app.put(&path, Some(&admin.access_token), &json!({"role": "owner"}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        let second = app.register_reader("second").await;
        expect_status(
            app.put(
                &format!("/admin/users/{}/role", second.user_id),
                Some(&admin.access_token),
                &json!({"role": "admin"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        expect_status(
            app.put(
                &own,
                Some(&admin.access_token),
                &json!({"role": "moderator"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        expect_problem(
            app.get("/admin/settings", Some(&admin.access_token)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn the_log_records_every_step_of_a_scenario() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("admin", "admin").await;
        let anna = app.register_reader("anna").await;
        let token = Some(admin.access_token.as_str());
        app.settings(&admin, json!({"suspect_words": ["idiot"]}))
            .await;
        let c1 = app.comment_ok(&anna.access_token, A, "hallo", None).await;
        let c2 = app
            .comment_ok(&anna.access_token, A, "du idiot", None)
            .await;
        expect_status(
            app.post(
                &format!("/mod/comments/{}/reject", c2["id"]),
                token,
                &json!({"reason": "abusive"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        expect_status(
            app.post(
                &format!("/mod/users/{}/ban", anna.user_id),
                token,
                &json!({"reason": "Beleidigung"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        expect_status(
            app.post(
                &format!("/mod/users/{}/unban", anna.user_id),
                token,
                &json!(null),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        expect_status(
            app.put(
                &format!("/admin/users/{}/role", anna.user_id),
                token,
                &json!({"role": "moderator"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        expect_status(
            app.put(
                &format!("/mod/articles?article={A}"),
                token,
                &json!({"status": "closed"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        expect_status(
            app.post(
                &format!("/mod/comments/{}/approve", c1["id"]),
                token,
                &json!(null),
            )
            .await,
            StatusCode::OK,
        )
        .await;

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
        assert_eq!(
            app.log_actions(&admin, &format!("&user_id={}", anna.user_id))
                .await,
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
        assert_eq!(
            app.log_actions(&admin, &format!("&comment_id={}", c2["id"]))
                .await,
            ["auto_pending", "reject"]
        );
        assert_eq!(
            app.log_actions(&admin, &format!("&moderator_id={}", admin.user_id))
                .await
                .len(),
            7
        );
        let page = expect_status(app.get("/mod/log?limit=2", token).await, StatusCode::OK).await;
        assert_eq!(page["items"][0]["action"], "approve");
        assert_eq!(page["items"][0]["actor"]["username"], "admin");
        let cursor = page["next_cursor"].as_str().unwrap();
        let next = expect_status(
            app.get(&format!("/mod/log?limit=2&cursor={cursor}"), token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(next["items"][0]["action"], "role_change");
    })
    .await;
}

#[tokio::test]
async fn settings_are_validated_and_shared_by_every_instance() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = TestDb::new(backend);
        let a = TestApp::spawn_with(db.clone(), |_| {}).await;
        let b = TestApp::spawn_with(db.clone(), |_| {}).await;
        let admin = a.account_with_role("admin", "admin").await;
        let defaults = expect_status(
            a.get("/admin/settings", Some(&admin.access_token)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            defaults,
            json!({"moderation_mode": "post", "premod_links": false, "new_user_threshold": 0, "banned_words": [], "suspect_words": [],
                   "edit_window_seconds": 900, "max_comment_length": 5000, "auto_hide_flags": 5, "registration_open": true})
        );
        for bad in [
            json!({"moderation_mode": "strict"}),
            json!({"max_comment_length": 0}),
            json!({"banned_words": [""]}),
            json!({"auto_hide_flags": -1}),
            json!({"unknown_setting": 1}),
        ] {
            let res = a
                .put("/admin/settings", Some(&admin.access_token), &bad)
                .await;
            assert!(
                matches!(
                    res.status(),
                    StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
                ),
                "{bad}"
            );
        }

        let saved = a.settings(&admin, json!({"banned_words": ["verboten"], "max_comment_length": 10, "registration_open": false})).await;
        assert_eq!(saved["max_comment_length"], 10);
        assert_eq!(saved["moderation_mode"], "post");

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
        let c = b
            .comment_ok(&admin.access_token, A, "verboten!", None)
            .await;
        assert_eq!(c["status"], "rejected");
        let res = b.comment(&admin.access_token, A, "elf Zeichen", None).await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        a.stop().await;
        b.stop().await;
    }
}

#[tokio::test]
async fn recount_repairs_a_corrupted_counter() {
    use diesel::prelude::*;
    use tribune::db::schema::{articles, comments};
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let app = TestApp::spawn(backend).await;
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let root = app.comment_ok(&anna.access_token, A, "eins", None).await;
        app.comment_ok(&bert.access_token, A, "zwei", root["id"].as_i64())
            .await;
        app.comment_ok(&anna.access_token, "b", "drei", None).await;
        app.db
            .connect()
            .with_writer_blocking(|conn| {
                diesel::update(articles::table.filter(articles::key.eq(A)))
                    .set(articles::comment_count.eq(41))
                    .execute(conn)?;
                diesel::update(comments::table.find(root["id"].as_i64().unwrap()))
                    .set(comments::visible_replies.eq(9))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap();
        assert_eq!(app.counts(&[A]).await[A], 41);

        let out = crate::helpers::tribune_command(&app.db.url)
            .arg("recount")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            report.contains(&format!("fixed {A}: stored 41 -> actual 2")),
            "{report}"
        );
        assert!(!report.contains("fixed b"), "{report}");

        // The server notices the command's commit within milliseconds.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        while app.counts(&[A, "b"]).await != json!({A: 2, "b": 1}) {
            assert!(
                std::time::Instant::now() < deadline,
                "the repaired count did not show"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(assert_counts_exact(&app), 3);
        let again = crate::helpers::tribune_command(&app.db.url)
            .arg("recount")
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&again.stdout).contains("all counts were exact"));
        app.stop().await;
    }
}
