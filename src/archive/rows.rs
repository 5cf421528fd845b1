//! One struct per exported table, with every column, in the order of `schema.rs`:
//! what `tribune export` writes and `tribune import --format tribune` reads.
//! Generated once from `schema.rs` and kept by hand; `tests/api/archive.rs` fails when
//! a table is neither here nor on the list of tables left out on purpose.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::stamp;
use crate::db::schema::*;

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct Users {
    pub id: i64,
    pub username: String,
    #[serde(default)]
    pub username_key: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_key: Option<String>,
    #[serde(default)]
    pub password_hash: Option<String>,
    #[serde(default)]
    pub sso_subject: Option<String>,
    pub role: String,
    pub status: String,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub banned_until: Option<NaiveDateTime>,
    #[serde(default)]
    pub ban_reason: Option<String>,
    pub approved_count: i64,
    pub rejected_count: i64,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
    #[serde(with = "stamp::required")]
    pub updated_at: NaiveDateTime,
    #[serde(default)]
    pub username_skeleton: Option<String>,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub email_verified_at: Option<NaiveDateTime>,
    pub language: String,
    #[serde(default = "yes")]
    pub notify_replies: bool,
    #[serde(default)]
    pub moderator_digest: bool,
}

/// The default of `users.notify_replies` (reply mails on: the subscriptions are the opt-in).
fn yes() -> bool {
    true
}

/// A row of `app_meta`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = app_meta)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct AppMeta {
    pub key: String,
    pub value: String,
}

/// A row of `sso_seen_tokens`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = sso_seen_tokens)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct SsoSeenTokens {
    pub jti: String,
    #[serde(with = "stamp::required")]
    pub expires_at: NaiveDateTime,
}

/// A row of `used_links`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = used_links)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct UsedLinks {
    pub jti: String,
    #[serde(with = "stamp::required")]
    pub expires_at: NaiveDateTime,
}

/// A row of `articles`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = articles)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct Articles {
    pub id: i64,
    pub key: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    pub status: String,
    pub moderation: String,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub closes_at: Option<NaiveDateTime>,
    pub comment_count: i64,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
    #[serde(with = "stamp::required")]
    pub updated_at: NaiveDateTime,
    pub pending_count: i64,
    pub reported_count: i64,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub last_comment_at: Option<NaiveDateTime>,
}

/// A row of `comments`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = comments)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct Comments {
    pub id: i64,
    pub article_id: i64,
    #[serde(default)]
    pub parent_id: Option<i64>,
    pub thread_id: i64,
    pub depth: i32,
    #[serde(default)]
    pub author_id: Option<i64>,
    pub body: String,
    pub html: String,
    pub status: String,
    #[serde(default)]
    pub moderation_reason: Option<String>,
    #[serde(default)]
    pub rejection_reason: Option<String>,
    #[serde(default)]
    pub moderated_by: Option<i64>,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub moderated_at: Option<NaiveDateTime>,
    pub like_count: i64,
    pub visible_replies: i64,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub edited_at: Option<NaiveDateTime>,
    #[serde(with = "stamp::required")]
    pub updated_at: NaiveDateTime,
    pub open_flags: i64,
    #[serde(default)]
    pub previous_body: Option<String>,
    #[serde(default)]
    pub hook_result: Option<String>,
    #[serde(default)]
    pub author_name: Option<String>,
    #[serde(default)]
    pub author_email: Option<String>,
}

/// A row of `likes`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = likes)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct Likes {
    pub comment_id: i64,
    pub user_id: i64,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
}

/// A row of `flags`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = flags)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct Flags {
    pub id: i64,
    pub comment_id: i64,
    #[serde(default)]
    pub user_id: Option<i64>,
    pub reason: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub resolved_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub resolved_by: Option<i64>,
}

/// A row of `moderation_log`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = moderation_log)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct ModerationLog {
    pub id: i64,
    #[serde(with = "stamp::required")]
    pub at: NaiveDateTime,
    #[serde(default)]
    pub actor_id: Option<i64>,
    pub action: String,
    #[serde(default)]
    pub comment_id: Option<i64>,
    #[serde(default)]
    pub user_id: Option<i64>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub prev_status: Option<String>,
    #[serde(default)]
    pub prev_moderation_reason: Option<String>,
    #[serde(default)]
    pub prev_rejection_reason: Option<String>,
    #[serde(default)]
    pub prev_moderated_by: Option<i64>,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub prev_moderated_at: Option<NaiveDateTime>,
}

/// A row of `moderator_notes`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = moderator_notes)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct ModeratorNotes {
    pub id: i64,
    pub user_id: i64,
    #[serde(default)]
    pub author_id: Option<i64>,
    pub body: String,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
}

/// A row of `appeals`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = appeals)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct Appeals {
    pub id: i64,
    pub decision_id: i64,
    pub user_id: i64,
    #[serde(default)]
    pub comment_id: Option<i64>,
    pub body: String,
    pub state: String,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
    #[serde(default)]
    pub decided_by: Option<i64>,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub decided_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub decision_note: Option<String>,
}

/// A row of `events`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = events)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct Events {
    pub id: i64,
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub article_key: Option<String>,
    pub payload: String,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
}

/// A row of `webhook_endpoints`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = webhook_endpoints)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpoints {
    pub id: i64,
    pub url: String,
    pub event_types: String,
    #[serde(default)]
    pub description: Option<String>,
    pub secret: String,
    #[serde(default)]
    pub previous_secret: Option<String>,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub previous_secret_until: Option<NaiveDateTime>,
    pub active: bool,
    pub failing: bool,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
    #[serde(with = "stamp::required")]
    pub updated_at: NaiveDateTime,
    pub format: String,
}

/// A row of `webhook_deliveries`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = webhook_deliveries)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct WebhookDeliveries {
    pub id: i64,
    pub event_id: i64,
    pub endpoint_id: i64,
    pub status: String,
    pub attempts: i32,
    #[serde(with = "stamp::required")]
    pub next_attempt_at: NaiveDateTime,
    #[serde(default)]
    pub lease_token: Option<String>,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub lease_until: Option<NaiveDateTime>,
    #[serde(default)]
    pub last_status_code: Option<i32>,
    #[serde(default)]
    pub last_latency_ms: Option<i64>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
    #[serde(with = "stamp::required")]
    pub updated_at: NaiveDateTime,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub delivered_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub article_key: Option<String>,
}

/// A row of `mail_outbox`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = mail_outbox)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct MailOutbox {
    pub id: i64,
    pub idempotency_key: String,
    pub kind: String,
    #[serde(default)]
    pub user_id: Option<i64>,
    pub recipient: String,
    pub language: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    #[serde(with = "stamp::required")]
    pub next_attempt_at: NaiveDateTime,
    #[serde(default)]
    pub lease_token: Option<String>,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub lease_until: Option<NaiveDateTime>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
    #[serde(with = "stamp::required")]
    pub updated_at: NaiveDateTime,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub sent_at: Option<NaiveDateTime>,
}

/// A row of `import_ids`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = import_ids)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct ImportIds {
    pub id: i64,
    pub source: String,
    pub kind: String,
    pub external_id: String,
    pub local_id: i64,
}

/// A row of `username_holds`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = username_holds)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct UsernameHolds {
    pub id: i64,
    pub username_key: String,
    pub username_skeleton: String,
    #[serde(default)]
    pub user_id: Option<i64>,
    #[serde(with = "stamp::required")]
    pub held_until: NaiveDateTime,
}

/// A row of `subscriptions`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = subscriptions)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct Subscriptions {
    pub id: i64,
    pub user_id: i64,
    #[serde(default)]
    pub comment_id: Option<i64>,
    #[serde(default)]
    pub article_id: Option<i64>,
    #[serde(with = "stamp::required")]
    pub created_at: NaiveDateTime,
}

/// A row of `reply_notices`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = reply_notices)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[serde(deny_unknown_fields)]
pub struct ReplyNotices {
    pub id: i64,
    pub user_id: i64,
    pub comment_id: i64,
    pub subscription_id: i64,
    #[serde(with = "stamp::optional")]
    #[serde(default)]
    pub seen_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub mail_key: Option<String>,
}
