//! `POST /auth/register`.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::AuthResponse;
use crate::db::{sessions, users};
use crate::domain::user::{Email, NewPassword, Role, Username};
use crate::error::{ApiError, FieldErrors, Forbidden};
use crate::limits::{Action, ClientIp};
use crate::state::AppState;

/// A new account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    /// 3–32 letters (any script), digits, `_`, `-`, `.`; unique ignoring case and
    /// look-alikes. (No `pattern`: Unicode letter classes are not portable across
    /// JSON Schema regex dialects.)
    #[schema(min_length = 3, max_length = 32)]
    pub username: String,
    /// Unique ignoring case.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 8–256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
}

/// Creates a reader account and logs it in: 201 with a token pair.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterRequest, responses((status = 201, description = "Account created and logged in", body = AuthResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check(Action::Register, &client.key())?;
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let username = errors.check("username", Username::parse(&body.username));
    let email = errors.check("email", Email::parse(&body.email));
    let password = errors.check("password", NewPassword::parse(&body.password));
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return Err(errors.into_error());
    };

    if !state.site().await?.settings.registration_open {
        return Err(ApiError::Forbidden(Forbidden::RegistrationClosed));
    }
    state.limits.check_hashing_total()?;
    let hash = state.passwords.hash(password.into_secret()).await?;
    let refresh = state.tokens.refresh_token();
    let now = state.clock.now_naive();
    let new = users::NewUser::new(&username, Some(&email), Some(hash), Role::Reader, now);
    let refresh_hash = refresh.hash.clone();
    let (user, session) = state
        .db
        .write(move |conn| {
            let user = users::insert(conn, &new)?;
            let session =
                sessions::create(conn, user.user_id(), &refresh_hash, now, refresh.expires_at)?;
            Ok((user, session))
        })
        .await?;
    let body = AuthResponse::new(&state, &user, session, refresh.token)?;
    Ok(HttpResponse::Created()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(body))
}
