//! `GET /me/decisions`: the statements of reasons of the decisions about the caller's
//! comments and account, each with how to appeal it and the appeal's course.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::appeals::{self, DecidedComment, DecisionRecord};
use crate::domain::appeal::{AppealState, Means};
use crate::domain::standing::Ban;
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::routes::moderation::ArticleRef;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// A decision about one of the caller's comments or their account: a statement of
/// reasons (EU Digital Services Act, Art. 17).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    /// The decision's id (its line in the moderation log).
    pub id: i64,
    /// When it was taken.
    pub decided_at: DateTime<Utc>,
    /// What was decided: `reject` (a moderator rejected the comment), `auto_reject`
    /// (the banned-word list or the moderation hook rejected it), `auto_hide` (readers'
    /// flags sent it back for review: provisional, a moderator decides next) or `ban`
    /// (the account was banned or suspended).
    pub action: String,
    /// Whether it was taken by automatic means (the word list, the moderation hook,
    /// flags) rather than by a person.
    pub automatic: bool,
    /// How it was taken: `moderator`, `word_list`, `hook` or `flags`.
    pub means: String,
    /// The ground: one of the rejection reasons (`spam`, `offensive`, `abusive`,
    /// `harassment`, `hate_speech`, `illegal_content`, `misinformation`, `off_topic`,
    /// `advertising`, `other`) for a moderator's or the hook's rejection, `banned_word`
    /// for the word list, `flagged` for a hold by flags; null for a ban (see
    /// `statement`) and for a hook that gave no reason.
    pub reason: Option<String>,
    /// The reasons in words, where there are some: a ban's reason as the moderator wrote
    /// it, or the moderation hook's statement.
    pub statement: Option<String>,
    /// The comment decided on, as stored now (null for a ban, or a comment no longer
    /// stored).
    pub comment: Option<DecidedCommentView>,
    /// For a suspension: when it ends (null for a permanent ban and other decisions).
    pub banned_until: Option<DateTime<Utc>>,
    /// Whether it still applies: not undone, replaced by a later decision or reversed on
    /// appeal, and, for a ban, not lifted or over.
    pub in_force: bool,
    /// How to contest it, and how the appeal went.
    pub appeal: AppealView,
}

/// The comment a decision is about.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecidedCommentView {
    /// The comment's id.
    pub id: i64,
    /// Its article.
    pub article: ArticleRef,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
    /// Its text (empty once the author deleted it).
    pub body: String,
    /// Its status now: `approved`, `pending`, `rejected` or `deleted`.
    pub status: String,
}

/// An appeal (EU Digital Services Act, Art. 20): whether one can be filed, until when
/// and where, and once filed, its text and outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppealView {
    /// `available` (it can be filed now), `open` (filed, waiting for a moderator),
    /// `upheld` (the decision stands), `reversed` (the decision was taken back),
    /// `expired` (not filed in time) or `unavailable` (a provisional hold, or a decision
    /// no longer in force).
    pub state: String,
    /// The deadline: six months after the decision (null for a hold by flags, which is
    /// not appealed).
    pub possible_until: Option<DateTime<Utc>>,
    /// Where to appeal while `state` is `available`: `POST` this path with `{"text": …}`.
    pub endpoint: Option<String>,
    /// The appeal's id, once filed.
    pub id: Option<i64>,
    /// The author's text, once filed.
    pub text: Option<String>,
    /// When it was filed.
    pub filed_at: Option<DateTime<Utc>>,
    /// When a moderator decided it.
    pub decided_at: Option<DateTime<Utc>>,
    /// The deciding moderator's reasons for the outcome.
    pub note: Option<String>,
}

impl DecisionView {
    /// The statement of `record` at `now`.
    pub fn new(record: DecisionRecord, now: DateTime<Utc>) -> Self {
        let decided = record.decided();
        let state = decided.appeal_state(now);
        let possible_until = decided.possible_until();
        let line = &record.line;
        let means = Means::of(&line.action, line.reason.as_deref());
        let hook = record
            .comment
            .as_ref()
            .filter(|_| means == Means::Hook)
            .and_then(|c| c.comment.hook_outcome());
        let (reason, statement) = match (line.action.as_str(), hook) {
            ("ban", _) => (None, line.reason.clone()),
            (_, Some(hook)) => (hook.reason, hook.statement),
            _ => (line.reason.clone(), None),
        };
        let endpoint = (state == AppealState::Available).then(|| match line.comment_id {
            Some(id) => format!("/api/v1/comments/{id}/appeal"),
            None => "/api/v1/me/ban/appeal".to_owned(),
        });
        let banned_until = (line.action == "ban")
            .then(|| line.note.as_deref().and_then(Ban::until_in_log_note))
            .flatten();
        let appeal = record.appeal;
        Self {
            id: line.id,
            decided_at: line.at.and_utc(),
            action: line.action.clone(),
            automatic: means.automatic(),
            means: means.as_str().to_owned(),
            reason,
            statement,
            comment: record.comment.map(DecidedCommentView::from),
            banned_until,
            in_force: record.in_force,
            appeal: AppealView {
                state: state.as_str().to_owned(),
                possible_until,
                endpoint,
                id: appeal.as_ref().map(|a| a.id),
                filed_at: appeal.as_ref().map(|a| a.created_at.and_utc()),
                decided_at: appeal
                    .as_ref()
                    .and_then(|a| a.decided_at.map(|t| t.and_utc())),
                note: appeal.as_ref().and_then(|a| a.decision_note.clone()),
                text: appeal.map(|a| a.body),
            },
        }
    }
}

impl From<DecidedComment> for DecidedCommentView {
    fn from(c: DecidedComment) -> Self {
        Self {
            id: c.comment.id,
            article: ArticleRef {
                key: c.article_key,
                title: c.article_title,
                url: c.article_url,
            },
            created_at: c.comment.created_at.and_utc(),
            body: c.comment.body,
            status: c.comment.status,
        }
    }
}

/// Query parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionsQuery {
    /// Page size, 1–100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of decisions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionsResponse {
    /// Newest first.
    pub items: Vec<DecisionView>,
    /// The cursor of the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// The cursor scope: decisions, newest first.
const SCOPE: &str = "decisions";

/// The decisions about the caller's comments and account, newest first: rejections (by
/// a moderator, the word list or the moderation hook), holds by readers' flags and bans,
/// each with its ground, whether it was automatic, and how to appeal it.
#[utoipa::path(get, path = "/api/v1/me/decisions", tag = "accounts", params(DecisionsQuery), security(("bearer" = [])), responses((status = 200, description = "A page of decisions", body = DecisionsResponse)))]
#[tracing::instrument(skip_all)]
pub async fn handle(
    state: web::Data<AppState>,
    caller: CurrentUser,
    query: web::Query<DecisionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let before = query
        .cursor
        .as_deref()
        .map(|c| Cursor::decode(c, SCOPE))
        .transpose()?
        .map(|c| c.id);
    let (user, now) = (caller.user.user_id(), state.clock.now());
    let page = state
        .db
        .read(move |conn| appeals::decisions_of(conn, user, before, Some(limit), now))
        .await?;
    let next_cursor = page
        .last_if_more()
        .map(|r| Cursor::after_id(SCOPE, r.line.id));
    let items = page
        .rows
        .into_iter()
        .map(|r| DecisionView::new(r, now))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(DecisionsResponse { items, next_cursor }))
}
