//! Reply notifications and moderator digests over a real SMTP connection: mailed only
//! once a reply is approved, never for one's own replies or to unverified addresses,
//! batched, stopped by the one-click unsubscribe link, in the account's language; the
//! digest with the clock moved on; the per-address limit of registration-attempt mails;
//! subscriptions in the export and gone with the account.

use std::time::Duration;

use chrono::TimeDelta;
use diesel::prelude::*;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use tribune::limits::{Rate, RateLimitSettings};
use tribune::mail::{MailSettings, SmtpServer};
use tribune::settings::Settings;

use crate::helpers::{
    Session, SmtpSink, TestApp, TestDb, backends, expect_problem, expect_status, id_of,
};

const ARTICLE: &str = "2026-12-06-haushalt";
const ARTICLE_URL: &str = "https://www.zeitung.de/politik/haushalt";

/// Mail through `sink`, with quick polls, replies mailed at once unless a test waits.
fn mail_settings(sink: &SmtpSink) -> MailSettings {
    MailSettings {
        smtp: Some(SmtpServer::Url(SecretString::from(sink.url()))),
        from: Some("Kommentare <kommentare@zeitung.de>".into()),
        public_url: Some("https://kommentare.zeitung.de".into()),
        poll_interval: Duration::from_millis(20),
        backoff_base: Duration::from_millis(50),
        timeout: Duration::from_secs(5),
        notify_batch: Duration::ZERO,
        ..MailSettings::default()
    }
}

/// Runs `test` once per backend against an app that mails through a fresh sink.
async fn with_mail(adjust: impl Fn(&mut Settings), test: impl AsyncFn(&TestApp, &SmtpSink)) {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let sink = SmtpSink::start().await;
        let app = TestApp::spawn_with(TestDb::new(backend), |s| {
            s.mail = mail_settings(&sink);
            adjust(s);
        })
        .await;
        test(&app, &sink).await;
        app.stop().await;
    }
}

fn email_of(username: &str) -> String {
    format!("{username}@example.org")
}

/// Registers `username` and verifies its address through the mailed link.
async fn verified(app: &TestApp, sink: &SmtpSink, username: &str) -> Session {
    let session = app.register_reader(username).await;
    let mail = sink.wait_for(&email_of(username), 1).await;
    let res = app
        .post(
            "/auth/verify-email",
            None,
            &json!({ "token": mail.token() }),
        )
        .await;
    expect_status(res, StatusCode::NO_CONTENT).await;
    session
}

/// A verified admin, and the site switched to pre-moderation (every comment held).
async fn premoderating_admin(app: &TestApp, sink: &SmtpSink) -> Session {
    let admin = verified(app, sink, "chefin").await;
    app.set_role_in_db(admin.user_id, "admin");
    app.update_settings_ok(&admin, json!({"moderation_mode": "pre"}))
        .await;
    admin
}

/// Posts a comment asking to hear about its replies; 201.
async fn comment_notifying(app: &TestApp, who: &Session, body: &str) -> Value {
    let res = app
        .post_comment(
            who,
            &json!({"article": ARTICLE, "body": body, "notify_replies": true,
                    "article_url": ARTICLE_URL, "article_title": "Der Haushalt"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await
}

async fn subscriptions(app: &TestApp, who: &Session) -> Vec<Value> {
    let res = app.get("/me/subscriptions", Some(&who.access_token)).await;
    let body = expect_status(res, StatusCode::OK).await;
    body["subscriptions"].as_array().unwrap().clone()
}

/// Mails to `username` other than its verification.
fn notifications(sink: &SmtpSink, username: &str) -> Vec<crate::helpers::Mail> {
    sink.mails_to(&email_of(username))
        .into_iter()
        .filter(|m| m.header("List-Unsubscribe").is_some())
        .collect()
}

/// Waits until `username` has `n` notification mails; answers the last.
async fn wait_for_notification(sink: &SmtpSink, username: &str, n: usize) -> crate::helpers::Mail {
    sink.wait_until(Duration::from_secs(10), |_| {
        notifications(sink, username).len() >= n
    })
    .await;
    notifications(sink, username).pop().unwrap()
}

/// The one-click URL of a notification mail (`List-Unsubscribe: <…>`).
fn unsubscribe_url(mail: &crate::helpers::Mail) -> String {
    let header = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
    header
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

/// The path and query of a link to `https://kommentare.zeitung.de`.
fn local(url: &str) -> String {
    url.strip_prefix("https://kommentare.zeitung.de")
        .expect("a link to the service")
        .to_owned()
}

async fn one_click(app: &TestApp, path_and_query: &str) -> reqwest::Response {
    app.client
        .post(format!("{}{path_and_query}", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reply_is_mailed_only_once_approved_never_for_own_or_rejected_replies() {
    with_mail(
        |_| {},
        async |app, sink| {
            let admin = premoderating_admin(app, sink).await;
            let anna = verified(app, sink, "anna").await;
            let bert = verified(app, sink, "bert").await;
            let root = comment_notifying(app, &anna, "Endlich eine klare Entscheidung.").await;
            let root_id = id_of(&root);
            app.approve_ok(&admin, root_id, None).await;
            let listed = subscriptions(app, &anna).await;
            assert_eq!(listed.len(), 1, "{listed:?}");
            assert_eq!(listed[0]["kind"], "comment");
            assert_eq!(listed[0]["comment_id"], root_id);
            assert_eq!(listed[0]["article"]["url"], ARTICLE_URL);

            // Held: nothing yet.
            let reply = app
                .comment_ok(
                    &bert,
                    ARTICLE,
                    "Nein, <b>gar nicht</b> & so.",
                    Some(root_id),
                )
                .await;
            assert_eq!(reply["status"], "pending");
            sink.expect_exactly(&email_of("anna"), 1).await;

            // A rejected reply never mails.
            let rejected = app
                .comment_ok(&bert, ARTICLE, "Werbung hier", Some(root_id))
                .await;
            app.reject_ok(&admin, id_of(&rejected), "advertising", None)
                .await;
            // Anna's own reply to her comment mails her nothing, approved or not.
            let own = app
                .comment_ok(&anna, ARTICLE, "Ich ergänze mich selbst.", Some(root_id))
                .await;
            app.approve_ok(&admin, id_of(&own), None).await;
            sink.expect_exactly(&email_of("anna"), 1).await;

            // Approved: one mail, listing the reply safely, linking the article.
            app.approve_ok(&admin, id_of(&reply), None).await;
            let mail = wait_for_notification(sink, "anna", 1).await;
            assert_eq!(
                mail.subject(),
                "New replies to your comment at kommentare.zeitung.de"
            );
            assert_eq!(
                mail.header("List-Unsubscribe-Post").as_deref(),
                Some("List-Unsubscribe=One-Click")
            );
            let text = mail.text().replace("\r\n", "\n");
            assert!(
                text.contains("bert wrote:\n> Nein, <b>gar nicht</b> & so."),
                "{text}"
            );
            assert!(text.contains(ARTICLE_URL), "{text}");
            assert!(!text.contains("Werbung"), "{text}");
            assert!(!text.contains("Ich ergänze"), "{text}");
            let html = mail.part("text/html").unwrap();
            assert!(
                html.contains("Nein, &lt;b&gt;gar nicht&lt;/b&gt; &amp; so."),
                "{html}"
            );
            assert!(!html.contains("<b>gar"), "{html}");

            // Approved again after an undo: still one mail for the reply.
            app.undo_ok(&admin, id_of(&reply)).await;
            app.approve_ok(&admin, id_of(&reply), None).await;
            sink.expect_exactly(&email_of("anna"), 2).await;
            assert_eq!(notifications(sink, "bert").len(), 0);
        },
    )
    .await;
}

#[tokio::test]
async fn nothing_is_mailed_to_an_unverified_address_or_with_the_switch_off() {
    with_mail(
        |_| {},
        async |app, sink| {
            let anna = app.register_reader("anna").await;
            let bert = app.register_reader("bert").await;
            let root = comment_notifying(app, &anna, "Unbestätigt").await;
            assert!(subscriptions(app, &anna).await.is_empty());
            let refused = app
                .post(
                    "/me/subscriptions",
                    Some(&anna.access_token),
                    &json!({"comment_id": id_of(&root)}),
                )
                .await;
            expect_problem(refused, StatusCode::CONFLICT, "email_not_verified").await;
            app.comment_ok(&bert, ARTICLE, "Antwort", Some(id_of(&root)))
                .await;
            sink.expect_exactly(&email_of("anna"), 1).await;

            // Verified, subscribed, but the master switch off: no mail.
            let carla = verified(app, sink, "carla").await;
            let theirs = comment_notifying(app, &carla, "Bestätigt").await;
            let res = app
                .send_json(
                    reqwest::Method::PATCH,
                    "/me",
                    Some(&carla.access_token),
                    &json!({"notify_replies": false}),
                )
                .await;
            let me = expect_status(res, StatusCode::OK).await;
            assert_eq!(me["notify_replies"], false);
            assert_eq!(app.me_ok(&carla).await["notify_replies"], false);
            app.comment_ok(&bert, ARTICLE, "Noch eine Antwort", Some(id_of(&theirs)))
                .await;
            sink.expect_exactly(&email_of("carla"), 1).await;

            // Someone else's comment cannot be subscribed to.
            let foreign = app
                .post(
                    "/me/subscriptions",
                    Some(&carla.access_token),
                    &json!({"comment_id": id_of(&root)}),
                )
                .await;
            expect_problem(foreign, StatusCode::FORBIDDEN, "forbidden").await;
            let neither = app
                .post("/me/subscriptions", Some(&carla.access_token), &json!({}))
                .await;
            expect_status(neither, StatusCode::UNPROCESSABLE_ENTITY).await;
        },
    )
    .await;
}

#[tokio::test]
async fn replies_within_the_batch_window_share_one_mail_and_an_article_subscription_covers_every_own_comment()
 {
    with_mail(
        |s| s.mail.notify_batch = Duration::from_secs(60),
        async |app, sink| {
            let anna = verified(app, sink, "anna").await;
            let bert = app.register_reader("bert").await;
            let first = app.comment_ok(&anna, ARTICLE, "Erstens", None).await;
            let second = app.comment_ok(&anna, ARTICLE, "Zweitens", None).await;
            let res = app
                .post(
                    "/me/subscriptions",
                    Some(&anna.access_token),
                    &json!({"article": ARTICLE}),
                )
                .await;
            let sub = expect_status(res, StatusCode::OK).await;
            assert_eq!(sub["kind"], "article");
            app.comment_ok(&bert, ARTICLE, "Antwort eins", Some(id_of(&first)))
                .await;
            app.comment_ok(&bert, ARTICLE, "Antwort zwei", Some(id_of(&second)))
                .await;
            sink.expect_exactly(&email_of("anna"), 1).await;

            app.clock.advance(TimeDelta::seconds(61));
            let mail = wait_for_notification(sink, "anna", 1).await;
            let text = mail.text();
            assert!(text.contains("> Antwort eins"), "{text}");
            assert!(text.contains("> Antwort zwei"), "{text}");
            assert!(text.contains("your comments on"), "{text}");
            sink.expect_exactly(&email_of("anna"), 2).await;
        },
    )
    .await;
}

#[tokio::test]
async fn one_click_unsubscribe_stops_the_mails_and_refuses_tampered_or_foreign_tokens() {
    with_mail(
        |_| {},
        async |app, sink| {
            let anna = verified(app, sink, "anna").await;
            let bert = verified(app, sink, "bert").await;
            let root = comment_notifying(app, &anna, "Abonniert").await;
            let bert_root = comment_notifying(app, &bert, "Auch abonniert").await;
            app.comment_ok(&bert, ARTICLE, "Antwort", Some(id_of(&root)))
                .await;
            app.comment_ok(&anna, ARTICLE, "Gegenantwort", Some(id_of(&bert_root)))
                .await;
            let mail = wait_for_notification(sink, "anna", 1).await;
            let url = local(&unsubscribe_url(&mail));
            assert!(
                url.starts_with("/account/unsubscribe?lang=en&token="),
                "{url}"
            );
            assert!(mail.text().contains(&unsubscribe_url(&mail)));
            let bert_url = local(&unsubscribe_url(
                &wait_for_notification(sink, "bert", 1).await,
            ));

            // Opening the link changes nothing; its page has the button.
            let page = app.get_page(&url, &[]).await;
            assert_eq!(page.status(), StatusCode::OK);
            let html = page.text().await.unwrap();
            assert!(html.contains("<form method=\"post\""), "{html}");
            assert!(html.contains("Unsubscribe"), "{html}");
            assert_eq!(subscriptions(app, &anna).await.len(), 1);

            // Tampered: refused, nothing ends.
            let tampered = format!("{url}x");
            expect_problem(
                one_click(app, &tampered).await,
                StatusCode::BAD_REQUEST,
                "invalid_link",
            )
            .await;
            // A verification link is no unsubscribe link.
            let verification = sink.mails_to(&email_of("anna"))[0].token();
            let wrong_kind = format!("/account/unsubscribe?token={verification}");
            expect_problem(
                one_click(app, &wrong_kind).await,
                StatusCode::BAD_REQUEST,
                "invalid_link",
            )
            .await;
            assert_eq!(subscriptions(app, &anna).await.len(), 1);

            // Valid: 200 without a login, the subscription ends; again: harmless.
            let done = one_click(app, &url).await;
            assert_eq!(done.status(), StatusCode::OK);
            assert!(subscriptions(app, &anna).await.is_empty());
            assert_eq!(one_click(app, &url).await.status(), StatusCode::OK);
            // Bert's subscription is untouched by Anna's link.
            assert_eq!(subscriptions(app, &bert).await.len(), 1);

            app.comment_ok(&bert, ARTICLE, "Noch eine", Some(id_of(&root)))
                .await;
            sink.expect_exactly(&email_of("anna"), 2).await;

            // Bert's link ends Bert's subscription only.
            assert_eq!(one_click(app, &bert_url).await.status(), StatusCode::OK);
            assert!(subscriptions(app, &bert).await.is_empty());
        },
    )
    .await;
}

#[tokio::test]
async fn a_notification_speaks_the_accounts_language_and_so_does_its_unsubscribe_page() {
    with_mail(
        |_| {},
        async |app, sink| {
            let anna = verified(app, sink, "anna").await;
            let res = app
                .send_json(
                    reqwest::Method::PATCH,
                    "/me",
                    Some(&anna.access_token),
                    &json!({"language": "de"}),
                )
                .await;
            expect_status(res, StatusCode::OK).await;
            let bert = app.register_reader("bert").await;
            let root = comment_notifying(app, &anna, "Auf Deutsch bitte").await;
            app.comment_ok(&bert, ARTICLE, "Gern", Some(id_of(&root)))
                .await;
            let mail = wait_for_notification(sink, "anna", 1).await;
            assert_eq!(
                mail.subject(),
                "Neue Antworten auf Ihren Kommentar bei kommentare.zeitung.de"
            );
            assert!(mail.text().contains("bert schrieb:"), "{}", mail.text());
            assert!(mail.text().contains("„Der Haushalt“"), "{}", mail.text());
            let url = local(&unsubscribe_url(&mail));
            assert!(url.contains("lang=de"), "{url}");
            let page = app.get_page(&url, &[]).await.text().await.unwrap();
            assert!(page.contains("<html lang=\"de\""), "{page}");
            assert!(page.contains("Abbestellen"), "{page}");
            // A link that no longer works is a page too, not a problem document.
            let broken = app.get_page(&format!("{url}x"), &[]).await;
            assert_eq!(broken.status(), reqwest::StatusCode::BAD_REQUEST);
            let kind = broken.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(kind.starts_with("text/html"), "{kind}");
            let page = broken.text().await.unwrap();
            assert!(page.contains("<html lang=\"de\""), "{page}");
        },
    )
    .await;
}

#[tokio::test]
async fn a_moderator_gets_the_digest_once_a_day_and_hourly_when_the_queue_is_old() {
    with_mail(
        |s| s.mail.digest_alert_hours = 4,
        async |app, sink| {
            // Digests go per UTC day and hour: start tomorrow at 01:00 (by the service's
            // clock), so the hours below stay within one day whenever the test runs.
            let now = chrono::Utc::now();
            let one_am = (now + TimeDelta::days(1))
                .date_naive()
                .and_hms_opt(1, 0, 0)
                .unwrap()
                .and_utc();
            app.clock.advance(one_am - now);
            let admin = premoderating_admin(app, sink).await;
            let max = verified(app, sink, "max").await;
            app.set_role_in_db(max.user_id, "moderator");
            let reader = app.register_reader("leser").await;
            let refused = app
                .send_json(
                    reqwest::Method::PATCH,
                    "/me",
                    Some(&reader.access_token),
                    &json!({"moderator_digest": true}),
                )
                .await;
            expect_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
            for who in [&admin, &max] {
                let res = app
                    .send_json(
                        reqwest::Method::PATCH,
                        "/me",
                        Some(&who.access_token),
                        &json!({"moderator_digest": true}),
                    )
                    .await;
                assert_eq!(
                    expect_status(res, StatusCode::OK).await["moderator_digest"],
                    true
                );
            }
            let held = app.comment_ok(&reader, ARTICLE, "Wartet", None).await;
            assert_eq!(held["status"], "pending");
            app.comment_ok(&reader, ARTICLE, "Wartet auch", None).await;
            // An unverified moderator gets none.
            let unverified = app.account_with_role("ungeprueft", "moderator").await;
            let res = app
                .send_json(
                    reqwest::Method::PATCH,
                    "/me",
                    Some(&unverified.access_token),
                    &json!({"moderator_digest": true}),
                )
                .await;
            expect_status(res, StatusCode::OK).await;

            app.clock.advance(TimeDelta::hours(1));
            let digest = wait_for_notification(sink, "max", 1).await;
            assert!(
                digest.subject().contains("2 waiting"),
                "{}",
                digest.subject()
            );
            let text = digest.text();
            assert!(text.contains("Comments waiting: 2"), "{text}");
            assert!(
                text.contains("https://kommentare.zeitung.de/moderate/"),
                "{text}"
            );
            wait_for_notification(sink, "chefin", 1).await;

            // An hour later the queue is not old enough: nothing more today.
            app.clock.advance(TimeDelta::hours(1));
            sink.expect_exactly(&email_of("max"), 2).await;
            // Past four hours: hourly, one per hour.
            app.clock.advance(TimeDelta::hours(3));
            wait_for_notification(sink, "max", 2).await;
            sink.expect_exactly(&email_of("max"), 3).await;
            assert_eq!(sink.mails_to(&email_of("ungeprueft")).len(), 1);

            // One click ends Max's digest.
            let url = local(&unsubscribe_url(&digest));
            assert_eq!(one_click(app, &url).await.status(), StatusCode::OK);
            // (The clock moved past the access token's life: sign in again.)
            let max = app.login_ok("max", crate::helpers::PASSWORD).await;
            assert_eq!(app.me_ok(&max).await["moderator_digest"], false);
            app.clock.advance(TimeDelta::days(1));
            wait_for_notification(sink, "chefin", 3).await;
            sink.expect_exactly(&email_of("max"), 3).await;
        },
    )
    .await;
}

#[tokio::test]
async fn registration_attempt_mails_are_limited_per_address() {
    with_mail(
        |s| {
            s.mail.hide_email_taken = true;
            s.rate_limits = RateLimitSettings {
                enabled: true,
                register: Rate {
                    count: std::num::NonZeroU32::new(100).unwrap(),
                    per_secs: 60,
                },
                ..RateLimitSettings::default()
            };
        },
        async |app, sink| {
            let res = app
                .register("anna", &email_of("anna"), crate::helpers::PASSWORD)
                .await;
            expect_status(res, StatusCode::ACCEPTED).await;
            let link = sink.wait_for(&email_of("anna"), 1).await.token();
            let res = app
                .post("/auth/verify-email", None, &json!({ "token": link }))
                .await;
            expect_status(res, StatusCode::NO_CONTENT).await;
            for n in 0..5 {
                let res = app
                    .register(
                        &format!("anna{n}"),
                        &email_of("anna"),
                        crate::helpers::PASSWORD,
                    )
                    .await;
                expect_status(res, StatusCode::ACCEPTED).await;
            }
            // Three notices (the default 3/hour), then silence; the answers stayed alike.
            sink.wait_for(&email_of("anna"), 4).await;
            sink.expect_exactly(&email_of("anna"), 4).await;
        },
    )
    .await;
}

#[tokio::test]
async fn subscriptions_are_in_the_export_can_be_dropped_and_go_with_the_account() {
    with_mail(
        |_| {},
        async |app, sink| {
            let anna = verified(app, sink, "anna").await;
            let root = comment_notifying(app, &anna, "Exportiert").await;
            let res = app
                .post(
                    "/me/subscriptions",
                    Some(&anna.access_token),
                    &json!({"article": ARTICLE}),
                )
                .await;
            let article_sub = expect_status(res, StatusCode::OK).await;
            let export = expect_status(app.export(&anna).await, StatusCode::OK).await;
            let listed = export["subscriptions"].as_array().unwrap();
            assert_eq!(listed.len(), 2, "{export}");
            assert_eq!(listed[0]["comment_id"], id_of(&root));
            assert_eq!(export["account"]["notify_replies"], true);
            assert_eq!(export["account"]["moderator_digest"], false);

            let path = format!("/me/subscriptions/{}", id_of(&article_sub));
            let gone = app.delete(&path, Some(&anna.access_token)).await;
            assert_eq!(gone.status(), StatusCode::NO_CONTENT);
            let again = app.delete(&path, Some(&anna.access_token)).await;
            expect_problem(again, StatusCode::NOT_FOUND, "not_found").await;
            assert_eq!(subscriptions(app, &anna).await.len(), 1);

            let erased = app.erase_account(&anna, crate::helpers::PASSWORD).await;
            assert_eq!(erased.status(), StatusCode::NO_CONTENT);
            let left: i64 = app
                .db
                .connect()
                .with_writer_blocking(|conn| {
                    use tribune::db::schema::subscriptions;
                    Ok(subscriptions::table.count().get_result(conn)?)
                })
                .unwrap();
            assert_eq!(left, 0);
        },
    )
    .await;
}

#[tokio::test]
async fn an_appeal_reversal_mails_the_reply_and_a_banned_recipient_gets_nothing() {
    with_mail(
        |_| {},
        async |app, sink| {
            let admin = premoderating_admin(app, sink).await;
            let max = app.account_with_role("max", "moderator").await;
            let anna = verified(app, sink, "anna").await;
            let bert = app.register_reader("bert").await;
            let root = comment_notifying(app, &anna, "Was meinen Sie?").await;
            app.approve_ok(&admin, id_of(&root), None).await;

            // Rejected: nothing; the rejection reversed on appeal: the mail.
            let reply = app
                .comment_ok(&bert, ARTICLE, "Zu Unrecht gelöscht", Some(id_of(&root)))
                .await;
            app.reject_ok(&max, id_of(&reply), "advertising", None)
                .await;
            sink.expect_exactly(&email_of("anna"), 1).await;
            let res = app
                .post(
                    &format!("/comments/{}/appeal", id_of(&reply)),
                    Some(&bert.access_token),
                    &json!({"text": "Das war keine Werbung."}),
                )
                .await;
            let filed = expect_status(res, StatusCode::CREATED).await;
            let appeal = filed["appeal"]["id"].as_i64().unwrap();
            let res = app
                .post(
                    &format!("/mod/appeals/{appeal}/decide"),
                    Some(&admin.access_token),
                    &json!({"outcome": "reversed", "note": "Stimmt."}),
                )
                .await;
            expect_status(res, StatusCode::OK).await;
            let mail = wait_for_notification(sink, "anna", 1).await;
            assert!(
                mail.text().contains("> Zu Unrecht gelöscht"),
                "{}",
                mail.text()
            );

            // Banned, Anna hears of no further reply.
            app.ban_ok(&admin, anna.user_id, &crate::helpers::Ban::new("Werbung"))
                .await;
            let later = app
                .comment_ok(&bert, ARTICLE, "Noch eine Antwort", Some(id_of(&root)))
                .await;
            app.approve_ok(&admin, id_of(&later), None).await;
            sink.expect_exactly(&email_of("anna"), 2).await;
        },
    )
    .await;
}

/// A correctly signed unsubscribe token for `user` naming `what` (as only someone with
/// the service's secret could make): for the case the signature cannot catch.
fn signed_unsubscribe(user: i64, what: &str) -> String {
    use hmac::{Hmac, Mac};
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(crate::helpers::JWT_SECRET.as_bytes()).unwrap();
    mac.update(b"tribune mailed links v1");
    let key = mac.finalize().into_bytes();
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "sub": user.to_string(), "aud": "tribune:unsubscribe", "iss": "tribune",
        "iat": now, "exp": now + 3600, "jti": "forged", "email": "x@example.org",
        "what": what,
    });
    let header = Header {
        typ: Some("tribune-link+jwt".into()),
        ..Header::new(Algorithm::HS256)
    };
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&key)).unwrap()
}

#[tokio::test]
async fn an_unsubscribe_token_never_ends_another_accounts_subscription() {
    with_mail(
        |_| {},
        async |app, sink| {
            let anna = verified(app, sink, "anna").await;
            let bert = verified(app, sink, "bert").await;
            comment_notifying(app, &bert, "Berts Abo").await;
            let berts = subscriptions(app, &bert).await;
            let id = id_of(&berts[0]);

            // Signed for Anna, naming Bert's subscription: refused, nothing ends.
            let foreign = signed_unsubscribe(anna.user_id, &format!("sub:{id}"));
            let res = one_click(app, &format!("/account/unsubscribe?token={foreign}")).await;
            expect_problem(res, StatusCode::BAD_REQUEST, "invalid_link").await;
            assert_eq!(subscriptions(app, &bert).await.len(), 1);
            // Nonsense in `what`: refused too.
            let odd = signed_unsubscribe(bert.user_id, "everything");
            let res = one_click(app, &format!("/account/unsubscribe?token={odd}")).await;
            expect_problem(res, StatusCode::BAD_REQUEST, "invalid_link").await;
            // Signed for Bert: it works.
            let own = signed_unsubscribe(bert.user_id, &format!("sub:{id}"));
            let res = one_click(app, &format!("/account/unsubscribe?token={own}")).await;
            assert_eq!(res.status(), StatusCode::OK);
            assert!(subscriptions(app, &bert).await.is_empty());
        },
    )
    .await;
}

#[tokio::test]
async fn mailed_notes_are_forgotten_after_the_retention() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let sink = SmtpSink::start().await;
        let db = TestDb::new(backend);
        let app = TestApp::spawn_with(db.clone(), |s| s.mail = mail_settings(&sink)).await;
        let anna = verified(&app, &sink, "anna").await;
        let bert = app.register_reader("bert").await;
        let root = comment_notifying(&app, &anna, "Alt").await;
        app.comment_ok(&bert, ARTICLE, "Antwort", Some(id_of(&root)))
            .await;
        wait_for_notification(&sink, "anna", 1).await;
        app.stop().await;
        let notes = |conn: &mut tribune::db::DbConnection| -> anyhow::Result<i64> {
            use tribune::db::schema::reply_notices;
            Ok(reply_notices::table.count().get_result(conn)?)
        };
        assert_eq!(db.connect().with_writer_blocking(notes).unwrap(), 1);
        // Seen long ago: the next worker to start prunes it (the retention is 30 days).
        db.connect()
            .with_writer_blocking(|conn| {
                use tribune::db::schema::reply_notices;
                let long_ago = chrono::Utc::now().naive_utc() - TimeDelta::days(31);
                diesel::update(reply_notices::table)
                    .set(reply_notices::seen_at.eq(long_ago))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap();
        let again = TestApp::spawn_with(db.clone(), |s| s.mail = mail_settings(&sink)).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while db.connect().with_writer_blocking(notes).unwrap() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the note was not pruned"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        again.stop().await;
    }
}
