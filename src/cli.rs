//! The command line: `serve` (the default), `migrate`, `recount`, `user …`, `secret rotate`,
//! `export`, `import`.

pub mod archive;
mod secret;
mod user;

use clap::{Parser, Subcommand};

use crate::db::{Db, counters, migrations};
use crate::settings::{DatabaseArgs, ServeArgs};
use crate::startup::Application;

/// Tribune, a comment backend for news publishers. Without a command it serves, like
/// `tribune serve`, and takes the same flags.
#[derive(Debug, Parser)]
#[command(name = "tribune", version)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Log JSON lines instead of text.
    #[arg(long, env = "TRIBUNE_LOG_JSON", global = true)]
    pub log_json: bool,
    /// The flags of `serve`, for a bare `tribune`.
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (applies pending migrations first); the default command.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations.
    Migrate,
    /// Recompute every comment count from the comments; fix and report drift.
    Recount,
    /// Manage accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage the access-token signing secret kept in the database.
    #[command(subcommand)]
    Secret(secret::SecretCommand),
    /// Write everything but sessions as versioned JSON Lines (holds password hashes and
    /// emails: keep it private).
    Export(archive::ExportArgs),
    /// Bring in a Tribune export (into an empty database), a Disqus or a WordPress
    /// archive (idempotent); in one transaction, with a report. Try --dry-run first.
    Import(archive::ImportArgs),
}

impl Cli {
    /// Parses the command line (a bare `tribune` means `serve`, see `run`); serve's
    /// flags given before another command are refused rather than ignored.
    pub fn parse_with_default_command() -> Self {
        use clap::{Args, CommandFactory, FromArgMatches};
        let mut command = Self::command();
        let matches = command.get_matches_mut();
        if let Some((name, _)) = matches.subcommand().filter(|(name, _)| *name != "serve") {
            let serve_flags = ServeArgs::augment_args(clap::Command::new("serve"));
            let given: Vec<String> = serve_flags
                .get_arguments()
                .filter(|a| {
                    matches.value_source(a.get_id().as_str())
                        == Some(clap::parser::ValueSource::CommandLine)
                })
                .map(|a| format!("--{}", a.get_long().unwrap_or(a.get_id().as_str())))
                .collect();
            if !given.is_empty() {
                command
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!(
                            "{}: flags of `tribune serve`, not of `tribune {name}`",
                            given.join(", ")
                        ),
                    )
                    .exit();
            }
        }
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// Runs the chosen command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve, &cli.database).await,
        Some(Command::Serve(args)) => serve(*args, &cli.database).await,
        Some(Command::Migrate) => migrate(&cli.database).await,
        Some(Command::Recount) => recount(&cli.database).await,
        Some(Command::User(command)) => user::run(command, &cli.database).await,
        Some(Command::Secret(command)) => secret::run(command, &cli.database).await,
        Some(Command::Export(args)) => archive::export(args, &cli.database).await,
        Some(Command::Import(args)) => archive::import(args, &cli.database).await,
    }
}

async fn serve(args: ServeArgs, database: &DatabaseArgs) -> anyhow::Result<()> {
    let settings = args.into_settings(database)?;
    let app = Application::build(settings).await?;
    println!("{}", app.banner());
    tracing::info!(port = app.port(), "tribune listening");
    app.run_until_signalled().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(database: &DatabaseArgs) -> anyhow::Result<()> {
    let settings = database.to_settings();
    let applied = tokio::task::spawn_blocking(move || {
        let db = Db::connect(&settings)?;
        migrations::run_pending(&db)
    })
    .await??;
    if applied.is_empty() {
        println!("database is up to date");
    } else {
        for version in applied {
            println!("applied {version}");
        }
    }
    Ok(())
}

async fn recount(database: &DatabaseArgs) -> anyhow::Result<()> {
    let settings = database.to_settings();
    let drifts = tokio::task::spawn_blocking(move || {
        let db = Db::connect(&settings)?;
        migrations::run_pending(&db)?;
        db.with_writer_blocking(|conn| {
            use diesel::Connection;
            conn.transaction(counters::recount)
                .map_err(|e| anyhow::anyhow!("recount failed: {e}"))
        })
    })
    .await??;
    if drifts.is_empty() {
        println!("all counts were exact");
    }
    for drift in drifts {
        println!(
            "fixed {}: stored {} -> actual {}",
            drift.key, drift.stored, drift.actual
        );
    }
    Ok(())
}

/// Opens and migrates the database, then runs `f` in one transaction on the writer
/// connection (in the blocking pool); a failure reads `{what}: {why}`, said for people.
async fn with_database<T: Send + 'static>(
    database: &DatabaseArgs,
    what: &'static str,
    f: impl FnOnce(&mut crate::db::DbConnection) -> Result<T, crate::error::ApiError> + Send + 'static,
) -> anyhow::Result<T> {
    let settings = database.to_settings();
    tokio::task::spawn_blocking(move || -> anyhow::Result<T> {
        let db = Db::connect(&settings)?;
        migrations::run_pending(&db)?;
        db.with_writer_blocking(|conn| {
            use diesel::Connection;
            conn.transaction(f)
                .map_err(|e| anyhow::anyhow!("{what}: {}", human(&e)))
        })
    })
    .await?
}

/// An API error as the command line says it.
fn human(error: &crate::error::ApiError) -> String {
    use crate::error::{ApiError, Conflict};
    match error {
        ApiError::Conflict(Conflict::UsernameTaken) => {
            "an account with this username (or one that looks like it) already exists".into()
        }
        ApiError::Conflict(Conflict::EmailTaken) => {
            "an account with this email already exists".into()
        }
        ApiError::Conflict(Conflict::LastAdmin) => {
            "this is the last admin; make another account admin first".into()
        }
        ApiError::NotFound(what) => format!("no such {what}"),
        ApiError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        ApiError::Unavailable(cause) => format!("the database is unavailable: {cause:#}"),
        ApiError::Unexpected(cause) => format!("{cause:#}"),
        other => other.to_string(),
    }
}
