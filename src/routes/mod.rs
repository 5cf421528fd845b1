//! The sitemap: every route, registered from one table that also lists them for the
//! test that keeps the OpenAPI document and the router in step.

pub mod admin;
pub mod articles;
pub mod auth;
pub mod comments;
pub mod counts;
pub mod docs;
pub mod extract;
pub mod gate;
pub mod health;
pub mod me;
pub mod metrics;
pub mod moderation;
pub mod openapi;
pub mod pages;
pub mod pagination;
pub mod webhooks;

use actix_web::middleware::from_fn;
use actix_web::web;

/// Declares the routes once, each method with its access level (`get(public): …`):
/// `configure` registers them (each path one resource listing its methods, so a wrong
/// method answers 405, not 404, and each method behind its `gate`), `ROUTES` lists them,
/// and `access` says who may call each.
macro_rules! sitemap {
    (
        root { $($rpath:literal => { $($rmethod:ident($raccess:ident) : $rhandler:path),+ $(,)? }),* $(,)? }
        api $prefix:literal { $($path:literal => { $($method:ident($access:ident) : $handler:path),+ $(,)? }),* $(,)? }
    ) => {
        /// Registers every route: the API first, in the order listed, since the router
        /// tries each path in turn (a path with a `{parameter}` costs a regex match).
        pub fn configure(cfg: &mut web::ServiceConfig) {
            cfg.service(web::scope($prefix)$(.service(web::resource($path)$(.route(web::$method().to($handler).wrap(from_fn(|req, next| gate::admit(gate::level(stringify!($access)), req, next)))))+))*);
            $( cfg.service(web::resource($rpath)$(.route(web::$rmethod().to($rhandler).wrap(from_fn(|req, next| gate::admit(gate::level(stringify!($raccess)), req, next)))))+); )*
        }

        /// Every registered (method, full path), paths in OpenAPI form.
        pub const ROUTES: &[(&str, &str)] = &[
            $($( (stringify!($rmethod), $rpath), )+)*
            $($( (stringify!($method), concat!($prefix, $path)), )+)*
        ];

        /// Every registered (method, full path) with who may call it.
        pub fn access() -> Vec<(&'static str, &'static str, Option<gate::Access>)> {
            vec![
                $($( (stringify!($rmethod), $rpath, gate::Access::named(stringify!($raccess))), )+)*
                $($( (stringify!($method), concat!($prefix, $path), gate::Access::named(stringify!($access))), )+)*
            ]
        }
    };
}

sitemap! {
    root {
        "/healthz" => { get(public): health::healthz },
        "/readyz" => { get(public): health::readyz },
        "/metrics" => { get(operator): metrics::handle },
        "/" => { get(public): pages::html::landing },
        "/demo/" => { get(public): pages::html::demo },
        "/embed.js" => { get(public): pages::files::embed },
        "/count.js" => { get(public): pages::files::count },
        "/embed/{file}" => { get(public): pages::files::hashed },
        "/moderate/" => { get(public): pages::html::moderate },
        "/moderate/{file}" => { get(public): pages::files::console },
        "/account/verify-email" => { get(public): pages::html::verify_email },
        "/account/reset-password" => { get(public): pages::html::reset_password },
        "/account/unsubscribe" => { get(public): pages::unsubscribe::page, post(public): pages::unsubscribe::confirm },
        "/account/{file}" => { get(public): pages::files::account },
    }
    api "/api/v1" {
        // The hottest paths first: every page view asks for counts and comments.
        "/counts" => { get(public): counts::get::handle, post(public): counts::post::handle },
        "/comments" => { get(public): comments::list::handle, post(user): comments::create::handle },
        "/openapi.json" => { get(public): openapi::handle },
        "/docs" => { get(public): docs::handle },
        "/auth/register" => { post(public): auth::register::handle },
        "/auth/login" => { post(public): auth::login::handle },
        "/auth/refresh" => { post(public): auth::refresh::handle },
        "/auth/sso" => { post(public): auth::sso::handle },
        "/auth/logout" => { post(user): auth::logout::handle },
        "/auth/verify-email" => { post(public): auth::verify_email::handle },
        "/auth/password-reset" => { post(public): auth::password_reset::request },
        "/auth/password-reset/confirm" => { post(public): auth::password_reset::confirm },
        "/me" => {
            get(user): me::get::handle,
            patch(user): me::update::handle,
            delete(user): me::delete::handle,
        },
        "/me/password" => { put(user): me::password::handle },
        "/me/email/verify" => { post(user): me::verify_email::handle },
        "/me/export" => { get(user): me::export::handle },
        "/me/subscriptions" => { get(user): me::subscriptions::list::handle, post(user): me::subscriptions::create::handle },
        "/me/subscriptions/{id}" => { delete(user): me::subscriptions::delete::handle },
        "/me/decisions" => { get(user): me::decisions::handle },
        "/me/ban/appeal" => { post(user): me::ban_appeal::handle },
        "/comments/{id}" => {
            get(public): comments::get::handle,
            patch(user): comments::edit::handle,
            delete(user): comments::delete::handle,
        },
        "/comments/{id}/flags" => { post(user): comments::flag::handle },
        "/comments/{id}/appeal" => { post(user): comments::appeal::handle },
        "/comments/{id}/like" => { put(user): comments::like::put, delete(user): comments::like::delete },
        "/articles" => { get(public): articles::get::handle },
        "/mod/queue" => { get(moderator): moderation::queue::handle },
        "/mod/comments/bulk" => { post(moderator): moderation::bulk::handle },
        "/mod/comments/{id}/approve" => { post(moderator): moderation::decide::approve },
        "/mod/comments/{id}/reject" => { post(moderator): moderation::decide::reject },
        "/mod/comments/{id}/undo" => { post(moderator): moderation::undo::handle },
        "/mod/users" => { get(moderator): moderation::users::handle },
        "/mod/users/{id}" => { get(moderator): moderation::user::handle },
        "/mod/users/{id}/comments" => { get(moderator): moderation::user_comments::handle },
        "/mod/users/{id}/notes" => {
            get(moderator): moderation::notes::list,
            post(moderator): moderation::notes::create,
        },
        "/mod/users/{id}/ban" => { post(moderator): moderation::ban::handle },
        "/mod/users/{id}/unban" => { post(moderator): moderation::unban::handle },
        "/mod/notes/{id}" => { delete(moderator): moderation::notes::delete },
        "/mod/log" => { get(moderator): moderation::log::handle },
        "/mod/appeals" => { get(moderator): moderation::appeals::handle },
        "/mod/appeals/{id}/decide" => { post(moderator): moderation::decide_appeal::handle },
        "/mod/articles" => {
            get(moderator): moderation::article_list::handle,
            put(moderator): moderation::articles::handle,
        },
        "/mod/dashboard" => { get(moderator): moderation::dashboard::handle },
        "/admin/settings" => { get(admin): admin::settings::get, put(admin): admin::settings::put },
        "/admin/users/{id}/role" => { put(admin): admin::role::handle },
        "/admin/moderation-hook" => { get(admin): admin::hook::get, put(admin): admin::hook::put, delete(admin): admin::hook::delete },
        "/admin/webhooks" => { get(admin): webhooks::list::handle, post(admin): webhooks::create::handle },
        "/admin/webhooks/{id}" => { patch(admin): webhooks::update::handle, delete(admin): webhooks::delete::handle },
        "/admin/webhooks/{id}/deliveries" => { get(admin): webhooks::deliveries::handle },
        "/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver" => { post(admin): webhooks::redeliver::handle },
        "/admin/webhooks/{id}/test" => { post(admin): webhooks::test::handle },
    }
}
