//! The sitemap: every route, registered from one table that also lists them for the
//! test that keeps the OpenAPI document and the router in step.

pub mod admin;
pub mod articles;
pub mod auth;
pub mod comments;
pub mod counts;
pub mod extract;
pub mod health;
pub mod me;
pub mod metrics;
pub mod moderation;
pub mod openapi;
pub mod pagination;

use actix_web::web;

/// Declares the routes once: `configure` registers them (each path one resource listing
/// its methods, so a wrong method answers 405, not 404) and `ROUTES` lists them.
macro_rules! sitemap {
    (
        root { $($rpath:literal => { $($rmethod:ident : $rhandler:path),+ $(,)? }),* $(,)? }
        api $prefix:literal { $($path:literal => { $($method:ident : $handler:path),+ $(,)? }),* $(,)? }
    ) => {
        /// Registers every route.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $( cfg.service(web::resource($rpath)$(.$rmethod($rhandler))+); )*
            cfg.service(web::scope($prefix)$(.service(web::resource($path)$(.$method($handler))+))*);
        }

        /// Every registered (method, full path), paths in OpenAPI form.
        pub const ROUTES: &[(&str, &str)] = &[
            $($( (stringify!($rmethod), $rpath), )+)*
            $($( (stringify!($method), concat!($prefix, $path)), )+)*
        ];
    };
}

sitemap! {
    root {
        "/healthz" => { get: health::healthz },
        "/readyz" => { get: health::readyz },
        "/metrics" => { get: metrics::handle },
    }
    api "/api/v1" {
        "/openapi.json" => { get: openapi::handle },
        "/auth/register" => { post: auth::register::handle },
        "/auth/login" => { post: auth::login::handle },
        "/auth/refresh" => { post: auth::refresh::handle },
        "/auth/sso" => { post: auth::sso::handle },
        "/auth/logout" => { post: auth::logout::handle },
        "/me" => { get: me::get::handle, delete: me::delete::handle },
        "/me/password" => { put: me::password::handle },
        "/me/export" => { get: me::export::handle },
        "/comments" => { get: comments::list::handle, post: comments::create::handle },
        "/comments/{id}" => {
            get: comments::get::handle,
            patch: comments::edit::handle,
            delete: comments::delete::handle,
        },
        "/comments/{id}/flags" => { post: comments::flag::handle },
        "/comments/{id}/like" => { put: comments::like::put, delete: comments::like::delete },
        "/counts" => { get: counts::get::handle, post: counts::post::handle },
        "/articles" => { get: articles::get::handle },
        "/mod/queue" => { get: moderation::queue::handle },
        "/mod/comments/bulk" => { post: moderation::bulk::handle },
        "/mod/comments/{id}/approve" => { post: moderation::decide::approve },
        "/mod/comments/{id}/reject" => { post: moderation::decide::reject },
        "/mod/users" => { get: moderation::users::handle },
        "/mod/users/{id}/ban" => { post: moderation::ban::handle },
        "/mod/users/{id}/unban" => { post: moderation::unban::handle },
        "/mod/log" => { get: moderation::log::handle },
        "/mod/articles" => { put: moderation::articles::handle },
        "/admin/settings" => { get: admin::settings::get, put: admin::settings::put },
        "/admin/users/{id}/role" => { put: admin::role::handle },
    }
}
