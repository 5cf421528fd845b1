//! Every read cache of the service, and why their answers are exact.
//!
//! # Why answers are exact
//!
//! Tribune answers its hottest reads (comment counts, whole count answers, anonymous
//! first pages and the rows signed-in readers' pages are made of, the site settings) from
//! memory, and a cached answer must never differ from what the database would answer at
//! that moment. One invariant guarantees it:
//!
//! > **An entry is served only while the generation it was read in is current, and every
//! > commit moves the generation once it is committed and before anyone hears of it.**
//!
//! The three halves of that rule, and where each is kept:
//!
//! 1. **The generation is read before the database.** [`ReadCache::get_or_load`] takes
//!    a [`Reading`] (the generation, now) itself and only then calls the loader, so a
//!    write that commits while the loader runs leaves the loaded entry already stale. A
//!    caller cannot pass a generation of its own: the only way to get a `Reading` is to
//!    ask a cache for one.
//!    For caches of one article's reads ([`Scope::Article`]: counts, pages, page rows) the
//!    reading is two numbers, the base generation and the article's own (see
//!    `db::changes`), both taken before the database.
//! 2. **Every commit of this instance bumps it.** Only [`Db::write`](crate::db::Db::write)
//!    and its forms (`write_articles`, `write_posting`, `write_settings`) commit on the
//!    request path: PostgreSQL's path (and its posting lanes) bumps right after its
//!    transaction commits, SQLite's
//!    batching writer right after the batch's commit (which readers see from then on,
//!    while its flusher makes it durable) — in both, before the request's future
//!    resolves. A settings change also moves the settings generation,
//!    and `db::settings::save` can only be called inside `Db::write_settings`.
//!    A write that says which articles it changed (`Db::write_articles`) bumps only
//!    theirs (and the all-articles generation whole count answers check); every other
//!    write bumps everything.
//! 3. **Commits of other instances (and of the command line) bump it too.** A watcher
//!    polls a marker that moves with every commit of another writer (`PRAGMA
//!    data_version` on the SQLite writer's own connection; on PostgreSQL
//!    `pg_current_snapshot()`, whose ended transactions are another writer's unless this
//!    instance noted them as its own) every 5 ms, bumps
//!    everything when it moved and once more a poll later (an answer read in the
//!    instant between a commit's record and its visibility cannot stay), and bumps
//!    whenever the marker cannot be read. Another instance's write therefore reaches
//!    this instance's answers within about 10 ms while the watcher runs; its own writes
//!    at once. (Were the watcher stuck, on a connection that hangs, other instances'
//!    writes would wait for it: the callers of access tokens are therefore kept a second
//!    at most.) See `db::changes`.
//!
//! Entries that stop being true with time, not with a write (a page of an article that
//! closes at a scheduled moment), carry `valid_until` ([`Fresh::until`]); the cache
//! treats them as missing from that moment on, by the service's clock.
//!
//! The callers of access tokens (`callers`: the account and session as the database had
//! them) are of [`Scope::Base`] and carry as `valid_until` a second from their read or
//! the session's end, whichever comes first, so a logout, ban, role change or erasure
//! (writes that do not name articles) reaches them as any answer; authentication is as
//! exact as every cached answer. This instance's writes that name their articles (posts,
//! edits, deletions, likes) leave them: of an account, those change only its counts of
//! approved and rejected comments, which a cached caller may therefore show up to a
//! second late (the moderation hook is told them so; the new-user rule and an edit's
//! rules read them in the write's own transaction, `db::comments::approved_now`, and
//! `/me` reads the account afresh). Under a stream of posts the account is not read
//! again for each post.
//!
//! Five scopes exist: [`Scope::Changes`] moves with every commit; [`Scope::Base`] with
//! every commit that may have touched anything but articles' comments (and with them
//! their authors' counts); [`Scope::Article`]
//! with every commit that may have touched anything and with writes to the entry's
//! article; [`Scope::Settings`]
//! moves with this instance's settings changes and with every commit the watcher sees,
//! but not with this instance's other writes, so a stream of posts does not re-read the
//! settings for each post (they change only through `Db::write_settings`);
//! [`Scope::Clock`] never moves, for the one answer allowed to lag (the metrics'
//! database totals, kept a few seconds so scrapes cannot hammer the database).
//!
//! The word-list matchers are not a cache of database state: they are a pure function of
//! the settings' word lists, kept with the settings entry and rebuilt when a new
//! settings entry's lists differ from the previous one's (`domain::moderation::Site`).
//!
//! **Concurrent misses.** When a generation ends, every request for a popular key misses
//! at once: the first of one generation loads, the others of the same generation wait
//! for its answer (single flight); if it fails or is cancelled, they load themselves.
//!
//! **Memory.** Each cache is bounded in bytes (keys and values as weighed by [`Weigh`]),
//! not in entries. When an insert would pass the budget, entries of past generations and
//! expired ones go first, then entries not served since they were kept, then the rest,
//! until a quarter of the budget is free; an entry that was served survives a round, so
//! a flood of one-off keys cannot push out what readers keep asking for. An answer larger
//! than an eighth of its budget, or already expired, is served but not kept. Keys come
//! only from validated input: whole count answers are kept only for queries of nothing
//! but `article` keys and for bodies that were valid and not much longer than their
//! keys, and pages of articles that do not exist (and sessions found ended) are not kept.
//!
//! **The tests that prove it:** `cached_counts_and_pages_follow_every_write_on_this_instance`,
//! `signed_in_pages_show_each_readers_likes_and_held_comments_after_every_write`,
//! `a_cached_page_does_not_outlive_a_scheduled_closing` and
//! `another_instances_writes_reach_this_instances_caches` (`tests/api/caching.rs`),
//! `two_instances_share_bans_roles_and_counts` (`tests/api/operations.rs`), the
//! moderation tests of settings shared between instances, and the unit tests of
//! `read_cache` (generations, time, single flight, the byte bound).
//!
//! # Adding a cache
//! Add a field to [`Caches`] with a named key type, give key and value a [`Weigh`], pick
//! its scope and budget here, and load through `get_or_load`. Nothing else is needed:
//! writes need not know about it.

mod read_cache;

use std::sync::{Arc, OnceLock};

use actix_web::web::Bytes;

pub use read_cache::{ArticleOf, Fresh, ReadCache, Reading, Scope, Weigh};

use crate::clock::Clock;
use crate::db::changes::ChangeSignal;
use crate::db::comments::{Authored, SharedPage};
use crate::db::moderation::Overview;
use crate::db::users::User;
use crate::domain::comment::Sort;
use crate::domain::moderation::Site;

const MIB: usize = 1024 * 1024;

/// Every read cache.
#[derive(Debug)]
pub struct Caches {
    /// Approved comments by article key.
    pub counts: ReadCache<String, i64>,
    /// Whole `GET /counts` answers by query string, and `POST /counts` answers by their
    /// normalised key set (NUL-separated, after a leading NUL) and by their body as sent
    /// (after `\0body\0`).
    pub count_answers: ReadCache<CountsQuery, CountAnswer>,
    /// Serialised anonymous pages of threads.
    pub pages: ReadCache<PageKey, Arc<PageBody>>,
    /// The rows of anonymous pages with who holds comments there and the likes of their
    /// comments, for signed-in readers without held comments on the article (their page is
    /// these rows with their likes); `None`: no such article (never kept).
    pub page_rows: ReadCache<PageKey, Option<Arc<SharedPage>>>,
    /// The site settings in force, with their matchers.
    pub site: ReadCache<(), Arc<Site>>,
    /// Callers by access token's session: the account and session as the database had
    /// them, while nothing has been committed since (see `routes::extract::authenticate`).
    pub callers: ReadCache<SessionKey, Option<User>>,
    /// The metrics' database totals, for a few seconds (they may lag; see `Scope::Clock`).
    pub overview: ReadCache<(), Arc<Overview>>,
}

impl Caches {
    /// Empty caches over `signal`'s generations, expiring by `clock`, holding `bytes`
    /// together (`TRIBUNE_CACHE_MIB`, 96 MiB by default): a third each for anonymous pages
    /// and signed-in pages' rows (an entry may take an eighth of its cache: 4 MiB at the
    /// default, a page of 500 long comments with thousands of likes), an eighth each for
    /// counts and whole count answers (which made-up keys can fill), a twelfth for
    /// callers. The settings (one entry, its word lists' matchers included) take 32 MiB
    /// more and the metrics' totals one; only what is kept takes memory.
    pub fn new(signal: &Arc<ChangeSignal>, clock: &Clock, bytes: usize) -> Self {
        let parts = |n: usize| bytes / 24 * n;
        Self {
            counts: ReadCache::new(signal, clock, Scope::Article, parts(3)),
            count_answers: ReadCache::new(signal, clock, Scope::Changes, parts(3)),
            pages: ReadCache::new(signal, clock, Scope::Article, parts(8)),
            page_rows: ReadCache::new(signal, clock, Scope::Article, parts(8)),
            site: ReadCache::new(signal, clock, Scope::Settings, 32 * MIB),
            callers: ReadCache::new(signal, clock, Scope::Base, parts(2)),
            overview: ReadCache::new(signal, clock, Scope::Clock, MIB),
        }
    }
}

/// The raw query string of a `GET /counts` (a hit needs nothing else), or the key set of
/// a `POST /counts`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountsQuery(pub String);

impl From<String> for CountsQuery {
    fn from(query: String) -> Self {
        Self(query)
    }
}

impl std::borrow::Borrow<str> for CountsQuery {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// A whole answer is about many articles: it goes stale with every change.
impl ArticleOf for CountsQuery {}

impl ArticleOf for PageKey {
    fn article(&self) -> Option<&str> {
        Some(&self.article)
    }
}

impl Weigh for CountsQuery {
    fn weigh(&self) -> usize {
        self.0.weigh()
    }
}

/// A serialised count answer and its ETag.
#[derive(Debug, Clone)]
pub struct CountAnswer {
    pub body: Bytes,
    pub etag: String,
}

impl Weigh for CountAnswer {
    fn weigh(&self) -> usize {
        self.body.weigh() + self.etag.weigh()
    }
}

/// A serialised anonymous page of threads, with its gzip form, made by the first request
/// that takes gzip (browsers all do) and then served to every such request while the
/// entry lasts: the benchmark's hot article's first page is 70 KB of JSON, and under a
/// tenth of that compressed.
#[derive(Debug)]
pub struct PageBody {
    pub plain: Bytes,
    gzip: OnceLock<Option<Bytes>>,
}

impl PageBody {
    /// Bodies shorter than this are not compressed (the gzip frame and a header cost
    /// more than they save).
    const GZIP_FROM: usize = 1024;
    /// Nor are bodies longer than this (pages of many very long comments): compressing
    /// runs on the async worker, and such a page may be too large to keep, so built and
    /// compressed again for every request.
    const GZIP_UP_TO: usize = 1024 * 1024;

    pub fn new(plain: Bytes) -> Self {
        Self {
            plain,
            gzip: OnceLock::new(),
        }
    }

    /// Whether the body's length is worth compressing.
    fn compressible(&self) -> bool {
        (Self::GZIP_FROM..=Self::GZIP_UP_TO).contains(&self.plain.len())
    }

    /// The gzip form (fast compression: a page is compressed once per change of its
    /// article), if the body's length is worth it and it takes at most half the plain
    /// body's bytes, which is what the entry's weight reserves for it.
    pub fn gzip(&self) -> Option<&Bytes> {
        self.gzip
            .get_or_init(|| {
                if !self.compressible() {
                    return None;
                }
                crate::assets::gzip(&self.plain, flate2::Compression::fast())
                    .filter(|z| z.len() <= self.plain.len() / 2)
                    .map(Bytes::from)
            })
            .as_ref()
    }
}

impl Weigh for Arc<PageBody> {
    fn weigh(&self) -> usize {
        // The plain body, and half as much again for the gzip form it may gain.
        let reserve = if self.compressible() {
            self.plain.len() / 2
        } else {
            0
        };
        std::mem::size_of::<PageBody>() + self.plain.weigh() + reserve
    }
}

/// Which page of threads: of which article, in which order, how long, after which
/// top-level comment (its likes and id; `None`: the first page).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub article: String,
    pub sort: Sort,
    pub limit: i64,
    pub after: Option<(i64, i64)>,
}

impl Weigh for PageKey {
    fn weigh(&self) -> usize {
        self.article.weigh() + std::mem::size_of::<Self>()
    }
}

impl Weigh for SharedPage {
    fn weigh(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, Weigh::weigh);
        let row = |(c, name): &Authored| {
            std::mem::size_of::<Authored>()
                + c.body.weigh()
                + c.html.weigh()
                + c.status.weigh()
                + [
                    &c.moderation_reason,
                    &c.rejection_reason,
                    &c.previous_body,
                    &c.hook_result,
                    &c.author_name,
                    &c.author_email,
                    name,
                ]
                .into_iter()
                .map(text)
                .sum::<usize>()
        };
        let page = &self.page;
        let a = &page.article;
        let likes = self
            .likes
            .as_ref()
            .map_or(0, |l| l.capacity() * LIKE_WEIGHT);
        std::mem::size_of::<SharedPage>()
            + a.key.weigh()
            + text(&a.title)
            + text(&a.url)
            + page
                .roots
                .rows
                .iter()
                .chain(&page.replies)
                .map(row)
                .sum::<usize>()
            + self.held_by.capacity() * 16
            + likes
    }
}

impl Weigh for Option<Arc<SharedPage>> {
    fn weigh(&self) -> usize {
        self.as_ref().map_or(0, |shared| shared.weigh())
    }
}

/// A like in a shared page's set: a hash set's slot with its control byte, and room to
/// spare.
pub const LIKE_WEIGHT: usize = 24;

/// Whose session an access token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionKey {
    pub user: i64,
    pub session: i64,
}

/// A session is no article's.
impl ArticleOf for SessionKey {}

impl Weigh for SessionKey {
    fn weigh(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

impl Weigh for Option<User> {
    fn weigh(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, Weigh::weigh);
        self.as_ref().map_or(0, |u| {
            std::mem::size_of::<User>()
                + u.username.weigh()
                + u.role.weigh()
                + u.status.weigh()
                + u.language.weigh()
                + [
                    &u.username_key,
                    &u.email,
                    &u.email_key,
                    &u.password_hash,
                    &u.sso_subject,
                    &u.ban_reason,
                    &u.username_skeleton,
                ]
                .into_iter()
                .map(text)
                .sum::<usize>()
        })
    }
}

impl Weigh for Arc<Overview> {
    fn weigh(&self) -> usize {
        std::mem::size_of::<Overview>() + 32 * (self.by_status.len() + self.queues.len())
    }
}

impl Weigh for Arc<Site> {
    fn weigh(&self) -> usize {
        self.weight()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_compressed_once_and_only_when_its_length_is_worth_it() {
        let long = Bytes::from(r#"{"body":"Ein Kommentar über das Thema."}"#.repeat(100));
        let page = Arc::new(PageBody::new(long.clone()));
        let first = page.gzip().expect("a gzip form") as *const Bytes;
        assert_eq!(
            page.gzip().map(|z| z as *const Bytes),
            Some(first),
            "made once"
        );
        let gzip = page.gzip().unwrap();
        assert!(gzip.len() * 2 <= long.len());
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut plain)
            .unwrap();
        assert_eq!(plain, long);
        assert_eq!(
            page.weigh(),
            size_of::<PageBody>() + long.weigh() + long.len() / 2
        );

        let short = Arc::new(PageBody::new(Bytes::from(vec![b' '; 1023])));
        assert!(short.gzip().is_none(), "too short to be worth it");
        assert_eq!(short.weigh(), size_of::<PageBody>() + short.plain.weigh());
        let huge = Arc::new(PageBody::new(Bytes::from(vec![b' '; 1024 * 1024 + 1])));
        assert!(huge.gzip().is_none(), "too long to compress on a worker");
        let random: Vec<u8> = (0..4096).map(|_| rand::random::<u8>()).collect();
        let noise = Arc::new(PageBody::new(Bytes::from(random)));
        assert!(noise.gzip().is_none(), "not kept unless it halves the body");
    }
}
