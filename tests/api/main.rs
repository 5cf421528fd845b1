//! Black-box tests of the whole service over HTTP, on every configured backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod caching;
mod cli;
mod comments;
mod console_api;
mod counts;
mod errors;
mod hardening;
mod health;
mod helpers;
mod limits;
mod migrations;
mod moderation;
mod naughty;
mod openapi;
mod operations;
mod pages;
mod privacy;
mod sessions;
mod sso;
mod tokens;
mod writer;
mod xss;
