//! Access tokens (JWT, HS256 pinned) and refresh tokens (random, stored as hashes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDateTime, TimeDelta};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::domain::user::{SessionId, UserId};
use crate::error::ApiError;

/// The `iss` of every access token.
pub const ISSUER: &str = "tribune";

/// The `aud` of every access token: they are for Tribune's API and nothing else.
pub const AUDIENCE: &str = "tribune";

/// The JWT header `typ` of every access token (RFC 9068), so no other kind of JWT
/// signed with a key Tribune trusts passes for one, and one never passes for another.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The least length of a configured JWT secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// Token and session lifetimes.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub access_ttl: TimeDelta,
    pub refresh_ttl: TimeDelta,
    /// Absolute lifetime of a session: past it, refresh fails however often it rotated.
    pub session_max_age: TimeDelta,
}

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id, as a string (RFC 7519).
    pub sub: String,
    /// The session; revoking it ends the token at once.
    pub sid: i64,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    /// Always `AUDIENCE`.
    pub aud: String,
}

/// Who an access token speaks for.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated {
    pub user: UserId,
    pub session: SessionId,
}

/// A refresh token as handed to the client, and what is stored of it.
pub struct RefreshToken {
    /// The token itself: shown once, never stored.
    pub token: String,
    /// Its SHA-256, hex: what the database keeps.
    pub hash: String,
    pub expires_at: NaiveDateTime,
}

/// Issues and checks tokens.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    settings: TokenSettings,
    clock: Clock,
}

/// Clock skew tolerated between instances, seconds.
const LEEWAY_SECS: i64 = 30;

impl Tokens {
    /// Keys from the secret; `validation` pins HS256 and demands `exp`, `iat`, `iss`,
    /// `aud` and `sub` (the header `typ` is checked in `verify_access`).
    pub fn new(secret: &SecretString, settings: TokenSettings, clock: Clock) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Expiry is checked against the service clock below.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            settings,
            clock,
        }
    }

    /// Lifetime of an access token, seconds.
    pub fn access_ttl_secs(&self) -> i64 {
        self.settings.access_ttl.num_seconds()
    }

    /// Absolute lifetime of a session.
    pub fn session_max_age(&self) -> TimeDelta {
        self.settings.session_max_age
    }

    /// A signed access token for a session.
    pub fn access_token(&self, user: UserId, session: SessionId) -> Result<String, ApiError> {
        let now = self.clock.now().timestamp();
        let claims = AccessClaims {
            sub: user.0.to_string(),
            sid: session.0,
            iat: now,
            exp: now + self.settings.access_ttl.num_seconds(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        let header = Header {
            typ: Some(ACCESS_TOKEN_TYPE.to_owned()),
            ..Header::new(Algorithm::HS256)
        };
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("signing failed: {e}")))
    }

    /// Checks signature, algorithm, type, issuer, audience and expiry of an access token.
    pub fn verify_access(&self, token: &str) -> Result<Authenticated, ApiError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| ApiError::Unauthorized("The access token is invalid."))?;
        if !is_access_token_type(data.header.typ.as_deref()) {
            return Err(ApiError::Unauthorized("The access token is invalid."));
        }
        let claims = data.claims;
        let now = self.clock.now().timestamp();
        if claims.exp + LEEWAY_SECS <= now {
            return Err(ApiError::Unauthorized("The access token has expired."));
        }
        if claims.iat > now + LEEWAY_SECS {
            return Err(ApiError::Unauthorized("The access token is invalid."));
        }
        let user = claims
            .sub
            .parse::<i64>()
            .map_err(|_| ApiError::Unauthorized("The access token is invalid."))?;
        Ok(Authenticated {
            user: UserId(user),
            session: SessionId(claims.sid),
        })
    }

    /// A fresh random refresh token.
    pub fn refresh_token(&self) -> RefreshToken {
        let bytes: [u8; 32] = rand::random();
        let token = URL_SAFE_NO_PAD.encode(bytes);
        RefreshToken {
            hash: hash_refresh_token(&token),
            token,
            expires_at: (self.clock.now() + self.settings.refresh_ttl).naive_utc(),
        }
    }
}

/// Whether a JWT header `typ` names an access token (`at+jwt`, or its media type
/// `application/at+jwt`, in any case: RFC 9068 §4).
pub fn is_access_token_type(typ: Option<&str>) -> bool {
    typ.is_some_and(|typ| {
        let typ = typ.to_ascii_lowercase();
        typ.strip_prefix("application/").unwrap_or(&typ) == ACCESS_TOKEN_TYPE
    })
}

/// The stored form of a refresh token. The token is 256 random bits, so a plain
/// SHA-256 suffices (no password-style stretching needed).
pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random secret for signing access tokens.
pub fn generate_secret() -> String {
    let bytes: [u8; 48] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}
