//! The extractors that tell a handler who is calling: `CurrentUser` (the caller's
//! account as the database has it at every request, so roles, bans, erasure and revoked
//! sessions take effect at once; see `authenticate` for what is cached and how long),
//! its role-checked forms, and `ClientIp`.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use chrono::{DateTime, Utc};

use super::gate::Access;
use crate::cache::{Fresh, SessionKey};
use crate::db::comments::Writer;
use crate::db::users::{self, User};
use crate::domain::user::{SessionId, UserStatus, Viewer};
use crate::error::ApiError;
use crate::limits::ClientIp;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The session the access token belongs to.
    pub session: SessionId,
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The route's gate (`routes::gate`) has authenticated the caller already.
        if let Some(caller) = req.extensions().get::<CurrentUser>().cloned() {
            return Box::pin(async { Ok(caller) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("AppState missing")))?;
            authenticate(&state, &req).await
        })
    }
}

/// How long the account behind a session is kept at most (see `authenticate`).
const CALLER_KEPT: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// The caller of `req`, from its bearer token and the database: the session must be
/// live and the account exist. What the database said is kept in `caches.callers` while
/// nothing has been committed since it was read but this instance's writes that named
/// their articles (`Scope::Base`: a logout, a ban, a role change or an erasure ends it;
/// this instance's own at once, another instance's or the command line's within the
/// watcher's few milliseconds), for a second at most and never past the session's
/// lifetime; a session found ended is not kept. (Those writes change an account's counts
/// only: see `cache` for where they are read afresh.)
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<CurrentUser, ApiError> {
    let token = bearer_token(req)?;
    let auth = state.tokens.verify_access(&token)?;
    let now = state.clock.now_naive();
    let max_age = state.tokens.session_max_age();
    let key = SessionKey {
        user: auth.user.0,
        session: auth.session.0,
    };
    let caller = state
        .caches
        .callers
        .get_or_load(&key, |_| async {
            // Kept a second at most: another instance's logout or ban reaches this one
            // through the watcher within milliseconds, and within this second even if the
            // watcher were stuck.
            // A session past its absolute lifetime ends for its access tokens too.
            let started_after = now - max_age;
            let found = state
                .db
                .read(move |conn| {
                    users::find_by_session(conn, auth.user, auth.session, started_after)
                })
                .await?;
            Ok::<_, ApiError>(match found {
                Some((user, started)) => {
                    let until = (started + max_age).min(now + CALLER_KEPT);
                    Fresh::until(Some(user), Some(until))
                }
                None => Fresh::until(None, Some(now)),
            })
        })
        .await?
        .ok_or(ApiError::Unauthorized(
            "The session has ended; log in again.",
        ))?;
    Ok(CurrentUser {
        user: caller,
        session: auth.session,
    })
}

impl CurrentUser {
    /// Refuses a banned or suspended account (403 `account_banned`, with the end of a
    /// suspension): it may read and log in, not post, edit, like or flag.
    pub fn ensure_can_write(&self, now: DateTime<Utc>) -> Result<(), ApiError> {
        match self.user.status_at(now) {
            UserStatus::Active => Ok(()),
            UserStatus::Banned => Err(ApiError::AccountBanned {
                until: self.user.banned_until_utc(),
            }),
            UserStatus::Deleted => Err(ApiError::Unauthorized("The account is erased.")),
        }
    }

    /// The caller as the author of a new text, for the rules.
    pub fn writer(&self) -> Writer {
        Writer {
            id: self.user.user_id(),
            approved: self.user.approved_count,
        }
    }

    /// Who is looking, for visibility rules.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            id: self.user.user_id(),
            moderator: self.user.role().can_moderate(),
        }
    }
}

/// The caller when an `Authorization` header is present (an invalid one is still a
/// 401), or nobody.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl MaybeUser {
    /// Who is looking, if anyone.
    pub fn viewer(&self) -> Option<Viewer> {
        self.0.as_ref().map(CurrentUser::viewer)
    }
}

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !req.headers().contains_key(header::AUTHORIZATION) {
            return Box::pin(async { Ok(MaybeUser(None)) });
        }
        let user = CurrentUser::from_request(req, payload);
        Box::pin(async move { Ok(MaybeUser(Some(user.await?))) })
    }
}

/// The token of an `Authorization: Bearer …` header.
fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized("An access token is required."))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("The Authorization header is unreadable."))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(ApiError::Unauthorized("Use Authorization: Bearer <token>."))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized("Use Authorization: Bearer <token>."));
    }
    Ok(token.trim().to_owned())
}

/// A caller with role `moderator` or `admin` in good standing (403 for readers and for
/// banned or suspended staff).
#[derive(Debug, Clone)]
pub struct Moderator(pub CurrentUser);

impl FromRequest for Moderator {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = staff(req, payload, Access::Moderator);
        Box::pin(async move { staff.await.map(Moderator) })
    }
}

/// A caller with role `admin` in good standing (403 for everyone else).
#[derive(Debug, Clone)]
pub struct Admin(pub CurrentUser);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = staff(req, payload, Access::Admin);
        Box::pin(async move { staff.await.map(Admin) })
    }
}

/// The caller, if `access` admits them (the route's gate checked it already; this
/// keeps the extractor right on its own).
fn staff(
    req: &HttpRequest,
    payload: &mut Payload,
    access: Access,
) -> impl Future<Output = Result<CurrentUser, ApiError>> + use<> {
    let user = CurrentUser::from_request(req, payload);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    async move {
        let user = user.await?;
        let state =
            state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("AppState missing")))?;
        access.check(Some(&user), &state)?;
        Ok(user)
    }
}

impl FromRequest for ClientIp {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    /// The client's network (its IPv6 prefix), which per-IP limits count.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>();
        let trusted = state
            .map(|s| s.trusted_proxies.as_slice())
            .unwrap_or_default();
        let ipv6_prefix = state.map_or(64, |s| s.limits.ipv6_prefix());
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let client = Self::resolve(req.peer_addr().map(|a| a.ip()), forwarded, trusted);
        std::future::ready(Ok(client.network(ipv6_prefix)))
    }
}

/// A JSON body that may be left out: no body at all (`Content-Length: 0`, or neither a
/// length nor chunks) is `None`, and so is a JSON `null`; any other body is read as
/// `web::Json` reads it (415 unless JSON, 400 when malformed).
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let chunked = headers.contains_key(header::TRANSFER_ENCODING);
        if length == Some(0) || (length.is_none() && !chunked) {
            return Box::pin(async { Ok(Self(None)) });
        }
        let json = web::Json::<Option<T>>::from_request(req, payload);
        Box::pin(async move { Ok(Self(json.await?.into_inner())) })
    }
}
