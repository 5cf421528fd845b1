//! `TestApp`'s endpoint methods for moderators and admins: queues, decisions, bans,
//! articles, the log, site settings and roles. As in `client`, a raw method returns
//! the response and an `_ok` method asserts success and returns the JSON body.

use chrono::{DateTime, Utc};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use super::{Caller, Session, TestApp, encode, expect_status, reason_and_note};

/// A ban: permanent unless it has an end (a suspension).
#[derive(Debug, Clone)]
pub struct Ban {
    reason: String,
    until: Option<DateTime<Utc>>,
    reject_pending: bool,
}

impl Ban {
    /// A permanent ban for `reason`.
    pub fn new(reason: &str) -> Self {
        Self {
            reason: reason.into(),
            until: None,
            reject_pending: false,
        }
    }

    /// A suspension ending at `until`.
    pub fn until(mut self, until: DateTime<Utc>) -> Self {
        self.until = Some(until);
        self
    }

    /// Also rejects the account's pending comments.
    pub fn rejecting_pending(mut self) -> Self {
        self.reject_pending = true;
        self
    }

    fn body(&self) -> Value {
        let mut body = json!({"reason": self.reason});
        if let Some(until) = self.until {
            body["until"] = json!(until.to_rfc3339());
        }
        if self.reject_pending {
            body["reject_pending"] = json!(true);
        }
        body
    }
}

/// `path?query`, or `path` alone when `query` is empty.
fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

impl TestApp {
    // --- Queues and decisions ---

    /// `GET /mod/queue?{query}` (`queue=pending&article=…&limit=…&cursor=…`).
    pub async fn queue(&self, who: &(impl Caller + ?Sized), query: &str) -> Response {
        self.get(&with_query("/mod/queue", query), who.token())
            .await
    }

    /// A page of a queue; panics unless 200.
    pub async fn queue_ok(&self, who: &(impl Caller + ?Sized), query: &str) -> Value {
        expect_status(self.queue(who, query).await, StatusCode::OK).await
    }

    /// `POST /mod/comments/{id}/approve`, with a note for the log or without a body.
    pub async fn approve(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        note: Option<&str>,
    ) -> Response {
        let body = note.map_or(Value::Null, |note| json!({"note": note}));
        self.post(&format!("/mod/comments/{id}/approve"), who.token(), &body)
            .await
    }

    /// Approves a comment; panics unless 200; returns it.
    pub async fn approve_ok(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        note: Option<&str>,
    ) -> Value {
        expect_status(self.approve(who, id, note).await, StatusCode::OK).await
    }

    /// `POST /mod/comments/{id}/reject` with a reason (shown to the author) and a note.
    pub async fn reject(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        reason: &str,
        note: Option<&str>,
    ) -> Response {
        let body = reason_and_note(reason, note);
        self.post(&format!("/mod/comments/{id}/reject"), who.token(), &body)
            .await
    }

    /// Rejects a comment; panics unless 200; returns it.
    pub async fn reject_ok(
        &self,
        who: &(impl Caller + ?Sized),
        id: i64,
        reason: &str,
        note: Option<&str>,
    ) -> Value {
        expect_status(self.reject(who, id, reason, note).await, StatusCode::OK).await
    }

    /// `POST /mod/comments/bulk`: `action` (`approve` or `reject`, with `reason`) for `ids`.
    pub async fn bulk(
        &self,
        who: &(impl Caller + ?Sized),
        ids: &[i64],
        action: &str,
        reason: Option<&str>,
    ) -> Response {
        let mut body = json!({"ids": ids, "action": action});
        if let Some(reason) = reason {
            body["reason"] = json!(reason);
        }
        self.post("/mod/comments/bulk", who.token(), &body).await
    }

    /// A bulk decision; panics unless 200; returns `{updated, not_found}`.
    pub async fn bulk_ok(
        &self,
        who: &(impl Caller + ?Sized),
        ids: &[i64],
        action: &str,
        reason: Option<&str>,
    ) -> Value {
        expect_status(self.bulk(who, ids, action, reason).await, StatusCode::OK).await
    }

    /// `POST /mod/comments/{id}/undo`: takes back the caller's latest decision.
    pub async fn undo(&self, who: &(impl Caller + ?Sized), id: i64) -> Response {
        self.post(
            &format!("/mod/comments/{id}/undo"),
            who.token(),
            &json!(null),
        )
        .await
    }

    /// Undoes a decision; panics unless 200; returns the comment as restored.
    pub async fn undo_ok(&self, who: &(impl Caller + ?Sized), id: i64) -> Value {
        expect_status(self.undo(who, id).await, StatusCode::OK).await
    }

    // --- Accounts ---

    /// `GET /mod/users/{id}`: an account with its standing.
    pub async fn user_standing(&self, who: &(impl Caller + ?Sized), user_id: i64) -> Response {
        self.get(&format!("/mod/users/{user_id}"), who.token())
            .await
    }

    /// An account's standing; panics unless 200.
    pub async fn user_standing_ok(&self, who: &(impl Caller + ?Sized), user_id: i64) -> Value {
        expect_status(self.user_standing(who, user_id).await, StatusCode::OK).await
    }

    /// `GET /mod/users/{id}/comments?{query}` (`status=…&limit=…&cursor=…`).
    pub async fn user_comments(
        &self,
        who: &(impl Caller + ?Sized),
        user_id: i64,
        query: &str,
    ) -> Response {
        let path = with_query(&format!("/mod/users/{user_id}/comments"), query);
        self.get(&path, who.token()).await
    }

    /// A page of an account's comments, newest first; panics unless 200.
    pub async fn user_comments_ok(
        &self,
        who: &(impl Caller + ?Sized),
        user_id: i64,
        query: &str,
    ) -> Value {
        expect_status(
            self.user_comments(who, user_id, query).await,
            StatusCode::OK,
        )
        .await
    }

    /// `GET /mod/users/{id}/notes?{query}` (`limit=…&cursor=…`).
    pub async fn notes(&self, who: &(impl Caller + ?Sized), user_id: i64, query: &str) -> Response {
        let path = with_query(&format!("/mod/users/{user_id}/notes"), query);
        self.get(&path, who.token()).await
    }

    /// A page of the notes about an account, newest first; panics unless 200.
    pub async fn notes_ok(&self, who: &(impl Caller + ?Sized), user_id: i64, query: &str) -> Value {
        expect_status(self.notes(who, user_id, query).await, StatusCode::OK).await
    }

    /// `POST /mod/users/{id}/notes` with `body`.
    pub async fn add_note(
        &self,
        who: &(impl Caller + ?Sized),
        user_id: i64,
        body: &str,
    ) -> Response {
        self.post(
            &format!("/mod/users/{user_id}/notes"),
            who.token(),
            &json!({"body": body}),
        )
        .await
    }

    /// Adds a note; panics unless 201; returns it.
    pub async fn add_note_ok(
        &self,
        who: &(impl Caller + ?Sized),
        user_id: i64,
        body: &str,
    ) -> Value {
        expect_status(self.add_note(who, user_id, body).await, StatusCode::CREATED).await
    }

    /// `DELETE /mod/notes/{id}`.
    pub async fn delete_note(&self, who: &(impl Caller + ?Sized), note_id: i64) -> Response {
        self.delete(&format!("/mod/notes/{note_id}"), who.token())
            .await
    }

    /// `POST /mod/users/{id}/ban`.
    pub async fn ban(&self, who: &(impl Caller + ?Sized), user_id: i64, ban: &Ban) -> Response {
        self.post(
            &format!("/mod/users/{user_id}/ban"),
            who.token(),
            &ban.body(),
        )
        .await
    }

    /// Bans an account; panics unless 200; returns its standing.
    pub async fn ban_ok(&self, who: &(impl Caller + ?Sized), user_id: i64, ban: &Ban) -> Value {
        expect_status(self.ban(who, user_id, ban).await, StatusCode::OK).await
    }

    /// `POST /mod/users/{id}/unban`.
    pub async fn unban(&self, who: &(impl Caller + ?Sized), user_id: i64) -> Response {
        self.post(
            &format!("/mod/users/{user_id}/unban"),
            who.token(),
            &json!(null),
        )
        .await
    }

    /// Lifts a ban; panics unless 200; returns the account's standing.
    pub async fn unban_ok(&self, who: &(impl Caller + ?Sized), user_id: i64) -> Value {
        expect_status(self.unban(who, user_id).await, StatusCode::OK).await
    }

    /// `GET /mod/users?q=…`: accounts whose username or email starts with `prefix`.
    pub async fn find_users(&self, who: &(impl Caller + ?Sized), prefix: &str) -> Response {
        self.get(&format!("/mod/users?q={}", encode(prefix)), who.token())
            .await
    }

    /// A page of accounts; panics unless 200.
    pub async fn find_users_ok(&self, who: &(impl Caller + ?Sized), prefix: &str) -> Value {
        expect_status(self.find_users(who, prefix).await, StatusCode::OK).await
    }

    // --- Articles ---

    /// `PUT /mod/articles?article=…` with `changes`.
    pub async fn update_article(
        &self,
        who: &(impl Caller + ?Sized),
        key: &str,
        changes: &Value,
    ) -> Response {
        self.put(
            &format!("/mod/articles?article={}", encode(key)),
            who.token(),
            changes,
        )
        .await
    }

    /// Changes an article; panics unless 200; returns it.
    pub async fn update_article_ok(
        &self,
        who: &(impl Caller + ?Sized),
        key: &str,
        changes: &Value,
    ) -> Value {
        expect_status(self.update_article(who, key, changes).await, StatusCode::OK).await
    }

    /// Closes an article to new comments; panics unless 200; returns it.
    pub async fn close_article(&self, who: &(impl Caller + ?Sized), key: &str) -> Value {
        self.update_article_ok(who, key, &json!({"status": "closed"}))
            .await
    }

    /// Opens an article again; panics unless 200; returns it.
    pub async fn reopen_article(&self, who: &(impl Caller + ?Sized), key: &str) -> Value {
        self.update_article_ok(who, key, &json!({"status": "open"}))
            .await
    }

    /// `GET /mod/articles?{query}` (`q=…&article=…&sort=…&limit=…&cursor=…`).
    pub async fn mod_articles(&self, who: &(impl Caller + ?Sized), query: &str) -> Response {
        self.get(&with_query("/mod/articles", query), who.token())
            .await
    }

    /// A page of articles with their moderation counts; panics unless 200.
    pub async fn mod_articles_ok(&self, who: &(impl Caller + ?Sized), query: &str) -> Value {
        expect_status(self.mod_articles(who, query).await, StatusCode::OK).await
    }

    // --- The dashboard ---

    /// `GET /mod/dashboard?{query}` (`hours=…&top=…`).
    pub async fn dashboard(&self, who: &(impl Caller + ?Sized), query: &str) -> Response {
        self.get(&with_query("/mod/dashboard", query), who.token())
            .await
    }

    /// The dashboard; panics unless 200.
    pub async fn dashboard_ok(&self, who: &(impl Caller + ?Sized), query: &str) -> Value {
        expect_status(self.dashboard(who, query).await, StatusCode::OK).await
    }

    // --- The log ---

    /// `GET /mod/log?{query}` (`comment_id=…&user_id=…&moderator_id=…&action=…&limit=…&cursor=…`).
    pub async fn mod_log(&self, who: &(impl Caller + ?Sized), query: &str) -> Response {
        self.get(&with_query("/mod/log", query), who.token()).await
    }

    /// A page of the log, newest first; panics unless 200.
    pub async fn mod_log_ok(&self, who: &(impl Caller + ?Sized), query: &str) -> Value {
        expect_status(self.mod_log(who, query).await, StatusCode::OK).await
    }

    /// The moderation log's actions, oldest first (`filter`: `&user_id=…` …).
    pub async fn log_actions(&self, moderator: &Session, filter: &str) -> Vec<String> {
        let body = self
            .mod_log_ok(moderator, &format!("limit=100{filter}"))
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

    // --- Admin ---

    /// `GET /admin/settings`.
    pub async fn get_settings(&self, who: &(impl Caller + ?Sized)) -> Response {
        self.get("/admin/settings", who.token()).await
    }

    /// The site settings; panics unless 200.
    pub async fn get_settings_ok(&self, who: &(impl Caller + ?Sized)) -> Value {
        expect_status(self.get_settings(who).await, StatusCode::OK).await
    }

    /// `PUT /admin/settings` with `changes`.
    pub async fn update_settings(&self, who: &(impl Caller + ?Sized), changes: &Value) -> Response {
        self.put("/admin/settings", who.token(), changes).await
    }

    /// Changes site settings; panics unless 200; returns them.
    pub async fn update_settings_ok(&self, who: &(impl Caller + ?Sized), changes: Value) -> Value {
        expect_status(self.update_settings(who, &changes).await, StatusCode::OK).await
    }

    /// `PUT /admin/users/{id}/role`.
    pub async fn set_user_role(
        &self,
        who: &(impl Caller + ?Sized),
        user_id: i64,
        role: &str,
    ) -> Response {
        self.put(
            &format!("/admin/users/{user_id}/role"),
            who.token(),
            &json!({"role": role}),
        )
        .await
    }

    /// Gives an account a role; panics unless 200; returns its standing.
    pub async fn set_user_role_ok(
        &self,
        who: &(impl Caller + ?Sized),
        user_id: i64,
        role: &str,
    ) -> Value {
        expect_status(self.set_user_role(who, user_id, role).await, StatusCode::OK).await
    }
}
