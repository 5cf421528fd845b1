//! `POST /comments`.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::{CommentView, hook};
use crate::db::DbConnection;
use crate::db::articles::Known;
use crate::db::changes::Touched;
use crate::db::comments::{self, Comment, NewComment, NewPost, PostEnd, Writer};
use crate::db::subscriptions::{self, Target};
use crate::db::tally::Tally;
use crate::db::writer::Post;
use crate::domain::article::reader_may_name;
use crate::domain::comment::{ArticleKey, CommentBody, CommentId, article_text, web_url};
use crate::domain::hook::Heard;
use crate::domain::markdown;
use crate::domain::moderation::{self, Site};
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
    let key = post.article.as_str().to_owned();
    let posting = Posting {
        post,
        writer: caller.writer(),
        site,
        heard,
        subscribe,
        now: state.clock.now_naive(),
        end: None,
    };
    let (comment, article) = state.db.write_posting(&key, posting).await?;
    let author = Some(caller.user.username.clone());
    let view = CommentView::new(&comment, author, &article, false, Some(caller.viewer()));
    Ok(HttpResponse::Created().json(view))
}

/// A post's work in the writer (see `writer::Post`).
struct Posting {
    post: NewPost,
    writer: Writer,
    site: Arc<Site>,
    heard: Option<Heard>,
    subscribe: bool,
    now: NaiveDateTime,
    /// Between the two parts.
    end: Option<PostEnd>,
}

impl Post for Posting {
    type Out = (Comment, String);

    fn article_key(&self) -> Option<&str> {
        Some(self.post.article.as_str())
    }

    fn before(
        &mut self,
        conn: &mut DbConnection,
        known: &Known,
        _: &mut Touched,
        _: &mut Tally,
    ) -> Result<NewComment, ApiError> {
        let site = &self.site;
        let (row, end) = comments::stage_post(
            conn,
            known,
            &self.post,
            self.writer,
            site,
            self.heard.as_ref(),
            self.now,
        )?;
        self.end = Some(end);
        Ok(row)
    }

    fn after(
        &mut self,
        conn: &mut DbConnection,
        comment: Comment,
        touched: &mut Touched,
        tally: &mut Tally,
    ) -> Result<Self::Out, ApiError> {
        let end = self
            .end
            .take()
            .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("a post ended before it began")))?;
        let (comment, article) =
            comments::finish_post(conn, tally, comment, end, self.heard.as_ref(), self.now)?;
        touched.article(&article);
        if self.subscribe {
            let target = Target::Comment(CommentId(comment.id));
            subscriptions::subscribe(conn, self.writer.id, target, self.now)?;
        }
        Ok((comment, article))
    }
}
