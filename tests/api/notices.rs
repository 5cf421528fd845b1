//! Statements of reasons and appeal outcomes by mail, over a real SMTP connection: in
//! the account's language, with the facts, the ground and the link to contest; one per
//! decision, only once a moderator's decision has outlived its undo window, never to an
//! unverified address, and nothing queued without mail.

use chrono::TimeDelta;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use tribune::db::schema::{mail_outbox, users};

use crate::helpers::{Ban, SmtpSink, TestApp, expect_status, for_each_backend, id_of};
use crate::mail::{email_of, verified_reader, with_mail};

const A: &str = "politik/haushalt-2027";
const URL: &str = "https://www.zeitung.de/politik/haushalt-2027";

/// (kind, status) of every mail queued for `username`'s address, oldest first.
fn outbox(app: &TestApp, username: &str) -> Vec<(String, String)> {
    let recipient = email_of(username);
    app.db
        .connect()
        .with_writer_blocking(|conn| {
            Ok(mail_outbox::table
                .filter(mail_outbox::recipient.eq(&recipient))
                .order(mail_outbox::id.asc())
                .select((mail_outbox::kind, mail_outbox::status))
                .load(conn)?)
        })
        .expect("read the outbox")
}

/// Waits until no mail to `username` is pending (the worker decided on each).
async fn settled(app: &TestApp, username: &str) {
    for _ in 0..200 {
        if outbox(app, username).iter().all(|(_, s)| s != "pending") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("mail still pending: {:?}", outbox(app, username));
}

/// Moves past the undo window, after which a moderator's decision is mailed.
fn past_undo_window(app: &TestApp) {
    app.clock.advance(TimeDelta::seconds(32));
}

#[tokio::test]
async fn a_rejection_mails_its_author_the_statement_in_their_language_once_it_stands() {
    with_mail(
        |_| {},
        async |app: &TestApp, sink: &SmtpSink| {
            let anna = verified_reader(app, sink, "anna").await;
            let changed = app
                .send_json(
                    reqwest::Method::PATCH,
                    "/me",
                    Some(&anna.access_token),
                    &json!({"language": "de"}),
                )
                .await;
            expect_status(changed, StatusCode::OK).await;
            let moderator = app.account_with_role("lena", "moderator").await;
            let comment = id_of(
                &app.comment_ok(&anna, A, "Kauft <b>hier</b> & jetzt: billig!", None)
                    .await,
            );
            app.update_article_ok(
                &moderator,
                A,
                &json!({"title": "Haushalt 2027", "url": URL}),
            )
            .await;
            app.reject_ok(&moderator, comment, "advertising", None)
                .await;

            // Not within the undo window...
            sink.expect_exactly(&email_of("anna"), 1).await;
            // ...but once it has passed.
            past_undo_window(app);
            let mail = sink.wait_for(&email_of("anna"), 2).await;
            assert!(
                mail.subject()
                    .starts_with("Ihr Kommentar bei kommentare.zeitung.de wurde abgelehnt"),
                "{}",
                mail.subject()
            );
            let text = mail.text();
            for expected in [
                "Hallo anna,",
                "hat die Moderation Ihren Kommentar abgelehnt",
                "„Haushalt 2027“",
                "“Kauft <b>hier</b> & jetzt: billig!”",
                "Grund: Werbung.",
                "hat ein Mensch getroffen",
                "Einspruch einlegen",
                &format!("{URL}#tribune-decisions"),
            ] {
                assert!(text.contains(expected), "{expected:?} missing from {text}");
            }
            let html = mail.part("text/html").unwrap();
            assert!(
                html.contains("Kauft &lt;b&gt;hier&lt;/b&gt; &amp; jetzt"),
                "{html}"
            );
            assert!(!html.contains("<b>hier"), "{html}");
            assert!(
                html.contains(&format!("href=\"{URL}#tribune-decisions\"")),
                "{html}"
            );
            // The deadline is the one the API gives.
            let decisions = app.decisions_ok(&anna).await;
            let until = decisions[0]["appeal"]["possible_until"].as_str().unwrap();
            let until: chrono::DateTime<chrono::Utc> = until.parse().unwrap();
            assert!(
                text.contains(&until.format("%d.%m.%Y").to_string()),
                "{text}"
            );

            // One mail per decision, however long the worker runs.
            sink.expect_exactly(&email_of("anna"), 2).await;
            assert_eq!(
                outbox(app, "anna"),
                [
                    ("verify_email".into(), "sent".into()),
                    ("decision_notice".into(), "sent".into())
                ]
            );
        },
    )
    .await;
}

#[tokio::test]
async fn an_undone_rejection_is_not_mailed_and_an_unverified_address_gets_nothing() {
    with_mail(
        |_| {},
        async |app: &TestApp, sink: &SmtpSink| {
            let anna = verified_reader(app, sink, "anna").await;
            let bert = app.register_reader("bert").await;
            sink.wait_for(&email_of("bert"), 1).await;
            let moderator = app.account_with_role("lena", "moderator").await;
            let undone = id_of(&app.comment_ok(&anna, A, "Erster", None).await);
            let unverified = id_of(&app.comment_ok(&bert, A, "Zweiter", None).await);
            app.reject_ok(&moderator, undone, "spam", None).await;
            app.undo_ok(&moderator, undone).await;
            app.reject_ok(&moderator, unverified, "spam", None).await;
            past_undo_window(app);

            settled(app, "anna").await;
            assert_eq!(
                outbox(app, "anna"),
                [
                    ("verify_email".into(), "sent".into()),
                    ("decision_notice".into(), "dropped".into())
                ]
            );
            sink.expect_exactly(&email_of("anna"), 1).await;
            // Bert's address was never verified: only its verification mail.
            assert_eq!(
                outbox(app, "bert"),
                [("verify_email".into(), "sent".into())]
            );
            sink.expect_exactly(&email_of("bert"), 1).await;
        },
    )
    .await;
}

#[tokio::test]
async fn an_automatic_rejection_and_a_ban_say_so_and_where_to_appeal_without_an_article_link() {
    with_mail(
        |_| {},
        async |app: &TestApp, sink: &SmtpSink| {
            let anna = verified_reader(app, sink, "anna").await;
            let admin = app.account_with_role("chefin", "admin").await;
            app.update_settings_ok(&admin, json!({"banned_words": ["idiot"]}))
                .await;
            app.comment(&anna, A, "Du Idiot", None).await;

            // Automatic decisions cannot be undone: mailed at once.
            let mail = sink.wait_for(&email_of("anna"), 2).await;
            assert_eq!(
                mail.subject(),
                "Your comment on kommentare.zeitung.de was rejected"
            );
            let text = mail.text();
            for expected in [
                "rejected automatically, by the list of banned words",
                "Ground: the text contains a word on the list of banned words.",
                "taken by automatic means",
                "open the comments under any article of the publisher",
                "“Decisions about you”",
            ] {
                assert!(text.contains(expected), "{expected:?} missing from {text}");
            }
            assert!(!text.contains("#tribune-decisions"), "{text}");

            let until = app.clock.now() + TimeDelta::days(7);
            app.ban_ok(
                &admin,
                anna.user_id,
                &Ban::new("Beleidigungen").until(until),
            )
            .await;
            past_undo_window(app);
            let mail = sink.wait_for(&email_of("anna"), 3).await;
            assert_eq!(
                mail.subject(),
                "Your account on kommentare.zeitung.de is suspended"
            );
            let text = mail.text();
            assert!(text.contains("suspended your account until"), "{text}");
            assert!(text.contains("Reasons given: Beleidigungen"), "{text}");
        },
    )
    .await;
}

#[tokio::test]
async fn an_appeal_outcome_is_mailed_with_the_moderators_note() {
    with_mail(
        |_| {},
        async |app: &TestApp, sink: &SmtpSink| {
            let anna = verified_reader(app, sink, "anna").await;
            let first = app.account_with_role("erste", "moderator").await;
            let second = app.account_with_role("zweiter", "moderator").await;
            let comment = id_of(&app.comment_ok(&anna, A, "Eine Meinung", None).await);
            app.update_article_ok(&first, A, &json!({"url": URL})).await;
            app.reject_ok(&first, comment, "off_topic", None).await;
            past_undo_window(app);
            sink.wait_for(&email_of("anna"), 2).await;

            let appeal =
                id_of(&app.appeal_ok(&anna, comment, "Es passt zum Thema.").await["appeal"]);
            app.decide_appeal_ok(&second, appeal, "reversed", "Stimmt, es passt <doch>.")
                .await;
            let mail = sink.wait_for(&email_of("anna"), 3).await;
            assert_eq!(
                mail.subject(),
                "Your appeal on kommentare.zeitung.de succeeded"
            );
            let text = mail.text();
            for expected in [
                "your comment is shown again",
                "The moderator's reasons: Stimmt, es passt <doch>.",
                "“Eine Meinung”",
                &format!("{URL}#tribune-decisions"),
            ] {
                assert!(text.contains(expected), "{expected:?} missing from {text}");
            }
            assert!(mail.part("text/html").unwrap().contains("&lt;doch&gt;"));
            // The reversal is no new decision to mail; one mail per outcome.
            sink.expect_exactly(&email_of("anna"), 3).await;
        },
    )
    .await;
}

#[tokio::test]
async fn without_mail_no_notice_is_queued() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        // As if verified (through the publisher's sign-on, or while mail was on).
        app.db
            .connect()
            .with_writer_blocking(|conn| {
                diesel::update(users::table.find(anna.user_id))
                    .set(users::email_verified_at.eq(Some(chrono::Utc::now().naive_utc())))
                    .execute(conn)?;
                Ok(())
            })
            .unwrap();
        let moderator = app.account_with_role("lena", "moderator").await;
        let comment = id_of(&app.comment_ok(&anna, A, "Text", None).await);
        app.reject_ok(&moderator, comment, "spam", None).await;
        assert_eq!(outbox(app, "anna"), Vec::<(String, String)>::new());
        assert_eq!(app.decisions_ok(&anna).await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_hold_by_flags_is_mailed_at_once_as_provisional() {
    with_mail(
        |_| {},
        async |app: &TestApp, sink: &SmtpSink| {
            let anna = verified_reader(app, sink, "anna").await;
            let admin = app.account_with_role("chefin", "admin").await;
            app.update_settings_ok(
            &admin,
            json!({"auto_hide_flags": 1, "flag_min_account_age_hours": 0, "flag_min_approved": 0}),
        )
        .await;
            let comment = id_of(&app.comment_ok(&anna, A, "Meine Meinung", None).await);
            let bert = app.register_reader("bert").await;
            app.flag_ok(&bert, comment, "abuse", None).await;

            let mail = sink.wait_for(&email_of("anna"), 2).await;
            assert_eq!(
                mail.subject(),
                "Your comment on kommentare.zeitung.de is hidden until a moderator reviews it"
            );
            let text = mail.text();
            for expected in [
                "hidden automatically because readers reported it",
                "Ground: several readers reported the comment.",
                "This is not yet a decision and cannot be contested itself",
            ] {
                assert!(text.contains(expected), "{expected:?} missing from {text}");
            }
            assert!(!text.contains("You can contest it until"), "{text}");
        },
    )
    .await;
}
