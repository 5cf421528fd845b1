//! Test support: the app under test (`app`), its databases (`db`), a client SDK for its
//! endpoints (`client` for readers, `moderator` for moderators and admins), assertions
//! on responses (`assert`) and a TCP proxy for simulated outages (`proxy`).

mod app;
mod assert;
mod client;
mod db;
mod moderator;
mod proxy;

pub use app::*;
pub use assert::*;
pub use client::*;
pub use db::*;
pub use moderator::*;
pub use proxy::*;
