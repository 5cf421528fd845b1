//! `GET /comments?article=K`.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::CommentView;
use crate::cache::{FirstPage, Fresh};
use crate::db::articles::{self, Article};
use crate::db::comments::{self, After, Authored};
use crate::db::reactions;
use crate::domain::article::ArticleStatus;
use crate::domain::comment::{ArticleKey, CommentId, CommentStatus, Sort};
use crate::domain::thread;
use crate::domain::user::Viewer;
use crate::error::ApiError;
use crate::routes::extract::MaybeUser;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The article's key.
    #[param(min_length = 1, max_length = 512)]
    pub article: String,
    /// `oldest` (default), `newest` or `top` (most liked).
    pub sort: Option<String>,
    /// Top-level comments per page, 1–100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The article as a thread page shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleSummary {
    pub key: String,
    pub title: Option<String>,
    pub url: Option<String>,
    /// `open` or `closed`.
    pub status: ArticleStatus,
    /// Approved comments, replies included.
    pub comment_count: i64,
}

/// A top-level comment with its visible replies.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ThreadView {
    #[serde(flatten)]
    pub comment: CommentView,
    /// Visible descendants, oldest first, flat (see `parent_id` and `depth`).
    pub replies: Vec<CommentView>,
    /// Visible replies, placeholders of deleted ones not counted.
    pub reply_count: usize,
}

/// A page of threads.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListResponse {
    pub article: ArticleSummary,
    pub comments: Vec<ThreadView>,
    /// Null on the last page.
    pub next_cursor: Option<String>,
}

struct Page {
    article: Article,
    roots: Vec<Authored>,
    replies: Vec<Authored>,
    liked: HashSet<i64>,
    more: bool,
}

/// One page of an article's threads: approved comments, the caller's own held ones,
/// and placeholders for deleted ones that still have visible replies.
#[utoipa::path(get, path = "/api/v1/comments", tag = "comments", params(ListQuery), security((), ("bearer" = [])), responses((status = 200, description = "A page of threads", body = ListResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: MaybeUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let key = ArticleKey::parse(&query.article).map_err(|m| ApiError::invalid("article", m))?;
    let sort = match query.sort.as_deref() {
        None => Sort::Oldest,
        Some(s) => Sort::parse(s)
            .ok_or_else(|| ApiError::invalid("sort", "must be oldest, newest or top"))?,
    };
    let limit = pagination::limit(query.limit)?;
    let scope = format!("comments:{sort:?}");
    let after = query
        .cursor
        .as_deref()
        .map(|raw| Cursor::decode(raw, &scope))
        .transpose()?
        .map(|c| After {
            likes: c.key,
            id: c.id,
        });
    let viewer = caller.viewer();
    let now = state.clock.now_naive();
    let cache_key = FirstPage {
        article: key.as_str().to_owned(),
        sort,
        limit,
    };
    let request = PageRequest {
        key,
        sort,
        after,
        viewer,
        limit,
        scope,
        now,
    };
    if query.cursor.is_some() || viewer.is_some() {
        let page = build_page(&state, request).await?;
        return Ok(json_response(page.value));
    }
    // Anonymous first pages are what article pages load: answer them from the cache
    // while nothing changed since they were built (and the article did not close since),
    // building each once however many readers ask for it at the same moment.
    let body = state
        .caches
        .first_pages
        .get_or_load(&cache_key, |_| build_page(&state, request))
        .await?;
    Ok(json_response(body))
}

/// What one page is of, and for whom.
struct PageRequest {
    key: ArticleKey,
    sort: Sort,
    after: Option<After>,
    viewer: Option<Viewer>,
    limit: i64,
    /// The cursor's scope.
    scope: String,
    now: chrono::NaiveDateTime,
}

/// Reads one page and serialises it, with the moment it stops being valid (when the
/// article closes later).
async fn build_page(state: &AppState, request: PageRequest) -> Result<Fresh<web::Bytes>, ApiError> {
    let PageRequest {
        key,
        sort,
        after,
        viewer,
        limit,
        scope,
        now,
    } = request;
    let lookup_key = key.clone();
    let page = state
        .db
        .read(move |conn| {
            let Some(article) = articles::find_by_key(conn, lookup_key.as_str())? else {
                return Ok(None);
            };
            let mut roots = comments::page_roots(
                conn,
                article.article_id(),
                sort,
                after,
                viewer.map(|v| v.id),
                limit,
            )?;
            let more = roots.len() > usize::try_from(limit).unwrap_or(usize::MAX);
            roots.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            let thread_ids: Vec<i64> = roots.iter().map(|(c, _)| c.id).collect();
            let replies = comments::replies_in(conn, &thread_ids)?;
            let liked = match viewer {
                Some(v) => {
                    let ids: Vec<i64> = roots.iter().chain(&replies).map(|(c, _)| c.id).collect();
                    reactions::liked_among(conn, v.id, &ids)?
                }
                None => HashSet::new(),
            };
            Ok(Some(Page {
                article,
                roots,
                replies,
                liked,
                more,
            }))
        })
        .await?;

    let Some(page) = page else {
        return serialise(
            None,
            &ListResponse {
                article: ArticleSummary {
                    key: key.into_string(),
                    title: None,
                    url: None,
                    status: ArticleStatus::Open,
                    comment_count: 0,
                },
                comments: Vec::new(),
                next_cursor: None,
            },
        );
    };
    // A page of an article that closes later must not outlive that moment.
    let valid_until = page.article.closes_at.filter(|at| now < *at);
    let next_cursor = page
        .more
        .then(|| page.roots.last())
        .flatten()
        .map(|(c, _)| {
            Cursor {
                scope,
                key: c.like_count,
                id: c.id,
            }
            .encode()
        });
    let comments = assemble(&page, viewer);
    let response = ListResponse {
        article: ArticleSummary {
            status: page.article.status_at(now),
            key: page.article.key,
            title: page.article.title,
            url: page.article.url,
            comment_count: page.article.comment_count,
        },
        comments,
        next_cursor,
    };
    serialise(valid_until, &response)
}

fn serialise(
    valid_until: Option<chrono::NaiveDateTime>,
    response: &ListResponse,
) -> Result<Fresh<web::Bytes>, ApiError> {
    let body =
        web::Bytes::from(serde_json::to_vec(response).map_err(|e| ApiError::Unexpected(e.into()))?);
    Ok(Fresh::until(body, valid_until))
}

fn json_response(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

/// Hangs each thread's visible replies under its top-level comment.
fn assemble(page: &Page, viewer: Option<Viewer>) -> Vec<ThreadView> {
    let key = page.article.key.as_str();
    let view = |(c, name): &Authored| {
        CommentView::new(c, name.clone(), key, page.liked.contains(&c.id), viewer)
    };
    let mut by_thread: HashMap<i64, Vec<&Authored>> = HashMap::new();
    for reply in &page.replies {
        by_thread.entry(reply.0.thread_id).or_default().push(reply);
    }
    page.roots
        .iter()
        .map(|root| {
            let in_thread = by_thread.remove(&root.0.id).unwrap_or_default();
            let nodes: Vec<_> = std::iter::once(root.0.node())
                .chain(in_thread.iter().map(|(c, _)| c.node()))
                .collect();
            let shown = thread::shown(&nodes, viewer.map(|v| v.id));
            let replies: Vec<CommentView> = in_thread
                .into_iter()
                .filter(|(c, _)| shown.contains(&CommentId(c.id)))
                .map(view)
                .collect();
            let reply_count = replies
                .iter()
                .filter(|r| r.status != CommentStatus::Deleted)
                .count();
            ThreadView {
                comment: view(root),
                replies,
                reply_count,
            }
        })
        .collect()
}
