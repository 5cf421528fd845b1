//! Single sign-on: verifying a token signed by the publisher's own login system.

use chrono::{DateTime, NaiveDateTime, TimeDelta};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::tokens::{self, MIN_SECRET_BYTES};
use crate::clock::Clock;
use crate::error::ApiError;

/// Where publisher tokens come from, and what they must look like.
#[derive(Debug, Clone)]
pub struct SsoSettings {
    /// Shared secret for HS256 tokens: at least 32 bytes, never the JWT secret.
    pub secret: Option<SecretString>,
    /// PEM public key (RSA → RS256, EC P-256 → ES256, Ed25519 → EdDSA), or a path to one.
    pub public_key: Option<String>,
    /// When set, tokens must carry this `aud`.
    pub audience: Option<String>,
    /// When set, tokens must carry this `iss`.
    pub issuer: Option<String>,
    /// The longest `exp - iat` accepted: a publisher token is for one sign-on.
    pub max_token_lifetime: TimeDelta,
    /// When on, every token needs a `jti`, and one seen before is refused until it expires.
    pub replay_protection: bool,
}

impl Default for SsoSettings {
    /// Not configured; strict checks once it is.
    fn default() -> Self {
        Self {
            secret: None,
            public_key: None,
            audience: None,
            issuer: None,
            max_token_lifetime: TimeDelta::minutes(10),
            replay_protection: true,
        }
    }
}

/// The claims Tribune reads from a publisher token.
#[derive(Debug, Deserialize)]
struct PublisherClaims {
    /// The publisher's user id; some systems send numbers.
    sub: serde_json::Value,
    exp: i64,
    iat: i64,
    nbf: Option<i64>,
    jti: Option<String>,
    username: Option<String>,
    email: Option<String>,
    /// OpenID Connect's claim that the publisher verified `email` (`true`, or `"true"`).
    email_verified: Option<serde_json::Value>,
}

/// A verified publisher identity.
#[derive(Debug, Clone)]
pub struct PublisherIdentity {
    pub subject: String,
    pub username: Option<String>,
    pub email: Option<String>,
    /// The publisher vouches for `email` (claim `email_verified: true`).
    pub email_verified: bool,
    /// The token's `jti` and until when to remember it, when replay protection is on.
    pub once: Option<(String, NaiveDateTime)>,
}

/// Clock skew tolerated between the publisher and Tribune, seconds.
const LEEWAY_SECS: i64 = 60;

/// Checks publisher tokens with the configured keys, each pinned to one algorithm.
#[derive(Clone)]
pub struct SsoVerifier {
    keys: Vec<(Algorithm, DecodingKey)>,
    audience: Option<String>,
    issuer: Option<String>,
    max_lifetime_secs: i64,
    replay_protection: bool,
    clock: Clock,
}

/// The longest `jti` remembered.
const MAX_JTI_BYTES: usize = 255;

impl SsoVerifier {
    /// `None` when single sign-on is not configured. Refuses a shared secret that is
    /// short or the same as `jwt_secret` (the one that signs Tribune's own tokens: with
    /// it, any access token would sign its holder on as the publisher's user of that id).
    pub fn new(
        settings: &SsoSettings,
        jwt_secret: &SecretString,
        clock: Clock,
    ) -> anyhow::Result<Option<Self>> {
        let mut keys = Vec::new();
        if let Some(secret) = &settings.secret {
            let bytes = secret.expose_secret().as_bytes();
            anyhow::ensure!(
                bytes.len() >= MIN_SECRET_BYTES,
                "TRIBUNE_SSO_SECRET must be at least {MIN_SECRET_BYTES} bytes long"
            );
            anyhow::ensure!(
                bytes != jwt_secret.expose_secret().as_bytes(),
                "TRIBUNE_SSO_SECRET must not be the JWT secret: give the publisher its own"
            );
            keys.push((
                Algorithm::HS256,
                DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            ));
        }
        if let Some(key) = &settings.public_key {
            keys.push(parse_public_key(key)?);
        }
        if keys.is_empty() {
            return Ok(None);
        }
        anyhow::ensure!(
            settings.audience.as_deref() != Some(tokens::AUDIENCE)
                && settings.issuer.as_deref() != Some(tokens::ISSUER),
            "TRIBUNE_SSO_AUDIENCE and TRIBUNE_SSO_ISSUER must not be {:?}: that names \
             Tribune's own access tokens",
            tokens::AUDIENCE
        );
        anyhow::ensure!(
            settings.max_token_lifetime > TimeDelta::zero(),
            "TRIBUNE_SSO_MAX_TOKEN_LIFETIME_SECS must be positive"
        );
        Ok(Some(Self {
            keys,
            audience: settings.audience.clone(),
            issuer: settings.issuer.clone(),
            max_lifetime_secs: settings.max_token_lifetime.num_seconds(),
            replay_protection: settings.replay_protection,
            clock,
        }))
    }

    /// Verifies signature, algorithm, type, issuer, audience, lifetime and the required
    /// claims. (That a `jti` is new is for the caller to check, in the database.)
    pub fn verify(&self, token: &str) -> Result<PublisherIdentity, ApiError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| ApiError::InvalidCredentials)?;
        if tokens::is_access_token_type(header.typ.as_deref()) {
            return Err(ApiError::InvalidCredentials);
        }
        let (alg, key) = self
            .keys
            .iter()
            .find(|(alg, _)| *alg == header.alg)
            .ok_or(ApiError::InvalidCredentials)?;
        let mut validation = Validation::new(*alg);
        validation.algorithms = vec![*alg];
        // `sub` is checked below: jsonwebtoken only accepts string subjects.
        let mut required = vec!["exp", "iat"];
        match &self.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(token, key, &validation)
            .map_err(|_| ApiError::InvalidCredentials)?;
        // Tribune's own tokens never sign anyone on, whatever key signed them.
        if claims_name_tribune(&data.claims) {
            return Err(ApiError::InvalidCredentials);
        }
        let claims = serde_json::from_value::<PublisherClaims>(data.claims)
            .map_err(|_| ApiError::InvalidCredentials)?;
        let now = self.clock.now().timestamp();
        let lifetime = claims.exp.saturating_sub(claims.iat);
        if claims.exp.saturating_add(LEEWAY_SECS) <= now
            || claims
                .nbf
                .is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECS))
            || claims.iat > now.saturating_add(LEEWAY_SECS)
            || lifetime <= 0
            || lifetime > self.max_lifetime_secs
        {
            return Err(ApiError::InvalidCredentials);
        }
        let once = if self.replay_protection {
            let jti = claims
                .jti
                .filter(|j| !j.trim().is_empty() && j.len() <= MAX_JTI_BYTES)
                .ok_or(ApiError::InvalidCredentials)?;
            let until = DateTime::from_timestamp(claims.exp.saturating_add(LEEWAY_SECS), 0)
                .ok_or(ApiError::InvalidCredentials)?;
            Some((jti, until.naive_utc()))
        } else {
            None
        };
        let subject = match claims.sub {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(ApiError::InvalidCredentials),
        };
        if subject.trim().is_empty() || subject.len() > 255 {
            return Err(ApiError::InvalidCredentials);
        }
        Ok(PublisherIdentity {
            subject,
            username: claims.username,
            email: claims.email,
            email_verified: matches!(claims.email_verified, Some(serde_json::Value::Bool(true)))
                || matches!(&claims.email_verified, Some(serde_json::Value::String(s)) if s == "true"),
            once,
        })
    }
}

/// Whether claims carry Tribune's own `aud` or `iss`, as its access tokens do.
fn claims_name_tribune(claims: &serde_json::Value) -> bool {
    let aud_is_tribune = match &claims["aud"] {
        serde_json::Value::String(aud) => aud == tokens::AUDIENCE,
        serde_json::Value::Array(auds) => auds.iter().any(|a| a == tokens::AUDIENCE),
        _ => false,
    };
    aud_is_tribune || claims["iss"] == tokens::ISSUER
}

/// Reads a PEM public key (inline, or from a file) and the one algorithm it verifies.
fn parse_public_key(value: &str) -> anyhow::Result<(Algorithm, DecodingKey)> {
    let pem = if value.trim_start().starts_with("-----BEGIN") {
        value.to_owned()
    } else {
        std::fs::read_to_string(value)
            .map_err(|e| anyhow::anyhow!("cannot read SSO public key file {value}: {e}"))?
    };
    let bytes = pem.as_bytes();
    if let Ok(key) = DecodingKey::from_ed_pem(bytes) {
        return Ok((Algorithm::EdDSA, key));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(bytes) {
        return Ok((Algorithm::ES256, key));
    }
    if let Ok(key) = DecodingKey::from_rsa_pem(bytes) {
        return Ok((Algorithm::RS256, key));
    }
    anyhow::bail!(
        "TRIBUNE_SSO_PUBLIC_KEY is not an RSA, EC (P-256) or Ed25519 public key in PEM form"
    )
}
