//! `tribune export` and `tribune import`: moving in (Disqus, WordPress) and moving up
//! (SQLite to PostgreSQL and back). See the README, "Moving in and moving up".

use std::io::{BufRead, BufReader, BufWriter};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use diesel::Connection;

use crate::archive::{ImportError, ImportReport, disqus, foreign, native, wordpress};
use crate::db::{Db, migrations};
use crate::settings::DatabaseArgs;

/// `tribune export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file (created with owner-only permissions) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The format of the file to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A `tribune export` file, into an empty database.
    Tribune,
    /// A Disqus XML export.
    Disqus,
    /// A WordPress export (WXR 1.2).
    Wordpress,
}

/// What becomes an article's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArticleKeyBy {
    /// Disqus: the thread's identifier (else its link). The default for Disqus.
    Identifier,
    /// Disqus: the thread's link.
    Link,
    /// WordPress: the post's permalink. The default for WordPress.
    Permalink,
    /// WordPress: the post id.
    PostId,
}

/// `tribune import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What the file is.
    #[arg(long, value_enum)]
    pub format: Format,
    /// The file; `-` reads standard input.
    pub file: PathBuf,
    /// Read everything and report what an import would do, then write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// What becomes an article's key (Disqus: identifier or link; WordPress: permalink
    /// or post-id); it must be what the pages pass to the embed.
    #[arg(long, value_enum)]
    pub article_key: Option<ArticleKeyBy>,
    /// Import WordPress pingbacks and trackbacks too (skipped by default).
    #[arg(long)]
    pub with_pingbacks: bool,
}

/// Runs `tribune export`.
pub async fn export(args: ExportArgs, database: &DatabaseArgs) -> anyhow::Result<()> {
    let settings = database.to_settings();
    let output = args.output.clone();
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<native::ExportReport> {
        let db = Db::connect(&settings)?;
        migrations::run_pending(&db)?;
        let backend = db.backend();
        let now = chrono::Utc::now().naive_utc();
        match &output {
            None => {
                let stdout = std::io::stdout();
                let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
                db.with_writer_blocking(|conn| native::export(conn, backend, &mut out, now))
            }
            Some(path) => {
                let file = create_private(path)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
                let mut out = BufWriter::with_capacity(1 << 20, file);
                let written =
                    db.with_writer_blocking(|conn| native::export(conn, backend, &mut out, now));
                if written.is_err() {
                    drop(out);
                    let _ = std::fs::remove_file(path);
                }
                written
            }
        }
    })
    .await??;
    let total: u64 = report.rows.values().sum();
    eprintln!(
        "exported {total} rows ({} tables); the file holds password hashes and email addresses: keep it private",
        report.rows.values().filter(|n| **n > 0).count()
    );
    Ok(())
}

#[cfg(unix)]
fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}

/// Why the import transaction ended without a commit.
enum Rollback {
    DryRun(Box<ImportReport>),
    Failed(ImportError),
}

impl From<diesel::result::Error> for Rollback {
    fn from(e: diesel::result::Error) -> Self {
        Self::Failed(e.into())
    }
}

/// Runs `tribune import`: one transaction, so a failure (or a dry run) leaves the
/// database as it was.
pub async fn import(args: ImportArgs, database: &DatabaseArgs) -> anyhow::Result<()> {
    let report = run_import(args, database).await?;
    print!("{report}");
    Ok(())
}

/// `tribune import` without the printing: the report, or why nothing was imported.
pub async fn run_import(args: ImportArgs, database: &DatabaseArgs) -> anyhow::Result<ImportReport> {
    let key_by = article_key(args.format, args.article_key)?;
    let settings = database.to_settings();
    tokio::task::spawn_blocking(move || -> anyhow::Result<ImportReport> {
        let input: Box<dyn BufRead> = if args.file.as_os_str() == "-" {
            Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
        } else {
            let file = std::fs::File::open(&args.file)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", args.file.display()))?;
            Box::new(BufReader::with_capacity(1 << 20, file))
        };
        let db = Db::connect(&settings)?;
        migrations::run_pending(&db)?;
        let now = chrono::Utc::now().naive_utc();
        let options = foreign::Options {
            with_pingbacks: args.with_pingbacks,
        };
        let dry_run = args.dry_run;
        let format = args.format;
        let file = args.file.display().to_string();
        db.with_writer_blocking(move |conn| {
            let mut input = input;
            let outcome = conn.transaction(|conn| {
                let report = match (format, key_by) {
                    (Format::Tribune, _) => native::import(conn, &mut input),
                    (Format::Disqus, KeyBy::Disqus(by)) => foreign::import(
                        conn,
                        &mut disqus::Disqus::new(&mut input, by),
                        options,
                        now,
                    ),
                    (Format::Wordpress, KeyBy::WordPress(by)) => foreign::import(
                        conn,
                        &mut wordpress::WordPress::new(&mut input, by),
                        options,
                        now,
                    ),
                    _ => Err(ImportError::Refused(
                        "no such article key for this format".into(),
                    )),
                }
                .map_err(Rollback::Failed)?;
                if dry_run {
                    Err(Rollback::DryRun(Box::new(report)))
                } else {
                    Ok(report)
                }
            });
            match outcome {
                Ok(report) => Ok(report),
                Err(Rollback::DryRun(report)) => {
                    let mut report = *report;
                    report.dry_run = true;
                    Ok(report)
                }
                Err(Rollback::Failed(e)) => {
                    Err(anyhow::anyhow!("{file}: {e}; nothing was imported"))
                }
            }
        })
    })
    .await?
}

enum KeyBy {
    None,
    Disqus(disqus::KeyBy),
    WordPress(wordpress::KeyBy),
}

fn article_key(format: Format, by: Option<ArticleKeyBy>) -> anyhow::Result<KeyBy> {
    Ok(match (format, by) {
        (Format::Tribune, None) => KeyBy::None,
        (Format::Disqus, None | Some(ArticleKeyBy::Identifier)) => {
            KeyBy::Disqus(disqus::KeyBy::Identifier)
        }
        (Format::Disqus, Some(ArticleKeyBy::Link)) => KeyBy::Disqus(disqus::KeyBy::Link),
        (Format::Wordpress, None | Some(ArticleKeyBy::Permalink)) => {
            KeyBy::WordPress(wordpress::KeyBy::Permalink)
        }
        (Format::Wordpress, Some(ArticleKeyBy::PostId)) => {
            KeyBy::WordPress(wordpress::KeyBy::PostId)
        }
        (format, Some(by)) => anyhow::bail!(
            "--article-key {} does not apply to --format {}",
            by.to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned()),
            format
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned())
        ),
    })
}
