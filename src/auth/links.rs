//! The signed links Tribune mails: email verification and password reset. Each is a
//! JWT (HS256, pinned) with its own `typ` and an `aud` naming its purpose, signed with a
//! key derived from the access-token secret (so neither kind passes for the other, nor
//! for an access token), carrying the account, the address it was sent to, an expiry
//! and a `jti` that the database spends on first use. A reset link also carries a
//! fingerprint of the password hash it replaces, so a link dies once any reset (or
//! password change) happened. An unsubscribe link (`tribune:unsubscribe`) names the
//! account and the subscription it ends (none: the moderators' digest); it is not
//! spent on use (ending a subscription twice is harmless) and works for a long time, as
//! mail clients keep offering it.

use chrono::{DateTime, NaiveDateTime, TimeDelta};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::domain::user::UserId;
use crate::error::ApiError;

/// The JWT header `typ` of every mailed link.
const LINK_TYPE: &str = "tribune-link+jwt";

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    PasswordReset,
    Unsubscribe,
}

impl Purpose {
    fn audience(self) -> &'static str {
        match self {
            Self::VerifyEmail => "tribune:verify-email",
            Self::PasswordReset => "tribune:password-reset",
            Self::Unsubscribe => "tribune:unsubscribe",
        }
    }

    /// Where on `TRIBUNE_PUBLIC_URL` the link points; the token follows in the fragment
    /// (`#token=…`), which browsers never send to a server or in a `Referer`.
    pub fn path(self) -> &'static str {
        match self {
            Self::VerifyEmail => "/account/verify-email",
            Self::PasswordReset => "/account/reset-password",
            Self::Unsubscribe => "/account/unsubscribe",
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct LinkClaims {
    sub: String,
    aud: String,
    iss: String,
    iat: i64,
    exp: i64,
    jti: String,
    /// The address the link was mailed to.
    email: String,
    /// For reset links: the fingerprint of the password hash at sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pwd: Option<String>,
    /// For unsubscribe links: what they end (`sub:<id>`, or `digest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    what: Option<String>,
}

/// A verified link.
#[derive(Debug, Clone)]
pub struct Link {
    pub user: UserId,
    pub email: String,
    pub jti: String,
    /// Until when its `jti` must be remembered as spent.
    pub expires_at: NaiveDateTime,
    /// For reset links: the password-hash fingerprint it was issued against.
    pub password: Option<String>,
    /// For unsubscribe links: what they end.
    pub what: Option<String>,
}

/// Signs and checks mailed links.
#[derive(Clone)]
pub struct Links {
    encoding: EncodingKey,
    decoding: DecodingKey,
    clock: Clock,
}

impl Links {
    /// Keys derived from the access-token secret.
    pub fn new(secret: &SecretString, clock: Clock) -> Self {
        let key = derive_key(secret);
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            clock,
        }
    }

    /// A token for `purpose`, for `user` at `email`, working for `ttl`.
    pub fn sign(
        &self,
        purpose: Purpose,
        user: UserId,
        email: &str,
        password: Option<String>,
        ttl: TimeDelta,
    ) -> Result<String, ApiError> {
        let now = self.clock.now().timestamp();
        let claims = LinkClaims {
            sub: user.0.to_string(),
            aud: purpose.audience().to_owned(),
            iss: super::tokens::ISSUER.to_owned(),
            iat: now,
            exp: now.saturating_add(ttl.num_seconds()),
            jti: hex::encode(rand::random::<[u8; 16]>()),
            email: email.to_owned(),
            pwd: password,
            what: None,
        };
        let header = Header {
            typ: Some(LINK_TYPE.to_owned()),
            ..Header::new(Algorithm::HS256)
        };
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("signing a link failed: {e}")))
    }

    /// An unsubscribe token for `user` at `email`, ending `what` (`sub:<id>` or
    /// `digest`), working for `ttl`.
    pub fn sign_unsubscribe(
        &self,
        user: UserId,
        email: &str,
        what: &str,
        ttl: TimeDelta,
    ) -> Result<String, ApiError> {
        let now = self.clock.now().timestamp();
        let claims = LinkClaims {
            sub: user.0.to_string(),
            aud: Purpose::Unsubscribe.audience().to_owned(),
            iss: super::tokens::ISSUER.to_owned(),
            iat: now,
            exp: now.saturating_add(ttl.num_seconds()),
            jti: hex::encode(rand::random::<[u8; 16]>()),
            email: email.to_owned(),
            pwd: None,
            what: Some(what.to_owned()),
        };
        let header = Header {
            typ: Some(LINK_TYPE.to_owned()),
            ..Header::new(Algorithm::HS256)
        };
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("signing a link failed: {e}")))
    }

    /// Checks signature, algorithm, type, audience and expiry (by the service clock,
    /// without leeway); every failure is 400 `invalid_link`.
    pub fn verify(&self, purpose: Purpose, token: &str) -> Result<Link, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_audience(&[purpose.audience()]);
        validation.set_issuer(&[super::tokens::ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<LinkClaims>(token.trim(), &self.decoding, &validation)
            .map_err(|_| ApiError::InvalidLink)?;
        if data.header.typ.as_deref() != Some(LINK_TYPE) {
            return Err(ApiError::InvalidLink);
        }
        let claims = data.claims;
        if claims.exp <= self.clock.now().timestamp() {
            return Err(ApiError::InvalidLink);
        }
        let user = claims.sub.parse().map_err(|_| ApiError::InvalidLink)?;
        let expires_at = DateTime::from_timestamp(claims.exp, 0)
            .ok_or(ApiError::InvalidLink)?
            .naive_utc();
        Ok(Link {
            user: UserId(user),
            email: claims.email,
            jti: claims.jti,
            expires_at,
            password: claims.pwd,
            what: claims.what,
        })
    }
}

/// The links' own key: HMAC-SHA256 of a label under the access-token secret.
fn derive_key(secret: &SecretString) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
        // HMAC takes keys of any length; this cannot happen.
        return Sha256::digest(secret.expose_secret().as_bytes()).to_vec();
    };
    mac.update(b"tribune mailed links v1");
    mac.finalize().into_bytes().to_vec()
}

/// A short fingerprint of a stored password hash (or of having none), which a reset
/// link carries: once the password changes, older links stop working.
pub fn password_fingerprint(hash: Option<&str>) -> String {
    let digest = Sha256::digest(hash.unwrap_or("none").as_bytes());
    hex::encode(&digest[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> Links {
        Links::new(
            &SecretString::from("a-secret-that-is-long-enough-for-tests-0123"),
            Clock::default(),
        )
    }

    #[test]
    fn a_link_verifies_for_its_purpose_only_and_not_after_tampering_or_expiry() {
        let links = links();
        let token = links
            .sign(
                Purpose::VerifyEmail,
                UserId(7),
                "a@example.org",
                None,
                TimeDelta::hours(1),
            )
            .unwrap();
        let link = links.verify(Purpose::VerifyEmail, &token).unwrap();
        assert_eq!(
            (link.user, link.email.as_str()),
            (UserId(7), "a@example.org")
        );
        assert!(links.verify(Purpose::PasswordReset, &token).is_err());
        let mut tampered = token.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(links.verify(Purpose::VerifyEmail, &tampered).is_err());
        let expired = links
            .sign(
                Purpose::VerifyEmail,
                UserId(7),
                "a@example.org",
                None,
                TimeDelta::seconds(-1),
            )
            .unwrap();
        assert!(links.verify(Purpose::VerifyEmail, &expired).is_err());
    }
}
