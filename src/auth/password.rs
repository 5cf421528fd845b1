//! Argon2id hashing on a small pool of dedicated threads, off the async workers, a
//! bounded number at once, so a login flood queues instead of exhausting memory or
//! stalling other requests.
//!
//! Dedicated threads matter for memory: each hash allocates its whole memory cost
//! (19 MiB), and the allocator keeps freed blocks in per-thread arenas. On tokio's
//! blocking pool, whose threads come and go by the hundred, a flood left gigabytes
//! resident; on N fixed threads it stays near N × the memory cost.

use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

use std::cell::RefCell;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tracing::Span;

use crate::error::ApiError;

/// Argon2id cost and concurrency.
#[derive(Debug, Clone)]
pub struct PasswordSettings {
    /// Memory per hash, KiB (OWASP minimum: 19456).
    pub memory_kib: u32,
    /// Passes over memory (OWASP minimum with 19 MiB: 2).
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// Hashes computed at once (threads of the hashing pool); the rest queue.
    pub max_concurrent: usize,
}

impl PasswordSettings {
    /// OWASP's minimum for Argon2id: m=19 MiB, t=2, p=1.
    pub const OWASP_MIN_MEMORY_KIB: u32 = 19_456;
    /// OWASP's minimum iterations at that memory.
    pub const OWASP_MIN_ITERATIONS: u32 = 2;
}

type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct Passwords {
    argon: Argon2<'static>,
    /// Feeds the hashing threads; they stop when every clone of it is dropped.
    jobs: Sender<Job>,
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
        let dummy_hash = hash_with_buffer(&argon, dummy.as_bytes())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e:?}"))?;
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..settings.max_concurrent.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })?;
        }
        Ok(Self {
            argon,
            jobs,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Runs `f` on a hashing thread, in the caller's span.
    async fn on_pool<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let span = Span::current();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(span.in_scope(f));
            }))
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("the hashing threads stopped")))?;
        result
            .await
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("a hashing job was dropped")))?
    }

    /// Hashes a new password (PHC string with a fresh salt).
    pub async fn hash(&self, password: SecretString) -> Result<String, ApiError> {
        let argon = self.argon.clone();
        self.on_pool(move || hash_with_buffer(&argon, password.expose_secret().as_bytes()))
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
        let dummy = self.dummy_hash.clone();
        self.on_pool(move || {
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
            let matches = verify_with_buffer(password.expose_secret().as_bytes(), &hash);
            Ok(matches && real)
        })
        .await
    }
}

thread_local! {
    /// The hashing thread's Argon2 memory, allocated once and reused for every hash.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with at least `blocks` blocks of this thread's reusable memory.
fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            *memory = vec![Block::new(); blocks];
        }
        f(&mut memory[..blocks])
    })
}

fn hashing_failed(e: impl std::fmt::Debug) -> ApiError {
    ApiError::Unexpected(anyhow::anyhow!("hashing failed: {e:?}"))
}

/// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`, with a fresh salt.
fn hash_with_buffer(argon: &Argon2<'_>, password: &[u8]) -> Result<String, ApiError> {
    let salt: [u8; 16] = rand::random();
    let mut out = [0u8; 32];
    let params = argon.params().clone();
    with_memory(params.block_count(), |memory| {
        argon.hash_password_into_with_memory(password, &salt, &mut out, memory)
    })
    .map_err(hashing_failed)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(hashing_failed)?,
        salt: Some(Salt::new(&salt).map_err(hashing_failed)?),
        hash: Some(Output::new(&out).map_err(hashing_failed)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches `stored`, computed with the stored parameters and compared
/// in constant time.
fn verify_with_buffer(password: &[u8], stored: &PasswordHash) -> bool {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(stored.algorithm.as_str()) else {
        return false;
    };
    let version = stored
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let Ok(params) = Params::try_from(stored) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    let computed = with_memory(params.block_count(), |memory| {
        argon.hash_password_into_with_memory(password, salt.as_ref(), &mut out, memory)
    });
    computed.is_ok() && Output::new(&out).is_ok_and(|actual| actual == *expected)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    fn cheap() -> Argon2<'static> {
        Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64, 1, 1, None).unwrap(),
        )
    }

    #[test]
    fn hashes_are_standard_phc_strings_both_ways() {
        let argon = cheap();
        let ours = hash_with_buffer(&argon, b"correct horse").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(
            argon
                .verify_password(b"correct horse", &PasswordHash::new(&ours).unwrap())
                .is_ok()
        );

        let theirs = argon.hash_password(b"battery staple").unwrap().to_string();
        assert!(verify_with_buffer(
            b"battery staple",
            &PasswordHash::new(&theirs).unwrap()
        ));
        assert!(!verify_with_buffer(
            b"battery stapler",
            &PasswordHash::new(&theirs).unwrap()
        ));
    }

    #[test]
    fn stored_parameters_win_over_current_ones() {
        let older = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(128, 2, 1, None).unwrap(),
        );
        let stored = hash_with_buffer(&older, b"pw").unwrap();
        // A thread whose buffer was sized for smaller parameters grows it.
        let _ = hash_with_buffer(&cheap(), b"warm");
        assert!(verify_with_buffer(
            b"pw",
            &PasswordHash::new(&stored).unwrap()
        ));
    }
}
