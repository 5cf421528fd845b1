//! Writes under concurrency: on SQLite they go through the one writer thread with group
//! commit (a savepoint per request, one durable commit per batch); on PostgreSQL through
//! the pool. Either way no acknowledged write is lost and a failing one spoils only
//! itself.

use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Anonymous, assert_counts_exact, for_each_backend};

#[tokio::test]
async fn sixteen_clients_posting_at_once_lose_nothing() {
    for_each_backend(async |app| {
        let mut clients = Vec::new();
        for i in 0..16 {
            clients.push(app.register_reader(&format!("client{i}")).await);
        }
        let articles = ["hot", "warm", "cold"];

        let runs = clients.iter().enumerate().map(|(i, client)| async move {
            let mut created = Vec::new();
            for n in 0..50 {
                let article = articles[(i + n) % 3];
                let res = app
                    .comment(&client, article, &format!("{i}/{n}"), None)
                    .await;
                if res.status() == StatusCode::CREATED {
                    let body: Value = res.json().await.unwrap();
                    created.push((article, body["id"].as_i64().unwrap()));
                }
            }
            created
        });
        let acknowledged: Vec<(&str, i64)> = join_all(runs).await.into_iter().flatten().collect();

        assert_eq!(acknowledged.len(), 800, "every post should be acknowledged");
        assert_eq!(assert_counts_exact(app), 800);
        let counts = app.counts(&articles).await;
        for article in articles {
            let expected = acknowledged.iter().filter(|(a, _)| *a == article).count();
            assert_eq!(counts[article], expected as i64, "{article}");
        }
        // Every acknowledged comment can be read back.
        for (_, id) in acknowledged.iter().step_by(37) {
            app.get_comment_ok(&Anonymous, *id).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_failing_write_among_concurrent_ones_spoils_only_itself() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let elsewhere = app.comment_ok(&anna, "elsewhere", "parent", None).await;
        let foreign_parent = elsewhere["id"].as_i64();

        // Every third post names a parent on another article: refused, while the
        // others, committed together with it, stand.
        let posts = (0..30).map(|i| {
            let parent = if i % 3 == 0 { foreign_parent } else { None };
            let token = anna.access_token.clone();
            async move {
                app.comment(&token, "batch", &format!("post {i}"), parent)
                    .await
                    .status()
            }
        });
        let statuses = join_all(posts).await;

        let created = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        let refused = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
            .count();
        assert_eq!((created, refused), (20, 10), "{statuses:?}");
        assert_eq!(app.counts(&["batch"]).await["batch"], 20);
        assert_eq!(assert_counts_exact(app), 21);
    })
    .await;
}

/// Every stored counter of articles and authors against a count of the comments.
fn assert_article_and_author_counters_exact(app: &crate::helpers::TestApp) {
    use std::collections::HashMap;

    use diesel::prelude::*;
    use tribune::db::schema::{articles, comments, users};
    app.db
        .connect()
        .with_writer_blocking(|conn| {
            // (article or author, status) → comments.
            let mut by_article: HashMap<(i64, String), i64> = HashMap::new();
            let mut by_author: HashMap<(i64, String), i64> = HashMap::new();
            let rows: Vec<(i64, Option<i64>, String)> = comments::table
                .select((comments::article_id, comments::author_id, comments::status))
                .load(conn)?;
            for (article, author, status) in rows {
                *by_article.entry((article, status.clone())).or_default() += 1;
                if let Some(author) = author {
                    *by_author.entry((author, status)).or_default() += 1;
                }
            }
            let count = |map: &HashMap<(i64, String), i64>, id: i64, status: &str| {
                map.get(&(id, status.to_owned())).copied().unwrap_or(0)
            };
            let stored: Vec<(i64, i64, i64)> = articles::table
                .select((
                    articles::id,
                    articles::comment_count,
                    articles::pending_count,
                ))
                .load(conn)?;
            for (id, approved, pending) in stored {
                let actual = (
                    count(&by_article, id, "approved"),
                    count(&by_article, id, "pending"),
                );
                assert_eq!((approved, pending), actual, "counters of article {id}");
            }
            let authors: Vec<(i64, i64, i64)> = users::table
                .select((users::id, users::approved_count, users::rejected_count))
                .load(conn)?;
            for (id, approved, rejected) in authors {
                let actual = (
                    count(&by_author, id, "approved"),
                    count(&by_author, id, "rejected"),
                );
                assert_eq!((approved, rejected), actual, "counts of author {id}");
            }
            Ok(())
        })
        .expect("read counters");
}

#[tokio::test]
async fn posts_replies_and_decisions_committed_together_keep_every_counter_exact() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("mod", "moderator").await;
        let mut readers = Vec::new();
        for i in 0..8 {
            readers.push(app.register_reader(&format!("reader{i}")).await);
        }
        let root = app.comment_ok(&readers[0], "hot", "the root", None).await;
        let root = root["id"].as_i64();
        let mut earlier = Vec::new();
        for n in 0..12 {
            let reply = app
                .comment_ok(&readers[1], "hot", &format!("earlier {n}"), root)
                .await;
            earlier.push(reply["id"].as_i64().unwrap());
        }

        // Posts (top-level and replies, on two articles) while a moderator rejects and
        // approves again, and the author deletes, the earlier replies of the same
        // thread: posts' counters wait for the end of their batch, the decisions' do not.
        let posts = readers.iter().enumerate().flat_map(|(i, reader)| {
            (0..10).map(move |n| async move {
                let (article, parent) = if n % 2 == 0 {
                    ("hot", root)
                } else {
                    ("cold", None)
                };
                app.comment(reader, article, &format!("{i}/{n}"), parent)
                    .await
                    .status()
            })
        });
        let decisions = earlier.iter().enumerate().map(|(n, id)| {
            let (moderator, author) = (&moderator, &readers[1]);
            async move {
                match n % 3 {
                    0 => app.reject(moderator, *id, "spam", None).await.status(),
                    1 => {
                        app.reject(moderator, *id, "spam", None).await;
                        app.approve(moderator, *id, None).await.status()
                    }
                    _ => app.delete_comment(author, *id).await.status(),
                }
            }
        });
        let (posted, decided) = futures::join!(join_all(posts), join_all(decisions));

        assert!(
            posted.iter().all(|s| *s == StatusCode::CREATED),
            "{posted:?}"
        );
        assert!(decided.iter().all(|s| s.is_success()), "{decided:?}");
        assert_article_and_author_counters_exact(app);
        // 1 root + 12 earlier replies, 4 of them rejected and 4 deleted, + 80 posts.
        assert_eq!(assert_counts_exact(app), 1 + 12 - 4 - 4 + 80);
        let counts = app.counts(&["hot", "cold"]).await;
        assert_eq!(
            (counts["hot"].as_i64(), counts["cold"].as_i64()),
            (Some(45), Some(40))
        );
    })
    .await;
}

/// A batch's posts write their log lines and events together at its end (`db::tally`),
/// in multi-row statements when no endpoint wants the events: each kept post still has
/// exactly its own, in order, a refused one none, a rejected one's line (which owes its
/// author a notice) is written at once; with an endpoint, each event is delivered.
#[tokio::test]
async fn posts_committed_together_each_keep_their_own_log_line_and_event() {
    use std::collections::HashMap;

    use diesel::prelude::*;
    use tribune::db::schema::moderation_log;

    use crate::helpers::Receiver;

    for_each_backend(async |app| {
        let admin = app.account_with_role("chefin", "admin").await;
        let anna = app.register_reader("anna").await;
        app.update_settings_ok(&admin, serde_json::json!({"banned_words": ["verboten"]}))
            .await;
        let elsewhere = app.comment_ok(&anna, "elsewhere", "parent", None).await;
        let foreign_parent = elsewhere["id"].as_i64();

        // Every third post is refused (a parent on another article), every fourth of
        // the rest rejected by a banned word.
        let posts = (0..40).map(|i| {
            let parent = if i % 3 == 0 { foreign_parent } else { None };
            let body = if i % 4 == 1 {
                format!("post {i} verboten")
            } else {
                format!("post {i}")
            };
            let token = anna.access_token.clone();
            async move {
                let res = app.comment(&token, "batch", &body, parent).await;
                let status = res.status();
                let json: Value = res.json().await.unwrap();
                (status, json)
            }
        });
        let answers = join_all(posts).await;
        let kept: HashMap<i64, String> = answers
            .iter()
            .filter(|(status, _)| *status == StatusCode::CREATED)
            .map(|(_, c)| {
                (
                    c["id"].as_i64().unwrap(),
                    c["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let refused = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::UNPROCESSABLE_ENTITY)
            .count();
        assert_eq!((kept.len(), refused), (26, 14));
        let rejected = kept.values().filter(|s| *s == "rejected").count();
        assert!(rejected > 0, "{kept:?}");

        // One automatic log line per kept comment, with the action of its status.
        let lines: Vec<(Option<i64>, String)> = app
            .db
            .connect()
            .with_writer_blocking(|conn| {
                Ok(moderation_log::table
                    .filter(moderation_log::actor_id.is_null())
                    .order(moderation_log::id.asc())
                    .select((moderation_log::comment_id, moderation_log::action))
                    .load(conn)?)
            })
            .expect("read the log");
        let mut logged: HashMap<i64, String> = HashMap::new();
        for (comment, action) in &lines {
            let comment = comment.expect("an automatic line names its comment");
            assert!(
                logged.insert(comment, action.clone()).is_none(),
                "two lines for comment {comment}"
            );
        }
        assert_eq!(logged.len(), kept.len() + 1, "{lines:?}");
        // In the order of the posts, but for rejections' lines, written at once (their
        // notice names them).
        let unrejected: Vec<i64> = lines
            .iter()
            .filter(|(_, action)| action != "auto_reject")
            .filter_map(|(comment, _)| *comment)
            .collect();
        assert!(unrejected.is_sorted(), "{lines:?}");
        for (id, status) in &kept {
            let expected = match status.as_str() {
                "approved" => "auto_approve",
                "rejected" => "auto_reject",
                _ => "auto_pending",
            };
            assert_eq!(logged[id], expected, "comment {id}");
        }

        // One comment.created per kept comment, in the order of their ids.
        let created: Vec<i64> = app
            .events_in_db()
            .iter()
            .filter(|(t, _)| t == "comment.created")
            .map(|(_, data)| data["comment_id"].as_i64().unwrap())
            .collect();
        let mut expected: Vec<i64> = kept.keys().copied().collect();
        expected.push(foreign_parent.unwrap());
        expected.sort_unstable();
        assert_eq!(created, expected);

        // With an endpoint for them, a batch's events are queued to it, each delivered.
        let receiver = Receiver::start().await;
        app.create_webhook_ok(&admin, &receiver.url, &["comment.created"])
            .await;
        let more = (0..10).map(|i| {
            let token = anna.access_token.clone();
            async move {
                let res = app
                    .comment(&token, "batch", &format!("more {i}"), None)
                    .await;
                assert_eq!(res.status(), StatusCode::CREATED);
                res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
            }
        });
        let mut more: Vec<i64> = join_all(more).await;
        more.sort_unstable();
        let got = receiver.wait_for(more.len(), Duration::from_secs(20)).await;
        let mut delivered: Vec<i64> = got
            .iter()
            .filter_map(|r| r.json["data"]["comment_id"].as_i64())
            .collect();
        delivered.sort_unstable();
        assert_eq!(delivered, more);
    })
    .await;
}
