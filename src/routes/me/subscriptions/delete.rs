//! `DELETE /me/subscriptions/{id}`.

use actix_web::{HttpResponse, web};

use crate::db::subscriptions;
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// Ends one of the caller's subscriptions; replies waiting for its next mail are not
/// mailed. 404 when the caller has no such subscription (also when it ended before).
#[utoipa::path(delete, path = "/api/v1/me/subscriptions/{id}", tag = "notifications", params(("id" = i64, Path, description = "Subscription id")), security(("bearer" = [])), responses((status = 204, description = "Ended")))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (user, id) = (caller.user.user_id(), path.into_inner());
    let ended = state
        .db
        .write(move |conn| subscriptions::unsubscribe(conn, user, id))
        .await?;
    if !ended {
        return Err(ApiError::NotFound("subscription"));
    }
    Ok(HttpResponse::NoContent().finish())
}
