//! `GET /me/export`.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Account;
use super::decisions::DecisionView;
use super::subscriptions::SubscriptionView;
use crate::db::appeals::{self, DecisionRecord};
use crate::db::personal_data::{self, OwnComment, OwnSession, PersonalData};
use crate::db::reactions::Flag;
use crate::db::subscriptions::{self, Listed};
use crate::db::users::{self, User};
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// Everything Tribune stores about the caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Export {
    pub exported_at: DateTime<Utc>,
    pub account: Account,
    /// Whether the account is linked to the publisher's login (single sign-on).
    pub sso_linked: bool,
    /// Every own comment, of every status, oldest first.
    pub comments: Vec<ExportedComment>,
    pub flags: Vec<ExportedFlag>,
    pub likes: Vec<ExportedLike>,
    pub sessions: Vec<ExportedSession>,
    /// Every decision about the caller's comments and account (statements of reasons),
    /// newest first, each with its appeal, as `GET /me/decisions` lists them.
    pub decisions: Vec<DecisionView>,
    /// Every reply-notification subscription, as `GET /me/subscriptions` lists them (the
    /// switches are in `account`).
    pub subscriptions: Vec<SubscriptionView>,
}

/// An own comment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedComment {
    pub id: i64,
    pub article: String,
    pub parent_id: Option<i64>,
    pub body: String,
    pub status: String,
    pub moderation_reason: Option<String>,
    pub rejection_reason: Option<String>,
    pub likes: i64,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// The text before the last edit, as moderators see it (null if never edited).
    pub previous_body: Option<String>,
}

/// A flag the caller made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedFlag {
    pub comment_id: i64,
    pub reason: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub resolved: bool,
}

/// A like the caller gave.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedLike {
    pub comment_id: i64,
    pub created_at: DateTime<Utc>,
}

/// A login session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedSession {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<OwnComment> for ExportedComment {
    fn from(c: OwnComment) -> Self {
        Self {
            id: c.id,
            article: c.article,
            parent_id: c.parent_id,
            body: c.body,
            status: c.status,
            moderation_reason: c.moderation_reason,
            rejection_reason: c.rejection_reason,
            likes: c.likes,
            created_at: c.created_at.and_utc(),
            edited_at: c.edited_at.map(|t| t.and_utc()),
            previous_body: c.previous_body,
        }
    }
}

impl From<Flag> for ExportedFlag {
    fn from(f: Flag) -> Self {
        Self {
            comment_id: f.comment_id,
            reason: f.reason,
            note: f.note,
            created_at: f.created_at.and_utc(),
            resolved: f.resolved_at.is_some(),
        }
    }
}

impl From<OwnSession> for ExportedSession {
    fn from(s: OwnSession) -> Self {
        Self {
            id: s.id,
            created_at: s.created_at.and_utc(),
            revoked_at: s.revoked_at.map(|t| t.and_utc()),
        }
    }
}

impl Export {
    /// The export of `user`'s data, made at `now`.
    fn new(
        user: &User,
        data: PersonalData,
        decisions: Vec<DecisionRecord>,
        subscriptions: Vec<Listed>,
        now: DateTime<Utc>,
    ) -> Self {
        let likes = data.likes.into_iter();
        Self {
            exported_at: now,
            account: Account::new(user, now),
            sso_linked: user.sso_subject.is_some(),
            comments: data.comments.into_iter().map(Into::into).collect(),
            flags: data.flags.into_iter().map(Into::into).collect(),
            likes: likes
                .map(|(comment_id, at)| ExportedLike {
                    comment_id,
                    created_at: at.and_utc(),
                })
                .collect(),
            sessions: data.sessions.into_iter().map(Into::into).collect(),
            decisions: decisions
                .into_iter()
                .map(|d| DecisionView::new(d, now))
                .collect(),
            subscriptions: subscriptions.into_iter().map(Into::into).collect(),
        }
    }
}

/// The caller's data as one JSON document (data portability).
#[utoipa::path(get, path = "/api/v1/me/export", tag = "accounts", security(("bearer" = [])), responses((status = 200, description = "Everything stored about the caller", body = Export)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let user = caller.user.user_id();
    let now = state.clock.now();
    // The account as the database has it, beside the rows read with it (the caller as
    // authenticated may be a second old: `account_now`).
    let (account, data, decisions, subscribed) = state
        .db
        .read(move |conn| {
            let account = users::find(conn, user)?;
            let decisions = appeals::decisions_of(conn, user, None, None, now)?;
            let subscribed = subscriptions::list(conn, user)?;
            let data = personal_data::of(conn, user)?;
            Ok((account, data, decisions.rows, subscribed))
        })
        .await?;
    let account = account.unwrap_or(caller.user);
    let export = Export::new(&account, data, decisions, subscribed, now);
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"tribune-export.json\"",
        ))
        .json(export))
}
