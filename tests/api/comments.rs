//! Posting, threads, pagination, editing, deleting, likes and flags.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Anonymous, PASSWORD, assert_counts_exact, expect_problem, expect_status, for_each_backend,
    id_of,
};

const ARTICLE: &str = "204241014210826959";

fn ids(list: &Value) -> Vec<i64> {
    list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn posting_creates_the_article_and_counts_the_comment() {
    for_each_backend(async |app| {
        let anna = app.register_reader("leser_anna").await;
        let res = app
            .post_comment(
                &anna,
                &json!({"article": ARTICLE, "body": "  Guter Artikel, *danke*!  ", "article_title": "Wahl 2026", "article_url": "https://zeitung.de/wahl"}),
            )
            .await;
        let comment = expect_status(res, StatusCode::CREATED).await;

        assert_eq!(comment["article"], ARTICLE);
        assert_eq!(comment["body"], "Guter Artikel, *danke*!");
        assert_eq!(comment["html"], "<p>Guter Artikel, <em>danke</em>!</p>\n");
        assert_eq!(comment["status"], "approved");
        assert_eq!(comment["depth"], 0);
        assert_eq!(comment["parent_id"], Value::Null);
        assert_eq!(comment["thread_id"], comment["id"]);
        assert_eq!(comment["author"]["username"], "leser_anna");
        assert_eq!(comment["likes"], 0);
        assert_eq!(comment["liked_by_me"], false);
        assert_eq!(comment["moderation_reason"], Value::Null);

        let article = app.article_ok(ARTICLE).await;
        assert_eq!(article["title"], "Wahl 2026");
        assert_eq!(article["url"], "https://zeitung.de/wahl");
        assert_eq!(article["status"], "open");
        assert_eq!(article["moderation"], "default");
        assert_eq!(article["comment_count"], 1);
        assert_eq!(app.counts(&[ARTICLE]).await[ARTICLE], 1);
        assert_eq!(assert_counts_exact(app), 1);
        expect_problem(app.article("unknown").await, StatusCode::NOT_FOUND, "not_found").await;
    })
    .await;
}

#[tokio::test]
async fn posting_validates_its_input() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        expect_problem(
            app.comment(&Anonymous, ARTICLE, "x", None).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        for (body, field) in [
            (json!({"article": ARTICLE, "body": "   "}), "body"),
            (json!({"article": ARTICLE, "body": "a\u{0}b"}), "body"),
            (
                json!({"article": ARTICLE, "body": "x".repeat(5001)}),
                "body",
            ),
            (json!({"article": "", "body": "hi"}), "article"),
            (json!({"article": "k".repeat(513), "body": "hi"}), "article"),
            (json!({"article": "a\nb", "body": "hi"}), "article"),
            (
                json!({"article": ARTICLE, "body": "hi", "article_url": "javascript:alert(1)"}),
                "article_url",
            ),
            (
                json!({"article": ARTICLE, "body": "hi", "parent_id": 999_999}),
                "parent_id",
            ),
        ] {
            let res = app.post_comment(&anna, &body).await;
            let problem =
                expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(problem["errors"][0]["field"], field, "{body}");
        }
        // 5000 characters of a multi-byte script are fine.
        app.comment_ok(&anna, ARTICLE, &"ễ".repeat(5000), None)
            .await;
        expect_problem(
            app.post_comment(&anna, &json!({"article": 5, "body": "x"}))
                .await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
        assert_eq!(assert_counts_exact(app), 1);
    })
    .await;
}

#[tokio::test]
async fn replies_nest_to_depth_five_and_stay_on_their_article() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let root = app.comment_ok(&anna, ARTICLE, "root", None).await;
        let mut parent = root["id"].as_i64().unwrap();
        for depth in 1..=5 {
            let reply = app
                .comment_ok(&anna, ARTICLE, &format!("depth {depth}"), Some(parent))
                .await;
            assert_eq!(reply["depth"], depth);
            assert_eq!(reply["parent_id"], parent);
            assert_eq!(reply["thread_id"], root["id"]);
            parent = reply["id"].as_i64().unwrap();
        }
        // A reply to a depth-5 comment becomes its sibling.
        let deep = app
            .comment_ok(&anna, ARTICLE, "too deep", Some(parent))
            .await;
        assert_eq!(deep["depth"], 5);
        let five = app.get_comment_ok(&Anonymous, parent).await;
        assert_eq!(deep["parent_id"], five["parent_id"]);

        // A parent on another article is refused.
        let res = app
            .comment(&anna, "other-article", "x", root["id"].as_i64())
            .await;
        let problem =
            expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "parent_id");

        let list = app.thread(ARTICLE, "", &Anonymous).await;
        assert_eq!(list["article"]["comment_count"], 7);
        let thread = &list["comments"][0];
        assert_eq!(thread["reply_count"], 6);
        let depths: Vec<i64> = thread["replies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["depth"].as_i64().unwrap())
            .collect();
        assert_eq!(depths, [1, 2, 3, 4, 5, 5]);
        assert_eq!(assert_counts_exact(app), 7);
    })
    .await;
}

#[tokio::test]
async fn pages_in_every_order_have_no_gaps_or_duplicates_while_comments_arrive() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        for sort in ["oldest", "newest", "top"] {
            let article = format!("{ARTICLE}-{sort}");
            let mut posted = Vec::new();
            for i in 0..7 {
                let c = app
                    .comment_ok(&anna, &article, &format!("c{i}"), None)
                    .await;
                posted.push(c["id"].as_i64().unwrap());
            }
            // For `top`: c3 gets a like.
            app.like_ok(&bert, posted[3]).await;
            let expected: Vec<i64> = match sort {
                "oldest" => posted.clone(),
                "newest" => posted.iter().rev().copied().collect(),
                _ => [
                    vec![posted[3]],
                    posted
                        .iter()
                        .copied()
                        .filter(|id| *id != posted[3])
                        .collect(),
                ]
                .concat(),
            };

            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let extra = match &cursor {
                    Some(c) => format!("&sort={sort}&limit=3&cursor={c}"),
                    None => format!("&sort={sort}&limit=3"),
                };
                let page = app.thread(&article, &extra, &Anonymous).await;
                seen.extend(ids(&page));
                // A new comment arrives between page fetches.
                app.comment_ok(&bert, "elsewhere", "noise", None).await;
                let late = app.comment_ok(&bert, &article, "late", None).await;
                let late_id = late["id"].as_i64().unwrap();
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
                assert!(!seen.contains(&late_id));
            }
            let expected_prefix: Vec<i64> = expected;
            assert_eq!(
                &seen[..expected_prefix.len().min(seen.len())],
                &expected_prefix[..],
                "{sort}"
            );
            let mut unique = seen.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), seen.len(), "duplicates in {sort}: {seen:?}");
        }
        let bad = app.list_comments(&Anonymous, ARTICLE, "&cursor=%%%").await;
        expect_problem(bad, StatusCode::BAD_REQUEST, "malformed_request").await;
        let page = app
            .thread(&format!("{ARTICLE}-top"), "&sort=top&limit=1", &Anonymous)
            .await;
        let top_cursor = page["next_cursor"].as_str().unwrap().to_owned();
        let mixed = app
            .list_comments(
                &Anonymous,
                ARTICLE,
                &format!("&sort=oldest&cursor={top_cursor}"),
            )
            .await;
        expect_problem(mixed, StatusCode::BAD_REQUEST, "malformed_request").await;
        for bad_query in ["&limit=0", "&limit=101", "&sort=best"] {
            let res = app.list_comments(&Anonymous, ARTICLE, bad_query).await;
            expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
        let res = app.list_comments(&Anonymous, ARTICLE, "&limit=ten").await;
        expect_problem(res, StatusCode::BAD_REQUEST, "malformed_request").await;
        let unknown = app.thread("never-commented", "", &Anonymous).await;
        assert_eq!(unknown["article"]["comment_count"], 0);
        assert_eq!(unknown["comments"], json!([]));
        assert_eq!(unknown["next_cursor"], Value::Null);
    })
    .await;
}

#[tokio::test]
async fn authors_edit_within_the_window_only() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let id = id_of(&app.comment_ok(&anna, ARTICLE, "first", None).await);

        expect_problem(
            app.edit_comment(&bert, id, "hijack").await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        expect_problem(
            app.edit_comment(&anna, id, " ").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;

        let edited = app.edit_comment_ok(&anna, id, "**second**").await;
        assert_eq!(edited["body"], "**second**");
        assert_eq!(edited["html"], "<p><strong>second</strong></p>\n");
        assert!(edited["edited_at"].is_string());
        let fetched = app.get_comment_ok(&Anonymous, id).await;
        assert_eq!(fetched["body"], "**second**");

        app.clock.advance(TimeDelta::minutes(16));
        let anna = app.login_ok("anna", PASSWORD).await;
        expect_problem(
            app.edit_comment(&anna, id, "third").await,
            StatusCode::CONFLICT,
            "edit_window_passed",
        )
        .await;
        assert_eq!(assert_counts_exact(app), 1);
    })
    .await;
}

#[tokio::test]
async fn deleted_comments_stay_as_placeholders_only_above_visible_replies() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let root = app.comment_ok(&anna, ARTICLE, "root", None).await;
        let lonely = app.comment_ok(&anna, ARTICLE, "lonely", None).await;
        let reply = app
            .comment_ok(&bert, ARTICLE, "reply", root["id"].as_i64())
            .await;
        assert_eq!(app.counts(&[ARTICLE]).await[ARTICLE], 3);

        expect_problem(
            app.delete_comment(&bert, id_of(&root)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        for c in [&root, &lonely] {
            app.delete_comment_ok(&anna, id_of(c)).await;
        }

        let list = app.thread(ARTICLE, "", &Anonymous).await;
        assert_eq!(ids(&list), [id_of(&root)]);
        let placeholder = &list["comments"][0];
        assert_eq!(placeholder["status"], "deleted");
        assert_eq!(placeholder["body"], "");
        assert_eq!(placeholder["html"], "");
        assert_eq!(placeholder["author"], Value::Null);
        assert_eq!(placeholder["replies"][0]["id"], reply["id"]);
        assert_eq!(list["article"]["comment_count"], 1);
        expect_problem(
            app.get_comment(&Anonymous, id_of(&lonely)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;

        // Once the last reply goes, so does the placeholder.
        app.delete_comment_ok(&bert, id_of(&reply)).await;
        let list = app.thread(ARTICLE, "", &Anonymous).await;
        assert_eq!(list["comments"], json!([]));
        assert_eq!(list["article"]["comment_count"], 0);
        assert_eq!(assert_counts_exact(app), 0);
    })
    .await;
}

#[tokio::test]
async fn likes_are_idempotent_and_not_for_ones_own_comments() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let carl = app.register_reader("carl").await;
        let id = id_of(&app.comment_ok(&anna, ARTICLE, "like me", None).await);

        for _ in 0..2 {
            let body = app.like_ok(&bert, id).await;
            assert_eq!(body, json!({"likes": 1, "liked_by_me": true}));
        }
        let body = app.like_ok(&carl, id).await;
        assert_eq!(body["likes"], 2);
        let list = app.thread(ARTICLE, "", &bert).await;
        assert_eq!(list["comments"][0]["likes"], 2);
        assert_eq!(list["comments"][0]["liked_by_me"], true);
        let list = app.thread(ARTICLE, "", &anna).await;
        assert_eq!(list["comments"][0]["liked_by_me"], false);

        for _ in 0..2 {
            let body = app.unlike_ok(&bert, id).await;
            assert_eq!(body, json!({"likes": 1, "liked_by_me": false}));
        }
        expect_problem(
            app.like(&anna, id).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        expect_problem(
            app.like(&bert, 999_999).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        expect_problem(
            app.like(&Anonymous, id).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn flags_once_per_reader_with_a_reason() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let c = app.comment_ok(&anna, ARTICLE, "flag me", None).await;
        let id = id_of(&c);

        let long_note = "x".repeat(1001);
        for (reason, note) in [
            ("boring", None),
            ("other", None),
            ("illegal_content", Some("  ")),
            ("spam", Some(long_note.as_str())),
        ] {
            expect_problem(
                app.flag(&bert, id, reason, note).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
            )
            .await;
        }
        let flag = app
            .flag_ok(&bert, id, "illegal_content", Some("Volksverhetzung"))
            .await;
        assert_eq!(flag["reason"], "illegal_content");
        assert_eq!(flag["note"], "Volksverhetzung");
        assert_eq!(flag["comment_id"], c["id"]);

        expect_problem(
            app.flag(&bert, id, "spam", None).await,
            StatusCode::CONFLICT,
            "already_flagged",
        )
        .await;
        expect_problem(
            app.flag(&anna, id, "spam", None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        expect_problem(
            app.flag(&bert, 424_242, "spam", None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn deleting_ones_own_comment_again_answers_204_and_changes_nothing() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let first = app.comment_ok(&anna, ARTICLE, "first", None).await;
        app.comment_ok(&anna, ARTICLE, "second", None).await;
        app.delete_comment_ok(&anna, id_of(&first)).await;
        app.delete_comment_ok(&anna, id_of(&first)).await;
        assert_eq!(app.counts(&[ARTICLE]).await[ARTICLE], 1);
        assert_eq!(assert_counts_exact(app), 1);
        // Someone else's deleted comment is not there for them; a missing one is 404.
        expect_problem(
            app.delete_comment(&bert, id_of(&first)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        expect_problem(
            app.delete_comment(&anna, 999_999).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    })
    .await;
}
