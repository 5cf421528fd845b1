//! Authentication: password hashing, access and refresh tokens, single sign-on, and the
//! extractor that gives handlers the caller's account.

pub mod extractors;
pub mod password;
pub mod sso;
pub mod tokens;
