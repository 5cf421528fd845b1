//! Accounts.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::moderation::LogEntry;
use super::page::Page;
use super::schema::{sessions, users};
use super::{DbConnection, is_unique_violation_on};
use crate::domain::standing::{self, Standing};
use crate::domain::user::{
    Email, Language, Role, SessionId, UserId, UserStatus, Username, email_key, username_key,
};
use crate::error::{ApiError, Conflict};

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub username_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub password_hash: Option<String>,
    pub sso_subject: Option<String>,
    pub role: String,
    pub status: String,
    pub banned_until: Option<NaiveDateTime>,
    pub ban_reason: Option<String>,
    pub approved_count: i64,
    pub rejected_count: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The look-alike key (`Username::skeleton`), unique; NULL once erased, and for an
    /// account from before the column whose skeleton an older account already had.
    pub username_skeleton: Option<String>,
    /// When the address in `email` was verified; `None` while it is not.
    pub email_verified_at: Option<NaiveDateTime>,
    /// The language of the account's mail (`de`, `en`, `vi`).
    pub language: String,
    /// The master switch of reply mails: off, no subscription of the account mails.
    pub notify_replies: bool,
    /// Whether a moderator or admin wants the periodic digest of the queues.
    pub moderator_digest: bool,
}

impl User {
    /// Whether the account has an address and it is verified: the only kind of
    /// address anything but verification mail may go to.
    pub fn email_verified(&self) -> bool {
        self.email.is_some() && self.email_verified_at.is_some()
    }

    /// The language of the account's mail; a value the schema forbids reads as English.
    pub fn language(&self) -> Language {
        Language::parse(&self.language).unwrap_or(Language::En)
    }

    /// The typed id.
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }

    /// The role; a value the schema's CHECK forbids reads as the least privileged.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Reader)
    }

    /// The end of a suspension, in UTC.
    pub fn banned_until_utc(&self) -> Option<DateTime<Utc>> {
        self.banned_until.map(|t| t.and_utc())
    }

    /// The standing in force at `now` (a suspension past its end reads as active).
    pub fn status_at(&self, now: DateTime<Utc>) -> UserStatus {
        self.standing(now).status
    }

    /// The standing at `now`, with the ban's end and reason while it holds.
    pub fn standing(&self, now: DateTime<Utc>) -> Standing<'_> {
        Standing::at(
            UserStatus::parse(&self.status).unwrap_or(UserStatus::Deleted),
            self.banned_until_utc(),
            self.ban_reason.as_deref(),
            now,
        )
    }
}

/// A new account.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub username: String,
    pub username_key: Option<String>,
    pub username_skeleton: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub password_hash: Option<String>,
    pub sso_subject: Option<String>,
    pub role: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub language: String,
    pub email_verified_at: Option<NaiveDateTime>,
}

impl NewUser {
    /// An account with the given name, address and password hash.
    pub fn new(
        username: &Username,
        email: Option<&Email>,
        password_hash: Option<String>,
        role: Role,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            username: username.as_str().to_owned(),
            username_key: Some(username.key()),
            username_skeleton: Some(username.skeleton()),
            email: email.map(|e| e.as_str().to_owned()),
            email_key: email.map(Email::key),
            password_hash,
            sso_subject: None,
            role: role.as_str().to_owned(),
            created_at: now,
            updated_at: now,
            language: Language::En.as_str().to_owned(),
            email_verified_at: None,
        }
    }
}

/// Inserts an account; a taken username (or one that looks like a taken one) or email
/// is a 409 with its own code.
#[tracing::instrument(skip_all)]
pub fn insert(conn: &mut DbConnection, new: &NewUser) -> Result<User, ApiError> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(users::all_columns)
        .get_result::<User>(conn)
        .map_err(|e| {
            if is_unique_violation_on(&e, "username_key")
                || is_unique_violation_on(&e, "username_skeleton")
            {
                ApiError::Conflict(Conflict::UsernameTaken)
            } else if is_unique_violation_on(&e, "email_key") {
                ApiError::Conflict(Conflict::EmailTaken)
            } else {
                e.into()
            }
        })
}

/// Finds a live account by username or email (a login contains `@` only if it is an
/// email, since usernames cannot).
#[tracing::instrument(skip_all)]
pub fn find_by_login(conn: &mut DbConnection, login: &str) -> Result<Option<User>, ApiError> {
    let query = users::table
        .select(User::as_select())
        .filter(users::status.ne(UserStatus::Deleted.as_str()))
        .into_boxed();
    let query = if login.contains('@') {
        query.filter(users::email_key.eq(email_key(login)))
    } else {
        query.filter(users::username_key.eq(username_key(login)))
    };
    Ok(query.first(conn).optional()?)
}

/// Finds an account by id.
#[tracing::instrument(skip_all)]
pub fn find(conn: &mut DbConnection, id: UserId) -> Result<Option<User>, ApiError> {
    Ok(users::table
        .find(id.0)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Finds an account by id unless it is erased.
#[tracing::instrument(skip_all)]
pub fn find_live(
    conn: &mut DbConnection,
    id: UserId,
    now: DateTime<Utc>,
) -> Result<Option<User>, ApiError> {
    Ok(find(conn, id)?.filter(|u| u.status_at(now) != UserStatus::Deleted))
}

/// The live account behind an access token, and when its session started: the user
/// exists, is not erased, and the token's session belongs to it, is not revoked and
/// started after `started_after`.
#[tracing::instrument(skip_all)]
pub fn find_by_session(
    conn: &mut DbConnection,
    user: UserId,
    session: SessionId,
    started_after: NaiveDateTime,
) -> Result<Option<(User, NaiveDateTime)>, ApiError> {
    Ok(users::table
        .inner_join(sessions::table)
        .filter(users::id.eq(user.0))
        .filter(users::status.ne(UserStatus::Deleted.as_str()))
        .filter(sessions::id.eq(session.0))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::created_at.gt(started_after))
        .select((User::as_select(), sessions::created_at))
        .first(conn)
        .optional()?)
}

/// The operator's password reset (`tribune user set-password`): replaces the hash of a
/// live account and ends every session of it. Answers the sessions ended.
#[tracing::instrument(skip_all)]
pub fn reset_password(
    conn: &mut DbConnection,
    user: UserId,
    hash: &str,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    set_password_hash(conn, user, hash, now)?;
    super::sessions::revoke_all(conn, user, None, now)
}

/// Replaces an account's password hash.
#[tracing::instrument(skip_all)]
pub fn set_password_hash(
    conn: &mut DbConnection,
    user: UserId,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(users::table.find(user.0))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Marks the account's address verified, if it is still `email` (by its key) and the
/// account is live, and links the comments imported under it; answers whether it was.
#[tracing::instrument(skip_all)]
pub fn mark_email_verified(
    conn: &mut DbConnection,
    user: UserId,
    email: &str,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let updated = diesel::update(
        users::table
            .filter(users::id.eq(user.0))
            .filter(users::email_key.eq(email_key(email)))
            .filter(users::status.ne(UserStatus::Deleted.as_str())),
    )
    .set((
        users::email_verified_at.eq(Some(now)),
        users::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 1 {
        // A verified account keeps its username (see `username_holds`).
        super::username_holds::release_for(conn, user)?;
        // Comments imported under this address are the reader's: they claim them now.
        super::imports::claim(conn, user, &email_key(email))?;
    }
    Ok(updated == 1)
}

/// Sets the language of the account's mail.
#[tracing::instrument(skip_all)]
pub fn set_language(
    conn: &mut DbConnection,
    user: UserId,
    language: Language,
    now: NaiveDateTime,
) -> Result<User, ApiError> {
    diesel::update(users::table.find(user.0))
        .set((
            users::language.eq(language.as_str()),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    find(conn, user)?.ok_or(ApiError::NotFound("user"))
}

/// Sets the account's notification switches that are given (reply mails, the
/// moderators' digest); answers the account.
#[tracing::instrument(skip_all)]
pub fn set_notifications(
    conn: &mut DbConnection,
    user: UserId,
    replies: Option<bool>,
    digest: Option<bool>,
    now: NaiveDateTime,
) -> Result<User, ApiError> {
    if let Some(on) = replies {
        diesel::update(users::table.find(user.0))
            .set((users::notify_replies.eq(on), users::updated_at.eq(now)))
            .execute(conn)?;
    }
    if let Some(on) = digest {
        diesel::update(users::table.find(user.0))
            .set((users::moderator_digest.eq(on), users::updated_at.eq(now)))
            .execute(conn)?;
    }
    find(conn, user)?.ok_or(ApiError::NotFound("user"))
}

/// What a publisher's single sign-on token says about a reader.
#[derive(Debug, Clone)]
pub struct SsoProfile {
    /// The publisher's user id.
    pub subject: String,
    pub username: Option<Username>,
    pub email: Option<Email>,
    /// The publisher vouches for the address (its `email_verified` claim).
    pub email_verified: bool,
    /// The language of a new account's mail.
    pub language: Language,
}

/// A publisher's sign-on: uses up its token's `jti` (`once`, with until when to remember
/// it; a replay is refused), finds or creates the account and opens a session, all in
/// one transaction, so a sign-on that fails has not used the token up.
#[tracing::instrument(skip_all)]
pub fn sso_sign_on(
    conn: &mut DbConnection,
    once: Option<&(String, NaiveDateTime)>,
    profile: &SsoProfile,
    (refresh_hash, expires_at): (&str, NaiveDateTime),
    now: NaiveDateTime,
) -> Result<(User, SessionId), ApiError> {
    if let Some((jti, until)) = once
        && !super::sso_tokens::claim(conn, jti, *until, now)?
    {
        return Err(ApiError::InvalidCredentials);
    }
    let user = upsert_sso(conn, profile, now)?;
    // The publisher vouches for the address: comments imported under it are the
    // reader's (an indexed update that finds nothing once they are claimed).
    if profile.email_verified
        && user.email_verified_at.is_some()
        && let Some(key) = user.email_key.as_deref()
    {
        super::imports::claim(conn, user.user_id(), key)?;
    }
    let session = super::sessions::create(conn, user.user_id(), refresh_hash, now, expires_at)?;
    Ok((user, session))
}

/// Finds the account linked to a publisher's user id, creating it on first sign-on and
/// taking over a new username or email when it is free. Another account's email is
/// never linked: that would let a publisher token take over a local account.
#[tracing::instrument(skip_all)]
pub fn upsert_sso(
    conn: &mut DbConnection,
    profile: &SsoProfile,
    now: NaiveDateTime,
) -> Result<User, ApiError> {
    let existing = users::table
        .filter(users::sso_subject.eq(&profile.subject))
        .select(User::as_select())
        .first(conn)
        .optional()?;
    let Some(user) = existing else {
        let base = profile
            .username
            .clone()
            .unwrap_or_else(|| Username::derive("reader"));
        let username = free_username(conn, &base)?;
        let email = match &profile.email {
            Some(e) if !taken(conn, Handle::Email(e), None)? => Some(e),
            _ => None,
        };
        let mut new = NewUser::new(&username, email, None, Role::Reader, now);
        new.sso_subject = Some(profile.subject.clone());
        new.language = profile.language.as_str().to_owned();
        new.email_verified_at = (email.is_some() && profile.email_verified).then_some(now);
        // The name or address was free a moment ago: another first sign-on (likely of
        // the same reader) took it meanwhile. A retry finds that account.
        return insert(conn, &new).map_err(|e| match e {
            ApiError::Conflict(_) => {
                ApiError::Unavailable(anyhow::anyhow!("concurrent first sign-on: {e}"))
            }
            other => other,
        });
    };
    if let Some(name) = &profile.username {
        let key = name.key();
        if user.username_key.as_deref() != Some(key.as_str())
            && !taken(conn, Handle::Username(name), Some(user.user_id()))?
        {
            diesel::update(users::table.find(user.id))
                .set((
                    users::username.eq(name.as_str()),
                    users::username_key.eq(&key),
                    users::username_skeleton.eq(name.skeleton()),
                    users::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    if let Some(email) = &profile.email {
        let key = email.key();
        if user.email_key.as_deref() != Some(key.as_str())
            && !taken(conn, Handle::Email(email), Some(user.user_id()))?
        {
            // A new address is verified only if the publisher vouches for it.
            diesel::update(users::table.find(user.id))
                .set((
                    users::email.eq(email.as_str()),
                    users::email_key.eq(&key),
                    users::email_verified_at.eq(profile.email_verified.then_some(now)),
                    users::updated_at.eq(now),
                ))
                .execute(conn)?;
        } else if user.email_key.as_deref() == Some(key.as_str())
            && profile.email_verified
            && user.email_verified_at.is_none()
        {
            diesel::update(users::table.find(user.id))
                .set(users::email_verified_at.eq(Some(now)))
                .execute(conn)?;
        }
    }
    find(conn, user.user_id())?.ok_or(ApiError::NotFound("user"))
}

/// Whether an account has this username (or one that looks like it), or it is held.
pub fn username_taken(conn: &mut DbConnection, name: &Username) -> Result<bool, ApiError> {
    taken(conn, Handle::Username(name), None)
}

/// A handle readers are known by, unique over all accounts (in its folded form, and a
/// username also in its look-alike form).
#[derive(Debug, Clone, Copy)]
enum Handle<'a> {
    Username(&'a Username),
    Email(&'a Email),
}

/// Whether an account other than `except` has the handle (by its keys).
fn taken(
    conn: &mut DbConnection,
    handle: Handle<'_>,
    except: Option<UserId>,
) -> Result<bool, ApiError> {
    let mut query = users::table.select(users::id).into_boxed();
    query = match handle {
        Handle::Username(name) => query.filter(
            users::username_key
                .eq(name.key())
                .or(users::username_skeleton.eq(name.skeleton())),
        ),
        Handle::Email(email) => query.filter(users::email_key.eq(email.key())),
    };
    if let Some(id) = except {
        query = query.filter(users::id.ne(id.0));
    }
    if query.first::<i64>(conn).optional()?.is_some() {
        return Ok(true);
    }
    match handle {
        Handle::Username(name) => super::username_holds::is_held(conn, name),
        Handle::Email(_) => Ok(false),
    }
}

/// `base`, or `base_2`, `base_3`, … whichever is free first.
fn free_username(conn: &mut DbConnection, base: &Username) -> Result<Username, ApiError> {
    if !taken(conn, Handle::Username(base), None)? {
        return Ok(base.clone());
    }
    for n in 2..1000 {
        let candidate = base.with_suffix(n);
        if !taken(conn, Handle::Username(&candidate), None)? {
            return Ok(candidate);
        }
    }
    Ok(base.with_suffix(rand::random::<u32>()))
}

/// Gives accounts from before the `username_skeleton` column their skeleton (SQL cannot
/// compute it), oldest first; an account whose skeleton an older one already has keeps
/// none (it keeps its name and login, only a new look-alike is no longer refused against
/// it). Run after migrating, on every start: it only reads rows still without one.
/// Answers how many rows it filled.
#[tracing::instrument(skip_all)]
pub fn fill_username_skeletons(conn: &mut DbConnection) -> Result<usize, ApiError> {
    let missing: Vec<(i64, String)> = users::table
        .filter(users::username_skeleton.is_null())
        .filter(users::username_key.is_not_null())
        .order(users::id.asc())
        .select((users::id, users::username))
        .load(conn)?;
    let mut filled = 0;
    for (id, username) in missing {
        let skeleton = crate::domain::text::skeleton_key(&username);
        let holder = users::table
            .filter(users::username_skeleton.eq(&skeleton))
            .select(users::id)
            .first::<i64>(conn)
            .optional()?;
        if holder.is_some() {
            tracing::warn!(user = id, "username looks like an older one's; no skeleton");
            continue;
        }
        match diesel::update(users::table.find(id))
            .set(users::username_skeleton.eq(&skeleton))
            .execute(conn)
        {
            Ok(_) => filled += 1,
            // Another instance starting at the same time filled a look-alike first.
            Err(e) if is_unique_violation_on(&e, "username_skeleton") => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

/// Erases an account: its comments are deleted (text gone, author unlinked, counts
/// updated), its likes removed, its flags kept without it, its sessions ended, and
/// username, email, password and SSO link wiped from the row.
#[tracing::instrument(skip_all)]
pub fn erase(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> Result<(), ApiError> {
    use super::schema::flags;
    // The last admin may not leave the site without one.
    let role = find(conn, user)?.map(|u| u.role());
    if let Some(role) = role
        && !standing::may_change_role(role, Role::Reader, || count_admins(conn))?
    {
        return Err(ApiError::Conflict(Conflict::LastAdmin));
    }
    for comment in super::comments::by_author(conn, user)? {
        super::comments::delete(conn, &comment, true, now)?;
    }
    super::reactions::remove_likes_by(conn, user)?;
    super::notes::erase_about(conn, user)?;
    super::appeals::erase_by(conn, user)?;
    diesel::update(flags::table.filter(flags::user_id.eq(user.0)))
        .set(flags::user_id.eq(None::<i64>))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user.0))).execute(conn)?;
    super::mail::forget_user(conn, user)?;
    super::subscriptions::erase_user(conn, user)?;
    diesel::update(users::table.find(user.0))
        .set((
            users::email_verified_at.eq(None::<NaiveDateTime>),
            users::username.eq(""),
            users::username_key.eq(None::<String>),
            users::username_skeleton.eq(None::<String>),
            users::email.eq(None::<String>),
            users::email_key.eq(None::<String>),
            users::password_hash.eq(None::<String>),
            users::sso_subject.eq(None::<String>),
            users::ban_reason.eq(None::<String>),
            users::status.eq(UserStatus::Deleted.as_str()),
            users::approved_count.eq(0),
            users::rejected_count.eq(0),
            users::moderator_digest.eq(false),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Bans an account, until a time or for good.
#[tracing::instrument(skip_all)]
pub fn ban(
    conn: &mut DbConnection,
    user: UserId,
    until: Option<NaiveDateTime>,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(users::table.find(user.0))
        .set((
            users::status.eq(UserStatus::Banned.as_str()),
            users::banned_until.eq(until),
            users::ban_reason.eq(reason),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Locks an account's row until the transaction ends (PostgreSQL; SQLite's one writer
/// serialises anyway), by an update that changes nothing.
pub fn lock(conn: &mut DbConnection, user: UserId) -> Result<(), ApiError> {
    diesel::update(users::table.find(user.0))
        .set(users::updated_at.eq(users::updated_at))
        .execute(conn)?;
    Ok(())
}

/// Lifts a ban.
#[tracing::instrument(skip_all)]
pub fn unban(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(
        users::table
            .find(user.0)
            .filter(users::status.eq(UserStatus::Banned.as_str())),
    )
    .set((
        users::status.eq(UserStatus::Active.as_str()),
        users::banned_until.eq(None::<NaiveDateTime>),
        users::ban_reason.eq(None::<String>),
        users::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Changes an account's role.
#[tracing::instrument(skip_all)]
pub fn set_role(
    conn: &mut DbConnection,
    user: UserId,
    role: Role,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(users::table.find(user.0))
        .set((users::role.eq(role.as_str()), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Gives a live account (404 otherwise) a role for `admin` (`None`: the operator, from
/// the command line) and logs it; the last admin cannot give up the role (409
/// `last_admin`). Answers the account.
#[tracing::instrument(skip_all)]
pub fn change_role(
    conn: &mut DbConnection,
    admin: Option<UserId>,
    target: UserId,
    role: Role,
    now: DateTime<Utc>,
) -> Result<User, ApiError> {
    let at = now.naive_utc();
    let user = find_live(conn, target, now)?.ok_or(ApiError::NotFound("user"))?;
    if !standing::may_change_role(user.role(), role, || count_admins(conn))? {
        return Err(ApiError::Conflict(Conflict::LastAdmin));
    }
    set_role(conn, target, role, at)?;
    super::moderation::log(
        conn,
        &LogEntry {
            actor: admin,
            action: "role_change",
            comment: None,
            user: Some(target),
            reason: Some(role.as_str()),
            note: Some(&format!("from {}", user.role)),
            at,
        },
    )?;
    find(conn, target)?.ok_or(ApiError::NotFound("user"))
}

/// Live accounts with role `admin`. On PostgreSQL their rows stay locked until the
/// transaction ends, so two admins stepping down at once cannot both see the other
/// (SQLite's single writer serialises them anyway).
pub fn count_admins(conn: &mut DbConnection) -> Result<i64, ApiError> {
    let admins = users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::status.ne(UserStatus::Deleted.as_str()))
        .select(users::id);
    let ids: Vec<i64> = match conn {
        DbConnection::Postgres(pg) => admins.for_update().load(pg)?,
        DbConnection::Sqlite(lite) => admins.load(lite)?,
    };
    Ok(i64::try_from(ids.len()).unwrap_or(i64::MAX))
}

/// A page of live accounts whose username (or, `by_email`, email) starts with `prefix`
/// (compared by their keys), in id order after `after`.
#[tracing::instrument(skip_all)]
pub fn search(
    conn: &mut DbConnection,
    prefix: &str,
    by_email: bool,
    after: Option<UserId>,
    limit: i64,
) -> Result<Page<User>, ApiError> {
    let mut query = users::table
        .filter(users::status.ne(UserStatus::Deleted.as_str()))
        .select(User::as_select())
        .into_boxed();
    if !prefix.is_empty() {
        let escaped: String = prefix
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let name_pattern = format!("{}%", crate::domain::text::fold_key(&escaped));
        let email_pattern = format!("{}%", email_key(&escaped));
        let by_name = users::username_key.like(name_pattern).escape('\\');
        query = if by_email {
            query.filter(by_name.or(users::email_key.like(email_pattern).escape('\\')))
        } else {
            query.filter(by_name)
        };
    }
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.0));
    }
    let rows = query
        .order(users::id.asc())
        .limit(Page::<User>::probe(limit))
        .load(conn)?;
    Ok(Page::of(rows, limit))
}
