//! The sitemap.

pub mod articles;
pub mod auth;
pub mod comments;
pub mod counts;
pub mod health;
pub mod me;
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
                .service(web::resource("/articles").get(articles::get::handle)),
        );
}
