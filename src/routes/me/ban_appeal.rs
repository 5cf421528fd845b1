//! `POST /me/ban/appeal`: the caller contests the ban or suspension of their account.

use actix_web::{HttpResponse, web};

use crate::db::appeals;
use crate::domain::appeal;
use crate::error::ApiError;
use crate::routes::comments::appeal::AppealRequest;
use crate::routes::extract::CurrentUser;
use crate::routes::me::decisions::DecisionView;
use crate::state::AppState;

/// Appeals the ban or suspension in force on the caller's account, within six months of
/// it and once. 404 when none is in force; 409 `already_appealed`; 422
/// `appeal_window_passed`. The comments a ban rejected (`reject_pending`) are decisions
/// of their own, appealed one by one.
#[utoipa::path(post, path = "/api/v1/me/ban/appeal", tag = "accounts", request_body = AppealRequest, security(("bearer" = [])), responses((status = 201, description = "The ban with its appeal, now open", body = DecisionView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<AppealRequest>,
) -> Result<HttpResponse, ApiError> {
    let text = appeal::appeal_text(&body.text)?;
    let now = state.clock.now();
    let author = caller.user;
    let record = state
        .db
        .write(move |conn| appeals::appeal_ban(conn, &author, &text, now))
        .await?;
    Ok(HttpResponse::Created().json(DecisionView::new(record, now)))
}
