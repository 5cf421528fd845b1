//! The command line: `serve` (the default), `migrate`, `user create`.

use std::io::BufRead;

use clap::{Parser, Subcommand};

use crate::auth::password::{PasswordSettings, Passwords};
use crate::db::{Db, counters, migrations, users};
use crate::domain::user::{Email, NewPassword, Role, Username};
use crate::settings::{DatabaseArgs, ServeArgs};
use crate::startup::Application;

/// Tribune, a comment backend for news publishers.
#[derive(Debug, Parser)]
#[command(name = "tribune", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Log JSON lines instead of text.
    #[arg(long, env = "TRIBUNE_LOG_JSON", global = true)]
    pub log_json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (applies pending migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations.
    Migrate,
    /// Recompute every comment count from the comments; fix and report drift.
    Recount,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
}

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input (one line).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["reader", "moderator", "admin"], default_value = "reader")]
        role: String,
    },
}

impl Cli {
    /// Parses the command line; a bare `tribune` (maybe with global flags) means `serve`.
    pub fn parse_with_default_command() -> Self {
        let cli = Self::parse();
        if cli.command.is_some() {
            return cli;
        }
        let mut args: Vec<String> = std::env::args().collect();
        args.insert(1.min(args.len()), "serve".to_owned());
        Self::parse_from(args)
    }
}

/// Runs the chosen command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Serve(args)) => {
            let settings = (*args).into_settings(&cli.database)?;
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "tribune listening");
            app.run_until_stopped().await?;
            Ok(())
        }
        None => anyhow::bail!("no command given"),
        Some(Command::Migrate) => {
            let settings = cli.database.to_settings();
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
        Some(Command::Recount) => {
            let settings = cli.database.to_settings();
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
        Some(Command::User(UserCommand::Create {
            username,
            email,
            role,
        })) => create_user(&cli.database, &username, &email, &role).await,
    }
}

async fn create_user(
    database: &DatabaseArgs,
    username: &str,
    email: &str,
    role: &str,
) -> anyhow::Result<()> {
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("username {e}"))?;
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("email {e}"))?;
    let role = Role::parse(role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = NewPassword::parse(line.trim_end_matches(['\r', '\n']))
        .map_err(|e| anyhow::anyhow!("password {e}"))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let passwords = Passwords::new(&PasswordSettings {
        memory_kib: PasswordSettings::OWASP_MIN_MEMORY_KIB,
        iterations: PasswordSettings::OWASP_MIN_ITERATIONS,
        parallelism: 1,
        max_concurrent: cores,
        max_queued: 1,
        queue_wait: std::time::Duration::from_secs(60),
    })?;
    let hash = passwords.hash(password.into_secret()).await?;
    let settings = database.to_settings();
    let user = tokio::task::spawn_blocking(move || -> anyhow::Result<users::User> {
        let db = Db::connect(&settings)?;
        migrations::run_pending(&db)?;
        let now = chrono::Utc::now().naive_utc();
        let new = users::NewUser::new(&username, Some(&email), Some(hash), role, now);
        db.with_writer_blocking(|conn| {
            users::insert(conn, &new).map_err(|e| anyhow::anyhow!("cannot create the account: {e}"))
        })
    })
    .await??;
    println!("created {} {} (id {})", user.role, user.username, user.id);
    Ok(())
}
