//! The sitemap.

pub mod auth;
pub mod health;
pub mod me;

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
                .service(web::resource("/me").get(me::get::handle))
                .service(web::resource("/me/password").put(me::password::handle)),
        );
}
