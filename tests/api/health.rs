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
        s.database.pool_timeout = Duration::from_secs(2);
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

    // Once the server is back, the readiness check says so; the connections the pool
    // held through the outage are dead, but a read that finds one drops it and runs
    // again on another, so the reader's first request after that is answered.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.get("/readyz", None).await.status();
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for _ in 0..3 {
        expect_status(app.me(&anna).await, StatusCode::OK).await;
    }

    // An outage during which nobody asked anything: every connection in the pool is dead
    // when it ends, and the first read after it (the readiness check: a query every
    // time) is answered all the same.
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.restore();
    expect_status(app.get("/readyz", None).await, StatusCode::OK).await;
    app.stop().await;
}
