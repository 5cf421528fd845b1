//! The read caches never serve a stale answer: not after this instance's writes, not
//! (beyond the watcher's few milliseconds) after another instance's.

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Anonymous, Backend, PASSWORD, TestApp, TestDb, backends, expect_status, for_each_backend, id_of,
};

#[tokio::test]
async fn cached_counts_and_pages_follow_every_write_on_this_instance() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let first = app.comment_ok(&anna, "a", "eins", None).await;
        // Warm the caches.
        for _ in 0..3 {
            assert_eq!(app.counts(&["a"]).await["a"], 1);
            assert_eq!(
                app.thread("a", "", &Anonymous).await["comments"]
                    .as_array()
                    .unwrap()
                    .len(),
                1
            );
        }

        // Whole answers of several articles (GET by query string, POST by key set: the
        // same set in another order or with a duplicate is the same entry), and another
        // article's page, cached too.
        for _ in 0..3 {
            let both = app.counts(&["a", "b"]).await;
            assert_eq!((both["a"].as_i64(), both["b"].as_i64()), (Some(1), Some(0)));
            for set in [json!(["a", "b"]), json!(["b", "a", "b"])] {
                let both = app.post_counts_ok(&set).await;
                assert_eq!(both, json!({"a": 1, "b": 0}));
            }
            app.thread("b", "", &Anonymous).await;
        }

        let second = app.comment_ok(&bert, "a", "zwei", None).await;
        assert_eq!(app.counts(&["a"]).await["a"], 2);
        assert_eq!(app.counts(&["a", "b"]).await["a"], 2);
        assert_eq!(
            app.post_counts_ok(&json!(["b", "a"])).await,
            json!({"a": 2, "b": 0})
        );
        let page = app.thread("a", "", &Anonymous).await;
        assert_eq!(page["comments"].as_array().unwrap().len(), 2);
        assert_eq!(page["article"]["comment_count"], 2);

        app.edit_comment_ok(&bert, id_of(&second), "zwei, berichtigt")
            .await;
        let page = app.thread("a", "", &Anonymous).await;
        let bodies: Vec<&str> = page["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap())
            .collect();
        assert!(bodies.contains(&"zwei, berichtigt"), "{bodies:?}");

        app.comment_ok(&anna, "b", "drüben", None).await;
        assert_eq!(app.counts(&["a", "b"]).await["b"], 1);
        assert_eq!(
            app.post_counts_ok(&json!(["a", "b"])).await,
            json!({"a": 2, "b": 1})
        );
        assert_eq!(
            app.thread("b", "", &Anonymous).await["comments"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        app.like_ok(&bert, id_of(&first)).await;
        assert_eq!(
            app.thread("a", "", &Anonymous).await["comments"][0]["likes"],
            1
        );

        app.delete_comment_ok(&anna, id_of(&first)).await;
        assert_eq!(app.counts(&["a"]).await["a"], 1);
        assert_eq!(
            app.post_counts_ok(&json!(["b", "a"])).await,
            json!({"a": 1, "b": 1})
        );
        assert_eq!(
            app.thread("a", "", &Anonymous).await["comments"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    })
    .await;
}

/// The bodies of a page's top-level comments, and of each one's replies.
fn shape(page: &Value) -> Vec<(String, Vec<String>)> {
    let body = |c: &Value| c["body"].as_str().unwrap_or_default().to_owned();
    page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                body(t),
                t["replies"].as_array().unwrap().iter().map(body).collect(),
            )
        })
        .collect()
}

/// Each top-level comment's `(liked_by_me, has a moderation_reason field)`.
/// A page too large to keep with everyone's likes (here, at the smallest
/// `TRIBUNE_CACHE_MIB`, too large to keep at all) is read for each signed-in reader, with
/// that reader's own likes.
#[tokio::test]
async fn a_page_too_large_to_keep_still_marks_each_readers_own_likes() {
    for backend in backends() {
        let app = TestApp::spawn_with(TestDb::new(backend), |s| {
            s.cache_bytes = 32 * 1024 * 1024;
        })
        .await;
        let admin = app.account_with_role("admin", "admin").await;
        app.update_settings_ok(&admin, json!({"max_comment_length": 20000}))
            .await;
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        // 50 comments of 18,000 characters: about 1.8 MB of rows, where an entry of
        // `page_rows` may take 1.4 MB.
        let long = "Lang und breit. ".repeat(1125);
        let mut ids = Vec::new();
        for i in 0..50 {
            let comment = app
                .comment_ok(&anna, "gross", &format!("{i}: {long}"), None)
                .await;
            assert_eq!(comment["status"], "approved");
            ids.push(id_of(&comment));
        }
        app.like_ok(&bert, ids[7]).await;
        let liked = |page: &Value| -> Vec<i64> {
            let comments = page["comments"].as_array().unwrap();
            assert_eq!(comments.len(), 50);
            comments
                .iter()
                .filter(|c| c["liked_by_me"] == true)
                .map(id_of)
                .collect()
        };
        for _ in 0..2 {
            assert_eq!(
                liked(&app.thread("gross", "&limit=50", &bert).await),
                [ids[7]]
            );
            assert!(liked(&app.thread("gross", "&limit=50", &anna).await).is_empty());
        }
        app.unlike(&bert, ids[7]).await;
        assert!(liked(&app.thread("gross", "&limit=50", &bert).await).is_empty());
        let metrics = app.get("/metrics", None).await.text().await.unwrap();
        assert!(
            metrics.contains("cache_bytes{cache=\"page_rows\"} 0\n"),
            "not kept: {metrics}"
        );
        app.stop().await;
    }
}

fn marks(page: &Value) -> Vec<(bool, bool)> {
    page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["liked_by_me"] == true,
                c.get("moderation_reason").is_some(),
            )
        })
        .collect()
}

fn owned(threads: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    threads
        .iter()
        .map(|(b, r)| ((*b).to_owned(), r.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

/// A signed-in reader's page is everyone's cached rows with their likes, or read whole
/// while they have held comments on the article: both must follow every write.
#[tokio::test]
async fn signed_in_pages_show_each_readers_likes_and_held_comments_after_every_write() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;
        let bert = app.register_reader("bert").await;
        let eins = app.comment_ok(&anna, "a", "eins", None).await;
        app.comment_ok(&bert, "a", "zwei", None).await;
        for _ in 0..3 {
            for who in [&anna, &bert] {
                assert_eq!(
                    shape(&app.thread("a", "", who).await),
                    owned(&[("eins", &[]), ("zwei", &[])])
                );
            }
        }
        // Only their own comments carry the moderation fields; a moderator sees them on all.
        assert_eq!(
            marks(&app.thread("a", "", &anna).await),
            [(false, true), (false, false)]
        );
        assert_eq!(
            marks(&app.thread("a", "", &bert).await),
            [(false, false), (false, true)]
        );
        assert_eq!(
            marks(&app.thread("a", "", &moderator).await),
            [(false, true), (false, true)]
        );

        app.like_ok(&bert, id_of(&eins)).await;
        let seen_by_bert = app.thread("a", "", &bert).await;
        assert_eq!(marks(&seen_by_bert), [(true, false), (false, true)]);
        assert_eq!(seen_by_bert["comments"][0]["likes"], 1);
        let seen_by_anna = app.thread("a", "", &anna).await;
        assert_eq!(marks(&seen_by_anna), [(false, true), (false, false)]);
        assert_eq!(seen_by_anna["comments"][0]["likes"], 1);

        // From here on the article holds every comment for review.
        app.update_article_ok(&moderator, "a", &json!({"moderation": "pre"}))
            .await;
        let drei = app.comment_ok(&anna, "a", "drei", None).await;
        let antwort = app
            .comment_ok(&bert, "a", "antwort", Some(id_of(&eins)))
            .await;
        assert_eq!(
            (drei["status"].as_str(), antwort["status"].as_str()),
            (Some("pending"), Some("pending"))
        );
        let everyone = owned(&[("eins", &[]), ("zwei", &[])]);
        assert_eq!(shape(&app.thread("a", "", &Anonymous).await), everyone);
        assert_eq!(
            shape(&app.thread("a", "", &anna).await),
            owned(&[("eins", &[]), ("zwei", &[]), ("drei", &[])])
        );
        let seen_by_bert = app.thread("a", "", &bert).await;
        assert_eq!(
            shape(&seen_by_bert),
            owned(&[("eins", &["antwort"]), ("zwei", &[])])
        );
        assert_eq!(marks(&seen_by_bert), [(true, false), (false, true)]);
        assert_eq!(shape(&app.thread("a", "", &moderator).await), everyone);

        app.approve_ok(&moderator, id_of(&drei), None).await;
        let all = owned(&[("eins", &[]), ("zwei", &[]), ("drei", &[])]);
        assert_eq!(shape(&app.thread("a", "", &anna).await), all);
        assert_eq!(shape(&app.thread("a", "", &Anonymous).await), all);
        assert_eq!(
            shape(&app.thread("a", "", &bert).await),
            owned(&[("eins", &["antwort"]), ("zwei", &[]), ("drei", &[])])
        );

        app.reject_ok(&moderator, id_of(&antwort), "off_topic", None)
            .await;
        let seen_by_bert = app.thread("a", "", &bert).await;
        let reply = &seen_by_bert["comments"][0]["replies"][0];
        assert_eq!(
            (
                reply["status"].as_str(),
                reply.get("rejection_reason").is_some()
            ),
            (Some("rejected"), true)
        );
        assert_eq!(shape(&app.thread("a", "", &anna).await), all);

        app.unlike_ok(&bert, id_of(&eins)).await;
        app.delete_comment_ok(&bert, id_of(&antwort)).await;
        let seen_by_bert = app.thread("a", "", &bert).await;
        assert_eq!(shape(&seen_by_bert), all);
        assert_eq!(
            marks(&seen_by_bert),
            [(false, false), (false, true), (false, false)]
        );
    })
    .await;
}

#[tokio::test]
async fn a_cached_page_does_not_outlive_a_scheduled_closing() {
    for_each_backend(async |app| {
        let moderator = app.account_with_role("moderator", "moderator").await;
        let anna = app.register_reader("anna").await;
        app.comment_ok(&anna, "a", "eins", None).await;
        let closes_at = (chrono::Utc::now() + TimeDelta::hours(1)).to_rfc3339();
        app.update_article_ok(&moderator, "a", &json!({"closes_at": closes_at}))
            .await;
        assert_eq!(
            app.thread("a", "", &Anonymous).await["article"]["status"],
            "open"
        );

        app.clock.advance(TimeDelta::hours(2));

        assert_eq!(
            app.thread("a", "", &Anonymous).await["article"]["status"],
            "closed"
        );
    })
    .await;
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "{what} did not show on the other instance"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn another_instances_writes_reach_this_instances_caches() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = TestDb::new(backend);
        let a = TestApp::spawn_with(db.clone(), |_| {}).await;
        let b = TestApp::spawn_with(db.clone(), |_| {}).await;
        let anna = a.register_reader("anna").await;
        a.comment_ok(&anna, "shared", "eins", None).await;
        let bert = a.register_reader("bert").await;
        // B caches the count and the page, for everyone and as bert sees it.
        for _ in 0..3 {
            assert_eq!(b.counts(&["shared"]).await["shared"], 1);
            b.thread("shared", "", &Anonymous).await;
            b.thread("shared", "", &bert).await;
        }

        a.comment_ok(&anna, "shared", "zwei", None).await;

        eventually("a new comment's count", async || {
            b.counts(&["shared"]).await["shared"] == 2
        })
        .await;
        eventually("a new comment on the page", async || {
            b.thread("shared", "", &Anonymous).await["comments"]
                .as_array()
                .map(Vec::len)
                == Some(2)
        })
        .await;
        eventually("a new comment on a signed-in reader's page", async || {
            b.thread("shared", "", &bert).await["comments"]
                .as_array()
                .map(Vec::len)
                == Some(2)
        })
        .await;
        let login = a.login_ok("anna", PASSWORD).await;
        expect_status(
            a.erase_account(&login, PASSWORD).await,
            StatusCode::NO_CONTENT,
        )
        .await;
        eventually("an erasure", async || {
            b.counts(&["shared"]).await["shared"] == 0
        })
        .await;
        let page: Value = b.thread("shared", "", &Anonymous).await;
        assert_eq!(page["comments"], json!([]));
        eventually("an erasure on a signed-in reader's page", async || {
            b.thread("shared", "", &bert).await["comments"] == json!([])
        })
        .await;
        a.stop().await;
        b.stop().await;
    }
}

#[tokio::test]
async fn anonymous_pages_come_gzipped_to_clients_that_take_it_and_follow_writes() {
    use std::io::Read;

    use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, VARY};

    let header = |res: &reqwest::Response, name| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let gunzip = |bytes: &[u8]| {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .expect("a gzip stream");
        text
    };
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let long = "Ein längerer Kommentar über das Thema, mit *Betonung*. Bình luận. ".repeat(8);
        for _ in 0..4 {
            app.comment_ok(&anna, "a", &long, None).await;
        }
        let path = "/api/v1/comments?article=a";
        let browser = [("Accept-Encoding", "gzip, deflate, br, zstd")];

        let plain = app.get_page(path, &[]).await;
        assert_eq!(plain.status(), StatusCode::OK);
        assert_eq!(header(&plain, CONTENT_ENCODING), "");
        assert!(header(&plain, VARY).contains("Accept-Encoding"));
        let plain = plain.text().await.unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&plain).unwrap()["comments"]
                .as_array()
                .unwrap()
                .len(),
            4
        );

        // Twice: compressed by the first request, served from the entry to the second.
        for _ in 0..2 {
            let gzipped = app.get_page(path, &browser).await;
            assert_eq!(gzipped.status(), StatusCode::OK);
            assert_eq!(header(&gzipped, CONTENT_ENCODING), "gzip");
            assert_eq!(header(&gzipped, CONTENT_TYPE), "application/json");
            assert!(header(&gzipped, VARY).contains("Accept-Encoding"));
            let body = gzipped.bytes().await.unwrap();
            assert!(
                body.len() * 2 <= plain.len(),
                "{} of {}",
                body.len(),
                plain.len()
            );
            assert_eq!(gunzip(&body), plain, "the same answer, compressed");
        }
        let refused = app
            .get_page(path, &[("Accept-Encoding", "gzip;q=0, br")])
            .await;
        assert_eq!(header(&refused, CONTENT_ENCODING), "");
        assert_eq!(refused.text().await.unwrap(), plain);

        // A write makes the compressed page stale with the plain one.
        let fifth = app.comment_ok(&anna, "a", "Fünfter.", None).await;
        let gzipped = app.get_page(path, &browser).await;
        assert_eq!(header(&gzipped, CONTENT_ENCODING), "gzip");
        let page: Value = serde_json::from_str(&gunzip(&gzipped.bytes().await.unwrap())).unwrap();
        let comments = page["comments"].as_array().unwrap();
        assert_eq!(comments.len(), 5);
        assert_eq!(comments[4]["id"], fifth["id"]);
        assert_eq!(page["article"]["comment_count"], 5);

        // A short page is not worth compressing; a signed-in reader's page is built for
        // them and sent as it is.
        app.comment_ok(&anna, "b", "kurz", None).await;
        let short = app.get_page("/api/v1/comments?article=b", &browser).await;
        assert_eq!(short.status(), StatusCode::OK);
        assert_eq!(header(&short, CONTENT_ENCODING), "");
        let own = app
            .client
            .get(app.url("/comments?article=a"))
            .bearer_auth(&anna.access_token)
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::OK);
        assert_eq!(header(&own, CONTENT_ENCODING), "");
    })
    .await;
}

/// A post as the writer runs it (`writer::Post`): a top-level comment on `article`.
struct RawPost {
    article: i64,
}

impl tribune::db::writer::Post for RawPost {
    type Out = i64;

    fn before(
        &mut self,
        _: &mut tribune::db::DbConnection,
        _: &tribune::db::articles::Known,
        _: &mut tribune::db::changes::Touched,
        _: &mut tribune::db::tally::Tally,
    ) -> Result<tribune::db::comments::NewComment, tribune::error::ApiError> {
        let now = chrono::Utc::now().naive_utc();
        Ok(tribune::db::comments::NewComment {
            article_id: self.article,
            parent_id: None,
            thread_id: 0,
            depth: 0,
            author_id: None,
            body: "x".into(),
            html: "<p>x</p>".into(),
            status: "approved".into(),
            moderation_reason: None,
            rejection_reason: None,
            hook_result: None,
            created_at: now,
            updated_at: now,
        })
    }

    fn after(
        &mut self,
        _: &mut tribune::db::DbConnection,
        comment: tribune::db::comments::Comment,
        touched: &mut tribune::db::changes::Touched,
        _: &mut tribune::db::tally::Tally,
    ) -> Result<i64, tribune::error::ApiError> {
        touched.article("own");
        Ok(comment.id)
    }
}

#[tokio::test]
async fn only_other_writers_commits_make_everything_stale() {
    use tribune::db::articles;

    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let test_db = TestDb::new(backend);
        let db = test_db.connect();
        tribune::db::migrations::run_pending(&db).unwrap();
        db.watch_external_changes(&test_db.settings()).unwrap();
        let now = chrono::Utc::now().naive_utc();
        let article = db
            .write(move |conn| articles::get_or_create(conn, "own", None, None, now))
            .await
            .unwrap()
            .id;
        // The watcher's first looks (and the bump of its settling look) pass.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let changes = db.changes().clone();
        let base = changes.base_generation();
        let article_generation = changes.article_generation("own");
        let seen = changes.own_commits_seen();

        // This instance's writes that name their article, and its posts (on PostgreSQL
        // through a posting lane), leave every other cached answer current.
        for n in 0..5 {
            db.write_articles(move |conn, touched| {
                let key = format!("own-{n}");
                articles::get_or_create(conn, &key, None, None, now)?;
                touched.article(key);
                Ok(())
            })
            .await
            .unwrap();
            db.write_posting("own", RawPost { article }).await.unwrap();
        }
        assert_ne!(changes.article_generation("own"), article_generation);
        match backend {
            // The writer's own connection never sees its own commits.
            Backend::Sqlite => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                assert_eq!(
                    changes.base_generation(),
                    base,
                    "this instance's own commits made everything stale"
                );
            }
            // The watcher tells them from other writers' by their notes. (Whether
            // everything stays current cannot be asserted here: other tests' commits on
            // the same server are other writers' too.)
            Backend::Postgres => {
                eventually("the watcher telling this instance's commits", async || {
                    changes.own_commits_seen() >= seen + 10
                })
                .await;
            }
        }

        // Another writer's commit (another instance: another handle on the database,
        // without the first's notes) makes everything stale within the watcher's polls.
        let other = test_db.connect();
        other
            .write(move |conn| articles::get_or_create(conn, "theirs", None, None, now))
            .await
            .unwrap();
        eventually("another writer's commit", async || {
            changes.base_generation() != base
        })
        .await;
    }
}

#[tokio::test]
async fn a_login_leaves_every_cached_answer_current_and_a_logout_does_not() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        app.comment_ok(&anna, "a", "eins", None).await;
        assert_eq!(app.counts(&["a"]).await["a"], 1);
        // Past the writer's looks for other writers.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let base = app.changes.base_generation();

        // A new session is in no cache: a login leaves everything current (a flood of
        // logins used to empty the cached counts with every one).
        let session = app.login_ok("anna", PASSWORD).await;
        expect_status(app.me(&session).await, StatusCode::OK).await;
        assert_eq!(app.counts(&["a"]).await["a"], 1);
        // (On PostgreSQL other tests' commits on the same server are other writers'
        // and make everything stale: only SQLite can tell.)
        if app.db.backend == Backend::Sqlite {
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert_eq!(
                app.changes.base_generation(),
                base,
                "a login made everything stale"
            );
        }

        // A logout ends a session the callers' cache may hold: at once.
        expect_status(
            app.logout(&session, Some(&session.refresh_token)).await,
            StatusCode::NO_CONTENT,
        )
        .await;
        assert_ne!(app.changes.base_generation(), base);
        assert_eq!(app.me(&session).await.status(), StatusCode::UNAUTHORIZED);
        expect_status(app.me(&anna).await, StatusCode::OK).await;
    })
    .await;
}
