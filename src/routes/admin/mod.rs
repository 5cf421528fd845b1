//! `/admin/*`: site settings, roles and the moderation hook (webhooks: `routes::webhooks`).

pub mod hook;
pub mod role;
pub mod settings;
