//! Pure types and rules: no actix, no diesel.

pub mod text;
pub mod user;
