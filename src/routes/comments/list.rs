//! `GET /comments?article=K`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::CommentView;
use crate::assets;
use crate::cache::{Fresh, LIKE_WEIGHT, PageBody, PageKey, Weigh};
use crate::db::articles::Article;
use crate::db::comments::{self, After, Authored, SharedPage, ThreadPage};
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

/// What one page is of, and for whom.
struct PageRequest {
    key: ArticleKey,
    sort: Sort,
    after: Option<After>,
    viewer: Option<Viewer>,
    limit: i64,
    now: chrono::NaiveDateTime,
}

impl PageRequest {
    /// What the page is cached under (the viewer aside).
    fn cache_key(&self) -> PageKey {
        PageKey {
            article: self.key.as_str().to_owned(),
            sort: self.sort,
            limit: self.limit,
            after: self.after.map(|a| (a.likes, a.id)),
        }
    }
}

impl ListQuery {
    /// Validates the parameters into what to read.
    fn parse(
        self,
        viewer: Option<Viewer>,
        now: chrono::NaiveDateTime,
    ) -> Result<PageRequest, ApiError> {
        let key = ArticleKey::parse(&self.article).map_err(|m| ApiError::invalid("article", m))?;
        let sort = match self.sort.as_deref() {
            None => Sort::Oldest,
            Some(s) => Sort::parse(s)
                .ok_or_else(|| ApiError::invalid("sort", "must be oldest, newest or top"))?,
        };
        let limit = pagination::limit(self.limit)?;
        let after = self
            .cursor
            .as_deref()
            .map(|raw| Cursor::decode(raw, &cursor_scope(sort)))
            .transpose()?
            .map(|c| After {
                likes: c.key,
                id: c.id,
            });
        Ok(PageRequest {
            key,
            sort,
            after,
            viewer,
            limit,
            now,
        })
    }
}

/// The scope of this list's cursors in `sort`.
fn cursor_scope(sort: Sort) -> String {
    format!("comments:{sort:?}")
}

/// One page of an article's threads: approved comments, the caller's own held ones,
/// and placeholders for deleted ones that still have visible replies.
///
/// An anonymous page of 1 KB to 1 MB comes gzipped (`Content-Encoding: gzip`) to a
/// client whose `Accept-Encoding` takes gzip, as every browser's does; the answer varies
/// by that header (`Vary: Accept-Encoding`).
#[utoipa::path(get, path = "/api/v1/comments", tag = "comments", params(ListQuery), security((), ("bearer" = [])), responses((status = 200, description = "A page of threads", body = ListResponse, headers(("Content-Encoding" = String, description = "`gzip` when the page is sent gzipped"), ("Vary" = String, description = "`Accept-Encoding`")))))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: MaybeUser,
    query: web::Query<ListQuery>,
    http: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let request = query
        .into_inner()
        .parse(caller.viewer(), state.clock.now_naive())?;
    if let Some(viewer) = request.viewer {
        return Ok(json_response(reader_page(&state, request, viewer).await?));
    }
    // Anonymous pages (first pages are what article pages load) are answered from the
    // cache while nothing changed since they were built (and the article did not close
    // since), each built once however many readers ask for it at the same moment; later
    // pages too, so a cursor is no way around the cache.
    let body = state
        .caches
        .pages
        .get_or_load(&request.cache_key(), |_| async {
            let page = build_page(&state, request).await?;
            Ok::<_, ApiError>(page.map(|plain| Arc::new(PageBody::new(plain))))
        })
        .await?;
    let takes_gzip = assets::request_takes_gzip(http.headers());
    let mut answer = HttpResponse::Ok();
    answer
        .content_type("application/json")
        .insert_header((header::VARY, "Accept-Encoding"));
    Ok(match takes_gzip.then(|| body.gzip()).flatten() {
        Some(gzip) => answer
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gzip.clone()),
        None => answer.body(body.plain.clone()),
    })
}

/// A signed-in reader's page. Unless they have held comments on the article, it holds
/// the same comments as everyone's: those rows are cached as the anonymous page is
/// (`caches.page_rows`), with who holds comments there and the likes of the page's
/// comments, so the reader's page is built from memory. A reader with held comments there
/// gets the page read whole; on a page whose comments have too many likes to keep, only
/// the reader's own likes are read.
async fn reader_page(
    state: &AppState,
    request: PageRequest,
    viewer: Viewer,
) -> Result<web::Bytes, ApiError> {
    let lookup = request.key.clone();
    let (sort, after, limit) = (request.sort, request.after, request.limit);
    let largest = state.caches.page_rows.largest_kept();
    // Everyone's likes only for a page that is kept with them (a hash set's capacity is
    // up to twice its length).
    let keeps_likes = move |shared: &SharedPage, likes: i64| {
        let likes = usize::try_from(likes).unwrap_or(usize::MAX);
        let with_likes = likes.saturating_mul(2 * LIKE_WEIGHT);
        shared.weigh().saturating_add(with_likes) < largest
    };
    let shared = state
        .caches
        .page_rows
        .get_or_load(&request.cache_key(), |_| async {
            let shared = state
                .db
                .read(move |conn| {
                    comments::shared_page(conn, &lookup, sort, after, limit, keeps_likes)
                })
                .await?;
            // Not kept (expired at once) when the article does not exist.
            let valid_until = match &shared {
                Some(shared) => shared.page.article.closes_at.filter(|at| request.now < *at),
                None => Some(request.now),
            };
            Ok::<_, ApiError>(Fresh::until(shared.map(Arc::new), valid_until))
        })
        .await?;
    let Some(shared) = shared else {
        return Ok(no_article(request)?.value);
    };
    if shared.held_by.contains(&viewer.id.0) {
        return Ok(build_page(state, request).await?.value);
    }
    let page = &shared.page;
    let shown: Vec<i64> = page
        .roots
        .rows
        .iter()
        .chain(&page.replies)
        .map(|(c, _)| c.id)
        .collect();
    let liked: HashSet<i64> = match &shared.likes {
        Some(likes) => shown
            .into_iter()
            .filter(|id| likes.contains(&(viewer.id.0, *id)))
            .collect(),
        None => {
            state
                .db
                .read(move |conn| reactions::liked_among(conn, viewer.id, &shown))
                .await?
        }
    };
    Ok(render(page, &liked, &request)?.value)
}

/// Reads one page for the request's viewer and serialises it, valid until the article
/// closes if it closes later.
async fn build_page(state: &AppState, request: PageRequest) -> Result<Fresh<web::Bytes>, ApiError> {
    let lookup = request.key.clone();
    let (sort, after, limit) = (request.sort, request.after, request.limit);
    let reader = request.viewer.map(|v| v.id);
    let page = state
        .db
        .read(move |conn| comments::thread_page(conn, &lookup, sort, after, reader, limit))
        .await?;
    match page {
        Some(page) => render(&page, &page.liked, &request),
        None => no_article(request),
    }
}

/// The empty answer for an article that does not exist: not kept (random keys must not
/// fill the cache).
fn no_article(request: PageRequest) -> Result<Fresh<web::Bytes>, ApiError> {
    serialise(Some(request.now), &ListResponse::empty(request.key))
}

/// The answer for `page` as the request's viewer sees it, with the comments they liked.
fn render(
    page: &ThreadPage,
    liked: &HashSet<i64>,
    request: &PageRequest,
) -> Result<Fresh<web::Bytes>, ApiError> {
    let now = request.now;
    // A page of an article that closes later must not outlive that moment.
    let valid_until = page.article.closes_at.filter(|at| now < *at);
    let next_cursor = page.roots.last_if_more().map(|(c, _)| {
        Cursor {
            scope: cursor_scope(request.sort),
            key: c.like_count,
            id: c.id,
        }
        .encode()
    });
    let response = ListResponse {
        comments: assemble(page, liked, request.viewer),
        article: ArticleSummary::new(&page.article, now),
        next_cursor,
    };
    serialise(valid_until, &response)
}

impl ListResponse {
    /// The answer for an article that does not exist yet: open, no comments.
    fn empty(key: ArticleKey) -> Self {
        Self {
            article: ArticleSummary {
                key: key.into_string(),
                title: None,
                url: None,
                status: ArticleStatus::Open,
                comment_count: 0,
            },
            comments: Vec::new(),
            next_cursor: None,
        }
    }
}

impl ArticleSummary {
    /// The summary as in force at `now`.
    fn new(article: &Article, now: chrono::NaiveDateTime) -> Self {
        Self {
            status: article.status_at(now),
            key: article.key.clone(),
            title: article.title.clone(),
            url: article.url.clone(),
            comment_count: article.comment_count,
        }
    }
}

fn serialise(
    valid_until: Option<chrono::NaiveDateTime>,
    response: &ListResponse,
) -> Result<Fresh<web::Bytes>, ApiError> {
    let mut body = serde_json::to_vec(response).map_err(|e| ApiError::Unexpected(e.into()))?;
    // The cache weighs a body by its length: no spare capacity behind it.
    body.shrink_to_fit();
    let body = web::Bytes::from(body);
    Ok(Fresh::until(body, valid_until))
}

fn json_response(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

/// Hangs each thread's visible replies under its top-level comment.
fn assemble(page: &ThreadPage, liked: &HashSet<i64>, viewer: Option<Viewer>) -> Vec<ThreadView> {
    let key = page.article.key.as_str();
    let view = |(c, name): &Authored| {
        CommentView::new(c, name.clone(), key, liked.contains(&c.id), viewer)
    };
    let mut by_thread: HashMap<i64, Vec<&Authored>> = HashMap::new();
    for reply in &page.replies {
        by_thread.entry(reply.0.thread_id).or_default().push(reply);
    }
    page.roots
        .rows
        .iter()
        .map(|root| {
            let in_thread = by_thread.remove(&root.0.id).unwrap_or_default();
            let replies = visible_replies(root, in_thread, viewer, view);
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

/// The replies of `root`'s thread that `viewer` sees, as views.
fn visible_replies(
    root: &Authored,
    in_thread: Vec<&Authored>,
    viewer: Option<Viewer>,
    view: impl Fn(&Authored) -> CommentView,
) -> Vec<CommentView> {
    let nodes: Vec<_> = std::iter::once(root.0.node())
        .chain(in_thread.iter().map(|(c, _)| c.node()))
        .collect();
    let shown = thread::shown(&nodes, viewer.map(|v| v.id));
    in_thread
        .into_iter()
        .filter(|(c, _)| shown.contains(&CommentId(c.id)))
        .map(view)
        .collect()
}
