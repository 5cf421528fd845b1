//! `tribune user …`: what an operator does to accounts without SQL.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;
use secrecy::SecretString;

use super::with_database;
use crate::auth::password::{PasswordSettings, Passwords};
use crate::db::users::{self, User};
use crate::domain::user::{Email, NewPassword, Role, Username};
use crate::error::ApiError;
use crate::settings::DatabaseArgs;

const ROLES: [&str; 3] = ["reader", "moderator", "admin"];

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is asked for without echo on a terminal, or read
    /// as one line from standard input (`echo 'pw' | tribune user create …`).
    Create {
        /// Username: 3–32 letters, digits, `_`, `-` or `.`.
        #[arg(long)]
        username: String,
        /// Email address, unique among accounts.
        #[arg(long)]
        email: String,
        /// Role of the new account.
        #[arg(long, value_parser = ROLES, default_value = "reader")]
        role: String,
    },
    /// Set an account's password (asked for, or one line from standard input) and end
    /// all its sessions, so whoever knew the old one is logged out.
    SetPassword {
        /// Username or email of the account.
        login: String,
    },
    /// Give an account a role (the last admin cannot give it up); applies to its next
    /// request.
    SetRole {
        /// Username or email of the account.
        login: String,
        /// The new role.
        #[arg(value_parser = ROLES)]
        role: String,
    },
    /// List accounts (id, role, status, username, email), oldest first.
    List {
        /// Only accounts whose username (or email) starts with this.
        #[arg(long, default_value = "")]
        prefix: String,
        /// Only accounts with this role.
        #[arg(long, value_parser = ROLES)]
        role: Option<String>,
    },
    /// Show one account.
    Show {
        /// Username or email of the account.
        login: String,
    },
}

/// Runs an account command.
pub async fn run(command: UserCommand, database: &DatabaseArgs) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            username,
            email,
            role,
        } => create(database, &username, &email, &role).await,
        UserCommand::SetPassword { login } => set_password(database, login).await,
        UserCommand::SetRole { login, role } => set_role(database, login, &role).await,
        UserCommand::List { prefix, role } => list(database, prefix, role).await,
        UserCommand::Show { login } => show(database, login).await,
    }
}

async fn create(
    database: &DatabaseArgs,
    username: &str,
    email: &str,
    role: &str,
) -> anyhow::Result<()> {
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("username {e}"))?;
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("email {e}"))?;
    let role = Role::parse(role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
    let hash = hash(read_password(username.as_str())?).await?;
    let user = with_database(database, "cannot create the account", move |conn| {
        let now = chrono::Utc::now().naive_utc();
        users::insert(
            conn,
            &users::NewUser::new(&username, Some(&email), Some(hash), role, now),
        )
    })
    .await?;
    println!("created {} {} (id {})", user.role, user.username, user.id);
    Ok(())
}

async fn set_password(database: &DatabaseArgs, login: String) -> anyhow::Result<()> {
    let user = find(database, login).await?;
    let hash = hash(read_password(&user.username)?).await?;
    let id = user.user_id();
    let ended = with_database(database, "cannot set the password", move |conn| {
        users::reset_password(conn, id, &hash, chrono::Utc::now().naive_utc())
    })
    .await?;
    println!(
        "password of {} (id {}) set; {ended} session(s) ended",
        user.username, user.id
    );
    Ok(())
}

async fn set_role(database: &DatabaseArgs, login: String, role: &str) -> anyhow::Result<()> {
    let role = Role::parse(role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
    let user = find(database, login).await?;
    let id = user.user_id();
    let changed = with_database(database, "cannot change the role", move |conn| {
        users::change_role(conn, None, id, role, chrono::Utc::now())
    })
    .await?;
    println!(
        "{} (id {}) is now {} (was {})",
        changed.username, changed.id, changed.role, user.role
    );
    Ok(())
}

async fn list(database: &DatabaseArgs, prefix: String, role: Option<String>) -> anyhow::Result<()> {
    let accounts = with_database(database, "cannot list accounts", move |conn| {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = users::search(conn, &prefix, true, after, 500)?;
            after = page.rows.last().map(User::user_id);
            all.extend(page.rows);
            if !page.more {
                return Ok(all);
            }
        }
    })
    .await?;
    println!(
        "{:>6}  {:<9}  {:<9}  {:<32}  email",
        "id", "role", "status", "username"
    );
    let now = chrono::Utc::now();
    for user in accounts
        .iter()
        .filter(|u| role.as_deref().is_none_or(|r| u.role == r))
    {
        println!(
            "{:>6}  {:<9}  {:<9}  {:<32}  {}",
            user.id,
            user.role,
            user.status_at(now).as_str(),
            user.username,
            user.email.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

async fn show(database: &DatabaseArgs, login: String) -> anyhow::Result<()> {
    let user = find(database, login).await?;
    let standing = user.standing(chrono::Utc::now());
    println!("id:        {}", user.id);
    println!("username:  {}", user.username);
    println!("email:     {}", user.email.as_deref().unwrap_or("-"));
    println!("role:      {}", user.role);
    println!("status:    {}", standing.status.as_str());
    if let Some(until) = user.banned_until_utc() {
        println!("until:     {until}");
    }
    if let Some(reason) = &user.ban_reason {
        println!("reason:    {reason}");
    }
    println!(
        "sign-in:   {}",
        match (&user.password_hash, &user.sso_subject) {
            (Some(_), Some(_)) => "password and single sign-on",
            (Some(_), None) => "password",
            (None, Some(_)) => "single sign-on",
            (None, None) => "none",
        }
    );
    println!(
        "comments:  {} approved, {} rejected",
        user.approved_count, user.rejected_count
    );
    println!("created:   {}", user.created_at.and_utc());
    Ok(())
}

/// The live account with this username or email.
async fn find(database: &DatabaseArgs, login: String) -> anyhow::Result<User> {
    let shown = login.clone();
    with_database(database, "cannot find the account", move |conn| {
        users::find_by_login(conn, &login)?.ok_or(ApiError::NotFound("account"))
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e} (looked for {shown:?} by username or email)"))
}

/// The new password: asked for twice, without echo, when standard input is a terminal;
/// else the first line of standard input.
fn read_password(username: &str) -> anyhow::Result<NewPassword> {
    let raw = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("New password for {username}: "))?;
        let again = rpassword::prompt_password("The same again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        first
    } else {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line)?;
        anyhow::ensure!(
            read > 0,
            "no password given: pipe one line to standard input, or run on a terminal to be asked"
        );
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    NewPassword::parse(&raw).map_err(|e| anyhow::anyhow!("password {e}"))
}

/// The Argon2id hash of `password` at the OWASP minimum cost the server accepts.
async fn hash(password: NewPassword) -> anyhow::Result<String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let passwords = Passwords::new(&PasswordSettings {
        memory_kib: PasswordSettings::OWASP_MIN_MEMORY_KIB,
        iterations: PasswordSettings::OWASP_MIN_ITERATIONS,
        parallelism: 1,
        max_concurrent: cores,
        max_queued: 1,
        queue_wait: std::time::Duration::from_secs(60),
    })?;
    let secret: SecretString = password.into_secret();
    Ok(passwords.hash(secret).await?)
}
