//! The real `tribune` binary in a process of its own, for the tests that kill it under
//! load (`kill -9`) and start it again.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::tribune_command;

/// A free local port (the tiny race until the server binds it is acceptable in tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `tribune serve` on `port` over `database`, with rate limits off, two workers and
/// `env` besides.
pub fn serve_binary(database: &str, port: u16, env: &[(&str, &str)]) -> Child {
    tribune_command(database)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("TRIBUNE_RATE_LIMITS", "off")
        .env("TRIBUNE_WORKERS", "2")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until the server at `base` answers (panics after 30 s).
pub async fn wait_until_up(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `clients` post comments on the article `crash` as fast as they can, as `token`, while
/// the server is killed (SIGKILL) under them after 1.5 s; answers the ids of the posts
/// that were acknowledged (201).
pub async fn post_until_killed(
    server: &mut Child,
    client: &reqwest::Client,
    base: &str,
    token: &str,
    clients: usize,
) -> Vec<i64> {
    let posters = (0..clients).map(|w| async move {
        let mut acknowledged = Vec::new();
        for n in 0.. {
            let sent = client
                .post(format!("{base}/api/v1/comments"))
                .bearer_auth(token)
                .json(&json!({"article": "crash", "body": format!("{w}/{n}")}))
                .send()
                .await;
            match sent {
                Ok(res) if res.status() == StatusCode::CREATED => {
                    let comment: Value = res.json().await.unwrap_or(Value::Null);
                    if let Some(id) = comment["id"].as_i64() {
                        acknowledged.push(id);
                    }
                }
                Ok(res) => panic!("unexpected {}", res.status()),
                Err(_) => break,
            }
        }
        acknowledged
    });
    let killer = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.kill().unwrap();
        server.wait().unwrap();
    };
    let (acknowledged, ()) = tokio::join!(futures::future::join_all(posters), killer);
    acknowledged.into_iter().flatten().collect()
}
