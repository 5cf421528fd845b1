//! Pure types and rules: no actix, no diesel.

pub mod comment;
pub mod invalid;
pub mod markdown;
pub mod moderation;
pub mod settings;
pub mod standing;
pub mod text;
pub mod thread;
pub mod user;
pub mod verdict;
