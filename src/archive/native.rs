//! Tribune's own format: JSON Lines. Line 1 is a header (`format`, `version`, source
//! `backend`, `exported_at`, `tables`); then one `{"table": …, "row": {…}}` per row,
//! grouped by table in `TABLES` order (rows referenced before rows that reference them),
//! each table in key order; the last line is `{"end": {table: rows, …}}`, so a cut file
//! is refused instead of half read. Columns are the database's (see `rows`).

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{ImportError, ImportReport, Malformed, rows};
use crate::db::schema;
use crate::db::{Backend, DbConnection, on_each_backend};

/// The header's `format`.
pub const FORMAT: &str = "tribune-export";
/// The header's `version`; an import refuses a version it does not know.
pub const VERSION: u32 = 1;
/// Rows read or written per query: memory stays bounded, round trips few.
const BATCH: i64 = 500;

/// Every exported table, in the order of the file.
pub const TABLES: &[&str] = &[
    "users",
    "app_meta",
    "sso_seen_tokens",
    "used_links",
    "articles",
    "comments",
    "likes",
    "flags",
    "moderation_log",
    "moderator_notes",
    "appeals",
    "events",
    "webhook_endpoints",
    "webhook_deliveries",
    "mail_outbox",
    "import_ids",
    "username_holds",
    "subscriptions",
    "reply_notices",
];

/// Tables left out of the export on purpose, and why. A table that is on neither list
/// fails the `archive` tests: a new table must be exported or listed here.
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    // Logins: a moved service asks everyone to log in again rather than carry live
    // credentials (refresh tokens) in a file.
    (
        "sessions",
        "login sessions: readers log in again after a move",
    ),
    (
        "refresh_tokens",
        "live credentials of sessions, which are not exported",
    ),
    // diesel's own bookkeeping: the target's migrations fill it.
    (
        "__diesel_schema_migrations",
        "which migrations ran: the target runs its own",
    ),
];

/// Line 1 of an export.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub exported_at: String,
    pub tables: Vec<String>,
}

#[derive(Serialize)]
struct RecordOut<'a, T> {
    table: &'a str,
    row: &'a T,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordIn<'a> {
    #[serde(default, borrow)]
    table: Option<&'a str>,
    #[serde(default, borrow)]
    row: Option<&'a RawValue>,
    #[serde(default)]
    end: Option<BTreeMap<String, u64>>,
}

/// What an export wrote.
#[derive(Debug, Clone, Default)]
pub struct ExportReport {
    pub rows: BTreeMap<String, u64>,
}

fn io(e: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!("writing the export: {e}")
}

fn write_row<T: Serialize>(out: &mut dyn Write, table: &str, row: &T) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, &RecordOut { table, row })?;
    out.write_all(b"\n").map_err(io)
}

/// Writes every row of `$table` (keyset pages on the integer `id`).
macro_rules! export_by_id {
    ($conn:expr, $out:expr, $table:ident, $Row:ty) => {{
        let mut after = i64::MIN;
        let mut written = 0u64;
        loop {
            let page: Vec<$Row> = schema::$table::table
                .filter(schema::$table::id.gt(after))
                .order(schema::$table::id.asc())
                .limit(BATCH)
                .select(<$Row>::as_select())
                .load($conn)?;
            for row in &page {
                write_row($out, stringify!($table), row)?;
            }
            written += page.len() as u64;
            match page.last() {
                Some(last) if page.len() as i64 == BATCH => after = last.id,
                _ => break,
            }
        }
        written
    }};
}

/// Writes every row of `$table` (keyset pages on the text key `$key`).
macro_rules! export_by_text {
    ($conn:expr, $out:expr, $table:ident, $key:ident, $Row:ty) => {{
        let mut after: Option<String> = None;
        let mut written = 0u64;
        loop {
            let query = schema::$table::table
                .order(schema::$table::$key.asc())
                .limit(BATCH)
                .select(<$Row>::as_select());
            let page: Vec<$Row> = match &after {
                None => query.load($conn)?,
                Some(after) => query.filter(schema::$table::$key.gt(after)).load($conn)?,
            };
            for row in &page {
                write_row($out, stringify!($table), row)?;
            }
            written += page.len() as u64;
            match page.last() {
                Some(last) if page.len() as i64 == BATCH => after = Some(last.$key.clone()),
                _ => break,
            }
        }
        written
    }};
}

/// Writes the whole database to `out` from one consistent snapshot (a read
/// transaction; repeatable read on PostgreSQL), `BATCH` rows at a time.
#[tracing::instrument(skip_all)]
pub fn export(
    conn: &mut DbConnection,
    backend: Backend,
    out: &mut dyn Write,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<ExportReport> {
    conn.transaction(|conn| {
        if backend == Backend::Postgres {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            backend: match backend {
                Backend::Sqlite => "sqlite".into(),
                Backend::Postgres => "postgres".into(),
            },
            exported_at: now.and_utc().to_rfc3339(),
            tables: TABLES.iter().map(|t| (*t).to_owned()).collect(),
        };
        serde_json::to_writer(&mut *out, &header)?;
        out.write_all(b"\n").map_err(io)?;
        let mut report = ExportReport::default();
        for table in TABLES {
            let n = export_table(conn, out, table)?;
            report.rows.insert((*table).to_owned(), n);
        }
        serde_json::to_writer(&mut *out, &serde_json::json!({ "end": report.rows }))?;
        out.write_all(b"\n").map_err(io)?;
        out.flush().map_err(io)?;
        Ok(report)
    })
}

fn export_table(conn: &mut DbConnection, out: &mut dyn Write, table: &str) -> anyhow::Result<u64> {
    Ok(match table {
        "users" => export_by_id!(conn, out, users, rows::Users),
        "app_meta" => export_by_text!(conn, out, app_meta, key, rows::AppMeta),
        "sso_seen_tokens" => export_by_text!(conn, out, sso_seen_tokens, jti, rows::SsoSeenTokens),
        "used_links" => export_by_text!(conn, out, used_links, jti, rows::UsedLinks),
        "articles" => export_by_id!(conn, out, articles, rows::Articles),
        "comments" => export_by_id!(conn, out, comments, rows::Comments),
        "likes" => export_likes(conn, out)?,
        "flags" => export_by_id!(conn, out, flags, rows::Flags),
        "moderation_log" => export_by_id!(conn, out, moderation_log, rows::ModerationLog),
        "moderator_notes" => export_by_id!(conn, out, moderator_notes, rows::ModeratorNotes),
        "appeals" => export_by_id!(conn, out, appeals, rows::Appeals),
        "events" => export_by_id!(conn, out, events, rows::Events),
        "webhook_endpoints" => export_by_id!(conn, out, webhook_endpoints, rows::WebhookEndpoints),
        "webhook_deliveries" => {
            export_by_id!(conn, out, webhook_deliveries, rows::WebhookDeliveries)
        }
        "mail_outbox" => export_by_id!(conn, out, mail_outbox, rows::MailOutbox),
        "import_ids" => export_by_id!(conn, out, import_ids, rows::ImportIds),
        "username_holds" => export_by_id!(conn, out, username_holds, rows::UsernameHolds),
        "subscriptions" => export_by_id!(conn, out, subscriptions, rows::Subscriptions),
        "reply_notices" => export_by_id!(conn, out, reply_notices, rows::ReplyNotices),
        other => anyhow::bail!("no exporter for table {other}"),
    })
}

/// `likes` has a two-column key: pages continue after (comment, user).
fn export_likes(conn: &mut DbConnection, out: &mut dyn Write) -> anyhow::Result<u64> {
    use schema::likes::dsl::*;
    let mut after = (i64::MIN, i64::MIN);
    let mut written = 0u64;
    loop {
        let page: Vec<rows::Likes> = likes
            .filter(
                comment_id
                    .gt(after.0)
                    .or(comment_id.eq(after.0).and(user_id.gt(after.1))),
            )
            .order((comment_id.asc(), user_id.asc()))
            .limit(BATCH)
            .select(rows::Likes::as_select())
            .load(conn)?;
        for row in &page {
            write_row(out, "likes", row)?;
        }
        written += page.len() as u64;
        match page.last() {
            Some(last) if page.len() as i64 == BATCH => after = (last.comment_id, last.user_id),
            _ => break,
        }
    }
    Ok(written)
}

/// Rows of one table waiting to be inserted, with the lines they came from.
struct Pending {
    table: usize,
    first_line: u64,
    lines: Vec<(u64, String)>,
}

/// Reads an export into this (empty) database, in the caller's transaction: every row
/// with its id, then PostgreSQL's id sequences set past the largest ids. Refuses a
/// database that holds anything but instance values (`app_meta`, which the export's
/// replace), and any malformed line, with its number.
#[tracing::instrument(skip_all)]
pub fn import(
    conn: &mut DbConnection,
    input: &mut dyn BufRead,
) -> Result<ImportReport, ImportError> {
    let mut line_no = 0u64;
    let mut line = String::new();
    let malformed =
        |line: u64, message: String| ImportError::Malformed(Malformed { line, message });

    line_no += 1;
    if input.read_line(&mut line)? == 0 {
        return Err(malformed(1, "the file is empty".into()));
    }
    let header: Header = serde_json::from_str(&line)
        .map_err(|e| malformed(1, format!("not a Tribune export header ({e})")))?;
    if header.format != FORMAT {
        return Err(malformed(
            1,
            format!("format is {:?}, not {FORMAT:?}", header.format),
        ));
    }
    if header.version != VERSION {
        return Err(malformed(
            1,
            format!(
                "version {} is not one this Tribune reads (it reads {VERSION})",
                header.version
            ),
        ));
    }
    refuse_unless_empty(conn)?;

    let mut report = ImportReport {
        native: true,
        ..ImportReport::default()
    };
    let mut pending: Option<Pending> = None;
    let mut end: Option<(u64, BTreeMap<String, u64>)> = None;
    loop {
        line.clear();
        line_no += 1;
        if input.read_line(&mut line)? == 0 {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        if let Some((end_line, _)) = &end {
            return Err(malformed(
                line_no,
                format!("a record after the end record of line {end_line}"),
            ));
        }
        let record: RecordIn = serde_json::from_str(&line)
            .map_err(|e| malformed(line_no, format!("not a JSON record: {e}")))?;
        match record {
            RecordIn {
                end: Some(counts),
                table: None,
                row: None,
            } => {
                if let Some(p) = pending.take() {
                    flush(conn, p, &mut report)?;
                }
                end = Some((line_no, counts));
            }
            RecordIn {
                table: Some(table),
                row: Some(row),
                end: None,
            } => {
                let index = TABLES
                    .iter()
                    .position(|t| *t == table)
                    .ok_or_else(|| malformed(line_no, format!("unknown table {table:?}")))?;
                let current = pending.as_ref().map_or(0, |p| p.table);
                if index < current {
                    return Err(malformed(
                        line_no,
                        format!(
                            "a row of {table} after rows of {}: tables must come in the export's order",
                            TABLES[current]
                        ),
                    ));
                }
                if pending
                    .as_ref()
                    .is_some_and(|p| p.table != index || p.lines.len() as i64 >= BATCH)
                    && let Some(p) = pending.take()
                {
                    flush(conn, p, &mut report)?;
                }
                let p = pending.get_or_insert_with(|| Pending {
                    table: index,
                    first_line: line_no,
                    lines: Vec::with_capacity(BATCH as usize),
                });
                p.lines.push((line_no, row.get().to_owned()));
            }
            _ => {
                return Err(malformed(
                    line_no,
                    "a record has either `table` and `row`, or only `end`".into(),
                ));
            }
        }
    }
    let Some((end_line, counts)) = end else {
        return Err(malformed(
            line_no.saturating_sub(1).max(1),
            "the file ends without its end record: it is cut short".into(),
        ));
    };
    for table in TABLES {
        let expected = counts.get(*table).copied().unwrap_or(0);
        let read = report.rows.get(*table).copied().unwrap_or(0);
        if expected != read {
            return Err(malformed(
                end_line,
                format!("the end record counts {expected} rows of {table}, the file has {read}"),
            ));
        }
    }
    if let Some(unknown) = counts.keys().find(|t| !TABLES.contains(&t.as_str())) {
        return Err(malformed(
            end_line,
            format!("the end record counts an unknown table {unknown:?}"),
        ));
    }
    report.rows.retain(|_, n| *n > 0);
    set_sequences(conn)?;
    Ok(report)
}

/// Refuses a database with rows (instance values aside): ids would collide, and
/// merging two services is not what this is for.
fn refuse_unless_empty(conn: &mut DbConnection) -> Result<(), ImportError> {
    use schema::*;
    // Every table of the export but app_meta; tables that only hang on these
    // (likes, flags, notes, appeals, deliveries) cannot have rows without them.
    let counts: [(&str, i64); 10] = [
        ("users", users::table.count().get_result(conn)?),
        ("articles", articles::table.count().get_result(conn)?),
        ("comments", comments::table.count().get_result(conn)?),
        (
            "moderation_log",
            moderation_log::table.count().get_result(conn)?,
        ),
        ("events", events::table.count().get_result(conn)?),
        (
            "webhook_endpoints",
            webhook_endpoints::table.count().get_result(conn)?,
        ),
        ("mail_outbox", mail_outbox::table.count().get_result(conn)?),
        ("used_links", used_links::table.count().get_result(conn)?),
        ("import_ids", import_ids::table.count().get_result(conn)?),
        (
            "username_holds",
            username_holds::table.count().get_result(conn)?,
        ),
    ];
    if let Some((table, n)) = counts.iter().find(|(_, n)| *n > 0) {
        return Err(ImportError::Refused(format!(
            "the database is not empty ({table} has {n} rows): a Tribune export goes into an \
             empty database only (run `tribune migrate` on a new one)"
        )));
    }
    Ok(())
}

/// Deserialises a page of one table's rows and inserts them in one statement.
fn flush(
    conn: &mut DbConnection,
    pending: Pending,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let table = TABLES[pending.table];
    let n = pending.lines.len() as u64;
    macro_rules! insert {
        ($table:ident, $Row:ty) => {{
            let mut batch: Vec<$Row> = Vec::with_capacity(pending.lines.len());
            for (line, raw) in &pending.lines {
                batch.push(serde_json::from_str(raw).map_err(|e| {
                    ImportError::Malformed(Malformed {
                        line: *line,
                        message: format!("a row of {table} that does not fit: {e}"),
                    })
                })?);
            }
            let last_line = pending.lines.last().map_or(pending.first_line, |l| l.0);
            on_each_backend!(conn, |c| diesel::insert_into(schema::$table::table)
                .values(&batch)
                .execute(c))
            .map_err(|e| {
                ImportError::Refused(format!(
                    "lines {}–{last_line} ({table}): the database refused them: {e}",
                    pending.first_line
                ))
            })?;
        }};
    }
    match table {
        "users" => insert!(users, rows::Users),
        "app_meta" => {
            // The target's migrations or first start may have stored instance values:
            // the export's win.
            let mut keys = Vec::new();
            for (line, raw) in &pending.lines {
                let row: rows::AppMeta = serde_json::from_str(raw).map_err(|e| {
                    ImportError::Malformed(Malformed {
                        line: *line,
                        message: format!("a row of app_meta that does not fit: {e}"),
                    })
                })?;
                keys.push(row.key);
            }
            diesel::delete(schema::app_meta::table.filter(schema::app_meta::key.eq_any(&keys)))
                .execute(conn)?;
            insert!(app_meta, rows::AppMeta)
        }
        "sso_seen_tokens" => insert!(sso_seen_tokens, rows::SsoSeenTokens),
        "used_links" => insert!(used_links, rows::UsedLinks),
        "articles" => insert!(articles, rows::Articles),
        "comments" => insert!(comments, rows::Comments),
        "likes" => insert!(likes, rows::Likes),
        "flags" => insert!(flags, rows::Flags),
        "moderation_log" => insert!(moderation_log, rows::ModerationLog),
        "moderator_notes" => insert!(moderator_notes, rows::ModeratorNotes),
        "appeals" => insert!(appeals, rows::Appeals),
        "events" => insert!(events, rows::Events),
        "webhook_endpoints" => insert!(webhook_endpoints, rows::WebhookEndpoints),
        "webhook_deliveries" => insert!(webhook_deliveries, rows::WebhookDeliveries),
        "mail_outbox" => insert!(mail_outbox, rows::MailOutbox),
        "import_ids" => insert!(import_ids, rows::ImportIds),
        "username_holds" => insert!(username_holds, rows::UsernameHolds),
        "subscriptions" => insert!(subscriptions, rows::Subscriptions),
        "reply_notices" => insert!(reply_notices, rows::ReplyNotices),
        other => {
            return Err(ImportError::Refused(format!(
                "no importer for table {other}"
            )));
        }
    }
    *report.rows.entry(table.to_owned()).or_default() += n;
    Ok(())
}

/// PostgreSQL's identity sequences do not move when rows come with their ids: set each
/// past its table's largest id, or the next comment would collide with an imported one.
/// (SQLite's AUTOINCREMENT follows inserted ids by itself.)
fn set_sequences(conn: &mut DbConnection) -> Result<(), ImportError> {
    if let DbConnection::Postgres(pg) = conn {
        for table in TABLES {
            if matches!(
                *table,
                "app_meta" | "sso_seen_tokens" | "used_links" | "likes"
            ) {
                continue;
            }
            pg.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))?;
        }
        // Fresh rows have no statistics: without them PostgreSQL plans sequential scans.
        pg.batch_execute(&format!("ANALYZE {}", TABLES.join(", ")))?;
    }
    Ok(())
}
