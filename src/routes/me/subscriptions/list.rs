//! `GET /me/subscriptions`.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::SubscriptionView;
use crate::db::subscriptions;
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// The caller's subscriptions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscriptionList {
    /// Oldest first.
    pub subscriptions: Vec<SubscriptionView>,
}

/// Lists the caller's reply-notification subscriptions, oldest first. Mails go only
/// while `notify_replies` (`GET /me`) is on and the address is verified.
#[utoipa::path(get, path = "/api/v1/me/subscriptions", tag = "notifications", security(("bearer" = [])), responses((status = 200, description = "The caller's subscriptions", body = SubscriptionList)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let user = caller.user.user_id();
    let listed = state
        .db
        .read(move |conn| subscriptions::list(conn, user))
        .await?;
    Ok(HttpResponse::Ok().json(SubscriptionList {
        subscriptions: listed.into_iter().map(Into::into).collect(),
    }))
}
