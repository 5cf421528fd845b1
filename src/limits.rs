//! Rate limits per client network (registration, login, refresh, password checks), per
//! account (login, password checks, posting, editing, flagging, liking) and across all
//! clients (the actions that hash a password), with governor's keyed GCRA limiters.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::str::FromStr;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::user::{UserId, email_key, username_key};
use crate::error::ApiError;

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Register,
    Login,
    Refresh,
    Post,
    Edit,
    Flag,
    /// Login attempts per login name (known or not).
    LoginAccount,
    /// Checks of the current password (changing it, erasing the account).
    PasswordCheck,
    Like,
    /// Every password hash (registrations, logins, password checks) of all clients.
    Hashing,
    /// Password reset requests per address (known or not).
    PasswordReset,
    /// Password reset requests per client network.
    PasswordResetIp,
    /// Verification mails asked for, per account.
    VerifyEmail,
    /// Mailed links used (verification, reset), per client network.
    LinkUse,
    /// Mails of the registration path with a taken address, per address.
    RegistrationMail,
}

/// A number of requests per window, e.g. `10/minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: NonZeroU32,
    pub per_secs: u32,
}

impl FromStr for Rate {
    type Err = String;

    /// `N/second`, `N/minute` or `N/hour` (also `s`, `m`, `h`).
    fn from_str(s: &str) -> Result<Self, String> {
        let (count, unit) = s
            .split_once('/')
            .ok_or("expected N/second, N/minute or N/hour")?;
        let count = count
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(NonZeroU32::new)
            .ok_or("the count must be a positive integer")?;
        let per_secs = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            other => return Err(format!("unknown unit {other}")),
        };
        Ok(Self { count, per_secs })
    }
}

impl Rate {
    fn quota(self) -> Quota {
        // `count` requests at once, refilled evenly over the window.
        let period = std::time::Duration::from_secs(u64::from(self.per_secs)) / self.count.get();
        Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(self.count))
            .allow_burst(self.count)
    }
}

/// Limits, or none (`TRIBUNE_RATE_LIMITS=off`, e.g. for benchmarks).
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub enabled: bool,
    pub register: Rate,
    pub login: Rate,
    pub refresh: Rate,
    pub post: Rate,
    pub edit: Rate,
    pub flag: Rate,
    /// Login attempts per login name, from any address.
    pub login_account: Rate,
    /// Current-password checks, per account and per client network.
    pub password_check: Rate,
    /// Likes and unlikes per account.
    pub like: Rate,
    /// Registrations, logins and password checks of all clients together.
    pub hashing_total: Rate,
    /// IPv6 clients are keyed by this prefix (one /64 is one subscriber).
    pub ipv6_prefix: u8,
    /// Password reset requests per address.
    pub password_reset: Rate,
    /// Password reset requests per client network.
    pub password_reset_ip: Rate,
    /// Verification mails asked for, per account.
    pub verify_email: Rate,
    /// Mailed links used, per client network.
    pub link_use: Rate,
    /// Mails of the registration path with a taken address, per address.
    pub registration_mail: Rate,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        let rate = |count: u32, per_secs| Rate {
            count: NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN),
            per_secs,
        };
        Self {
            enabled: true,
            register: rate(5, 3600),
            login: rate(10, 60),
            refresh: rate(30, 60),
            post: rate(10, 60),
            edit: rate(20, 60),
            flag: rate(20, 60),
            login_account: rate(20, 3600),
            password_check: rate(10, 3600),
            like: rate(60, 60),
            hashing_total: rate(20, 1),
            ipv6_prefix: 64,
            password_reset: rate(3, 3600),
            password_reset_ip: rate(10, 3600),
            verify_email: rate(3, 3600),
            link_use: rate(30, 3600),
            registration_mail: rate(3, 3600),
        }
    }
}

/// The limiters.
pub struct RateLimits {
    limiters: Option<[DefaultKeyedRateLimiter<String>; 15]>,
    ipv6_prefix: u8,
}

impl RateLimits {
    /// Limiters from settings.
    pub fn new(settings: &RateLimitSettings) -> Self {
        let limiters = settings.enabled.then(|| {
            [
                settings.register,
                settings.login,
                settings.refresh,
                settings.post,
                settings.edit,
                settings.flag,
                settings.login_account,
                settings.password_check,
                settings.like,
                settings.hashing_total,
                settings.password_reset,
                settings.password_reset_ip,
                settings.verify_email,
                settings.link_use,
                settings.registration_mail,
            ]
            .map(|rate| RateLimiter::keyed(rate.quota()))
        });
        Self {
            limiters,
            ipv6_prefix: settings.ipv6_prefix.clamp(1, 128),
        }
    }

    /// The prefix length IPv6 clients are keyed by.
    pub fn ipv6_prefix(&self) -> u8 {
        self.ipv6_prefix
    }

    fn limiter(&self, action: Action) -> Option<&DefaultKeyedRateLimiter<String>> {
        let limiters = self.limiters.as_ref()?;
        Some(&limiters[action as usize])
    }

    /// Counts one request of `action` by `key`; 429 `rate_limited` with the wait when
    /// over the limit.
    pub fn check(&self, action: Action, key: &str) -> Result<(), ApiError> {
        let Some(limiter) = self.limiter(action) else {
            return Ok(());
        };
        limiter.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    /// Counts one login attempt with `login` (username or email address) from `client`:
    /// per client network, per login name (the same for names without an account, so a
    /// 429 tells nothing about which exist) and against the total.
    pub fn check_login(&self, client: &ClientIp, login: &str) -> Result<(), ApiError> {
        self.check(Action::Login, &client.key())?;
        self.check(Action::LoginAccount, &login_key(login))?;
        self.check_hashing_total()
    }

    /// Counts one check of `account`'s current password from `client`, per account and
    /// per client network, and against the total.
    pub fn check_password_check(&self, account: UserId, client: &ClientIp) -> Result<(), ApiError> {
        self.check(Action::PasswordCheck, &format!("ip:{}", client.key()))?;
        self.check(Action::PasswordCheck, &format!("user:{}", account.0))?;
        self.check_hashing_total()
    }

    /// A wrong current password also spends one login attempt of the account's name,
    /// so a stolen access token guesses no faster than a login form.
    pub fn count_wrong_password(&self, username: &str) {
        let _ = self.check(Action::LoginAccount, &login_key(username));
    }

    /// Counts one password hash against the total of all clients.
    pub fn check_hashing_total(&self) -> Result<(), ApiError> {
        self.check(Action::Hashing, "all")
    }

    /// Counts one password reset request for `email` from `client`, per client network
    /// and per address (the same for addresses without an account).
    pub fn check_password_reset(&self, client: &ClientIp, email: &str) -> Result<(), ApiError> {
        self.check(Action::PasswordResetIp, &client.key())?;
        self.check(Action::PasswordReset, &login_key(email))
    }

    /// Forgets keys whose limits have fully recovered (keeps memory bounded).
    pub fn forget_idle(&self) {
        for limiter in self.limiters.iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The key of per-name login limits: the name as accounts are looked up by it, so
/// `Anna`, `ANNA` and `anna` share one budget.
pub fn login_key(login: &str) -> String {
    /// Longer logins match no account; they share one key rather than store each.
    const MAX_KEY_BYTES: usize = 320;
    if login.len() > MAX_KEY_BYTES {
        "too-long".to_owned()
    } else if login.contains('@') {
        email_key(login)
    } else {
        username_key(login)
    }
}

/// The client's IP: the socket peer, or, when the peer is a trusted proxy, the last
/// address in `X-Forwarded-For` that is not one. The extractor gives it as the client's
/// network ([`ClientIp::network`]), what per-IP limits count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The network of the address: IPv4 as it is (also when mapped into IPv6), IPv6 cut
    /// to its first `ipv6_prefix` bits, since one subscriber gets a whole /64 (or more).
    pub fn network(self, ipv6_prefix: u8) -> Self {
        Self(self.0.map(|ip| match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let bits = u32::from(ipv6_prefix.min(128));
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
            }
            v4 => v4,
        }))
    }

    /// The key for per-IP limits.
    pub fn key(&self) -> String {
        self.0
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }

    /// Works out the client address from the peer and the forwarding header.
    pub fn resolve(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> Self {
        let Some(peer) = peer else { return Self(None) };
        if !trusted.contains(&peer) {
            return Self(Some(peer));
        }
        let hops: Vec<IpAddr> = forwarded_for
            .unwrap_or_default()
            .split(',')
            .filter_map(|hop| hop.trim().parse().ok())
            .collect();
        let client = hops
            .iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .or(hops.first());
        Self(Some(client.copied().unwrap_or(peer)))
    }
}

/// Notices requests that carry `X-Forwarded-For` from a peer that is not a trusted
/// proxy: behind an unlisted proxy every client counts as the proxy (one registration
/// limit for the whole site), so the operator is told, once.
#[derive(Debug, Default)]
pub struct ForwardingCheck {
    trusted: Vec<IpAddr>,
    warned: std::sync::atomic::AtomicBool,
}

impl ForwardingCheck {
    /// A check believing `trusted`.
    pub fn new(trusted: Vec<IpAddr>) -> Self {
        Self {
            trusted,
            warned: Default::default(),
        }
    }

    /// Whether this request is the first to bring a forwarding header from an untrusted
    /// peer (the caller then warns).
    pub fn first_untrusted(&self, peer: Option<IpAddr>, forwarded: bool) -> bool {
        use std::sync::atomic::Ordering;
        forwarded
            && peer.is_some_and(|p| !self.trusted.contains(&p))
            && !self.warned.load(Ordering::Relaxed)
            && !self.warned.swap(true, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarding_from_an_untrusted_peer_is_noticed_once() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let check = ForwardingCheck::new(vec![proxy]);
        assert!(!check.first_untrusted(Some(proxy), true));
        assert!(!check.first_untrusted("203.0.113.9".parse().ok(), false));
        assert!(check.first_untrusted("203.0.113.9".parse().ok(), true));
        assert!(!check.first_untrusted("203.0.113.7".parse().ok(), true));
    }

    #[test]
    fn rates_parse() {
        assert_eq!("10/minute".parse::<Rate>().unwrap().per_secs, 60);
        assert_eq!("3/h".parse::<Rate>().unwrap().count.get(), 3);
        assert!("0/minute".parse::<Rate>().is_err());
        assert!("ten/minute".parse::<Rate>().is_err());
        assert!("10/fortnight".parse::<Rate>().is_err());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let spoofed = Some("198.51.100.1, 203.0.113.7");
        assert_eq!(
            ClientIp::resolve(Some(client), spoofed, &[proxy]).0,
            Some(client)
        );
        assert_eq!(
            ClientIp::resolve(Some(proxy), spoofed, &[proxy]).0,
            Some(client)
        );
        assert_eq!(
            ClientIp::resolve(Some(proxy), Some("203.0.113.7, 10.0.0.1"), &[proxy]).0,
            Some(client)
        );
        assert_eq!(
            ClientIp::resolve(Some(proxy), None, &[proxy]).0,
            Some(proxy)
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_prefix() {
        let net = |ip: &str, prefix| ClientIp(Some(ip.parse().unwrap())).network(prefix).key();
        assert_eq!(net("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::");
        assert_eq!(net("2001:db8:1:2:bbbb::9", 64), "2001:db8:1:2::");
        assert_ne!(net("2001:db8:1:3::1", 64), net("2001:db8:1:2::1", 64));
        assert_eq!(net("2001:db8:1:3::1", 48), "2001:db8:1::");
        assert_eq!(net("2001:db8::1", 128), "2001:db8::1");
        assert_eq!(net("203.0.113.7", 64), "203.0.113.7");
        assert_eq!(net("::ffff:203.0.113.7", 64), "203.0.113.7");
        assert_eq!(ClientIp(None).network(64).key(), "unknown");
    }

    #[test]
    fn login_names_share_a_key_as_accounts_are_looked_up() {
        assert_eq!(login_key("Anna"), login_key("ANNA"));
        assert_eq!(login_key("Anna@Example.org"), login_key("anna@example.org"));
        assert_eq!(login_key(&"x".repeat(400)), login_key(&"y".repeat(500)));
    }

    #[test]
    fn over_the_limit_is_429_with_a_wait() {
        let settings = RateLimitSettings {
            login: "2/minute".parse().unwrap(),
            ..RateLimitSettings::default()
        };
        let limits = RateLimits::new(&settings);
        assert!(limits.check(Action::Login, "a").is_ok());
        assert!(limits.check(Action::Login, "a").is_ok());
        match limits.check(Action::Login, "a") {
            Err(ApiError::RateLimited { retry_after_secs }) => {
                assert!((1..=30).contains(&retry_after_secs))
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(
            limits.check(Action::Login, "b").is_ok(),
            "keys are separate"
        );
        assert!(
            limits.check(Action::Post, "a").is_ok(),
            "actions are separate"
        );
        let off = RateLimits::new(&RateLimitSettings {
            enabled: false,
            ..settings
        });
        for _ in 0..100 {
            assert!(off.check(Action::Login, "a").is_ok());
        }
    }
}
