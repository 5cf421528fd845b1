//! `PUT /mod/articles?article=K`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::db::articles::{self, ArticleChanges};
use crate::db::moderation::{self, LogEntry};
use crate::domain::comment::{ArticleKey, article_text, is_web_url};
use crate::error::{ApiError, FieldErrors};
use crate::routes::articles::get::{ArticleQuery, ArticleView};
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
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let key = errors.check("article", ArticleKey::parse(&query.article));
    let title = body
        .title
        .map(|t| errors.check("title", article_text(t.as_deref(), 300)));
    let url = body.url.map(|u| {
        errors.check(
            "url",
            article_text(u.as_deref(), 2048).and_then(|u| match u {
                Some(u) if !is_web_url(&u) => Err("must be an http or https URL".into()),
                other => Ok(other),
            }),
        )
    });
    let status = body.status.map(|s| {
        errors.check(
            "status",
            if s == "open" || s == "closed" {
                Ok(s)
            } else {
                Err("must be open or closed".into())
            },
        )
    });
    let moderation = body.moderation.map(|m| {
        errors.check(
            "moderation",
            if ["default", "pre", "post"].contains(&m.as_str()) {
                Ok(m)
            } else {
                Err("must be default, pre or post".into())
            },
        )
    });
    let Some(key) = key.filter(|_| errors.is_empty()) else {
        return Err(errors.into_error());
    };
    let changes = ArticleChanges {
        title: title.flatten(),
        url: url.flatten(),
        status: status.flatten(),
        moderation: moderation.flatten(),
        closes_at: body.closes_at.map(|c| c.map(|t| t.naive_utc())),
    };
    let now = state.clock.now_naive();
    let moderator = caller.0.user.user_id();
    let article = state
        .db
        .write(move |conn| {
            let article = articles::update(conn, key.as_str(), &changes, now)?;
            let note = format!(
                "status={} moderation={} closes_at={}",
                article.status,
                article.moderation,
                article
                    .closes_at
                    .map_or("none".into(), |t| t.and_utc().to_rfc3339())
            );
            moderation::log(
                conn,
                &LogEntry {
                    actor: Some(moderator),
                    action: "article_change",
                    comment: None,
                    user: None,
                    reason: Some(&article.key),
                    note: Some(&note),
                    at: now,
                },
            )?;
            Ok(article)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ArticleView::new(article, now)))
}
