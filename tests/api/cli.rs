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

/// Runs `tribune args…` on `db` with `stdin` piped in; answers (success, stdout, stderr).
fn run(db: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = tribune_command(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn create(
    db: &str,
    username: &str,
    email: &str,
    role: &str,
    password: &str,
) -> (bool, String, String) {
    run(
        db,
        &[
            "user",
            "create",
            "--username",
            username,
            "--email",
            email,
            "--role",
            role,
        ],
        &format!("{password}\n"),
    )
}

#[test]
fn every_flag_and_command_has_help_text() {
    use clap::CommandFactory;
    fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if id != "help" && id != "version" && arg.get_help().is_none() {
                missing.push(format!("{path} --{id}"));
            }
        }
        for sub in command.get_subcommands() {
            if sub.get_about().is_none() {
                missing.push(format!("{path} {}", sub.get_name()));
            }
            check(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    check(&tribune::cli::Cli::command(), "tribune", &mut missing);
    assert!(missing.is_empty(), "without help text: {missing:?}");
}

#[test]
fn bare_tribune_takes_and_shows_the_flags_of_serve() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").to_string_lossy().into_owned();
    let (ok, bare, _) = run(&db, &["--help"], "");
    assert!(ok);
    let (ok, serve, _) = run(&db, &["serve", "--help"], "");
    assert!(ok);
    let flags = |help: &str| -> std::collections::BTreeSet<String> {
        help.split_whitespace()
            .filter(|w| w.starts_with("--"))
            .map(|w| w.trim_end_matches(',').to_owned())
            .collect()
    };
    for flag in ["--bind", "--jwt-secret", "--cors-origins", "--database-url"] {
        assert!(bare.contains(flag), "tribune --help lacks {flag}:\n{bare}");
    }
    assert!(
        flags(&serve).is_subset(&flags(&bare)),
        "flags of serve missing from bare tribune: {:?}",
        flags(&serve).difference(&flags(&bare)).collect::<Vec<_>>()
    );
    assert!(bare.contains("user") && bare.contains("secret"), "{bare}");
    assert!(
        bare.contains("Without a command it serves, like `tribune serve`"),
        "{bare}"
    );

    // Serve's flags before another command are refused, not ignored; database flags
    // go anywhere.
    let (ok, _, err) = run(&db, &["--bind", "127.0.0.1:1", "migrate"], "");
    assert!(!ok);
    assert!(
        err.contains("--bind: flags of `tribune serve`, not of `tribune migrate`"),
        "{err}"
    );
    let (ok, out, err) = run("ignored.db", &["--database-url", &db, "migrate"], "");
    assert!(ok, "{err}");
    assert!(out.contains("applied"), "{out}");
    let (ok, _, err) = run("ignored.db", &["user", "--database-url", &db, "list"], "");
    assert!(ok, "{err}");
    assert!(!std::path::Path::new("ignored.db").exists());
}

#[tokio::test]
async fn bare_tribune_serves_and_says_where_what_and_which_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("banner.db").to_string_lossy().into_owned();
    for expected in [
        "generated now and stored in the database",
        "kept in the database",
    ] {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = tribune_command(&db)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(server.stdout.take().unwrap());
        let mut banner = String::new();
        for _ in 0..4 {
            std::io::BufRead::read_line(&mut stdout, &mut banner).unwrap();
        }
        let url = format!("http://127.0.0.1:{port}");
        assert!(banner.contains(&format!("listening on {url}")), "{banner}");
        assert!(banner.contains(env!("CARGO_PKG_VERSION")), "{banner}");
        assert!(banner.contains(&format!("{url}/api/v1/docs")), "{banner}");
        assert!(banner.contains(&format!("SQLite file {db}")), "{banner}");
        assert!(banner.contains(expected), "{banner}");
        let res = reqwest::get(format!("{url}/healthz")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);

        // Another instance on the same address names it.
        let (ok, _, err) = run(&db, &["--bind", &format!("127.0.0.1:{port}")], "");
        assert!(!ok);
        assert!(
            err.contains(&format!("cannot listen on 127.0.0.1:{port}")) && err.contains("in use"),
            "{err}"
        );
        server.kill().unwrap();
        server.wait().unwrap();
    }
}

#[test]
fn user_create_refuses_taken_names_and_emails_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").to_string_lossy().into_owned();
    assert!(
        create(
            &db,
            "chefin",
            "chefin@zeitung.de",
            "admin",
            "admin password 1"
        )
        .0
    );
    let (ok, _, err) = create(
        &db,
        "andere",
        "CHEFIN@zeitung.de",
        "reader",
        "another password",
    );
    assert!(!ok);
    assert!(
        err.contains("an account with this email already exists"),
        "{err}"
    );
    assert!(!err.contains("EmailTaken"), "{err}");
    let (ok, _, err) = create(&db, "Chefin", "x@zeitung.de", "reader", "another password");
    assert!(!ok);
    assert!(err.contains("an account with this username"), "{err}");
    let (ok, _, err) = run(
        &db,
        &[
            "user",
            "create",
            "--username",
            "leer",
            "--email",
            "leer@zeitung.de",
        ],
        "",
    );
    assert!(!ok);
    assert!(err.contains("no password given"), "{err}");
}

#[tokio::test]
async fn user_set_password_set_role_list_and_show() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = crate::helpers::TestDb::new(backend);
        assert!(
            create(
                &db.url,
                "chefin",
                "chefin@zeitung.de",
                "admin",
                "admin password 1"
            )
            .0
        );
        let app = TestApp::spawn_with(db.clone(), |_| {}).await;
        let anna = app.register_reader("anna").await;

        let (ok, out, err) = run(
            &db.url,
            &["user", "set-password", "anna"],
            "a new password 2\n",
        );
        assert!(ok, "{err}");
        assert!(out.contains("1 session(s) ended"), "{out}");
        expect_status(app.me(&anna).await, StatusCode::UNAUTHORIZED).await;
        expect_status(
            app.login("anna", crate::helpers::PASSWORD).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        let anna = app.login_ok("anna@example.org", "a new password 2").await;

        let (ok, out, err) = run(
            &db.url,
            &["user", "set-role", "anna@example.org", "moderator"],
            "",
        );
        assert!(ok, "{err}");
        assert!(
            out.contains("anna (id") && out.contains("now moderator (was reader)"),
            "{out}"
        );
        expect_status(
            app.get("/mod/queue", Some(&anna.access_token)).await,
            StatusCode::OK,
        )
        .await;
        let (ok, _, err) = run(&db.url, &["user", "set-role", "chefin", "reader"], "");
        assert!(!ok);
        assert!(err.contains("last admin"), "{err}");

        let (ok, out, _) = run(&db.url, &["user", "list"], "");
        assert!(ok);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(
            lines[1].contains("admin") && lines[1].contains("chefin@zeitung.de"),
            "{out}"
        );
        assert!(
            lines[2].contains("moderator") && lines[2].contains("anna"),
            "{out}"
        );
        let (_, out, _) = run(&db.url, &["user", "list", "--role", "admin"], "");
        assert_eq!(out.lines().count(), 2, "{out}");

        let (ok, out, _) = run(&db.url, &["user", "show", "ANNA"], "");
        assert!(ok);
        assert!(
            out.contains("username:  anna") && out.contains("role:      moderator"),
            "{out}"
        );
        assert!(out.contains("sign-in:   password"), "{out}");
        let (ok, _, err) = run(&db.url, &["user", "show", "nobody"], "");
        assert!(!ok);
        assert!(err.contains("no such account"), "{err}");
        app.stop().await;
    }
}

#[tokio::test]
async fn secret_rotate_refuses_old_access_tokens_and_keeps_or_ends_sessions() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let db = crate::helpers::TestDb::new(backend);
        let stored_secret = |s: &mut tribune::settings::Settings| s.jwt_secret = None;
        let app = TestApp::spawn_with(db.clone(), stored_secret).await;
        let anna = app.register_reader("anna").await;
        app.stop().await;

        let (ok, out, err) = run(&db.url, &["secret", "rotate"], "");
        assert!(ok, "{err}");
        assert!(out.contains("restart every instance"), "{out}");
        let app = TestApp::spawn_with(db.clone(), stored_secret).await;
        expect_status(app.me(&anna).await, StatusCode::UNAUTHORIZED).await;
        let pair = expect_status(app.refresh(&anna.refresh_token).await, StatusCode::OK).await;
        let fresh = crate::helpers::Session::from_body(&pair);
        expect_status(app.me(&fresh).await, StatusCode::OK).await;
        app.stop().await;

        let (ok, out, err) = run(&db.url, &["secret", "rotate", "--end-sessions"], "");
        assert!(ok, "{err}");
        assert!(out.contains("session(s) ended"), "{out}");
        let app = TestApp::spawn_with(db.clone(), stored_secret).await;
        expect_status(
            app.refresh(&fresh.refresh_token).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        app.login_ok("anna", crate::helpers::PASSWORD).await;
        app.stop().await;
    }
}
