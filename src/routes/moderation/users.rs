//! `GET /mod/users`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::UserStanding;
use crate::db::users;
use crate::error::ApiError;
use crate::routes::extract::Moderator;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

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
    _caller: Moderator,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    if query.q.chars().count() > 254 {
        return Err(ApiError::invalid(
            "q",
            "must be at most 254 characters long",
        ));
    }
    let limit = pagination::limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| Cursor::decode(c, "users"))
        .transpose()?
        .map(|c| c.id);
    let prefix = query.q.trim().to_owned();
    let found = state
        .db
        .read(move |conn| users::search(conn, &prefix, after, limit))
        .await?;
    let page = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = (found.len() > page)
        .then(|| found.get(page - 1))
        .flatten()
        .map(|u| {
            Cursor {
                scope: "users".into(),
                key: 0,
                id: u.id,
            }
            .encode()
        });
    let now = state.clock.now();
    let items = found
        .iter()
        .take(page)
        .map(|u| UserStanding::new(u, now))
        .collect();
    Ok(HttpResponse::Ok().json(UsersResponse { items, next_cursor }))
}
