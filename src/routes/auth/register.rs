//! `POST /auth/register`.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use diesel::Connection;
use serde::{Deserialize, Serialize};

use super::AuthResponse;
use crate::db::users::User;
use crate::db::{sessions, username_holds, users};
use crate::domain::user::{Email, Language, NewPassword, Role, SessionId, Username};
use crate::error::{ApiError, Conflict, FieldErrors, Forbidden};
use crate::limits::{Action, ClientIp, login_key};
use crate::mail;
use crate::state::AppState;

/// A new account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    /// 3–32 letters (any script), digits, `_`, `-`, `.`; unique ignoring case and
    /// look-alikes. (No `pattern`: Unicode letter classes are not portable across
    /// JSON Schema regex dialects.)
    #[schema(min_length = 3, max_length = 32)]
    pub username: String,
    /// Unique ignoring case. When mail is configured, a verification link is mailed to it.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 8–256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    /// The language of the account's mail (`de`, `en`, `vi`); default
    /// `TRIBUNE_DEFAULT_LANGUAGE`.
    #[schema(value_type = Option<Language>)]
    pub language: Option<String>,
}

/// The answer to every registration while `TRIBUNE_HIDE_EMAIL_TAKEN=on`, whether the
/// address was free or taken: no account or tokens are shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationPending {
    /// Always `verification_required`: the account logs in once the address is verified
    /// through the link mailed to it.
    #[schema(example = "verification_required")]
    pub status: &'static str,
    /// The address, as given.
    pub email: String,
}

/// What a registration did.
enum Registered {
    /// A new account, logged in (`None` while taken addresses are hidden).
    Created(Box<User>, Option<SessionId>),
    /// The address was taken (and that is hidden): its owner was told by mail.
    Taken,
}

/// Creates a reader account. Normally 201 with the account and a token pair (its
/// address still to be verified: `email_verified` is false, and a link is mailed when
/// mail is configured). With `TRIBUNE_HIDE_EMAIL_TAKEN=on`, every registration with a
/// valid, free username answers 202 `RegistrationPending` alike, whether the address
/// was free (a new account, which logs in once its address is verified) or taken (no
/// account; the address's owner is mailed that someone tried).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterRequest, responses(
    (status = 201, description = "Account created and logged in", body = AuthResponse),
    (status = 202, description = "With TRIBUNE_HIDE_EMAIL_TAKEN=on: check your mail (the same answer for free and taken addresses)", body = RegistrationPending),
))]
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
    let language = errors.check(
        "language",
        match body.language.as_deref() {
            None => Ok(state.mail.settings.default_language),
            Some(l) => Language::parse(l).ok_or_else(|| "must be de, en or vi".to_owned()),
        },
    );
    let (Some(username), Some(email), Some(password), Some(language)) =
        (username, email, password, language)
    else {
        return Err(errors.into_error());
    };

    if !state.site().await?.settings.registration_open {
        return Err(ApiError::Forbidden(Forbidden::RegistrationClosed));
    }
    state.limits.check_hashing_total()?;
    let hash = state.passwords.hash(password.into_secret()).await?;
    let refresh = state.tokens.refresh_token();
    let now = state.clock.now_naive();
    let mut new = users::NewUser::new(&username, Some(&email), Some(hash), Role::Reader, now);
    new.language = language.as_str().to_owned();
    let refresh_hash = refresh.hash.clone();
    let mailer = state.mail.clone();
    let limits = state.limits.clone();
    let hide = mailer.settings.hide_email_taken;
    // With taken addresses hidden, the username is held alike on both paths (see
    // `db::username_holds`): by the new account until it verifies or is erased, or
    // without an account for as long.
    let held_until = now + mailer.settings.unverified_account_ttl;
    let given = email.as_str().to_owned();
    let registered = state
        .db
        .write(move |conn| {
            // A held username is taken, as an account's would be.
            if username_holds::is_held(conn, &username)? {
                return Err(ApiError::Conflict(Conflict::UsernameTaken));
            }
            // In a savepoint, so that PostgreSQL's transaction goes on after a conflict.
            match conn.transaction(|conn| users::insert(conn, &new)) {
                Ok(user) => {
                    mail::enqueue(conn, mailer.verification(&user, "registration"), now)?;
                    let session = if hide {
                        username_holds::hold(conn, &username, Some(user.user_id()), held_until)?;
                        None
                    } else {
                        Some(sessions::create(
                            conn,
                            user.user_id(),
                            &refresh_hash,
                            now,
                            refresh.expires_at,
                        )?)
                    };
                    Ok(Registered::Created(Box::new(user), session))
                }
                Err(ApiError::Conflict(Conflict::EmailTaken)) if hide => {
                    // A taken username is said as it would be for a free address.
                    if users::username_taken(conn, &username)? {
                        return Err(ApiError::Conflict(Conflict::UsernameTaken));
                    }
                    username_holds::hold(conn, &username, None, held_until)?;
                    let owner = users::find_by_login(conn, email.as_str())?;
                    // At most so many of these mails per address, so that registering
                    // with someone's address cannot flood it (the answer stays alike).
                    let owner = owner.filter(|_| {
                        let key = login_key(email.as_str());
                        limits.check(Action::RegistrationMail, &key).is_ok()
                    });
                    if let Some(owner) = owner {
                        // Only verification mail goes to an unverified address: its
                        // owner gets a fresh link instead of the notice.
                        let nonce = hex::encode(rand::random::<[u8; 12]>());
                        let notice = if owner.email_verified() {
                            mailer.registration_attempt(&owner)
                        } else {
                            mailer.verification(&owner, &nonce)
                        };
                        mail::enqueue(conn, notice, now)?;
                    }
                    Ok(Registered::Taken)
                }
                Err(e) => Err(e),
            }
        })
        .await?;
    match registered {
        Registered::Created(user, Some(session)) => {
            let body = AuthResponse::new(&state, &user, session, refresh.token)?;
            Ok(HttpResponse::Created()
                .insert_header(CacheControl(vec![CacheDirective::NoStore]))
                .json(body))
        }
        Registered::Created(_, None) | Registered::Taken => Ok(HttpResponse::Accepted()
            .insert_header(CacheControl(vec![CacheDirective::NoStore]))
            .json(RegistrationPending {
                status: "verification_required",
                email: given,
            })),
    }
}
