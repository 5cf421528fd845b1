//! `GET`/`POST /mod/users/{id}/notes`, `DELETE /mod/notes/{id}`: moderator notes.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::notes::{self, NoteRow};
use crate::domain::notes::NoteBody;
use crate::domain::user::{Role, UserId};
use crate::error::ApiError;
use crate::routes::comments::AuthorView;
use crate::routes::extract::Moderator;
use crate::routes::pagination::{self, Cursor};
use crate::state::AppState;

/// A note moderators keep about an account; readers never see notes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    /// The note's id (for `DELETE /mod/notes/{id}`).
    pub id: i64,
    /// The account the note is about.
    pub user_id: i64,
    /// The moderator who wrote it; null once their account is erased.
    pub author: Option<AuthorView>,
    /// The note's text, as written (plain text, not rendered).
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl From<NoteRow> for NoteView {
    fn from(row: NoteRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            author: row
                .author_id
                .zip(row.author_name.filter(|n| !n.is_empty()))
                .map(|(id, name)| AuthorView::new(id, name)),
            body: row.body,
            created_at: row.created_at.and_utc(),
        }
    }
}

/// A new note.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NoteRequest {
    /// Plain text, 1–2000 characters after trimming; newlines and tabs kept.
    #[schema(min_length = 1, max_length = 2000)]
    pub body: String,
}

/// Query parameters of the notes list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotesQuery {
    /// Page size, 1–100 (default 20).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of notes, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotesResponse {
    /// Newest first.
    pub items: Vec<NoteView>,
    /// The cursor of the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// The cursor scope: notes, newest first.
const SCOPE: &str = "notes";

/// The notes about an account, newest first.
#[utoipa::path(get, path = "/api/v1/mod/users/{id}/notes", tag = "moderation", params(("id" = i64, Path, description = "User id"), NotesQuery), security(("bearer" = [])), responses((status = 200, description = "A page of notes", body = NotesResponse)))]
#[tracing::instrument(skip_all)]
pub async fn list(
    state: web::Data<AppState>,
    _caller: Moderator,
    path: web::Path<i64>,
    query: web::Query<NotesQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId(path.into_inner());
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let before = query
        .cursor
        .as_deref()
        .map(|c| Cursor::decode(c, SCOPE))
        .transpose()?
        .map(|c| c.id);
    let now = state.clock.now();
    let page = state
        .db
        .read(move |conn| notes::about(conn, user, before, limit, now))
        .await?;
    let next_cursor = page.last_if_more().map(|n| Cursor::after_id(SCOPE, n.id));
    let items = page.rows.into_iter().map(NoteView::from).collect();
    Ok(HttpResponse::Ok().json(NotesResponse { items, next_cursor }))
}

/// Adds a note about an account (logged as `note_add`).
#[utoipa::path(post, path = "/api/v1/mod/users/{id}/notes", tag = "moderation", params(("id" = i64, Path, description = "User id")), request_body = NoteRequest, security(("bearer" = [])), responses((status = 201, description = "The note", body = NoteView)))]
#[tracing::instrument(skip_all)]
pub async fn create(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
    body: web::Json<NoteRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId(path.into_inner());
    let text = NoteBody::parse(&body.body)?;
    let author = caller.0.user.user_id();
    let now = state.clock.now();
    let note = state
        .db
        .write(move |conn| notes::add(conn, user, author, &text, now))
        .await?;
    Ok(HttpResponse::Created().json(NoteView::from(note)))
}

/// Deletes a note: its author or an admin may (others 403); logged as `note_delete`.
#[utoipa::path(delete, path = "/api/v1/mod/notes/{id}", tag = "moderation", params(("id" = i64, Path, description = "Note id")), security(("bearer" = [])), responses((status = 204, description = "Deleted")))]
#[tracing::instrument(skip_all)]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Moderator,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let user = caller.0.user.user_id();
    let admin = caller.0.user.role() == Role::Admin;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| notes::delete(conn, id, user, admin, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
