//! `POST /auth/logout`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::tokens::hash_refresh_token;
use crate::db::sessions;
use crate::error::ApiError;
use crate::routes::extract::{CurrentUser, OptionalJson};
use crate::state::AppState;

/// The session to end; the body may be left out altogether.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LogoutRequest {
    /// The session's refresh token; when absent or not the caller's, the session of
    /// the access token used for this request ends.
    pub refresh_token: Option<String>,
}

/// Ends a session: its refresh token and its access tokens stop working at once. The
/// body is optional: without one, the session of the access token used ends.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", request_body(content = Option<LogoutRequest>, description = "Optional: which session to end"), security(("bearer" = [])), responses((status = 204, description = "Session ended")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: OptionalJson<LogoutRequest>,
) -> Result<HttpResponse, ApiError> {
    let token_hash = body
        .0
        .and_then(|b| b.refresh_token)
        .map(|t| hash_refresh_token(&t));
    let now = state.clock.now_naive();
    let user = caller.user.user_id();
    state
        .db
        .write(move |conn| {
            let owned = match token_hash {
                Some(hash) => sessions::find_by_token(conn, &hash)?
                    .filter(|(_, owner)| *owner == user)
                    .map(|(session, _)| session),
                None => None,
            };
            sessions::revoke(conn, owned.unwrap_or(caller.session), now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
