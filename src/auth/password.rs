//! Argon2id hashing on a small pool of dedicated threads, off the async workers, a
//! bounded number at once, so a login flood queues instead of exhausting memory or
//! stalling other requests. The queue is bounded too (beyond it: 503 `unavailable` with
//! `Retry-After`), so a flood cannot make every later login wait for seconds, and a job
//! whose client has gone is dropped unhashed.
//!
//! Dedicated threads matter for memory: each hash allocates its whole memory cost
//! (19 MiB), and the allocator keeps freed blocks in per-thread arenas. On tokio's
//! blocking pool, whose threads come and go by the hundred, a flood left gigabytes
//! resident; on N fixed threads it stays near N × the memory cost.

use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
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
    /// Hashes waiting for a thread at most; further requests wait for a place.
    pub max_queued: usize,
    /// How long a request waits for a place in the queue before it is refused with 503
    /// (waiting costs nothing; refusing at once would let a flood retry in a tight loop).
    pub queue_wait: std::time::Duration,
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
    jobs: SyncSender<Job>,
    /// Places in the queue and on the threads: a request holds one until its hash is done.
    slots: Arc<tokio::sync::Semaphore>,
    queue_wait: std::time::Duration,
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
        let (jobs, queue) = sync_channel::<Job>(settings.max_queued.max(1));
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
        let slots = settings.max_queued.max(1) + settings.max_concurrent.max(1);
        Ok(Self {
            argon,
            jobs,
            slots: Arc::new(tokio::sync::Semaphore::new(slots)),
            queue_wait: settings.queue_wait,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Runs `f` on a hashing thread, in the caller's span, once a place in the queue is
    /// free; 503 if none frees within `queue_wait`.
    async fn on_pool<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let place = tokio::time::timeout(self.queue_wait, self.slots.clone().acquire_owned());
        let Ok(Ok(_place)) = place.await else {
            return Err(ApiError::Unavailable(anyhow::anyhow!(
                "the password hashing queue is full"
            )));
        };
        self.enqueue(f)?
            .await
            .map_err(|_| ApiError::Unexpected(anyhow::anyhow!("a hashing job was dropped")))?
    }

    /// Queues `f` for a hashing thread, or refuses with 503 when the queue is full. The
    /// job is skipped if its receiver is gone by then (the request was dropped, e.g.
    /// because the client disconnected).
    fn enqueue<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<Result<T, ApiError>>, ApiError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let span = Span::current();
        let job: Job = Box::new(move || {
            if !done.is_closed() {
                let _ = done.send(span.in_scope(f));
            }
        });
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => {
                ApiError::Unavailable(anyhow::anyhow!("the password hashing queue is full"))
            }
            TrySendError::Disconnected(_) => {
                ApiError::Unexpected(anyhow::anyhow!("the hashing threads stopped"))
            }
        })?;
        Ok(result)
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
    fn a_full_queue_refuses_and_an_abandoned_job_is_not_hashed() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::mpsc;

        let passwords = Passwords::new(&PasswordSettings {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            max_concurrent: 1,
            max_queued: 1,
            queue_wait: std::time::Duration::ZERO,
        })
        .unwrap();
        // The one thread is busy until released; then the queue takes one job.
        let (release, gate) = mpsc::channel::<()>();
        let (started, running) = mpsc::channel::<()>();
        let busy = passwords
            .enqueue(move || {
                started.send(()).unwrap();
                gate.recv().unwrap();
                Ok(())
            })
            .unwrap();
        running.recv().unwrap();
        let hashed = Arc::new(AtomicBool::new(false));
        let abandoned = passwords
            .enqueue({
                let hashed = hashed.clone();
                move || {
                    hashed.store(true, Ordering::SeqCst);
                    Ok(())
                }
            })
            .unwrap();

        match passwords.enqueue(|| Ok(())) {
            Err(ApiError::Unavailable(_)) => {}
            other => panic!("expected 503, got {:?}", other.map(|_| ())),
        }

        // The request behind the queued job goes away before a thread is free.
        drop(abandoned);
        release.send(()).unwrap();
        busy.blocking_recv().unwrap().unwrap();
        // Jobs run in order, so once a later one is done the abandoned one was taken.
        // The thread may not have taken the abandoned job off the queue yet, so the
        // queue can still be full for a moment: ask until it has room.
        let later = (0..1000)
            .find_map(|_| match passwords.enqueue(|| Ok(())) {
                Ok(job) => Some(job),
                Err(_) => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    None
                }
            })
            .expect("the queue never had room again");
        later.blocking_recv().unwrap().unwrap();
        assert!(!hashed.load(Ordering::SeqCst), "an abandoned job was run");
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
