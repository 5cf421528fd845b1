//! `GET /mod/users`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::UserStanding;
use crate::db::users;
use crate::domain::user::{Role, UserId};
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// Longest search prefix: the longest email address.
const MAX_QUERY_CHARS: usize = 254;

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Username or email prefix (ignoring case); empty: everyone.
    #[serde(default)]
    pub q: String,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl UsersQuery {
    /// The prefix to search for, trimmed.
    fn prefix(&self) -> Result<String, ApiError> {
        if self.q.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::invalid(
                "q",
                format!("must be at most {MAX_QUERY_CHARS} characters long"),
            ));
        }
        Ok(self.q.trim().to_owned())
    }
}

/// A page of accounts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UsersResponse {
    pub items: Vec<UserStanding>,
    pub next_cursor: Option<String>,
}

/// Finds accounts by username or email prefix, with their standing.
#[utoipa::path(get, path = "/api/v1/mod/users", tag = "moderation", params(UsersQuery), security(("bearer" = [])), responses((status = 200, description = "Accounts", body = UsersResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let prefix = query.prefix()?;
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| Cursor::decode(c, SCOPE))
        .transpose()?
        .map(|c| UserId(c.id));
    // Only admins find readers by their address.
    let by_email = caller.0.user.role() == Role::Admin;
    let page = state
        .db
        .read(move |conn| users::search(conn, &prefix, by_email, after, limit))
        .await?;
    let next_cursor = page.last_if_more().map(|u| cursor_at(u.id));
    let now = state.clock.now();
    let items = page
        .rows
        .iter()
        .map(|u| UserStanding::new(u, now, &caller.0.user))
        .collect();
    Ok(HttpResponse::Ok().json(UsersResponse { items, next_cursor }))
}

/// The cursor scope: accounts in id order.
const SCOPE: &str = "users";

/// The cursor of the page after the one ending at `id`.
fn cursor_at(id: i64) -> String {
    Cursor::after_id(SCOPE, id)
}
