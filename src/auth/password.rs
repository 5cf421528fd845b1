//! Argon2id hashing, off the async workers and a bounded number at once, so a login
//! flood queues instead of exhausting memory or stalling other requests.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::telemetry::run_blocking;

/// Argon2id cost and concurrency.
#[derive(Debug, Clone)]
pub struct PasswordSettings {
    /// Memory per hash, KiB (OWASP minimum: 19456).
    pub memory_kib: u32,
    /// Passes over memory (OWASP minimum with 19 MiB: 2).
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// Hashes computed at once; the rest wait.
    pub max_concurrent: usize,
}

impl PasswordSettings {
    /// OWASP's minimum for Argon2id: m=19 MiB, t=2, p=1.
    pub const OWASP_MIN_MEMORY_KIB: u32 = 19_456;
    /// OWASP's minimum iterations at that memory.
    pub const OWASP_MIN_ITERATIONS: u32 = 2;
}

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct Passwords {
    argon: Argon2<'static>,
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so that answer takes as long
    /// as a wrong password.
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// Sets up the hasher; computes the dummy hash once (blocking).
    pub fn new(settings: &PasswordSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid Argon2 parameters: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy: String = (0..24).map(|_| rand::random::<char>()).collect();
        let dummy_hash = argon
            .hash_password(dummy.as_bytes())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
            .to_string();
        Ok(Self {
            argon,
            permits: Arc::new(Semaphore::new(settings.max_concurrent.max(1))),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Hashes a new password (PHC string with a fresh salt).
    pub async fn hash(&self, password: SecretString) -> Result<String, ApiError> {
        let _permit = self.permit().await?;
        let argon = self.argon.clone();
        run_blocking(move || {
            argon
                .hash_password(password.expose_secret().as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("hashing failed: {e}")))
        })
        .await
    }

    /// Checks `password` against `stored`; with no stored hash (no such account, or
    /// one without a password) it verifies against a dummy and answers `false`, in
    /// about the same time.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        let _permit = self.permit().await?;
        let argon = self.argon.clone();
        let dummy = self.dummy_hash.clone();
        run_blocking(move || {
            // An unreadable stored hash matches nothing, but still costs a verification.
            let parsed = stored.as_deref().and_then(|h| PasswordHash::new(h).ok());
            let (hash, real) = match parsed {
                Some(hash) => (hash, true),
                None => (
                    PasswordHash::new(&dummy).map_err(|e| {
                        ApiError::Unexpected(anyhow::anyhow!("dummy hash unreadable: {e}"))
                    })?,
                    false,
                ),
            };
            let matches = argon
                .verify_password(password.expose_secret().as_bytes(), &hash)
                .is_ok();
            Ok(matches && real)
        })
        .await
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.permits
            .acquire()
            .await
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("password semaphore closed: {e}")))
    }
}
