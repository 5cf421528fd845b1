//! Single sign-on: verifying a token signed by the publisher's own login system.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::clock::Clock;
use crate::error::ApiError;

/// Where publisher tokens come from.
#[derive(Debug, Clone, Default)]
pub struct SsoSettings {
    /// Shared secret for HS256 tokens.
    pub secret: Option<SecretString>,
    /// PEM public key (RSA → RS256, EC P-256 → ES256, Ed25519 → EdDSA), or a path to one.
    pub public_key: Option<String>,
    /// When set, tokens must carry this `aud`.
    pub audience: Option<String>,
}

/// The claims Tribune reads from a publisher token.
#[derive(Debug, Deserialize)]
struct PublisherClaims {
    /// The publisher's user id; some systems send numbers.
    sub: serde_json::Value,
    exp: i64,
    nbf: Option<i64>,
    username: Option<String>,
    email: Option<String>,
}

/// A verified publisher identity.
#[derive(Debug, Clone)]
pub struct PublisherIdentity {
    pub subject: String,
    pub username: Option<String>,
    pub email: Option<String>,
}

/// Clock skew tolerated between the publisher and Tribune, seconds.
const LEEWAY_SECS: i64 = 60;

/// Checks publisher tokens with the configured keys, each pinned to one algorithm.
#[derive(Clone)]
pub struct SsoVerifier {
    keys: Vec<(Algorithm, DecodingKey)>,
    audience: Option<String>,
    clock: Clock,
}

impl SsoVerifier {
    /// `None` when single sign-on is not configured.
    pub fn new(settings: &SsoSettings, clock: Clock) -> anyhow::Result<Option<Self>> {
        let mut keys = Vec::new();
        if let Some(secret) = &settings.secret {
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
        Ok(Some(Self {
            keys,
            audience: settings.audience.clone(),
            clock,
        }))
    }

    /// Verifies signature, algorithm, expiry and the required claims.
    pub fn verify(&self, token: &str) -> Result<PublisherIdentity, ApiError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| ApiError::InvalidCredentials)?;
        let (alg, key) = self
            .keys
            .iter()
            .find(|(alg, _)| *alg == header.alg)
            .ok_or(ApiError::InvalidCredentials)?;
        let mut validation = Validation::new(*alg);
        validation.algorithms = vec![*alg];
        // `sub` is checked below: jsonwebtoken only accepts string subjects.
        validation.set_required_spec_claims(&["exp"]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        match &self.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        let claims = jsonwebtoken::decode::<PublisherClaims>(token, key, &validation)
            .map_err(|_| ApiError::InvalidCredentials)?
            .claims;
        let now = self.clock.now().timestamp();
        if claims.exp + LEEWAY_SECS <= now || claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS)
        {
            return Err(ApiError::InvalidCredentials);
        }
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
        })
    }
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
