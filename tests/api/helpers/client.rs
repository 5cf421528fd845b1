//! `TestApp`'s endpoint methods: a client SDK for the service's API.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use super::{PASSWORD, TestApp, expect_status};

/// What a successful register or login hands back.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub username: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl Session {
    fn from_body(body: &Value) -> Self {
        Self {
            user_id: body["user"]["id"].as_i64().expect("user.id"),
            username: body["user"]["username"]
                .as_str()
                .expect("user.username")
                .into(),
            access_token: body["access_token"].as_str().expect("access_token").into(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .into(),
        }
    }
}

impl TestApp {
    pub async fn register(&self, username: &str, email: &str, password: &str) -> Response {
        self.post(
            "/auth/register",
            None,
            &json!({"username": username, "email": email, "password": password}),
        )
        .await
    }

    /// Registers `username` (email derived from it) with `PASSWORD`; panics unless 201.
    pub async fn register_reader(&self, username: &str) -> Session {
        let email = format!("{}@example.org", username.to_lowercase());
        let res = self.register(username, &email, PASSWORD).await;
        let body = expect_status(res, StatusCode::CREATED).await;
        Session::from_body(&body)
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post(
            "/auth/login",
            None,
            &json!({"login": login, "password": password}),
        )
        .await
    }

    /// Logs in; panics unless 200.
    pub async fn login_ok(&self, login: &str, password: &str) -> Session {
        let body = expect_status(self.login(login, password).await, StatusCode::OK).await;
        Session::from_body(&body)
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post(
            "/auth/refresh",
            None,
            &json!({"refresh_token": refresh_token}),
        )
        .await
    }

    pub async fn me(&self, token: &str) -> Response {
        self.get("/me", Some(token)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.delete(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request")
    }

    /// Posts a comment (`parent`: a reply); returns the raw response.
    pub async fn comment(
        &self,
        token: &str,
        article: &str,
        body: &str,
        parent: Option<i64>,
    ) -> Response {
        self.post(
            "/comments",
            Some(token),
            &json!({"article": article, "body": body, "parent_id": parent}),
        )
        .await
    }

    /// Posts a comment; panics unless 201; returns it.
    pub async fn comment_ok(
        &self,
        token: &str,
        article: &str,
        body: &str,
        parent: Option<i64>,
    ) -> Value {
        expect_status(
            self.comment(token, article, body, parent).await,
            StatusCode::CREATED,
        )
        .await
    }

    /// `GET /comments` with extra query parameters (`&sort=top` …); panics unless 200.
    pub async fn thread(&self, article: &str, extra: &str, token: Option<&str>) -> Value {
        let path = format!("/comments?article={}{extra}", encode(article));
        expect_status(self.get(&path, token).await, StatusCode::OK).await
    }

    /// Counts for `keys` through `GET /counts`; panics unless 200.
    pub async fn counts(&self, keys: &[&str]) -> Value {
        let query: Vec<String> = keys
            .iter()
            .map(|k| format!("article={}", encode(k)))
            .collect();
        let path = format!("/counts?{}", query.join("&"));
        expect_status(self.get(&path, None).await, StatusCode::OK).await["counts"].clone()
    }

    pub async fn sso(&self, token: &str) -> Response {
        self.post("/auth/sso", None, &json!({"token": token})).await
    }
}

impl TestApp {
    /// Changes site settings as `admin`; panics unless 200; returns them.
    pub async fn settings(&self, admin: &Session, changes: Value) -> Value {
        expect_status(
            self.put("/admin/settings", Some(&admin.access_token), &changes)
                .await,
            StatusCode::OK,
        )
        .await
    }

    /// The moderation log actions, oldest first.
    pub async fn log_actions(&self, moderator: &Session, filter: &str) -> Vec<String> {
        let body = expect_status(
            self.get(
                &format!("/mod/log?limit=100{filter}"),
                Some(&moderator.access_token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let mut actions: Vec<String> = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["action"].as_str().expect("action").to_owned())
            .collect();
        actions.reverse();
        actions
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
