//! Comments from another system (Disqus, WordPress) into Tribune: articles found or
//! created by key, comments placed by the API's depth rule with their status, authors
//! kept by name (and email, never shown) or linked to the account with the same verified
//! email, and every created record noted in `import_ids` under the other system's id, so
//! importing the same file again changes nothing.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{ImportError, ImportReport, Malformed, html};
use crate::db::schema::{articles, comments, import_ids, users};
use crate::db::{DbConnection, counters};
use crate::domain::comment::{ArticleKey, CommentId, CommentStatus};
use crate::domain::markdown;
use crate::domain::thread::{self, Parent};
use crate::domain::user::email_key;

/// An article (Disqus thread, WordPress post) as the other system has it.
#[derive(Debug, Clone)]
pub struct Article {
    pub external_id: String,
    /// The key chosen by `--article-key`; `Err` says why there is none.
    pub key: Result<String, String>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub closed: bool,
    /// Deleted in the other system: neither it nor its comments come in.
    pub deleted: bool,
}

/// What a comment was in the other system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Approved,
    /// Held for moderation (WordPress `0`): lands in the pending queue.
    Pending,
    /// Spam: rejected with reason `spam`.
    Spam,
    /// Deleted or trashed: kept as a placeholder without text, like a deleted comment.
    Deleted,
}

/// A comment as the other system has it.
#[derive(Debug, Clone)]
pub struct Comment {
    pub external_id: String,
    pub article: String,
    pub parent: Option<String>,
    pub html: String,
    pub created_at: Option<NaiveDateTime>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    /// `Err(raw)`: a status this importer does not know.
    pub fate: Result<Fate, String>,
    /// Pingbacks and trackbacks are not comments by readers.
    pub pingback: bool,
}

/// What a reader of an export file yields.
#[derive(Debug, Clone)]
pub enum Item {
    Article(Article),
    Comment(Comment),
}

/// A reader of another system's export.
pub trait Source {
    /// Names the other system (and site) in `import_ids`; known once the file's
    /// preamble is read, so asked after the first item.
    fn name(&self) -> String;
    /// The next record, `None` at the end.
    fn next_item(&mut self) -> Result<Option<Item>, Malformed>;
}

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub with_pingbacks: bool,
}

enum ArticleState {
    Known(Box<Article>),
    Local(i64),
    Skipped(String),
}

/// The local comment an import placed a reply under.
struct LocalParent {
    article_id: i64,
    parent: Parent,
}

struct Importer<'c> {
    conn: &'c mut DbConnection,
    source: String,
    options: Options,
    now: NaiveDateTime,
    report: ImportReport,
    articles: HashMap<String, ArticleState>,
    /// Replies met before their parent, by the parent's id; memory grows only with
    /// these (exports list parents first).
    waiting: BTreeMap<String, Vec<Comment>>,
    accounts: HashMap<String, Option<i64>>,
    authors: HashSet<String>,
    matched: HashSet<i64>,
}

/// Reads every record of `source` into the database, in the caller's transaction, then
/// recounts every counter from the rows.
#[tracing::instrument(skip_all)]
pub fn import(
    conn: &mut DbConnection,
    source: &mut dyn Source,
    options: Options,
    now: NaiveDateTime,
) -> Result<ImportReport, ImportError> {
    let mut importer = Importer {
        conn,
        source: String::new(),
        options,
        now,
        report: ImportReport::default(),
        articles: HashMap::new(),
        waiting: BTreeMap::new(),
        accounts: HashMap::new(),
        authors: HashSet::new(),
        matched: HashSet::new(),
    };
    while let Some(item) = source.next_item()? {
        if importer.source.is_empty() {
            importer.source = source.name();
        }
        match item {
            Item::Article(article) => {
                let state = if article.deleted {
                    ArticleState::Skipped("article deleted in the other system".into())
                } else {
                    ArticleState::Known(Box::new(article.clone()))
                };
                // A second record of the same article only fills in what is unknown.
                importer
                    .articles
                    .entry(article.external_id)
                    .or_insert(state);
            }
            Item::Comment(comment) => importer.comment(comment, false)?,
        }
    }
    importer.orphans()?;
    importer.report.authors_created = importer.authors.len() as u64;
    importer.report.authors_matched = importer.matched.len() as u64;
    counters::recount(importer.conn)?;
    Ok(importer.report)
}

impl Importer<'_> {
    fn mapped(&mut self, kind: &str, external_id: &str) -> Result<Option<i64>, ImportError> {
        Ok(import_ids::table
            .filter(import_ids::source.eq(&self.source))
            .filter(import_ids::kind.eq(kind))
            .filter(import_ids::external_id.eq(external_id))
            .select(import_ids::local_id)
            .first(self.conn)
            .optional()?)
    }

    fn map(&mut self, kind: &str, external_id: &str, local_id: i64) -> Result<(), ImportError> {
        diesel::insert_into(import_ids::table)
            .values((
                import_ids::source.eq(&self.source),
                import_ids::kind.eq(kind),
                import_ids::external_id.eq(external_id),
                import_ids::local_id.eq(local_id),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// The local article for `external_id`, found or created; `Err(reason)` to skip.
    fn article(&mut self, external_id: &str) -> Result<Result<i64, String>, ImportError> {
        let article = match self.articles.get(external_id) {
            None => return Ok(Err("its article is not in the file".into())),
            Some(ArticleState::Skipped(reason)) => return Ok(Err(reason.clone())),
            Some(ArticleState::Local(id)) => return Ok(Ok(*id)),
            Some(ArticleState::Known(article)) => article.clone(),
        };
        let found = match self.mapped("article", external_id)? {
            Some(id) => Some(id),
            None => {
                let key = match article.key.as_deref().map(ArticleKey::parse) {
                    Ok(Ok(key)) => key,
                    Ok(Err(why)) => {
                        let reason = format!("article key not usable: {why}");
                        self.articles.insert(
                            external_id.to_owned(),
                            ArticleState::Skipped(reason.clone()),
                        );
                        return Ok(Err(reason));
                    }
                    Err(why) => {
                        let why = why.clone();
                        self.articles
                            .insert(external_id.to_owned(), ArticleState::Skipped(why.clone()));
                        return Ok(Err(why));
                    }
                };
                let existing: Option<i64> = articles::table
                    .filter(articles::key.eq(key.as_str()))
                    .select(articles::id)
                    .first(self.conn)
                    .optional()?;
                let id = match existing {
                    Some(id) => id,
                    None => {
                        let created = article.created_at.unwrap_or(self.now);
                        let id: i64 = diesel::insert_into(articles::table)
                            .values((
                                articles::key.eq(key.as_str()),
                                articles::title.eq(article.title.as_deref()),
                                articles::url.eq(article.url.as_deref()),
                                articles::status.eq(if article.closed { "closed" } else { "open" }),
                                articles::created_at.eq(created),
                                articles::updated_at.eq(created),
                            ))
                            .returning(articles::id)
                            .get_result(self.conn)?;
                        self.report.articles_created += 1;
                        self.map("article", external_id, id)?;
                        self.articles
                            .insert(external_id.to_owned(), ArticleState::Local(id));
                        return Ok(Ok(id));
                    }
                };
                self.map("article", external_id, id)?;
                Some(id)
            }
        };
        let Some(id) = found else {
            return Ok(Err("its article is not in the file".into()));
        };
        self.report.articles_matched += 1;
        self.articles
            .insert(external_id.to_owned(), ArticleState::Local(id));
        Ok(Ok(id))
    }

    fn local_parent(&mut self, id: i64) -> Result<Option<LocalParent>, ImportError> {
        type Place = (i64, Option<i64>, i64, i32, Option<i64>, String);
        let row: Option<Place> = comments::table
            .find(id)
            .select((
                comments::article_id,
                comments::parent_id,
                comments::thread_id,
                comments::depth,
                comments::author_id,
                comments::status,
            ))
            .first(self.conn)
            .optional()?;
        Ok(row.map(
            |(article_id, parent, thread_id, depth, author, status)| LocalParent {
                article_id,
                parent: Parent {
                    id: CommentId(id),
                    parent: parent.map(CommentId),
                    thread: CommentId(thread_id),
                    depth,
                    author: author.map(crate::domain::user::UserId),
                    status: CommentStatus::parse(&status).unwrap_or(CommentStatus::Deleted),
                    same_article: true,
                },
            },
        ))
    }

    /// The verified account with this email, if any.
    fn account(&mut self, email: &str) -> Result<Option<i64>, ImportError> {
        let key = email_key(email);
        if let Some(found) = self.accounts.get(&key) {
            return Ok(*found);
        }
        let found: Option<i64> = users::table
            .filter(users::email_key.eq(&key))
            .filter(users::email_verified_at.is_not_null())
            .filter(users::status.ne("deleted"))
            .select(users::id)
            .first(self.conn)
            .optional()?;
        self.accounts.insert(key, found);
        Ok(found)
    }

    /// Imports `comment` (and then the replies that waited for it); `at_top` places it
    /// at the top of its article whatever its parent.
    fn comment(&mut self, first: Comment, at_top: bool) -> Result<(), ImportError> {
        let mut work = vec![(first, at_top)];
        while let Some((comment, at_top)) = work.pop() {
            let external_id = comment.external_id.clone();
            if self.one(comment, at_top)?.is_some()
                && let Some(replies) = self.waiting.remove(&external_id)
            {
                work.extend(replies.into_iter().rev().map(|r| (r, false)));
            }
        }
        Ok(())
    }

    /// Imports one comment; `Some(id)` when it is (now or from before) in the database,
    /// so its waiting replies can follow.
    fn one(&mut self, comment: Comment, at_top: bool) -> Result<Option<i64>, ImportError> {
        if comment.pingback && !self.options.with_pingbacks {
            self.report
                .skip("pingback or trackback (import them with --with-pingbacks)");
            return Ok(None);
        }
        if let Some(id) = self.mapped("comment", &comment.external_id)? {
            self.report.comments_unchanged += 1;
            return Ok(Some(id));
        }
        let article_id = match self.article(&comment.article)? {
            Ok(id) => id,
            Err(reason) => {
                self.report.skip(&reason);
                return Ok(None);
            }
        };
        let fate = match comment.fate {
            Ok(fate) => fate,
            Err(ref raw) => {
                self.report.skip(&format!("unknown status {raw:?}"));
                return Ok(None);
            }
        };
        let mut placement = thread::Placement::TOP;
        let parent = comment
            .parent
            .as_deref()
            .filter(|p| !p.is_empty() && *p != "0");
        if let (Some(parent), false) = (parent, at_top) {
            let local = match self.mapped("comment", parent)? {
                Some(id) => self.local_parent(id)?,
                None => None,
            };
            match local {
                Some(local) if local.article_id == article_id => {
                    placement = thread::beneath(&local.parent);
                    if placement.parent != Some(local.parent.id) {
                        self.report.flattened += 1;
                    }
                }
                Some(_) => self.report.orphans_at_top += 1,
                None => {
                    self.waiting
                        .entry(parent.to_owned())
                        .or_default()
                        .push(comment);
                    return Ok(None);
                }
            }
        } else if at_top {
            self.report.orphans_at_top += 1;
        }
        let (status, body) = match fate {
            Fate::Deleted => (CommentStatus::Deleted, String::new()),
            Fate::Approved => (CommentStatus::Approved, html::to_markdown(&comment.html)),
            Fate::Pending => (CommentStatus::Pending, html::to_markdown(&comment.html)),
            Fate::Spam => (CommentStatus::Rejected, html::to_markdown(&comment.html)),
        };
        if body.is_empty() && status != CommentStatus::Deleted {
            self.report.skip("no text");
            return Ok(None);
        }
        let rendered = if body.is_empty() {
            String::new()
        } else {
            markdown::render(&body)
        };
        // A deleted comment keeps no author, like one deleted in Tribune.
        let (mut author_id, mut author_name, mut author_email) = (None, None, None);
        if status != CommentStatus::Deleted {
            let email = comment
                .author_email
                .as_deref()
                .map(str::trim)
                .filter(|e| e.contains('@'));
            if let Some(email) = email
                && let Some(account) = self.account(email)?
            {
                author_id = Some(account);
                self.matched.insert(account);
            } else {
                author_name = comment
                    .author_name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(|n| {
                        n.chars()
                            .filter(|c| !c.is_control())
                            .take(100)
                            .collect::<String>()
                    });
                // Kept in its matching form: what `db::imports::claim` compares.
                author_email = email.map(email_key);
                if let Some(who) = author_email.clone().or_else(|| author_name.clone()) {
                    self.authors.insert(who);
                }
            }
        }
        let created = comment.created_at.unwrap_or(self.now);
        let id: i64 = diesel::insert_into(comments::table)
            .values((
                comments::article_id.eq(article_id),
                comments::parent_id.eq(placement.parent.map(|p| p.0)),
                comments::thread_id.eq(placement.thread.map_or(0, |t| t.0)),
                comments::depth.eq(placement.depth),
                comments::author_id.eq(author_id),
                comments::body.eq(&body),
                comments::html.eq(&rendered),
                comments::status.eq(status.as_str()),
                comments::moderation_reason
                    .eq((status == CommentStatus::Pending).then_some("premoderation")),
                comments::rejection_reason
                    .eq((status == CommentStatus::Rejected).then_some("spam")),
                comments::created_at.eq(created),
                comments::updated_at.eq(created),
                comments::author_name.eq(&author_name),
                comments::author_email.eq(&author_email),
            ))
            .returning(comments::id)
            .get_result(self.conn)?;
        self.map("comment", &comment.external_id, id)?;
        self.report.comments_created += 1;
        *self
            .report
            .comments_by_status
            .entry(status.as_str().to_owned())
            .or_default() += 1;
        Ok(Some(id))
    }

    /// Replies whose parent never came: those whose parent is not waiting itself go to
    /// the top of their article (their own replies follow them); what is left waits in
    /// a loop of parents and is skipped.
    fn orphans(&mut self) -> Result<(), ImportError> {
        loop {
            let waiting_ids: HashSet<String> = self
                .waiting
                .values()
                .flatten()
                .map(|c| c.external_id.clone())
                .collect();
            let Some(parent) = self
                .waiting
                .keys()
                .find(|parent| !waiting_ids.contains(*parent))
                .cloned()
            else {
                break;
            };
            for reply in self.waiting.remove(&parent).unwrap_or_default() {
                self.comment(reply, true)?;
            }
        }
        let left: usize = self.waiting.values().map(Vec::len).sum();
        for _ in 0..left {
            self.report.skip("its parents form a loop");
        }
        self.waiting.clear();
        Ok(())
    }
}
