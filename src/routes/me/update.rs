//! `PATCH /me`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{Account, account_now};
use crate::db::users;
use crate::domain::user::Language;
use crate::error::{ApiError, Forbidden};
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// Changes to the caller's account; absent fields stay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateAccount {
    /// The language of the account's mail: `de`, `en` or `vi`.
    #[schema(value_type = Option<Language>)]
    pub language: Option<String>,
    /// The master switch of reply mails (`false`: no subscription mails anything; the
    /// subscriptions stay).
    pub notify_replies: Option<bool>,
    /// The moderators' digest by mail; only moderators and admins may turn it on (403).
    pub moderator_digest: Option<bool>,
}

/// Changes the caller's account settings: the language of its mail, and its
/// notifications (reply mails, the moderators' digest).
#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = UpdateAccount, security(("bearer" = [])), responses((status = 200, description = "The account after the change", body = Account)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<UpdateAccount>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let language = body
        .language
        .map(|l| {
            Language::parse(&l).ok_or_else(|| ApiError::invalid("language", "must be de, en or vi"))
        })
        .transpose()?;
    if body.moderator_digest == Some(true) && !caller.user.role().can_moderate() {
        return Err(ApiError::Forbidden(Forbidden::NotAllowed));
    }
    let (replies, digest) = (body.notify_replies, body.moderator_digest);
    let user = if language.is_none() && replies.is_none() && digest.is_none() {
        account_now(&state, &caller).await?
    } else {
        let (id, now) = (caller.user.user_id(), state.clock.now_naive());
        state
            .db
            .write(move |conn| {
                if let Some(language) = language {
                    users::set_language(conn, id, language, now)?;
                }
                users::set_notifications(conn, id, replies, digest, now)
            })
            .await?
    };
    Ok(HttpResponse::Ok().json(Account::new(&user, state.clock.now())))
}
