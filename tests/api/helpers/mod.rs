//! Test support: the app under test (`app`), its databases (`db`), a client SDK for its
//! endpoints (`client`), assertions on responses (`assert`) and a TCP proxy for
//! simulated outages (`proxy`).

mod app;
mod assert;
mod client;
mod db;
mod proxy;

pub use app::*;
pub use assert::*;
pub use client::*;
pub use db::*;
pub use proxy::*;
