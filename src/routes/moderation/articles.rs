//! `PUT /mod/articles?article=K`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::db::articles::{self, ArticleChanges};
use crate::domain::article::{ArticleModeration, ArticleStatus};
use crate::domain::comment::{ArticleKey, article_text, web_url};
use crate::error::{ApiError, FieldErrors};
use crate::routes::articles::{ArticleQuery, ArticleView};
use crate::routes::extract::Moderator;
use crate::state::AppState;

/// Changes; an absent field stays as it is, `null` clears `title`, `url` or `closes_at`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ArticleUpdate {
    #[serde(default, deserialize_with = "present")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub url: Option<Option<String>>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// `default` (the site's mode), `pre` or `post`.
    pub moderation: Option<String>,
    /// Closes by itself at this time.
    #[serde(default, deserialize_with = "present")]
    pub closes_at: Option<Option<DateTime<Utc>>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl ArticleUpdate {
    /// Validates every field, reporting all that are wrong at once.
    fn parse(self, article: &str) -> Result<(ArticleKey, ArticleChanges), ApiError> {
        let mut errors = FieldErrors::default();
        let key = errors.check("article", ArticleKey::parse(article));
        let title = self
            .title
            .map(|t| errors.check("title", article_text(t.as_deref(), 300)));
        let url = self.url.map(|u| errors.check("url", web_url(u.as_deref())));
        let status = self
            .status
            .map(|s| errors.check("status", ArticleStatus::parse_field(&s)));
        let moderation = self
            .moderation
            .map(|m| errors.check("moderation", ArticleModeration::parse_field(&m)));
        let Some(key) = key.filter(|_| errors.is_empty()) else {
            return Err(errors.into_error());
        };
        let changes = ArticleChanges {
            title: title.flatten(),
            url: url.flatten(),
            status: status.flatten(),
            moderation: moderation.flatten(),
            closes_at: self.closes_at.map(|c| c.map(|t| t.naive_utc())),
        };
        Ok((key, changes))
    }
}

/// Sets up or changes an article: title, URL, open or closed, moderation mode, a
/// scheduled closing. Creates it if new.
#[utoipa::path(put, path = "/api/v1/mod/articles", tag = "moderation", params(ArticleQuery), request_body = ArticleUpdate, security(("bearer" = [])), responses((status = 200, description = "The article", body = ArticleView)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: Moderator,
    query: web::Query<ArticleQuery>,
    body: web::Json<ArticleUpdate>,
) -> Result<HttpResponse, ApiError> {
    let (key, changes) = body.into_inner().parse(&query.article)?;
    let now = state.clock.now_naive();
    let moderator = caller.0.user.user_id();
    let article = state
        .db
        .write(move |conn| articles::change(conn, key.as_str(), &changes, moderator, now))
        .await?;
    Ok(HttpResponse::Ok().json(ArticleView::new(article, now)))
}
