//! Liveness and readiness.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{
    Backend, TcpProxy, TestApp, TestDb, backends, expect_problem, expect_status, for_each_backend,
    pg_url_via_port,
};

#[tokio::test]
async fn health_and_readiness_answer() {
    for_each_backend(async |app| {
        let body = expect_status(app.get("/healthz", None).await, StatusCode::OK).await;
        assert_eq!(body["status"], "ok");
        let body = expect_status(app.get("/readyz", None).await, StatusCode::OK).await;
        assert_eq!(body["status"], "ready");
    })
    .await;
}

#[tokio::test]
async fn readiness_is_503_while_postgres_is_away_and_recovers() {
    if !backends().contains(&Backend::Postgres) {
        return; // `backends` said it was skipped
    }
    let db = TestDb::new(Backend::Postgres);
    let (target, _) = pg_url_via_port(&db.url, 0);
    let proxy = TcpProxy::start(target).await;
    let (_, via_proxy) = pg_url_via_port(&db.url, proxy.port);
    let app = TestApp::spawn_with(db.clone(), |s| {
        s.database.url = via_proxy;
        s.database.pool_timeout = Duration::from_secs(1);
    })
    .await;
    expect_status(app.get("/readyz", None).await, StatusCode::OK).await;
    let anna = app.register_reader("anna").await;

    proxy.cut();

    let started = Instant::now();
    expect_problem(
        app.get("/readyz", None).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    let res = app.me(&anna).await;
    let retry_after = res.headers().get("retry-after").cloned();
    let res = expect_problem(res, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert_eq!(
        retry_after.as_ref().map(|v| v.to_str().unwrap()),
        Some("1"),
        "{res}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "503s must come within the pool timeout"
    );
    expect_status(app.get("/healthz", None).await, StatusCode::OK).await;

    proxy.restore();

    // Each connection the pool held through the outage fails once (503) and is dropped:
    // both the readiness check and a reader's request come back within the deadline.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.get("/readyz", None).await.status();
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    loop {
        let status = app.me(&anna).await.status();
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(Instant::now() < deadline, "requests did not recover");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await;
}
