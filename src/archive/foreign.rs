//! Comments from another system (Disqus, WordPress) into Tribune: articles found or
//! created by key, comments placed by the API's depth rule with their status, authors
//! kept by name (and email, never shown) or linked to the account with the same verified
//! email, and every created record noted in `import_ids` under the other system's id, so
//! importing the same file again changes nothing.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{ImportError, ImportReport, Malformed, html, rows};
use crate::db::schema::{articles, comments, import_ids, users};
use crate::db::{DbConnection, counters, on_each_backend};
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

/// Comments read before the database is asked about them: per this many, one round of
/// lookups, one multi-row insert of comments and one of `import_ids`, so an import costs a
/// few round trips per thousand comments rather than several per comment.
const CHUNK: usize = 1000;
/// Rows per insert or `IN` list: well inside both backends' limits on bound values.
const ROWS_PER_STATEMENT: usize = 1000;
/// Cached email lookups kept at most (the cache starts again when full).
const ACCOUNT_CACHE: usize = 100_000;

enum ArticleState {
    Known(Box<Article>),
    Local(i64),
    Skipped(String),
}

/// A comment in the database (imported before, or earlier in this run), as a reply
/// placed beneath it needs it.
#[derive(Debug, Clone, Copy)]
struct Placed {
    id: i64,
    article_id: i64,
    parent: Option<i64>,
    thread: i64,
    depth: i32,
    author: Option<i64>,
    status: CommentStatus,
}

impl Placed {
    fn as_parent(&self) -> Parent {
        Parent {
            id: CommentId(self.id),
            parent: self.parent.map(CommentId),
            thread: CommentId(self.thread),
            depth: self.depth,
            author: self.author.map(crate::domain::user::UserId),
            status: self.status,
            same_article: true,
        }
    }
}

/// A comment with its text converted to what Tribune keeps (Markdown) and shows (HTML).
struct Entry {
    comment: Comment,
    body: String,
    html: String,
}

impl Entry {
    fn new(comment: Comment) -> Self {
        Self {
            comment,
            body: String::new(),
            html: String::new(),
        }
    }

    /// The text a comment of this fate keeps: none for a deleted one.
    fn convert(&mut self) {
        if let Ok(Fate::Approved | Fate::Pending | Fate::Spam) = self.comment.fate {
            self.body = html::to_markdown(&self.comment.html);
            if !self.body.is_empty() {
                self.html = markdown::render(&self.body);
            }
        }
    }
}

/// Converts the entries marked `true` on every core: conversion and rendering need
/// nothing from the database (a comment imported before is converted too, in vain, but
/// while the writer looks it up).
fn convert_all(entries: &mut [(Entry, bool)]) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = entries.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for part in entries.chunks_mut(per_thread) {
            scope.spawn(move || {
                for (entry, wanted) in part {
                    if *wanted {
                        entry.convert();
                    }
                }
            });
        }
    });
}

/// Ids for new rows, taken before their insert so that a chunk's replies can name
/// their parents and go in one multi-row statement: on PostgreSQL from the table's
/// sequence (safe beside a running service); on SQLite after the largest id the table
/// has had. (A SQLite import runs in one transaction: if another process commits in the
/// meantime, the import's first write fails and nothing is imported.)
struct Ids {
    table: &'static str,
    reserved: std::collections::VecDeque<i64>,
    next: Option<i64>,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    n: Option<i64>,
}

impl Ids {
    fn new(table: &'static str) -> Self {
        Self {
            table,
            reserved: std::collections::VecDeque::new(),
            next: None,
        }
    }

    fn take(&mut self, conn: &mut DbConnection) -> Result<i64, ImportError> {
        match conn {
            DbConnection::Postgres(pg) => {
                if self.reserved.is_empty() {
                    let ids: Vec<Number> = diesel::sql_query(
                        "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS n \
                         FROM generate_series(1, $2)",
                    )
                    .bind::<diesel::sql_types::Text, _>(self.table)
                    .bind::<diesel::sql_types::Integer, _>(CHUNK as i32)
                    .load(pg)?;
                    self.reserved.extend(ids.into_iter().filter_map(|i| i.n));
                }
                self.reserved
                    .pop_front()
                    .ok_or_else(|| ImportError::Database(format!("no id for {}", self.table)))
            }
            DbConnection::Sqlite(lite) => {
                let id = match self.next {
                    Some(id) => id,
                    None => {
                        // AUTOINCREMENT: never an id the table had, even a deleted row's.
                        let largest: Number = diesel::sql_query(format!(
                            "SELECT MAX(n) AS n FROM (SELECT MAX(id) AS n FROM {0} \
                             UNION ALL SELECT seq AS n FROM sqlite_sequence WHERE name = '{0}')",
                            self.table
                        ))
                        .get_result(lite)?;
                        largest.n.unwrap_or(0) + 1
                    }
                };
                self.next = Some(id + 1);
                Ok(id)
            }
        }
    }
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
    waiting: BTreeMap<String, Vec<Entry>>,
    /// Verified accounts by email key (`None`: there is none).
    accounts: HashMap<String, Option<i64>>,
    /// Distinct imported authors, by a hash of their email (or name).
    authors: HashSet<u64>,
    matched: HashSet<i64>,
    /// The chunk's comment ids (its own and its parents') found in `import_ids`, with
    /// the comment, unless it is gone.
    known: HashMap<String, Option<Placed>>,
    /// Comments placed since the last flush, by their id in the other system.
    placed: HashMap<String, Placed>,
    /// Rows waiting for the next flush, and where each is among them by id.
    rows: Vec<rows::Comments>,
    row_of: HashMap<i64, usize>,
    comment_ids: Ids,
    article_ids: Ids,
    /// Rows written so far, and how many more before PostgreSQL's statistics are
    /// refreshed (see `Importer::analyze`).
    written: usize,
    analyze_at: usize,
}

/// What the reading thread hands the writing one: the articles and the comments (their
/// text converted) of the next part of the file, in the file's order.
struct Batch {
    source: String,
    articles: Vec<Article>,
    comments: Vec<Entry>,
}

/// Reads every record of `source` into the database, in the caller's transaction, then
/// recounts every counter from the rows.
///
/// Two threads: this one reads the file and converts the comments' text (on every core),
/// while another places and writes the previous thousand comments, so the file and the
/// database are worked at the same time.
#[tracing::instrument(skip_all)]
pub fn import(
    conn: &mut DbConnection,
    source: &mut dyn Source,
    options: Options,
    now: NaiveDateTime,
) -> Result<ImportReport, ImportError> {
    let (batches, received) = std::sync::mpsc::sync_channel::<Batch>(2);
    let stopped = AtomicBool::new(false);
    let stopped = &stopped;
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            let written = write(conn, received, options, now);
            if written.is_err() {
                // The reader stops at its next record rather than at its next batch.
                stopped.store(true, Ordering::Relaxed);
            }
            written
        });
        let read = read(source, options, batches, stopped);
        let written = writer
            .join()
            .map_err(|_| ImportError::Database("the writing thread failed".into()))?;
        // A malformed file stops both: its error, not the writer's unfinished report.
        read?;
        written
    })
}

/// Reads `source` into batches of `CHUNK` comments; stops early when the writer has
/// stopped (its error is the import's).
fn read(
    source: &mut dyn Source,
    options: Options,
    batches: std::sync::mpsc::SyncSender<Batch>,
    stopped: &AtomicBool,
) -> Result<(), ImportError> {
    let mut name = String::new();
    let mut articles = Vec::new();
    let mut comments: Vec<Comment> = Vec::with_capacity(CHUNK);
    let send = |name: &str, articles: &mut Vec<Article>, comments: &mut Vec<Comment>| {
        let mut entries: Vec<(Entry, bool)> =
            std::mem::replace(comments, Vec::with_capacity(CHUNK))
                .into_iter()
                .map(|c| {
                    let wanted = !c.pingback || options.with_pingbacks;
                    (Entry::new(c), wanted)
                })
                .collect();
        convert_all(&mut entries);
        let batch = Batch {
            source: name.to_owned(),
            articles: std::mem::take(articles),
            comments: entries.into_iter().map(|(e, _)| e).collect(),
        };
        batches.send(batch).is_ok()
    };
    while let Some(item) = source.next_item()? {
        if stopped.load(Ordering::Relaxed) {
            return Ok(());
        }
        if name.is_empty() {
            name = source.name();
        }
        match item {
            Item::Article(article) => articles.push(article),
            Item::Comment(comment) => {
                comments.push(comment);
                if comments.len() == CHUNK && !send(&name, &mut articles, &mut comments) {
                    return Ok(());
                }
            }
        }
    }
    send(&name, &mut articles, &mut comments);
    Ok(())
}

/// Places and writes the batches as they come, then the orphans, then recounts. Ends
/// early with an error when a batch fails (the reader then stops at its next send).
fn write(
    conn: &mut DbConnection,
    batches: std::sync::mpsc::Receiver<Batch>,
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
        known: HashMap::new(),
        placed: HashMap::new(),
        rows: Vec::new(),
        row_of: HashMap::new(),
        comment_ids: Ids::new("comments"),
        article_ids: Ids::new("articles"),
        written: 0,
        analyze_at: 0,
    };
    importer.analyze()?;
    let mut complete = false;
    for batch in batches {
        importer.source = batch.source;
        for article in batch.articles {
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
        // The last batch (possibly without comments) says the file was read to its end.
        complete = batch.comments.len() < CHUNK;
        importer.chunk(batch.comments)?;
    }
    if !complete {
        // The reader stopped at a malformed record: its error is the import's.
        return Ok(importer.report);
    }
    importer.orphans()?;
    importer.flush()?;
    importer.report.authors_created = importer.authors.len() as u64;
    importer.report.authors_matched = importer.matched.len() as u64;
    counters::recount(importer.conn)?;
    Ok(importer.report)
}

/// Whether this is a real parent reference (Disqus and WordPress write none as empty or `0`).
fn parent_of(comment: &Comment) -> Option<&str> {
    comment
        .parent
        .as_deref()
        .filter(|p| !p.is_empty() && *p != "0")
}

fn author_hash(who: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    who.hash(&mut hasher);
    hasher.finish()
}

impl Importer<'_> {
    /// Imports a chunk of comments: looks up what the database knows of them, converts
    /// their text on every core, places them, and writes them.
    fn chunk(&mut self, batch: Vec<Entry>) -> Result<(), ImportError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.look_up(&batch)?;
        let new: Vec<&Comment> = batch
            .iter()
            .map(|e| &e.comment)
            .filter(|c| !self.known.contains_key(&c.external_id))
            .filter(|c| !c.pingback || self.options.with_pingbacks)
            .collect();
        let articles: Vec<String> = new.iter().map(|c| c.article.clone()).collect();
        let emails: Vec<String> = new
            .iter()
            .filter_map(|c| c.author_email.as_deref())
            .map(str::trim)
            .filter(|e| e.contains('@'))
            .map(email_key)
            .collect();
        self.resolve_articles(articles)?;
        self.look_up_accounts(emails)?;
        for entry in batch {
            self.comment(entry, false)?;
        }
        self.flush()
    }

    /// Fills `known` with the chunk's comments and parents that an earlier chunk or
    /// run imported.
    fn look_up(&mut self, batch: &[Entry]) -> Result<(), ImportError> {
        self.known.clear();
        let wanted: Vec<&str> = batch
            .iter()
            .map(|e| &e.comment)
            .flat_map(|c| [Some(c.external_id.as_str()), parent_of(c)])
            .flatten()
            .collect();
        self.fetch_known(wanted)
    }

    /// Replies that waited for their parent were looked up when they were read; a later
    /// record with the same id may have come in since (two exports joined): look again.
    fn look_up_again(&mut self, replies: &[Entry]) -> Result<(), ImportError> {
        self.fetch_known(
            replies
                .iter()
                .map(|r| r.comment.external_id.as_str())
                .collect(),
        )
    }

    /// Adds to `known` those of `wanted` (external comment ids) that an earlier batch or
    /// run imported.
    fn fetch_known(&mut self, mut wanted: Vec<&str>) -> Result<(), ImportError> {
        if wanted.is_empty() {
            return Ok(());
        }
        wanted.sort_unstable();
        wanted.dedup();
        let mut local: Vec<(String, i64)> = Vec::new();
        for part in wanted.chunks(ROWS_PER_STATEMENT) {
            local.extend(
                import_ids::table
                    .filter(import_ids::source.eq(&self.source))
                    .filter(import_ids::kind.eq("comment"))
                    .filter(import_ids::external_id.eq_any(part))
                    .select((import_ids::external_id, import_ids::local_id))
                    .load::<(String, i64)>(self.conn)?,
            );
        }
        type Place = (i64, i64, Option<i64>, i64, i32, Option<i64>, String);
        let mut places: HashMap<i64, Placed> = HashMap::new();
        let ids: Vec<i64> = local.iter().map(|(_, id)| *id).collect();
        for part in ids.chunks(ROWS_PER_STATEMENT) {
            let found: Vec<Place> = comments::table
                .filter(comments::id.eq_any(part))
                .select((
                    comments::id,
                    comments::article_id,
                    comments::parent_id,
                    comments::thread_id,
                    comments::depth,
                    comments::author_id,
                    comments::status,
                ))
                .load(self.conn)?;
            for (id, article_id, parent, thread, depth, author, status) in found {
                let status = CommentStatus::parse(&status).unwrap_or(CommentStatus::Deleted);
                places.insert(
                    id,
                    Placed {
                        id,
                        article_id,
                        parent,
                        thread,
                        depth,
                        author,
                        status,
                    },
                );
            }
        }
        for (external_id, id) in local {
            self.known.insert(external_id, places.get(&id).copied());
        }
        Ok(())
    }

    /// Finds or creates the articles named by `externals` that are not resolved yet:
    /// three or four statements for all of them.
    fn resolve_articles(&mut self, mut externals: Vec<String>) -> Result<(), ImportError> {
        externals.retain(|e| matches!(self.articles.get(e), Some(ArticleState::Known(_))));
        externals.sort_unstable();
        externals.dedup();
        if externals.is_empty() {
            return Ok(());
        }
        for part in externals.chunks(ROWS_PER_STATEMENT) {
            let found: Vec<(String, i64)> = import_ids::table
                .filter(import_ids::source.eq(&self.source))
                .filter(import_ids::kind.eq("article"))
                .filter(import_ids::external_id.eq_any(part))
                .select((import_ids::external_id, import_ids::local_id))
                .load(self.conn)?;
            for (external_id, id) in found {
                self.report.articles_matched += 1;
                self.articles.insert(external_id, ArticleState::Local(id));
            }
        }
        let mut keyed: Vec<(String, ArticleKey, Box<Article>)> = Vec::new();
        for external_id in externals {
            let Some(ArticleState::Known(article)) = self.articles.get(&external_id) else {
                continue;
            };
            match article.key.as_deref().map(ArticleKey::parse) {
                Ok(Ok(key)) => {
                    let article = article.clone();
                    keyed.push((external_id, key, article));
                }
                Ok(Err(why)) => {
                    let reason = format!("article key not usable: {why}");
                    self.articles
                        .insert(external_id, ArticleState::Skipped(reason));
                }
                Err(why) => {
                    let why = why.clone();
                    self.articles
                        .insert(external_id, ArticleState::Skipped(why));
                }
            }
        }
        let keys: Vec<&str> = keyed.iter().map(|(_, key, _)| key.as_str()).collect();
        let mut by_key: HashMap<String, i64> = HashMap::new();
        for part in keys.chunks(ROWS_PER_STATEMENT) {
            by_key.extend(
                articles::table
                    .filter(articles::key.eq_any(part))
                    .select((articles::key, articles::id))
                    .load::<(String, i64)>(self.conn)?,
            );
        }
        let mut new_articles = Vec::new();
        let mut new_ids = Vec::new();
        for (external_id, key, article) in keyed {
            let id = match by_key.get(key.as_str()) {
                Some(id) => {
                    self.report.articles_matched += 1;
                    *id
                }
                None => {
                    let id = self.article_ids.take(self.conn)?;
                    let created = article.created_at.unwrap_or(self.now);
                    new_articles.push((
                        articles::id.eq(id),
                        articles::key.eq(key.as_str().to_owned()),
                        articles::title.eq(article.title.clone()),
                        articles::url.eq(article.url.clone()),
                        articles::status.eq(if article.closed { "closed" } else { "open" }),
                        articles::created_at.eq(created),
                        articles::updated_at.eq(created),
                    ));
                    self.report.articles_created += 1;
                    by_key.insert(key.as_str().to_owned(), id);
                    id
                }
            };
            new_ids.push(self.id_row("article", &external_id, id));
            self.articles.insert(external_id, ArticleState::Local(id));
        }
        for part in new_articles.chunks(ROWS_PER_STATEMENT) {
            on_each_backend!(&mut *self.conn, |c| diesel::insert_into(articles::table)
                .values(part)
                .execute(c))?;
        }
        self.insert_ids(&new_ids)
    }

    fn id_row(&self, kind: &'static str, external_id: &str, local_id: i64) -> ImportIdRow {
        (
            import_ids::source.eq(self.source.clone()),
            import_ids::kind.eq(kind),
            import_ids::external_id.eq(external_id.to_owned()),
            import_ids::local_id.eq(local_id),
        )
    }

    fn insert_ids(&mut self, new_ids: &[ImportIdRow]) -> Result<(), ImportError> {
        for part in new_ids.chunks(ROWS_PER_STATEMENT) {
            on_each_backend!(&mut *self.conn, |c| diesel::insert_into(import_ids::table)
                .values(part)
                .execute(c))?;
        }
        Ok(())
    }

    /// The local article for `external_id`, found or created; `Err(reason)` to skip.
    fn article(&mut self, external_id: &str) -> Result<Result<i64, String>, ImportError> {
        if let Some(ArticleState::Known(_)) = self.articles.get(external_id) {
            self.resolve_articles(vec![external_id.to_owned()])?;
        }
        Ok(match self.articles.get(external_id) {
            None | Some(ArticleState::Known(_)) => Err("its article is not in the file".into()),
            Some(ArticleState::Skipped(reason)) => Err(reason.clone()),
            Some(ArticleState::Local(id)) => Ok(*id),
        })
    }

    /// Looks up, in one statement per thousand, the verified accounts of the chunk's
    /// authors that are not cached yet.
    fn look_up_accounts(&mut self, mut keys: Vec<String>) -> Result<(), ImportError> {
        if self.accounts.len() > ACCOUNT_CACHE {
            self.accounts.clear();
        }
        keys.retain(|key| !self.accounts.contains_key(key));
        keys.sort_unstable();
        keys.dedup();
        for part in keys.chunks(ROWS_PER_STATEMENT) {
            let found: Vec<(Option<String>, i64)> = users::table
                .filter(users::email_key.eq_any(part))
                .filter(users::email_verified_at.is_not_null())
                .filter(users::status.ne("deleted"))
                .select((users::email_key, users::id))
                .load(self.conn)?;
            for key in part {
                self.accounts.insert(key.clone(), None);
            }
            for (key, id) in found {
                if let Some(key) = key {
                    self.accounts.insert(key, Some(id));
                }
            }
        }
        Ok(())
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

    /// Imports `first` (and then the replies that waited for it); `at_top` places it
    /// at the top of its article whatever its parent.
    fn comment(&mut self, first: Entry, at_top: bool) -> Result<(), ImportError> {
        let mut work = vec![(first, at_top)];
        while let Some((entry, at_top)) = work.pop() {
            let external_id = entry.comment.external_id.clone();
            if self.one(entry, at_top)?
                && let Some(replies) = self.waiting.remove(&external_id)
            {
                self.look_up_again(&replies)?;
                work.extend(replies.into_iter().rev().map(|r| (r, false)));
            }
        }
        Ok(())
    }

    /// Imports one comment; `true` when it is (now or from before) in the database,
    /// so its waiting replies can follow.
    fn one(&mut self, entry: Entry, at_top: bool) -> Result<bool, ImportError> {
        let Entry {
            comment,
            body,
            html: rendered,
        } = entry;
        if comment.pingback && !self.options.with_pingbacks {
            self.report
                .skip("pingback or trackback (import them with --with-pingbacks)");
            return Ok(false);
        }
        if self.placed.contains_key(&comment.external_id)
            || self.known.contains_key(&comment.external_id)
        {
            self.report.comments_unchanged += 1;
            return Ok(true);
        }
        let article_id = match self.article(&comment.article)? {
            Ok(id) => id,
            Err(reason) => {
                self.report.skip(&reason);
                return Ok(false);
            }
        };
        let fate = match comment.fate {
            Ok(fate) => fate,
            Err(ref raw) => {
                self.report.skip(&format!("unknown status {raw:?}"));
                return Ok(false);
            }
        };
        let mut placement = thread::Placement::TOP;
        if let (Some(parent), false) = (parent_of(&comment), at_top) {
            let local = self
                .placed
                .get(parent)
                .copied()
                .or_else(|| self.known.get(parent).copied().flatten());
            match local {
                Some(local) if local.article_id == article_id => {
                    placement = thread::beneath(&local.as_parent());
                    if placement.parent != Some(CommentId(local.id)) {
                        self.report.flattened += 1;
                    }
                }
                Some(_) => self.report.orphans_at_top += 1,
                None => {
                    let parent = parent.to_owned();
                    self.waiting.entry(parent).or_default().push(Entry {
                        comment,
                        body,
                        html: rendered,
                    });
                    return Ok(false);
                }
            }
        } else if at_top {
            self.report.orphans_at_top += 1;
        }
        let status = match fate {
            Fate::Deleted => CommentStatus::Deleted,
            Fate::Approved => CommentStatus::Approved,
            Fate::Pending => CommentStatus::Pending,
            Fate::Spam => CommentStatus::Rejected,
        };
        if body.is_empty() && status != CommentStatus::Deleted {
            self.report.skip("no text");
            return Ok(false);
        }
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
                if let Some(who) = author_email.as_deref().or(author_name.as_deref()) {
                    self.authors.insert(author_hash(who));
                }
            }
        }
        let id = self.comment_ids.take(self.conn)?;
        let created = comment.created_at.unwrap_or(self.now);
        let thread_id = placement.thread.map_or(id, |t| t.0);
        if status == CommentStatus::Approved
            && placement.depth > 0
            && let Some(root) = self.row_of.get(&thread_id)
            && let Some(root) = self.rows.get_mut(*root)
        {
            // Counted here while the thread's first comment is not written yet, which
            // spares the recount an update of it (most replies come soon after).
            root.visible_replies += 1;
        }
        self.row_of.insert(id, self.rows.len());
        self.rows.push(rows::Comments {
            id,
            article_id,
            parent_id: placement.parent.map(|p| p.0),
            thread_id,
            depth: placement.depth,
            author_id,
            body,
            html: rendered,
            status: status.as_str().to_owned(),
            moderation_reason: (status == CommentStatus::Pending)
                .then(|| "premoderation".to_owned()),
            rejection_reason: (status == CommentStatus::Rejected).then(|| "spam".to_owned()),
            moderated_by: None,
            moderated_at: None,
            like_count: 0,
            visible_replies: 0,
            created_at: created,
            edited_at: None,
            updated_at: created,
            open_flags: 0,
            previous_body: None,
            hook_result: None,
            author_name,
            author_email,
        });
        self.placed.insert(
            comment.external_id,
            Placed {
                id,
                article_id,
                parent: placement.parent.map(|p| p.0),
                thread: thread_id,
                depth: placement.depth,
                author: author_id,
                status,
            },
        );
        self.report.comments_created += 1;
        *self
            .report
            .comments_by_status
            .entry(status.as_str().to_owned())
            .or_default() += 1;
        Ok(true)
    }

    /// PostgreSQL plans by its statistics, and rows written in this transaction are in
    /// none until `ANALYZE` (autovacuum sees only committed rows): without them it takes
    /// the tables for empty and reads every `import_ids` row of the source for each
    /// chunk's lookup (100,000 comments took minutes). So statistics are refreshed at the
    /// start and whenever the written rows have doubled: a dozen times for a million.
    fn analyze(&mut self) -> Result<(), ImportError> {
        if self.written < self.analyze_at {
            return Ok(());
        }
        self.analyze_at = (self.written * 2).max(CHUNK);
        match &mut *self.conn {
            DbConnection::Postgres(pg) => {
                pg.batch_execute("ANALYZE import_ids, comments, articles")?;
            }
            // SQLite's page cache (2 MB by default) no longer holds the indexes' hot pages
            // once they pass a few hundred thousand rows: 64 MB for the import.
            DbConnection::Sqlite(lite) if self.written == 0 => {
                lite.batch_execute("PRAGMA cache_size = -65536")?;
            }
            DbConnection::Sqlite(_) => {}
        }
        Ok(())
    }

    /// Writes the comments placed since the last flush, and their `import_ids`.
    fn flush(&mut self) -> Result<(), ImportError> {
        let rows = std::mem::take(&mut self.rows);
        self.row_of.clear();
        self.written += rows.len();
        match &mut *self.conn {
            // COPY: no statement of a thousand rows to parse and plan.
            DbConnection::Postgres(pg) if !rows.is_empty() => {
                diesel::copy_from(comments::table)
                    .from_insertable(&rows)
                    .execute(pg)?;
            }
            DbConnection::Postgres(_) => {}
            DbConnection::Sqlite(lite) => {
                for part in rows.chunks(ROWS_PER_STATEMENT) {
                    diesel::insert_into(comments::table)
                        .values(part)
                        .execute(lite)?;
                }
            }
        }
        let placed = std::mem::take(&mut self.placed);
        let new_ids: Vec<ImportIdRow> = placed
            .iter()
            .map(|(external_id, placed)| self.id_row("comment", external_id, placed.id))
            .collect();
        self.insert_ids(&new_ids)?;
        self.analyze()
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
                .map(|e| e.comment.external_id.clone())
                .collect();
            let Some(parent) = self
                .waiting
                .keys()
                .find(|parent| !waiting_ids.contains(*parent))
                .cloned()
            else {
                break;
            };
            let replies = self.waiting.remove(&parent).unwrap_or_default();
            self.look_up_again(&replies)?;
            for reply in replies {
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

type ImportIdRow = (
    diesel::dsl::Eq<import_ids::source, String>,
    diesel::dsl::Eq<import_ids::kind, &'static str>,
    diesel::dsl::Eq<import_ids::external_id, String>,
    diesel::dsl::Eq<import_ids::local_id, i64>,
);
