//! Writes under concurrency: on SQLite they go through the one writer thread with group
//! commit (a savepoint per request, one durable commit per batch); on PostgreSQL through
//! the pool. Either way no acknowledged write is lost and a failing one spoils only
//! itself.

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
