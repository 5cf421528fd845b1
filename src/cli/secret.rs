//! `tribune secret rotate`: a new signing secret for access tokens.

use clap::Subcommand;

use super::with_database;
use crate::auth::tokens;
use crate::db::meta;
use crate::settings::DatabaseArgs;

/// Signing-secret commands.
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Replace the signing secret kept in the database with a new random one. Instances
    /// use it from their next start (restart them all): access tokens signed with the
    /// old secret are refused from then on (401), and readers get new ones by refreshing,
    /// since sessions and refresh tokens do not depend on the secret. With
    /// `--end-sessions`, every session ends now too, and everyone logs in again.
    /// Without effect while TRIBUNE_JWT_SECRET is set: change that instead.
    Rotate {
        /// Also end every session of every account (a secret that leaked may have signed
        /// tokens for anyone; ending sessions cuts off refresh tokens as well).
        #[arg(long)]
        end_sessions: bool,
    },
}

/// Runs a signing-secret command.
pub async fn run(command: SecretCommand, database: &DatabaseArgs) -> anyhow::Result<()> {
    let SecretCommand::Rotate { end_sessions } = command;
    let secret = tokens::generate_secret();
    let ended = with_database(database, "cannot rotate the secret", move |conn| {
        meta::rotate_jwt_secret(conn, &secret, end_sessions, chrono::Utc::now().naive_utc())
    })
    .await?;
    println!("a new signing secret is stored in the database; restart every instance to use it");
    println!("access tokens signed with the old secret are refused after the restart");
    if end_sessions {
        println!("{ended} session(s) ended: everyone logs in again");
    } else {
        println!("sessions are kept: readers get new access tokens by refreshing");
    }
    if std::env::var_os("TRIBUNE_JWT_SECRET").is_some_and(|v| !v.is_empty()) {
        eprintln!(
            "warning: TRIBUNE_JWT_SECRET is set here; instances started with it ignore the stored secret"
        );
    }
    Ok(())
}
