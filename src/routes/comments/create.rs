//! `POST /comments`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::CommentView;
use crate::db::DbConnection;
use crate::db::articles;
use crate::db::comments::{self, Comment, NewComment};
use crate::db::moderation::{LogEntry, log};
use crate::domain::comment::{
    ArticleKey, CommentBody, CommentId, CommentStatus, article_text, is_web_url,
};
use crate::domain::markdown;
use crate::domain::moderation::{self, Context, Decision};
use crate::error::{ApiError, Conflict, FieldErrors};
use crate::limits::Action;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// A new comment or reply.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateComment {
    /// The article's key (created on its first comment).
    #[schema(min_length = 1, max_length = 512)]
    pub article: String,
    /// Markdown, 1–5000 characters after trimming (configurable).
    #[schema(min_length = 1)]
    pub body: String,
    /// The comment replied to, on the same article.
    pub parent_id: Option<i64>,
    /// The article's title, stored if the article has none yet.
    pub article_title: Option<String>,
    /// The article's http(s) URL, stored if the article has none yet.
    pub article_url: Option<String>,
}

/// Deepest reply level; replies to a comment this deep become its siblings.
const MAX_DEPTH: i32 = 5;

/// Posts a comment: 201 with it, its status and, when held, why.
#[utoipa::path(post, path = "/api/v1/comments", tag = "comments", request_body = CreateComment, security(("bearer" = [])), responses((status = 201, description = "The stored comment", body = CommentView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: web::Json<CreateComment>,
) -> Result<HttpResponse, ApiError> {
    caller.ensure_can_write(state.clock.now())?;
    state
        .limits
        .check(Action::Post, &caller.user.id.to_string())?;
    let input = body.into_inner();
    let site = state.site().await?;

    let mut errors = FieldErrors::default();
    let key = errors.check("article", ArticleKey::parse(&input.article));
    let text = errors.check(
        "body",
        CommentBody::parse(&input.body, site.settings.max_comment_chars()),
    );
    let title = errors.check(
        "article_title",
        article_text(input.article_title.as_deref(), 300),
    );
    let url = errors.check(
        "article_url",
        article_text(input.article_url.as_deref(), 2048).and_then(|u| match u {
            Some(u) if !is_web_url(&u) => Err("must be an http or https URL".into()),
            other => Ok(other),
        }),
    );
    let (Some(key), Some(text), Some(title), Some(url)) = (key, text, title, url) else {
        return Err(errors.into_error());
    };

    let html = markdown::render(text.as_str());
    let now = state.clock.now_naive();
    let author = caller.user.user_id();
    let author_approved = caller.user.approved_count;
    let parent_id = input.parent_id;
    let comment = state
        .db
        .write(move |conn| {
            let article =
                articles::get_or_create(conn, key.as_str(), title.as_deref(), url.as_deref(), now)?;
            if article.is_closed(now) {
                return Err(ApiError::Conflict(Conflict::ArticleClosed));
            }
            let (parent_id, thread_id, depth) = match parent_id {
                None => (None, 0, 0),
                Some(id) => {
                    let parent = comments::find(conn, CommentId(id))?
                        .ok_or_else(|| ApiError::invalid("parent_id", "no such comment"))?;
                    if parent.article_id != article.id {
                        return Err(ApiError::invalid("parent_id", "belongs to another article"));
                    }
                    let own_held = parent.author() == Some(author)
                        && parent.status() == CommentStatus::Pending;
                    if parent.status() != CommentStatus::Approved && !own_held {
                        return Err(ApiError::invalid("parent_id", "cannot be replied to"));
                    }
                    if parent.depth >= MAX_DEPTH {
                        (parent.parent_id, parent.thread_id, MAX_DEPTH)
                    } else {
                        (Some(parent.id), parent.thread_id, parent.depth + 1)
                    }
                }
            };
            let decision = moderation::evaluate(
                text.as_str(),
                Context {
                    settings: &site.settings,
                    article_moderation: &article.moderation,
                    author_approved,
                },
                &site.matchers,
            );
            let comment = comments::insert(
                conn,
                &NewComment {
                    article_id: article.id,
                    parent_id,
                    thread_id,
                    depth,
                    author_id: Some(author.0),
                    body: text.as_str().to_owned(),
                    html,
                    status: decision.status.as_str().to_owned(),
                    moderation_reason: decision.reason.map(|r| r.as_str().to_owned()),
                    created_at: now,
                    updated_at: now,
                },
            )?;
            log_automatic(conn, &comment, decision, now)?;
            Ok((comment, article.key))
        })
        .await?;
    let (comment, article_key) = comment;
    let view = CommentView::new(
        &comment,
        Some(caller.user.username.clone()),
        &article_key,
        false,
        Some(caller.viewer()),
    );
    Ok(HttpResponse::Created().json(view))
}

/// Writes the rules' decision on a new or edited comment to the moderation log.
pub(crate) fn log_automatic(
    conn: &mut DbConnection,
    comment: &Comment,
    decision: Decision,
    now: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    log(
        conn,
        &LogEntry {
            actor: None,
            action: decision.log_action(),
            comment: Some(comment.id),
            user: comment.author_id,
            reason: decision.reason.map(|r| r.as_str()),
            note: None,
            at: now,
        },
    )
}
