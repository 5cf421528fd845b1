//! When to try an outbound message again (webhook deliveries, mail): exponential
//! backoff with jitter, up to an hour apart, until it has been tried for long enough.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

/// Longest wait between two attempts.
pub const BACKOFF_CAP: Duration = Duration::from_secs(3600);

/// How long to wait before attempt `attempt + 1` (`attempt` ≥ 1 attempts made): `base`
/// doubled per attempt, at most `cap`, times a jitter factor from `jitter` in [0, 1)
/// (between half and the whole delay, so retries of many messages spread out).
pub fn backoff(attempt: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let doubling = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
    let delay = base.saturating_mul(doubling).min(cap);
    delay.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// When a message queued at `queued_at`, that failed its attempt number `attempts + 1`
/// at `now`, is tried next: `None` once that would be more than `retry_for` after it
/// was queued (it has failed for good).
pub fn next_attempt(
    attempts: i32,
    queued_at: NaiveDateTime,
    now: NaiveDateTime,
    base: Duration,
    retry_for: Duration,
    jitter: f64,
) -> Option<NaiveDateTime> {
    let made = u32::try_from(attempts).unwrap_or(0).saturating_add(1);
    let wait = backoff(made, base, BACKOFF_CAP, jitter);
    let at = now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1));
    let retry_for = TimeDelta::from_std(retry_for).unwrap_or(TimeDelta::MAX);
    (at - queued_at <= retry_for).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let base = Duration::from_secs(10);
        let cap = Duration::from_secs(3600);
        assert_eq!(backoff(1, base, cap, 0.999_999).as_secs(), 9);
        assert_eq!(backoff(1, base, cap, 0.0), Duration::from_secs(5));
        assert_eq!(backoff(3, base, cap, 0.0), Duration::from_secs(20));
        assert_eq!(backoff(30, base, cap, 0.0), Duration::from_secs(1800));
        assert_eq!(backoff(u32::MAX, base, cap, 0.0), Duration::from_secs(1800));
    }

    #[test]
    fn retries_stop_once_the_next_would_come_too_late() {
        let queued = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let base = Duration::from_secs(10);
        let day = Duration::from_secs(24 * 3600);
        let first = next_attempt(0, queued, queued, base, day, 0.0);
        assert_eq!(first, Some(queued + TimeDelta::seconds(5)));
        let late = queued + TimeDelta::hours(23) + TimeDelta::minutes(40);
        assert_eq!(next_attempt(20, queued, late, base, day, 0.0), None);
    }
}
