//! `PATCH /me`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::Account;
use crate::db::users;
use crate::domain::user::Language;
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// Changes to the caller's account; absent fields stay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateAccount {
    /// The language of the account's mail: `de`, `en` or `vi`.
    #[schema(value_type = Option<Language>)]
    pub language: Option<String>,
}

/// Changes the caller's account settings (the language of its mail).
#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = UpdateAccount, security(("bearer" = [])), responses((status = 200, description = "The account after the change", body = Account)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<UpdateAccount>,
) -> Result<HttpResponse, ApiError> {
    let language = body
        .into_inner()
        .language
        .map(|l| {
            Language::parse(&l).ok_or_else(|| ApiError::invalid("language", "must be de, en or vi"))
        })
        .transpose()?;
    let user = match language {
        None => caller.user,
        Some(language) => {
            let (id, now) = (caller.user.user_id(), state.clock.now_naive());
            state
                .db
                .write(move |conn| users::set_language(conn, id, language, now))
                .await?
        }
    };
    Ok(HttpResponse::Ok().json(Account::new(&user, state.clock.now())))
}
