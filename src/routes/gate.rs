//! Who may call a route, decided before anything else of the request is read.
//!
//! actix extracts a handler's arguments concurrently and answers with the first error,
//! so a role check done by an extractor races the body, query and path parsers: a reader
//! could learn a body's schema from a moderator-only route, and a revoked token with
//! bad JSON got 400. Every route is therefore registered with its access level (see the
//! sitemap in `routes/mod.rs`), and this middleware, which runs before the handler and
//! its extractors, authenticates the caller as the database has them (see
//! `extract::authenticate`) and checks the role (and,
//! for staff, that the account is not banned or suspended). The caller it found is left
//! in the request's extensions for the `CurrentUser` extractor, so nothing is read twice.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::extract::{CurrentUser, authenticate};
use crate::domain::user::Role;
use crate::error::{ApiError, Forbidden};
use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone; a token, if sent, must be valid.
    Public,
    /// A signed-in account.
    User,
    /// A moderator or admin whose account is in good standing.
    Moderator,
    /// An admin whose account is in good standing.
    Admin,
    /// The operator: the metrics token when one is configured, else only a direct
    /// caller on this machine (loopback, no forwarding headers).
    Operator,
}

impl Access {
    /// The level a sitemap entry names (`public`, `user`, `moderator`, `admin`).
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "public" => Some(Self::Public),
            "user" => Some(Self::User),
            "moderator" => Some(Self::Moderator),
            "admin" => Some(Self::Admin),
            "operator" => Some(Self::Operator),
            _ => None,
        }
    }

    /// Whether `caller` (if any) passes, or the problem to answer.
    pub fn check(self, caller: Option<&CurrentUser>, state: &AppState) -> Result<(), ApiError> {
        let Some(caller) = caller else {
            return match self {
                Self::Public => Ok(()),
                _ => Err(ApiError::Unauthorized("An access token is required.")),
            };
        };
        let allowed = match self {
            Self::Public | Self::User | Self::Operator => return Ok(()),
            Self::Moderator => caller.user.role().can_moderate(),
            Self::Admin => caller.user.role() == Role::Admin,
        };
        if !allowed {
            return Err(ApiError::Forbidden(Forbidden::NotAllowed));
        }
        // A banned or suspended moderator keeps no powers.
        caller.ensure_can_write(state.clock.now())
    }
}

/// Whether the request comes from the operator (see `Access::Operator`).
fn admit_operator(req: &ServiceRequest, state: &AppState) -> Result<(), ApiError> {
    let headers = req.headers();
    if let Some(expected) = &state.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compared as digests, so the time taken says nothing about the token.
        let digest = |s: &str| Sha256::digest(s.as_bytes());
        if digest(sent) != digest(expected.expose_secret()) {
            return Err(ApiError::Unauthorized("The metrics token is required."));
        }
        return Ok(());
    }
    let direct = req.peer_addr().is_some_and(|a| a.ip().is_loopback())
        && !["x-forwarded-for", "forwarded", "x-real-ip"]
            .iter()
            .any(|h| headers.contains_key(*h));
    if direct {
        Ok(())
    } else {
        Err(ApiError::Forbidden(Forbidden::NotAllowed))
    }
}

/// The level a sitemap entry names; an unknown name admits only admins (fail closed).
pub fn level(name: &str) -> Access {
    Access::named(name).unwrap_or(Access::Admin)
}

/// The middleware in front of every route: admits the callers `access` allows, before
/// the handler reads anything of the request.
pub async fn admit(
    access: Access,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("AppState missing")))?;
    if access == Access::Operator {
        admit_operator(&req, &state)?;
        return next.call(req).await;
    }
    let caller = if req.headers().contains_key(header::AUTHORIZATION) {
        Some(authenticate(&state, req.request()).await?)
    } else {
        None
    };
    access.check(caller.as_ref(), &state)?;
    if let Some(caller) = caller {
        req.extensions_mut().insert(caller);
    }
    next.call(req).await
}
