//! The external moderation hook: a real receiver approving, rejecting, holding, timing
//! out, failing and talking nonsense; banned words still win; moderators see why.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// An admin, a reader and a hook at `receiver` configured with `config` (merged into
/// `{url}`); answers the admin, the reader and the hook's secret.
async fn with_hook(
    app: &TestApp,
    receiver: &Receiver,
    config: Value,
) -> (Session, Session, String) {
    let admin = app.account_with_role("chefin", "admin").await;
    let anna = app.register_reader("anna").await;
    let mut body = json!({"url": receiver.url});
    body.as_object_mut()
        .unwrap()
        .extend(config.as_object().unwrap().clone());
    let res = app
        .put("/admin/moderation-hook", admin.token(), &body)
        .await;
    let hook = expect_status(res, StatusCode::OK).await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    (admin, anna, secret)
}

/// The comment `id` as the moderation queue `queue` shows it.
async fn queued(app: &TestApp, moderator: &Session, queue: &str, id: i64) -> Value {
    let listing = app.queue_ok(moderator, &format!("queue={queue}")).await;
    listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} not in {queue}: {listing}"))
}

#[tokio::test]
async fn a_hook_rejection_is_stored_shown_to_moderators_and_logged() {
    for_each_backend(async |app| {
        let answer = json!({"status": "rejected", "reason": "spam", "statement": "Werbung für Pillen", "flags": {"spam": 0.97}});
        let receiver = Receiver::scripted(vec![Answer::json(200, &answer)]).await;
        let (admin, anna, secret) = with_hook(app, &receiver, json!({})).await;

        let comment = app.comment_ok(&anna, "pillen", "Billige Pillen hier", None).await;

        assert_eq!(comment["status"], "rejected");
        assert_eq!(comment["moderation_reason"], "hook");
        assert_eq!(comment["rejection_reason"], "spam");
        let asked = &receiver.received()[0];
        assert!(signature_verifies(asked.signature.as_deref().unwrap(), &asked.body, &secret));
        assert_eq!(asked.json["event"], "comment.posting");
        assert_eq!(asked.json["body"], "Billige Pillen hier");
        assert!(asked.json["html"].as_str().unwrap().contains("<p>"));
        assert_eq!(asked.json["author"]["id"], anna.user_id);
        assert_eq!(asked.json["author"]["role"], "reader");
        assert_eq!(asked.json["author"]["status"], "active");
        assert_eq!(asked.json["article"]["key"], "pillen");
        let item = queued(app, &admin, "rejected", id_of(&comment)).await;
        assert_eq!(item["hook"]["result"], "answered");
        assert_eq!(item["hook"]["statement"], "Werbung für Pillen");
        assert_eq!(item["hook"]["flags"]["spam"], 0.97);
        assert!(item["hook"]["latency_ms"].as_i64().unwrap() >= 0);
        let log = app.mod_log_ok(&admin, &format!("comment_id={}", id_of(&comment))).await;
        assert_eq!(log["items"][0]["action"], "auto_reject");
        assert_eq!(log["items"][0]["reason"], "hook");
        assert!(log["items"][0]["note"].as_str().unwrap().contains("spam=0.97"), "{log}");
    })
    .await;
}

#[tokio::test]
async fn a_hook_approves_what_the_rules_would_hold_and_holds_what_they_would_approve() {
    for_each_backend(async |app| {
        let receiver = Receiver::scripted(vec![
            Answer::json(200, &json!({"status": "approved"})),
            Answer::json(200, &json!({"status": "pending", "flags": {"toxic": 0.6}})),
            Answer::status(204),
        ])
        .await;
        let (admin, anna, _) = with_hook(app, &receiver, json!({})).await;
        app.update_settings_ok(&admin, json!({"suspect_words": ["Lügenpresse"]}))
            .await;

        let approved = app.comment_ok(&anna, "a", "Lügenpresse? Nein.", None).await;
        let held = app.comment_ok(&anna, "a", "Ganz harmlos", None).await;
        let unsaid = app.comment_ok(&anna, "a", "Lügenpresse!", None).await;

        assert_eq!(approved["status"], "approved");
        assert_eq!(held["status"], "pending");
        assert_eq!(held["moderation_reason"], "hook");
        assert_eq!(unsaid["status"], "pending", "no opinion: the rules decide");
        assert_eq!(unsaid["moderation_reason"], "suspect_word");
        let item = queued(app, &admin, "pending", id_of(&held)).await;
        assert_eq!(item["hook"]["flags"]["toxic"], 0.6);
        let item = queued(app, &admin, "pending", id_of(&unsaid)).await;
        assert_eq!(item["hook"]["result"], "no_opinion");
    })
    .await;
}

#[tokio::test]
async fn banned_words_win_over_a_hook_that_approves() {
    for_each_backend(async |app| {
        let receiver = Receiver::start().await;
        receiver.answer_otherwise(Answer::json(200, &json!({"status": "approved"})));
        let (admin, anna, _) = with_hook(app, &receiver, json!({})).await;
        app.update_settings_ok(&admin, json!({"banned_words": ["Scheiße"]}))
            .await;

        let comment = app.comment_ok(&anna, "b", "So eine Scheiße", None).await;

        assert_eq!(comment["status"], "rejected");
        assert_eq!(comment["moderation_reason"], "banned_word");
    })
    .await;
}

#[tokio::test]
async fn a_slow_hook_is_cut_off_and_fails_open_or_closed_as_configured() {
    for_each_backend(async |app| {
        let slow = Answer::json(200, &json!({"status": "rejected", "reason": "spam"}))
            .after(Duration::from_millis(1500));
        let receiver = Receiver::start().await;
        receiver.answer_otherwise(slow);
        let (admin, anna, _) = with_hook(app, &receiver, json!({"timeout_ms": 200})).await;

        let started = std::time::Instant::now();
        let open = app.comment_ok(&anna, "c", "Erster Versuch", None).await;
        assert!(
            started.elapsed() < Duration::from_millis(1200),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(open["status"], "approved", "fail-open: the rules decide");

        let res = app
            .put(
                "/admin/moderation-hook",
                admin.token(),
                &json!({"url": receiver.url, "timeout_ms": 200, "on_failure": "closed"}),
            )
            .await;
        let config = expect_status(res, StatusCode::OK).await;
        assert!(
            config.get("secret").is_none(),
            "the secret is kept, not shown again"
        );
        let closed = app.comment_ok(&anna, "c", "Zweiter Versuch", None).await;
        assert_eq!(closed["status"], "pending");
        assert_eq!(closed["moderation_reason"], "hook_unavailable");
        let item = queued(app, &admin, "pending", id_of(&closed)).await;
        assert_eq!(item["hook"]["result"], "timed_out");
        let item = queued(app, &admin, "unmoderated", id_of(&open)).await;
        assert_eq!(item["hook"]["result"], "timed_out");
        let metrics = app.get("/metrics", None).await.text().await.unwrap();
        assert!(metrics.contains("moderation_hook_requests_total{result=\"timed_out\"}"));
        assert!(metrics.contains("moderation_hook_duration_seconds"));
    })
    .await;
}

#[tokio::test]
async fn a_hook_answering_garbage_counts_as_failed() {
    for_each_backend(async |app| {
        let receiver = Receiver::scripted(vec![
            Answer::json(200, &json!({"status": "banned"})),
            Answer::status(500),
        ])
        .await;
        receiver.answer_otherwise(Answer {
            status: 200,
            body: "<html>not json</html>".into(),
            delay: Duration::ZERO,
        });
        let (admin, anna, _) = with_hook(app, &receiver, json!({"on_failure": "closed"})).await;

        for text in ["Eins", "Zwei", "Drei"] {
            let comment = app.comment_ok(&anna, "g", text, None).await;
            assert_eq!(comment["moderation_reason"], "hook_unavailable", "{text}");
            let item = queued(app, &admin, "pending", id_of(&comment)).await;
            assert_eq!(item["hook"]["result"], "failed", "{text}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_hook_is_asked_about_edits_too() {
    for_each_backend(async |app| {
        let receiver = Receiver::scripted(vec![
            Answer::status(204),
            Answer::json(200, &json!({"status": "rejected", "reason": "offensive"})),
        ])
        .await;
        let (_admin, anna, _) = with_hook(app, &receiver, json!({})).await;
        let comment = app.comment_ok(&anna, "e", "Freundlich", None).await;

        let edited = app
            .edit_comment_ok(&anna, id_of(&comment), "Unfreundlich")
            .await;

        assert_eq!(edited["status"], "rejected");
        assert_eq!(edited["rejection_reason"], "offensive");
        let asked = receiver.received();
        assert_eq!(asked[1].json["event"], "comment.editing");
        assert_eq!(asked[1].json["comment_id"], id_of(&comment));
        assert_eq!(asked[1].json["body"], "Unfreundlich");
        // Someone else's comment is never shown to the hook.
        let bert = app.register_reader("bert").await;
        let res = app.edit_comment(&bert, id_of(&comment), "Übernommen").await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(receiver.received().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn admins_configure_and_remove_the_hook() {
    for_each_backend(async |app| {
        let admin = app.account_with_role("chefin", "admin").await;
        let moderator = app.account_with_role("moritz", "moderator").await;
        let res = app.get("/admin/moderation-hook", admin.token()).await;
        expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
        let res = app
            .put(
                "/admin/moderation-hook",
                moderator.token(),
                &json!({"url": "http://127.0.0.1:9/"}),
            )
            .await;
        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        for bad in [
            json!({"url": "http://127.0.0.1:9/", "timeout_ms": 50}),
            json!({"url": "http://127.0.0.1:9/", "timeout_ms": 5001}),
            json!({"url": "http://127.0.0.1:9/", "on_failure": "maybe"}),
            json!({"url": "gopher://x/"}),
        ] {
            let res = app.put("/admin/moderation-hook", admin.token(), &bad).await;
            expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
        let res = app
            .put(
                "/admin/moderation-hook",
                admin.token(),
                &json!({"url": "http://127.0.0.1:9/"}),
            )
            .await;
        let created = expect_status(res, StatusCode::OK).await;
        assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
        assert_eq!(created["timeout_ms"], 500);
        assert_eq!(created["on_failure"], "open");
        let shown = expect_status(
            app.get("/admin/moderation-hook", admin.token()).await,
            StatusCode::OK,
        )
        .await;
        assert!(shown.get("secret").is_none());
        let settings = app.get_settings_ok(&admin).await;
        assert!(
            !settings
                .to_string()
                .contains(created["secret"].as_str().unwrap())
        );

        let res = app.delete("/admin/moderation-hook", admin.token()).await;
        expect_status(res, StatusCode::NO_CONTENT).await;
        let anna = app.register_reader("anna").await;
        let comment = app.comment_ok(&anna, "x", "Ohne Hook", None).await;
        assert_eq!(comment["status"], "approved");
    })
    .await;
}
