//! Authentication services: password hashing, access and refresh tokens, single
//! sign-on. (The extractors that use them for a request are in `routes::extract`.)

pub mod links;
pub mod password;
pub mod sso;
pub mod tokens;
