//! Accounts: ids, roles, standing and the validated fields of registration.

use std::fmt;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::text::{fold_key, is_default_ignorable, nfc, skeleton_key};

/// A user's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// A login session's id (one per login, kept across refresh-token rotations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Who is looking at comments, for the visibility rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub id: UserId,
    /// Moderators and admins see every comment.
    pub moderator: bool,
}

/// The language of an account's mail (German, English, Vietnamese).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    De,
    En,
    Vi,
}

impl Language {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::De => "de",
            Self::En => "en",
            Self::Vi => "vi",
        }
    }

    /// Parses the stored or configured form; unknown values are `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "de" => Some(Self::De),
            "en" => Some(Self::En),
            "vi" => Some(Self::Vi),
            _ => None,
        }
    }
}

/// What an account may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Reader,
    Moderator,
    Admin,
}

impl Role {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reader => "reader",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }

    /// Parses the stored form; unknown values are `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reader" => Some(Self::Reader),
            "moderator" => Some(Self::Moderator),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// Moderators and admins moderate.
    pub fn can_moderate(self) -> bool {
        self >= Self::Moderator
    }
}

/// An account's standing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Banned,
    Deleted,
}

impl UserStatus {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Banned => "banned",
            Self::Deleted => "deleted",
        }
    }

    /// Parses the stored form; unknown values are `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "banned" => Some(Self::Banned),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }

    /// The standing in force at `now`: a suspension ends by itself at its `until`.
    pub fn effective(self, banned_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match (self, banned_until) {
            (Self::Banned, Some(until)) if until <= now => Self::Active,
            (status, _) => status,
        }
    }
}

const USERNAME_MIN: usize = 3;
const USERNAME_MAX: usize = 32;

/// A valid username: 3–32 letters, digits, `_`, `-` or `.` (any script), in NFC, with
/// nothing invisible (no zero-width characters, bidi controls or fillers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Validates a username as typed at registration.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = nfc(raw.trim());
        let len = name.chars().count();
        if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
            return Err(format!(
                "must be {USERNAME_MIN} to {USERNAME_MAX} characters long"
            ));
        }
        if name.chars().any(is_default_ignorable) {
            return Err("must not contain invisible or bidirectional control characters".into());
        }
        if !name.chars().all(is_username_char) {
            return Err("may contain only letters, digits, '_', '-' and '.'".into());
        }
        Ok(Self(name))
    }

    /// Makes a valid username from a name given by another system (single sign-on):
    /// characters we do not allow become `_`, and it is cut or padded to length.
    pub fn derive(raw: &str) -> Self {
        let mut name: String = nfc(raw.trim())
            .chars()
            .map(|c| if is_username_char(c) { c } else { '_' })
            .take(USERNAME_MAX)
            .collect();
        if !name.chars().any(char::is_alphanumeric) {
            name = "reader".to_owned();
        }
        while name.chars().count() < USERNAME_MIN {
            name.push('_');
        }
        Self(name)
    }

    /// The same name with a numeric suffix, still within the length limit.
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("_{n}");
        let keep = USERNAME_MAX - suffix.len();
        let mut name: String = self.0.chars().take(keep).collect();
        name.push_str(&suffix);
        Self(name)
    }

    /// The name as shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The login key: two names differing only in case share it.
    pub fn key(&self) -> String {
        fold_key(&self.0)
    }

    /// The look-alike key, unique too: two names that only look alike (Cyrillic `аdmin`
    /// and Latin `admin`, `rn` and `m`) share it, so one cannot pass for the other.
    pub fn skeleton(&self) -> String {
        skeleton_key(&self.0)
    }
}

fn is_username_char(c: char) -> bool {
    (c.is_alphanumeric() && !is_default_ignorable(c)) || matches!(c, '_' | '-' | '.')
}

/// A syntactically valid email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Validates an address by RFC 5321/5322 syntax (with UTF-8, RFC 6531), and more
    /// strictly: a dotted host name of letters, digits and `-` (no literal, no display
    /// name), no spaces.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = nfc(raw.trim());
        let invalid = || Err("is not a valid email address".to_owned());
        if email.len() > 254 {
            return Err("must be at most 254 bytes long".into());
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return invalid();
        };
        // A host name: letters and digits (any script, for IDNs), `-` and dots.
        let bad_char = |c: char| !(c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty()
            || local.len() > 64
            || local.chars().any(|c| c.is_whitespace() || c.is_control())
            || domain.chars().any(bad_char)
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return invalid();
        }
        let strict = email_address::Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        if email_address::EmailAddress::parse_with_options(&email, strict).is_err() {
            return invalid();
        }
        Ok(Self(email))
    }

    /// The address as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key (addresses are compared case-insensitively).
    pub fn key(&self) -> String {
        email_key(&self.0)
    }
}

/// The uniqueness key of an email address, also used to look one up at login.
pub fn email_key(email: &str) -> String {
    nfc(email.trim()).to_lowercase()
}

/// The uniqueness key of a username, also used to look one up at login.
pub fn username_key(name: &str) -> String {
    fold_key(nfc(name.trim()).as_str())
}

const PASSWORD_MIN: usize = 8;
const PASSWORD_MAX: usize = 256;

/// A new password of acceptable length.
pub struct NewPassword(SecretString);

impl NewPassword {
    /// Checks the length rule: 8–256 characters.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let len = raw.chars().count();
        if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&len) {
            return Err(format!(
                "must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long"
            ));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    /// The password, for hashing.
    pub fn into_secret(self) -> SecretString {
        self.0
    }
}

/// Whether a password given at login could be valid at all (longer ones are refused
/// without hashing megabytes).
pub fn plausible_password(raw: &str) -> bool {
    raw.chars().count() <= PASSWORD_MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_in_any_script_are_valid() {
        for name in ["leser_anna", "Jürgen.K", "Nguyễn-Văn-An", "用户名", "a.b"] {
            assert!(Username::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn bad_usernames_are_refused() {
        for name in [
            "ab",
            "has space",
            "semi;colon",
            "emoji😀x",
            "a@b",
            &"x".repeat(33),
        ] {
            assert!(Username::parse(name).is_err(), "{name}");
        }
    }

    #[test]
    fn usernames_differing_in_case_share_a_key() {
        let a = Username::parse("Straße").map(|u| u.key());
        let b = Username::parse("STRASSE").map(|u| u.key());
        assert_eq!(a, b);
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused_in_usernames() {
        for name in [
            "\u{202e}nimda",
            "ad\u{200b}min",
            "ad\u{2066}min\u{2069}",
            "anna\u{200d}",
            "\u{3164}\u{3164}\u{3164}",
            "ann\u{ffa0}a",
            "an\u{115f}na",
        ] {
            let error = Username::parse(name).unwrap_err();
            assert!(error.contains("invisible"), "{name:?}: {error}");
        }
    }

    #[test]
    fn usernames_that_look_alike_share_a_skeleton() {
        let skeleton = |name| Username::parse(name).map(|u| u.skeleton());
        // Cyrillic а.
        assert_eq!(skeleton("\u{430}dmin"), skeleton("admin"));
        assert_eq!(skeleton("ADMIN"), skeleton("admin"));
        assert_ne!(skeleton("admin"), skeleton("admins"));
        assert_ne!(
            Username::parse("\u{430}dmin").map(|u| u.key()),
            Username::parse("admin").map(|u| u.key())
        );
    }

    #[test]
    fn derived_usernames_are_valid() {
        for raw in [
            "Anna Müller",
            "",
            "x",
            "😀😀😀",
            &"long".repeat(20),
            "\u{3164}\u{3164}\u{3164}",
            "an\u{202e}na",
        ] {
            let derived = Username::derive(raw);
            assert!(
                Username::parse(derived.as_str()).is_ok(),
                "{raw} -> {derived:?}"
            );
            assert!(Username::parse(derived.with_suffix(12).as_str()).is_ok());
        }
    }

    #[test]
    fn emails() {
        assert!(Email::parse("anna@example.de").is_ok());
        assert!(Email::parse("Anh.Nguyen@ví-dụ.vn").is_ok());
        assert!(Email::parse("jürgen+tribune@müller.de").is_ok());
        assert!(Email::parse("o'brien@example.co.uk").is_ok());
        for bad in [
            "",
            "anna",
            "@example.de",
            "anna@",
            "anna@localhost",
            "a b@x.de",
            "a@x..de",
            "two@@example.org",
            "a@b@example.org",
            "anna@[127.0.0.1]",
            "Anna <anna@example.de>",
            "anna.@example.de",
            ".anna@example.de",
            "an..na@example.de",
            "anna@-example.de",
            "anna@example-.de",
            "anna@exa_mple.de",
            "anna@exa!mple.de",
            "an(na)@example.de",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Email::parse("Anna@Example.DE").map(|e| e.key()),
            Ok("anna@example.de".into())
        );
    }

    #[test]
    fn suspensions_end_by_themselves() {
        let now = Utc::now();
        let past = now - chrono::TimeDelta::seconds(1);
        let future = now + chrono::TimeDelta::seconds(60);
        assert_eq!(
            UserStatus::Banned.effective(Some(past), now),
            UserStatus::Active
        );
        assert_eq!(
            UserStatus::Banned.effective(Some(future), now),
            UserStatus::Banned
        );
        assert_eq!(UserStatus::Banned.effective(None, now), UserStatus::Banned);
    }
}
