//! The sitemap.

pub mod admin;
pub mod articles;
pub mod auth;
pub mod comments;
pub mod counts;
pub mod health;
pub mod me;
pub mod moderation;
pub mod pagination;

use actix_web::web;

/// Registers every route. Each path is one resource listing its methods, so a wrong
/// method answers 405 rather than 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/readyz").get(health::readyz))
        .service(
            web::scope("/api/v1")
                .service(web::resource("/auth/register").post(auth::register::handle))
                .service(web::resource("/auth/login").post(auth::login::handle))
                .service(web::resource("/auth/refresh").post(auth::refresh::handle))
                .service(web::resource("/auth/sso").post(auth::sso::handle))
                .service(web::resource("/auth/logout").post(auth::logout::handle))
                .service(
                    web::resource("/me")
                        .get(me::get::handle)
                        .delete(me::delete::handle),
                )
                .service(web::resource("/me/password").put(me::password::handle))
                .service(web::resource("/me/export").get(me::export::handle))
                .service(
                    web::resource("/comments")
                        .get(comments::list::handle)
                        .post(comments::create::handle),
                )
                .service(
                    web::resource("/comments/{id}")
                        .get(comments::get::handle)
                        .patch(comments::edit::handle)
                        .delete(comments::delete::handle),
                )
                .service(web::resource("/comments/{id}/flags").post(comments::flag::handle))
                .service(
                    web::resource("/comments/{id}/like")
                        .put(comments::like::put)
                        .delete(comments::like::delete),
                )
                .service(
                    web::resource("/counts")
                        .get(counts::get::handle)
                        .post(counts::post::handle),
                )
                .service(web::resource("/articles").get(articles::get::handle))
                .service(web::resource("/mod/queue").get(moderation::queue::handle))
                .service(web::resource("/mod/comments/bulk").post(moderation::bulk::handle))
                .service(
                    web::resource("/mod/comments/{id}/approve").post(moderation::decide::approve),
                )
                .service(
                    web::resource("/mod/comments/{id}/reject").post(moderation::decide::reject),
                )
                .service(web::resource("/mod/users").get(moderation::users::handle))
                .service(web::resource("/mod/users/{id}/ban").post(moderation::ban::handle))
                .service(web::resource("/mod/users/{id}/unban").post(moderation::unban::handle))
                .service(web::resource("/mod/log").get(moderation::log::handle))
                .service(web::resource("/mod/articles").put(moderation::articles::handle))
                .service(
                    web::resource("/admin/settings")
                        .get(admin::settings::get)
                        .put(admin::settings::put),
                )
                .service(web::resource("/admin/users/{id}/role").put(admin::role::handle)),
        );
}
