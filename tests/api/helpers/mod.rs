//! Test support: the app under test (`app`), its databases (`db`), a client SDK for its
//! endpoints (`client` for readers, `moderator` for moderators and admins), assertions
//! on responses (`assert`), a TCP proxy for simulated outages (`proxy`), a real HTTP
//! receiver for webhooks (`receiver`), the webhook admin API (`webhooks`), an SMTP sink
//! (`smtp`) and the real binary in a process of its own (`binary`).

mod app;
mod assert;
mod binary;
mod client;
mod db;
mod moderator;
mod proxy;
mod receiver;
mod smtp;
mod webhooks;

pub use app::*;
pub use assert::*;
pub use binary::*;
pub use client::*;
pub use db::*;
pub use moderator::*;
pub use proxy::*;
pub use receiver::*;
pub use smtp::*;
