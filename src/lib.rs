//! Tribune: a comment backend for news publishers.

pub mod archive;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod db;
pub mod domain;
pub mod error;
pub mod hook;
pub mod limits;
pub mod mail;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;
