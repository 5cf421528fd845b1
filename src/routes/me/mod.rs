//! `/me`: the caller's own account.

pub mod ban_appeal;
pub mod decisions;
pub mod delete;
pub mod export;
pub mod get;
pub mod password;
pub mod subscriptions;
pub mod update;
pub mod verify_email;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::users::{self, User};
use crate::domain::user::{Language, Role, UserStatus};
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// The caller's account as the database has it now: the caller as authenticated may be a
/// second old, and its counts of approved and rejected comments with it (see `cache`).
async fn account_now(state: &AppState, caller: &CurrentUser) -> Result<User, ApiError> {
    let id = caller.user.user_id();
    state
        .db
        .read(move |conn| users::find(conn, id))
        .await?
        .ok_or(ApiError::Unauthorized(
            "The session has ended; log in again.",
        ))
}

/// An account as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    /// Whether `email` is verified (by a mailed link, or vouched for by the publisher's
    /// single sign-on). Only verification mail goes to an address that is not.
    pub email_verified: bool,
    /// The language of the account's mail.
    pub language: Language,
    pub role: Role,
    /// `active`, `banned` or `deleted`; a suspension past its end reads `active`.
    pub status: UserStatus,
    /// End of a suspension in force; null when not suspended or banned for good.
    pub banned_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Approved comments so far.
    pub approved_count: i64,
    /// The master switch of reply mails: while off, no subscription mails anything.
    /// On by default; the subscriptions themselves are opt-in (`/me/subscriptions`).
    pub notify_replies: bool,
    /// Whether the moderators' digest is mailed to this account (moderators and admins
    /// only; off by default).
    pub moderator_digest: bool,
}

impl Account {
    /// The view of `user` at `now`.
    pub fn new(user: &User, now: DateTime<Utc>) -> Self {
        let status = user.status_at(now);
        Self {
            id: user.id,
            username: user.username.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified(),
            language: user.language(),
            role: user.role(),
            status,
            banned_until: match status {
                UserStatus::Banned => user.banned_until_utc(),
                _ => None,
            },
            created_at: user.created_at.and_utc(),
            approved_count: user.approved_count,
            notify_replies: user.notify_replies,
            moderator_digest: user.moderator_digest,
        }
    }
}
