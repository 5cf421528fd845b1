//! `/admin/*`: site settings and roles.

pub mod role;
pub mod settings;
