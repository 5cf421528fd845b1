//! The OpenAPI 3 document, generated from the handlers' annotations and types.

use actix_web::HttpResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

/// The whole API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tribune",
        description = "Comment backend for news publishers. Every error is an RFC 9457 problem \
                       (application/problem+json) with a stable `code`.",
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::metrics::handle,
        super::pages::html::landing,
        super::pages::html::demo,
        super::pages::files::embed,
        super::pages::files::count,
        super::pages::files::hashed,
        super::pages::html::moderate,
        super::pages::files::console,
        super::pages::html::verify_email,
        super::pages::html::reset_password,
        super::pages::unsubscribe::page,
        super::pages::unsubscribe::confirm,
        super::pages::files::account,
        handle,
        super::docs::handle,
        super::auth::register::handle,
        super::auth::login::handle,
        super::auth::refresh::handle,
        super::auth::sso::handle,
        super::auth::logout::handle,
        super::auth::verify_email::handle,
        super::auth::password_reset::request,
        super::auth::password_reset::confirm,
        super::me::get::handle,
        super::me::update::handle,
        super::me::verify_email::handle,
        super::me::delete::handle,
        super::me::password::handle,
        super::me::export::handle,
        super::me::subscriptions::list::handle,
        super::me::subscriptions::create::handle,
        super::me::subscriptions::delete::handle,
        super::me::decisions::handle,
        super::me::ban_appeal::handle,
        super::comments::list::handle,
        super::comments::create::handle,
        super::comments::get::handle,
        super::comments::edit::handle,
        super::comments::delete::handle,
        super::comments::flag::handle,
        super::comments::appeal::handle,
        super::comments::like::put,
        super::comments::like::delete,
        super::counts::get::handle,
        super::counts::post::handle,
        super::articles::get::handle,
        super::moderation::queue::handle,
        super::moderation::bulk::handle,
        super::moderation::decide::approve,
        super::moderation::decide::reject,
        super::moderation::undo::handle,
        super::moderation::users::handle,
        super::moderation::user::handle,
        super::moderation::user_comments::handle,
        super::moderation::notes::list,
        super::moderation::notes::create,
        super::moderation::ban::handle,
        super::moderation::unban::handle,
        super::moderation::notes::delete,
        super::moderation::log::handle,
        super::moderation::appeals::handle,
        super::moderation::decide_appeal::handle,
        super::moderation::article_list::handle,
        super::moderation::articles::handle,
        super::moderation::dashboard::handle,
        super::admin::settings::get,
        super::admin::settings::put,
        super::admin::role::handle,
        super::admin::hook::get,
        super::admin::hook::put,
        super::admin::hook::delete,
        super::webhooks::create::handle,
        super::webhooks::list::handle,
        super::webhooks::update::handle,
        super::webhooks::delete::handle,
        super::webhooks::deliveries::handle,
        super::webhooks::redeliver::handle,
        super::webhooks::test::handle,
    ),
    components(schemas(
        Problem,
        FieldError,
        crate::domain::event::Envelope,
        crate::domain::event::EventType,
        crate::domain::event::CommentEventData,
        crate::domain::event::FlagEventData,
        crate::domain::event::BanEventData,
        crate::domain::event::ArticleEventData,
        crate::domain::hook::HookRequest,
        crate::domain::hook::HookAnswer,
    )),
    modifiers(&Conventions),
    tags(
        (name = "accounts", description = "Registration, login, single sign-on, sessions, email verification, password reset"),
        (name = "comments", description = "Threads, posting, likes, flags"),
        (name = "notifications", description = "Reply notifications by email: subscriptions, and the one-click unsubscribe link of every notification mail"),
        (name = "counts", description = "Comment counts for article pages"),
        (name = "moderation", description = "Queues, decisions and undo, appeals, accounts and notes, bans, articles, the dashboard, the log"),
        (name = "admin", description = "Site settings, roles, webhooks. Webhook deliveries are POSTs of `Envelope` \
                                          whose `data` is `CommentEventData`, `FlagEventData`, `BanEventData` or \
                                          `ArticleEventData` by type; see the README for signatures"),
        (name = "operations", description = "Health, readiness, metrics, this document and its reference page"),
        (name = "pages", description = "The landing page, the demo, and the scripts publishers embed"),
    )
)]
pub struct ApiDoc;

/// Adds what every operation shares: the bearer scheme, and a `default` response that
/// is a problem document (401, 403, 404, 409, 413, 415, 422, 429, 503 …).
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        let problem = ResponseBuilder::new()
            .description("An RFC 9457 problem; `code` tells which.")
            .content(
                crate::error::PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "Problem",
                    ))))
                    .build(),
            )
            .build();
        openapi
            .extensions
            .get_or_insert_with(Default::default)
            .insert("x-webhooks".into(), outgoing_calls());
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ] {
                let Some(operation) = operation else { continue };
                // Handlers are all called `handle`: name operations by method and path.
                let name: String = path
                    .trim_start_matches("/api/v1")
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                operation.operation_id = Some(format!("{method}{}", name.trim_end_matches('_')));
                operation
                    .responses
                    .responses
                    .entry("default".into())
                    .or_insert_with(|| RefOr::T(problem.clone()));
            }
        }
    }
}

/// What Tribune itself POSTs to others, shaped like OpenAPI 3.1's `webhooks` (a map of
/// path items): webhook deliveries by event type, and the moderation hook's call and
/// answers. Kept under `x-webhooks` so that fuzzers and validators, which would count
/// `webhooks` as operations of this service, leave it alone.
fn outgoing_calls() -> serde_json::Value {
    let schema = |name: &str| serde_json::json!({ "$ref": format!("#/components/schemas/{name}") });
    let delivery = |data: &str, summary: &str| {
        serde_json::json!({ "post": {
            "summary": summary,
            "description": "Signed with `Tribune-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`; \
                            `Tribune-Event-Id` is the same on every attempt. Any 2xx acknowledges it.",
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "allOf": [schema("Envelope"), { "type": "object", "properties": { "data": schema(data) } }]
            } } } },
            "responses": { "2XX": { "description": "Delivered; anything else is retried." } }
        } })
    };
    serde_json::json!({
        "comment.created, comment.approved, comment.rejected, comment.edited, comment.deleted":
            delivery("CommentEventData", "A comment changed"),
        "comment.flagged": delivery("FlagEventData", "A reader flagged a comment"),
        "user.banned, user.unbanned": delivery("BanEventData", "A ban was set or lifted"),
        "article.closed, article.opened": delivery("ArticleEventData", "An article closed or opened"),
        "moderation-hook": { "post": {
            "summary": "The external moderation hook, asked before a post or an edit is written",
            "requestBody": { "required": true, "content": { "application/json": { "schema": schema("HookRequest") } } },
            "responses": {
                "200": { "description": "An opinion", "content": { "application/json": { "schema": schema("HookAnswer") } } },
                "204": { "description": "No opinion: the built-in rules decide" }
            }
        } }
    })
}

/// The OpenAPI document of this service.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json"))
)]
pub async fn handle() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
