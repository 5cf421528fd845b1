//! Asking the external moderation hook about a text before it is written.

use crate::db::comments::NewPost;
use crate::db::{articles, comments};
use crate::domain::comment::{ArticleId, CommentBody, CommentId};
use crate::domain::hook::{Heard, HookArticle, HookAuthor, HookRequest};
use crate::domain::markdown;
use crate::domain::moderation::Site;
use crate::error::ApiError;
use crate::routes::extract::CurrentUser;
use crate::state::AppState;

/// The author as the hook sees them.
fn author(state: &AppState, caller: &CurrentUser) -> HookAuthor {
    let user = &caller.user;
    HookAuthor {
        id: user.id,
        role: user.role().as_str().to_owned(),
        status: user.status_at(state.clock.now()).as_str().to_owned(),
        approved_count: user.approved_count,
        rejected_count: user.rejected_count,
    }
}

/// The hook's word on a new comment, when a hook is configured.
pub async fn on_post(
    state: &AppState,
    site: &Site,
    caller: &CurrentUser,
    post: &NewPost,
) -> Option<Heard> {
    let config = site.hook.as_ref()?;
    let request = HookRequest {
        event: "comment.posting",
        comment_id: None,
        body: post.body.as_str().to_owned(),
        html: post.html.clone(),
        author: author(state, caller),
        article: HookArticle {
            key: post.article.as_str().to_owned(),
            url: post.url.clone(),
        },
        parent_id: post.parent.map(|p| p.0),
    };
    Some(state.hook.ask(config, &request).await)
}

/// The hook's word on an edit, when a hook is configured and the edit is valid so far
/// (of the caller's own comment, with a valid body: the write refuses the rest with its
/// own answer, and the hook never sees someone else's comment).
pub async fn on_edit(
    state: &AppState,
    site: &Site,
    caller: &CurrentUser,
    id: CommentId,
    raw: &str,
) -> Result<Option<Heard>, ApiError> {
    let Some(config) = site.hook.as_ref() else {
        return Ok(None);
    };
    let Ok(text) = CommentBody::parse(raw, site.settings.max_comment_chars()) else {
        return Ok(None);
    };
    let caller_id = caller.user.id;
    let found = state
        .db
        .read(move |conn| {
            let Some(comment) =
                comments::find(conn, id)?.filter(|c| c.author_id == Some(caller_id))
            else {
                return Ok(None);
            };
            let article = articles::find(conn, ArticleId(comment.article_id))?;
            Ok(article.map(|a| (comment, a)))
        })
        .await?;
    let Some((comment, article)) = found else {
        return Ok(None);
    };
    let request = HookRequest {
        event: "comment.editing",
        comment_id: Some(comment.id),
        html: markdown::render(text.as_str()),
        body: text.as_str().to_owned(),
        author: author(state, caller),
        article: HookArticle {
            key: article.key,
            url: article.url,
        },
        parent_id: comment.parent_id,
    };
    Ok(Some(state.hook.ask(config, &request).await))
}
