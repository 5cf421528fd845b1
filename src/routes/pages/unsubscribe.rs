//! `/account/unsubscribe`: the one-click unsubscribe link of reply mails and digests
//! (RFC 8058). A mail client POSTs `List-Unsubscribe=One-Click` to it; a person who
//! opens it gets a small page (in the mail's language, no script) whose button POSTs
//! the same. Opening it changes nothing, so link scanners cannot unsubscribe anyone.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::links::{Link, Purpose};
use crate::db::{subscriptions, users};
use crate::domain::user::Language;
use crate::error::ApiError;
use crate::mail::templates::escape;
use crate::state::AppState;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;\
padding:0 1rem;color:#1d1d1f}button{font:inherit;padding:.5rem 1rem;cursor:pointer}";

/// The link's query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnsubscribeQuery {
    /// The signed token from the mail.
    pub token: Option<String>,
    /// The page's language: `de`, `en` or `vi`.
    pub lang: Option<String>,
}

/// What the link ends.
enum What {
    Subscription(i64),
    Digest,
}

/// Checks the token: signed by this service for unsubscribing, unexpired, naming what
/// it ends.
fn check(state: &AppState, token: Option<&str>) -> Result<(Link, What), ApiError> {
    let link = state
        .mail
        .links
        .verify(Purpose::Unsubscribe, token.unwrap_or(""))?;
    let what = match link.what.as_deref() {
        Some("digest") => What::Digest,
        Some(w) => match w.strip_prefix("sub:").and_then(|id| id.parse().ok()) {
            Some(id) => What::Subscription(id),
            None => return Err(ApiError::InvalidLink),
        },
        None => return Err(ApiError::InvalidLink),
    };
    Ok((link, what))
}

/// Asks whether to stop the mails the link is for (nothing changes until the button).
#[utoipa::path(get, path = "/account/unsubscribe", tag = "pages", params(UnsubscribeQuery), responses((status = 200, description = "A page with a button that unsubscribes (HTML)", content_type = "text/html"), (status = 400, description = "The link is not valid (HTML)", content_type = "text/html")))]
pub async fn page(state: web::Data<AppState>, query: web::Query<UnsubscribeQuery>) -> HttpResponse {
    let language = language(&state, query.lang.as_deref());
    let t = texts(language);
    let Ok((_, what)) = check(&state, query.token.as_deref()) else {
        return html(
            HttpResponse::BadRequest(),
            language,
            t.title,
            &format!("<p>{}</p>", escape(t.invalid)),
        );
    };
    let about = match what {
        What::Subscription(_) => t.about_replies,
        What::Digest => t.about_digest,
    };
    let action = format!(
        "/account/unsubscribe?lang={}&token={}",
        language.as_str(),
        query.token.as_deref().unwrap_or("")
    );
    let body = format!(
        "<p>{}</p><form method=\"post\" action=\"{}\">\
         <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
         <button type=\"submit\">{}</button></form>",
        escape(about),
        escape(&action),
        escape(t.button)
    );
    html(HttpResponse::Ok(), language, t.title, &body)
}

/// One-click unsubscribe (RFC 8058): ends the subscription (or the moderators' digest)
/// the signed token names, without a login; the body (`List-Unsubscribe=One-Click`) is
/// not needed. 200 also when it had ended before (a second click is harmless); 400
/// `invalid_link` for a token that is tampered with, expired, of another kind, or
/// naming a subscription of another account.
#[utoipa::path(post, path = "/account/unsubscribe", tag = "pages", params(UnsubscribeQuery), responses((status = 200, description = "Unsubscribed (HTML)", content_type = "text/html")))]
#[tracing::instrument(skip_all)]
pub async fn confirm(
    state: web::Data<AppState>,
    query: web::Query<UnsubscribeQuery>,
) -> Result<HttpResponse, ApiError> {
    let language = language(&state, query.lang.as_deref());
    let (link, what) = check(&state, query.token.as_deref())?;
    let (user, now) = (link.user, state.clock.now_naive());
    state
        .db
        .write(move |conn| match what {
            What::Subscription(id) => {
                if subscriptions::unsubscribe(conn, user, id)? {
                    return Ok(());
                }
                match subscriptions::find(conn, id)? {
                    // Another account's subscription: no token of this one ends it.
                    Some(_) => Err(ApiError::InvalidLink),
                    None => Ok(()),
                }
            }
            What::Digest => {
                users::set_notifications(conn, user, None, Some(false), now).map(|_| ())
            }
        })
        .await?;
    let t = texts(language);
    Ok(html(
        HttpResponse::Ok(),
        language,
        t.title,
        &format!("<p>{}</p>", escape(t.done)),
    ))
}

/// The page's language: the link's, else the service's default.
fn language(state: &AppState, lang: Option<&str>) -> Language {
    lang.and_then(Language::parse)
        .unwrap_or(state.mail.settings.default_language)
}

/// A small self-contained page: no script, its own style by hash, forms only to itself.
fn html(
    mut answer: actix_web::HttpResponseBuilder,
    language: Language,
    title: &str,
    body: &str,
) -> HttpResponse {
    static CSP: OnceLock<String> = OnceLock::new();
    let csp = CSP.get_or_init(|| {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
        format!(
            "default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'"
        )
    });
    answer
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp.as_str()))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <meta name=\"robots\" content=\"noindex\">\
             <title>{t}</title><style>{STYLE}</style></head><body><h1>{t}</h1>{body}</body></html>",
            language.as_str(),
            t = escape(title),
        ))
}

/// The page's texts in one language.
struct Texts {
    title: &'static str,
    about_replies: &'static str,
    about_digest: &'static str,
    button: &'static str,
    done: &'static str,
    invalid: &'static str,
}

fn texts(language: Language) -> Texts {
    match language {
        Language::De => Texts {
            title: "E-Mails abbestellen",
            about_replies: "Möchten Sie keine E-Mails mehr über Antworten auf diese Kommentare erhalten?",
            about_digest: "Möchten Sie die Übersicht für die Moderation nicht mehr erhalten?",
            button: "Abbestellen",
            done: "Erledigt: Sie erhalten diese E-Mails nicht mehr.",
            invalid: "Dieser Link ist ungültig oder abgelaufen. In Ihren Kontoeinstellungen können Sie Benachrichtigungen jederzeit abschalten.",
        },
        Language::En => Texts {
            title: "Unsubscribe",
            about_replies: "Stop receiving emails about replies to these comments?",
            about_digest: "Stop receiving the moderation digest?",
            button: "Unsubscribe",
            done: "Done: you will no longer receive these emails.",
            invalid: "This link is not valid or has expired. You can turn notifications off in your account settings at any time.",
        },
        Language::Vi => Texts {
            title: "Hủy đăng ký email",
            about_replies: "Ngừng nhận email về các phản hồi cho những bình luận này?",
            about_digest: "Ngừng nhận bản tóm tắt kiểm duyệt?",
            button: "Hủy đăng ký",
            done: "Xong: bạn sẽ không nhận các email này nữa.",
            invalid: "Liên kết này không hợp lệ hoặc đã hết hạn. Bạn có thể tắt thông báo trong cài đặt tài khoản bất cứ lúc nào.",
        },
    }
}
