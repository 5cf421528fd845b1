//! `GET /me/export`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Account;
use crate::db::reactions;
use crate::db::schema::{articles, comments, sessions};
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;
use diesel::prelude::*;

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

type CommentRow = (
    i64,
    String,
    Option<i64>,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);

/// The caller's data as one JSON document (data portability).
#[utoipa::path(get, path = "/api/v1/me/export", tag = "accounts", security(("bearer" = [])), responses((status = 200, description = "Everything stored about the caller", body = Export)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let user = caller.user.user_id();
    let (own, flags, likes, logins) = state
        .db
        .read(move |conn| {
            let own: Vec<CommentRow> = comments::table
                .inner_join(articles::table)
                .filter(comments::author_id.eq(user.0))
                .order(comments::id.asc())
                .select((
                    comments::id,
                    articles::key,
                    comments::parent_id,
                    comments::body,
                    comments::status,
                    comments::moderation_reason,
                    comments::rejection_reason,
                    comments::like_count,
                    comments::created_at,
                    comments::edited_at,
                ))
                .load(conn)?;
            let flags = reactions::flags_by(conn, user)?;
            let likes = reactions::likes_by(conn, user)?;
            let logins: Vec<(i64, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> =
                sessions::table
                    .filter(sessions::user_id.eq(user.0))
                    .order(sessions::id.asc())
                    .select((sessions::id, sessions::created_at, sessions::revoked_at))
                    .load(conn)?;
            Ok((own, flags, likes, logins))
        })
        .await?;
    let export = Export {
        exported_at: state.clock.now(),
        account: Account::new(&caller.user, state.clock.now()),
        sso_linked: caller.user.sso_subject.is_some(),
        comments: own
            .into_iter()
            .map(
                |(
                    id,
                    article,
                    parent_id,
                    body,
                    status,
                    moderation_reason,
                    rejection_reason,
                    likes,
                    created,
                    edited,
                )| {
                    ExportedComment {
                        id,
                        article,
                        parent_id,
                        body,
                        status,
                        moderation_reason,
                        rejection_reason,
                        likes,
                        created_at: created.and_utc(),
                        edited_at: edited.map(|t| t.and_utc()),
                    }
                },
            )
            .collect(),
        flags: flags
            .into_iter()
            .map(|f| ExportedFlag {
                comment_id: f.comment_id,
                reason: f.reason,
                note: f.note,
                created_at: f.created_at.and_utc(),
                resolved: f.resolved_at.is_some(),
            })
            .collect(),
        likes: likes
            .into_iter()
            .map(|(comment_id, at)| ExportedLike {
                comment_id,
                created_at: at.and_utc(),
            })
            .collect(),
        sessions: logins
            .into_iter()
            .map(|(id, created, revoked)| ExportedSession {
                id,
                created_at: created.and_utc(),
                revoked_at: revoked.map(|t| t.and_utc()),
            })
            .collect(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"tribune-export.json\"",
        ))
        .json(export))
}
