//! Limits an attacker cannot step around (security review, issue 11).

use futures::future::join_all;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, TestDb, backends, expect_problem};

#[tokio::test]
async fn a_full_hashing_queue_answers_503_with_retry_after() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let app = TestApp::spawn_with(TestDb::new(backend), |s| {
            // The real cost on one thread, one hash waiting at most: a burst of logins
            // arrives far faster than they are hashed.
            s.passwords.memory_kib = 19_456;
            s.passwords.iterations = 2;
            s.passwords.max_concurrent = 1;
            s.passwords.max_queued = 1;
        })
        .await;
        app.register_reader("anna").await;

        let attempts = (0..40).map(|_| async {
            let res = app.login("anna", "wrong password").await;
            let retry_after = res.headers().get("retry-after").cloned();
            let status = res.status();
            if status == StatusCode::SERVICE_UNAVAILABLE {
                expect_problem(res, status, "unavailable").await;
            }
            (status, retry_after)
        });
        let answers = join_all(attempts).await;

        let refused: Vec<_> = answers
            .iter()
            .filter(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
            .collect();
        assert!(!refused.is_empty(), "no login was refused: {answers:?}");
        assert!(
            refused.iter().all(|(_, retry)| retry.is_some()),
            "{refused:?}"
        );
        assert!(
            answers.iter().all(|(status, _)| [
                StatusCode::UNAUTHORIZED,
                StatusCode::SERVICE_UNAVAILABLE
            ]
            .contains(status)),
            "{answers:?}"
        );
        // Once the burst is through, logins are answered again.
        app.login_ok("anna", PASSWORD).await;
        app.stop().await;
    }
}
