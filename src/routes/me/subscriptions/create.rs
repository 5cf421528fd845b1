//! `POST /me/subscriptions`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::SubscriptionView;
use crate::db::subscriptions::{self, Target};
use crate::db::{articles, comments};
use crate::domain::comment::CommentId;
use crate::error::{ApiError, Conflict, Forbidden};
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// What to hear about: exactly one of the two.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Subscribe {
    /// Replies to this comment, which must be the caller's.
    pub comment_id: Option<i64>,
    /// Replies to any of the caller's comments on this article (by key), those written
    /// later too.
    pub article: Option<String>,
}

/// Subscribes the caller to replies (idempotent: the existing subscription answers
/// again). 409 `mail_not_configured` without SMTP, 409 `email_not_verified` while the
/// caller's address is not verified; 403 for someone else's comment; 404 for a missing
/// comment or article; 422 unless exactly one of `comment_id` and `article` is given.
#[utoipa::path(post, path = "/api/v1/me/subscriptions", tag = "notifications", request_body = Subscribe, security(("bearer" = [])), responses((status = 200, description = "The subscription", body = SubscriptionView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<Subscribe>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let choice = match (body.comment_id, body.article) {
        (Some(id), None) => Ok(CommentId(id)),
        (None, Some(key)) => Err(key),
        _ => {
            return Err(ApiError::invalid(
                "comment_id",
                "give exactly one of comment_id and article",
            ));
        }
    };
    state.mail.require()?;
    if !caller.user.email_verified() {
        return Err(ApiError::Conflict(Conflict::EmailNotVerified));
    }
    let (user, now) = (caller.user.user_id(), state.clock.now_naive());
    let listed = state
        .db
        .write(move |conn| {
            let target = match choice {
                Ok(id) => {
                    let comment = comments::find(conn, id)?.ok_or(ApiError::NotFound("comment"))?;
                    if comment.author_id != Some(user.0) {
                        return Err(ApiError::Forbidden(Forbidden::NotAllowed));
                    }
                    Target::Comment(id)
                }
                Err(key) => {
                    let article =
                        articles::find_by_key(conn, &key)?.ok_or(ApiError::NotFound("article"))?;
                    Target::Article(article.id)
                }
            };
            let made = subscriptions::subscribe(conn, user, target, now)?;
            let listed = subscriptions::list(conn, user)?;
            listed
                .into_iter()
                .find(|l| l.subscription.id == made.id)
                .ok_or(ApiError::NotFound("subscription"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(SubscriptionView::from(listed)))
}
