//! `GET /mod/dashboard`: what needs attention now.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::db::dashboard::{self, Dashboard, Ranked};
use crate::domain::dashboard as window;
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// The window of the rankings, in hours (1–168, default 24).
    pub hours: Option<i64>,
    /// Articles per ranking (1–50, default 10).
    pub top: Option<i64>,
}

/// The oldest comment waiting in the pending queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OldestPending {
    /// The comment (first in the pending queue).
    pub comment_id: i64,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
    /// Seconds since it was posted.
    pub age_seconds: i64,
}

/// An article in a ranking.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RankedArticle {
    /// The article's key.
    pub key: String,
    /// Its title, if known.
    pub title: Option<String>,
    /// New comments (any status) or new flags in the window.
    pub count: i64,
}

/// One hour of the last day.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HourStats {
    /// The start of the hour (UTC).
    pub hour: DateTime<Utc>,
    /// Comments posted in it (any status).
    pub comments: i64,
    /// Moderators' approvals and rejections in it (automatic decisions not counted).
    pub decisions: i64,
}

/// The dashboard.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DashboardResponse {
    /// Comments in each queue (`pending`, `reported`, `unmoderated`, `rejected`,
    /// `approved`).
    pub queues: BTreeMap<&'static str, i64>,
    /// Null when the pending queue is empty.
    pub oldest_pending: Option<OldestPending>,
    /// The window of the rankings, in hours.
    pub hours: i64,
    /// Articles with the most comments posted in the window, most first.
    pub most_commented: Vec<RankedArticle>,
    /// Articles with the most flags filed in the window (resolved or not), most first.
    pub most_reported: Vec<RankedArticle>,
    /// The last 24 hours, oldest first; the last entry is the current hour so far.
    pub per_hour: Vec<HourStats>,
}

impl DashboardResponse {
    fn new(board: Dashboard, hours: i64, now: DateTime<Utc>) -> Self {
        let start = window::series_start(now);
        let comments = window::series(start, &board.comments_per_hour);
        let decisions = window::series(start, &board.decisions_per_hour);
        let per_hour = comments.into_iter().zip(decisions);
        let ranked = |list: Vec<Ranked>| {
            let to_view = |r: Ranked| RankedArticle {
                key: r.key,
                title: r.title,
                count: r.count,
            };
            list.into_iter().map(to_view).collect()
        };
        Self {
            queues: board.queues.into_iter().collect(),
            oldest_pending: board.oldest_pending.map(|(id, at)| OldestPending {
                comment_id: id,
                created_at: at.and_utc(),
                age_seconds: (now - at.and_utc()).num_seconds().max(0),
            }),
            hours,
            most_commented: ranked(board.most_commented),
            most_reported: ranked(board.most_reported),
            per_hour: per_hour
                .map(|((hour, comments), (_, decisions))| HourStats {
                    hour: hour.and_utc(),
                    comments,
                    decisions,
                })
                .collect(),
        }
    }
}

/// Queue sizes, the oldest pending comment, the articles with the most new comments
/// and reports, and comments and decisions per hour over the last day, each counted
/// in the database.
#[utoipa::path(get, path = "/api/v1/mod/dashboard", tag = "moderation", params(DashboardQuery), security(("bearer" = [])), responses((status = 200, description = "The dashboard", body = DashboardResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    _caller: Moderator,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let hours = window::hours(query.hours)?;
    let top = window::top(query.top)?;
    let now = state.clock.now();
    let since = (now - TimeDelta::hours(hours)).naive_utc();
    let start = window::series_start(now);
    let board = state
        .db
        .read(move |conn| dashboard::read(conn, since, start, top))
        .await?;
    Ok(HttpResponse::Ok().json(DashboardResponse::new(board, hours, now)))
}
