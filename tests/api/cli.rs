//! The `tribune` binary: migrate, user create, and refusing unsafe settings.

use std::io::Write;
use std::process::Stdio;

use reqwest::StatusCode;

use crate::helpers::{TestApp, backends, expect_status, tribune_command};

#[tokio::test]
async fn migrate_then_create_an_admin_who_can_log_in() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = crate::helpers::TestDb::new(backend);

        let out = tribune_command(&db.url).arg("migrate").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("applied"));
        let out = tribune_command(&db.url).arg("migrate").output().unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));

        let mut child = tribune_command(&db.url)
            .args([
                "user",
                "create",
                "--username",
                "chefin",
                "--email",
                "chefin@zeitung.de",
                "--role",
                "admin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"admin password 1\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        let app = TestApp::spawn_with(db.clone(), |_| {}).await;
        let session = app.login_ok("chefin", "admin password 1").await;
        let me = expect_status(app.me(&session).await, StatusCode::OK).await;
        assert_eq!(me["role"], "admin");
        app.stop().await;

        // A second account with the same name is refused, not duplicated.
        let mut child = tribune_command(&db.url)
            .args([
                "user",
                "create",
                "--username",
                "CHEFIN",
                "--email",
                "x@zeitung.de",
            ])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"another password\n")
            .unwrap();
        assert!(!child.wait_with_output().unwrap().status.success());
    }
}

#[test]
fn serve_refuses_a_short_jwt_secret() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("t.db");
    let out = tribune_command(url.to_str().unwrap())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("TRIBUNE_JWT_SECRET", "too-short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 32 bytes"));
}
