//! `TestApp`'s endpoint methods for readers: a client SDK for accounts, comments,
//! articles and counts. Each endpoint has a raw method returning the response (for
//! tests of error statuses) and, where tests need it, an `_ok` method that asserts
//! success and returns the JSON body.

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
    /// The session in a register, login or single sign-on answer.
    pub fn from_body(body: &Value) -> Self {
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

/// Who makes a request: a session, a bare access token, or `Anonymous`.
pub trait Caller {
    /// The bearer token sent, if any.
    fn token(&self) -> Option<&str>;
}

impl Caller for Session {
    fn token(&self) -> Option<&str> {
        Some(&self.access_token)
    }
}

impl Caller for str {
    fn token(&self) -> Option<&str> {
        Some(self)
    }
}

impl Caller for String {
    fn token(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: Caller + ?Sized> Caller for &T {
    fn token(&self) -> Option<&str> {
        (**self).token()
    }
}

/// A caller without credentials.
pub struct Anonymous;

impl Caller for Anonymous {
    fn token(&self) -> Option<&str> {
        None
    }
}

/// The `id` of a comment (or any object) in a JSON answer.
pub fn id_of(object: &Value) -> i64 {
    object["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id: {object}"))
}

impl TestApp {
    // --- Accounts and sessions ---

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

    /// `POST /auth/logout`, naming `refresh_token`'s session or (`None`) the caller's.
    pub async fn logout(
        &self,
        who: &(impl Caller + ?Sized),
        refresh_token: Option<&str>,
    ) -> Response {
        let body = match refresh_token {
            Some(token) => json!({"refresh_token": token}),
            None => json!({}),
        };
        self.post("/auth/logout", who.token(), &body).await
    }

    pub async fn sso(&self, token: &str) -> Response {
        self.post("/auth/sso", None, &json!({"token": token})).await
    }

    pub async fn me(&self, who: &(impl Caller + ?Sized)) -> Response {
        self.get("/me", who.token()).await
    }

    /// `GET /me`; panics unless 200.
    pub async fn me_ok(&self, who: &(impl Caller + ?Sized)) -> Value {
        expect_status(self.me(who).await, StatusCode::OK).await
    }

    pub async fn change_password(
        &self,
        who: &(impl Caller + ?Sized),
        current_password: &str,
        new_password: &str,
    ) -> Response {
        self.put(
            "/me/password",
            who.token(),
            &json!({"current_password": current_password, "new_password": new_password}),
        )
        .await
    }

    /// `DELETE /me`: erases the caller's account.
    pub async fn erase_account(&self, who: &(impl Caller + ?Sized), password: &str) -> Response {
        self.send_json(
            reqwest::Method::DELETE,
            "/me",
            who.token(),
            &json!({"password": password}),
        )
        .await
    }

    pub async fn export(&self, who: &(impl Caller + ?Sized)) -> Response {
        self.get("/me/export", who.token()).await
    }

    // --- Comments ---

    /// Posts a comment (`parent`: a reply); returns the raw response.
    pub async fn comment(
        &self,
        who: &(impl Caller + ?Sized),
        article: &str,
        body: &str,
        parent: Option<i64>,
    ) -> Response {
        self.post_comment(
            who,
            &json!({"article": article, "body": body, "parent_id": parent}),
        )
        .await
    }

    /// Posts a comment; panics unless 201; returns it.
    pub async fn comment_ok(
        &self,
        who: &(impl Caller + ?Sized),
        article: &str,
        body: &str,
        parent: Option<i64>,
    ) -> Value {
        expect_status(
            self.comment(who, article, body, parent).await,
            StatusCode::CREATED,
        )
        .await
    }

    /// `POST /comments` with any body (article title and URL, malformed input).
    pub async fn post_comment(&self, who: &(impl Caller + ?Sized), body: &Value) -> Response {
        self.post("/comments", who.token(), body).await
    }

    /// `GET /comments/{id}`.
    pub async fn get_comment(&self, who: &(impl Caller + ?Sized), id: i64) -> Response {
        self.get(&format!("/comments/{id}"), who.token()).await
    }

    /// `GET /comments/{id}`; panics unless 200.
    pub async fn get_comment_ok(&self, who: &(impl Caller + ?Sized), id: i64) -> Value {
        expect_status(self.get_comment(who, id).await, StatusCode::OK).await
    }

    /// `PATCH /comments/{id}` with a new body.
    pub async fn edit_comment(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        body: &str,
    ) -> Response {
        self.send_json(
            reqwest::Method::PATCH,
            &format!("/comments/{id}"),
            who.token(),
            &json!({"body": body}),
        )
        .await
    }

    /// Edits a comment; panics unless 200; returns it.
    pub async fn edit_comment_ok(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        body: &str,
    ) -> Value {
        expect_status(self.edit_comment(who, id, body).await, StatusCode::OK).await
    }

    /// `DELETE /comments/{id}`.
    pub async fn delete_comment(&self, who: &(impl Caller + ?Sized), id: i64) -> Response {
        self.delete(&format!("/comments/{id}"), who.token()).await
    }

    /// Deletes a comment; panics unless 204.
    pub async fn delete_comment_ok(&self, who: &(impl Caller + ?Sized), id: i64) {
        expect_status(self.delete_comment(who, id).await, StatusCode::NO_CONTENT).await;
    }

    /// `PUT /comments/{id}/like`.
    pub async fn like(&self, who: &(impl Caller + ?Sized), id: i64) -> Response {
        self.put(&format!("/comments/{id}/like"), who.token(), &json!(null))
            .await
    }

    /// Likes a comment; panics unless 200; returns `{likes, liked_by_me}`.
    pub async fn like_ok(&self, who: &(impl Caller + ?Sized), id: i64) -> Value {
        expect_status(self.like(who, id).await, StatusCode::OK).await
    }

    /// `DELETE /comments/{id}/like`.
    pub async fn unlike(&self, who: &(impl Caller + ?Sized), id: i64) -> Response {
        self.delete(&format!("/comments/{id}/like"), who.token())
            .await
    }

    /// Takes a like back; panics unless 200; returns `{likes, liked_by_me}`.
    pub async fn unlike_ok(&self, who: &(impl Caller + ?Sized), id: i64) -> Value {
        expect_status(self.unlike(who, id).await, StatusCode::OK).await
    }

    /// `POST /comments/{id}/flags` with a reason and an optional note.
    pub async fn flag(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        reason: &str,
        note: Option<&str>,
    ) -> Response {
        let body = reason_and_note(reason, note);
        self.post(&format!("/comments/{id}/flags"), who.token(), &body)
            .await
    }

    /// Flags a comment; panics unless 201; returns the flag.
    pub async fn flag_ok(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        reason: &str,
        note: Option<&str>,
    ) -> Value {
        expect_status(self.flag(who, id, reason, note).await, StatusCode::CREATED).await
    }

    /// `GET /comments?article=…` with extra query parameters (`&sort=top` …).
    pub async fn list_comments(
        &self,
        who: &(impl Caller + ?Sized),
        article: &str,
        extra: &str,
    ) -> Response {
        let path = format!("/comments?article={}{extra}", encode(article));
        self.get(&path, who.token()).await
    }

    /// `GET /comments` with extra query parameters (`&sort=top` …); panics unless 200.
    pub async fn thread(&self, article: &str, extra: &str, who: &(impl Caller + ?Sized)) -> Value {
        expect_status(
            self.list_comments(who, article, extra).await,
            StatusCode::OK,
        )
        .await
    }

    // --- Articles and counts ---

    /// `GET /articles?article=…`.
    pub async fn article(&self, key: &str) -> Response {
        self.get(&format!("/articles?article={}", encode(key)), None)
            .await
    }

    /// An article; panics unless 200.
    pub async fn article_ok(&self, key: &str) -> Value {
        expect_status(self.article(key).await, StatusCode::OK).await
    }

    /// `GET /counts` for `keys` (none: no query at all).
    pub async fn get_counts(&self, keys: &[&str]) -> Response {
        let query: Vec<String> = keys
            .iter()
            .map(|k| format!("article={}", encode(k)))
            .collect();
        if query.is_empty() {
            self.get("/counts", None).await
        } else {
            self.get(&format!("/counts?{}", query.join("&")), None)
                .await
        }
    }

    /// Counts for `keys` through `GET /counts`; panics unless 200.
    pub async fn counts(&self, keys: &[&str]) -> Value {
        expect_status(self.get_counts(keys).await, StatusCode::OK).await["counts"].clone()
    }

    /// `POST /counts` with `articles` as given (normally a list of keys).
    pub async fn post_counts(&self, articles: &Value) -> Response {
        self.post("/counts", None, &json!({"articles": articles}))
            .await
    }

    /// Counts through `POST /counts`; panics unless 200.
    pub async fn post_counts_ok(&self, articles: &Value) -> Value {
        expect_status(self.post_counts(articles).await, StatusCode::OK).await["counts"].clone()
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

/// `{reason, note}`, the note left out when there is none (flags and rejections).
pub fn reason_and_note(reason: &str, note: Option<&str>) -> Value {
    match note {
        Some(note) => json!({"reason": reason, "note": note}),
        None => json!({"reason": reason}),
    }
}
