//! `POST /comments`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{CommentView, hook};
use crate::db::comments::{self, NewPost};
use crate::db::subscriptions::{self, Target};
use crate::domain::article::reader_may_name;
use crate::domain::comment::{ArticleKey, CommentBody, CommentId, article_text, web_url};
use crate::domain::markdown;
use crate::domain::moderation::{self, Site};
use crate::domain::user::UserId;
use crate::error::{ApiError, FieldErrors};
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
    /// Mail the author about replies to this comment once they are approved (a
    /// subscription, listed in `GET /me/subscriptions`). Made only when mail is
    /// configured and the author's address is verified; otherwise ignored.
    #[serde(default)]
    pub notify_replies: bool,
}

impl CreateComment {
    /// Validates every field against the settings in force, reporting all that are
    /// wrong; renders the body and applies the rules that read only its text.
    fn parse(self, site: &Site) -> Result<NewPost, ApiError> {
        let settings = &site.settings;
        let mut errors = FieldErrors::default();
        let key = errors.check("article", ArticleKey::parse(&self.article));
        let limit = settings.max_comment_chars();
        let text = errors.check("body", CommentBody::parse(&self.body, limit));
        let title = errors.check(
            "article_title",
            article_text(self.article_title.as_deref(), 300),
        );
        let url = errors.check("article_url", web_url(self.article_url.as_deref()));
        let (Some(article), Some(body), Some(title), Some(url)) = (key, text, title, url) else {
            return Err(errors.into_error());
        };
        Ok(NewPost {
            html: markdown::render(body.as_str()),
            text_verdict: moderation::judge_text(body.as_str(), settings, &site.matchers),
            article,
            title,
            url,
            parent: self.parent_id.map(CommentId),
            body,
        })
    }
}

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
    let site = state.site().await?;
    let body = body.into_inner();
    let subscribe = body.notify_replies && state.mail.enabled() && caller.user.email_verified();
    let mut post = body.parse(&site)?;
    // The article's public title and link come from staff, or from the publisher's pages.
    let staff = caller.user.role().can_moderate();
    if !staff && !reader_may_name(post.url.as_deref(), &state.publisher_hosts) {
        (post.title, post.url) = (None, None);
    }
    let heard = hook::on_post(&state, &site, &caller, &post).await;
    let writer = caller.writer();
    let writer_id = caller.user.id;
    let now = state.clock.now_naive();
    let key = post.article.as_str().to_owned();
    let (comment, article) = state
        .db
        .write_posting(&key, move |conn, touched, tally| {
            let (comment, article) =
                comments::post(conn, tally, &post, writer, &site, heard.as_ref(), now)?;
            touched.article(article.as_str());
            if subscribe {
                let target = Target::Comment(CommentId(comment.id));
                subscriptions::subscribe(conn, UserId(writer_id), target, now)?;
            }
            Ok((comment, article))
        })
        .await?;
    let author = Some(caller.user.username.clone());
    let view = CommentView::new(&comment, author, &article, false, Some(caller.viewer()));
    Ok(HttpResponse::Created().json(view))
}
