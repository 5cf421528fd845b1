//! Pure types and rules: no actix, no diesel.

pub mod comment;
pub mod markdown;
pub mod moderation;
pub mod settings;
pub mod text;
pub mod thread;
pub mod user;
