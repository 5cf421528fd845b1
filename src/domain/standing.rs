//! An account's standing: bans and suspensions, who may impose them, and the admin
//! role that must never be left empty.

use chrono::{DateTime, TimeDelta, Utc};

use super::invalid::Invalid;
use super::settings::SiteSettings;
use super::user::{Role, UserId, UserStatus};
use super::verdict::Verdict;

/// Longest ban reason, in characters.
pub const MAX_BAN_REASON_CHARS: usize = 500;

/// An account's standing at a moment: the status in force and, only while a ban holds,
/// its end and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing<'a> {
    /// A suspension past its end reads `Active`.
    pub status: UserStatus,
    /// End of a suspension in force; `None` for a permanent ban or none.
    pub banned_until: Option<DateTime<Utc>>,
    pub ban_reason: Option<&'a str>,
}

impl<'a> Standing<'a> {
    /// The standing at `now` of an account stored as `status` with a ban's end and reason.
    pub fn at(
        status: UserStatus,
        banned_until: Option<DateTime<Utc>>,
        ban_reason: Option<&'a str>,
        now: DateTime<Utc>,
    ) -> Self {
        let status = status.effective(banned_until, now);
        let banned = status == UserStatus::Banned;
        Self {
            status,
            banned_until: banned_until.filter(|_| banned),
            ban_reason: ban_reason.filter(|_| banned),
        }
    }
}

/// Whether an account of role `actor` may ban or unban one of role `target`: only
/// accounts that rank below it (moderators ban readers; admins also moderators).
pub fn may_ban(actor: Role, target: Role) -> bool {
    target < actor
}

/// Whether an account may go from role `from` to `to`: the last admin may not give up
/// the role. `admins` counts the live admins and is asked only when it matters.
pub fn may_change_role<E>(
    from: Role,
    to: Role,
    admins: impl FnOnce() -> Result<i64, E>,
) -> Result<bool, E> {
    if from == Role::Admin && to != Role::Admin {
        return Ok(admins()? > 1);
    }
    Ok(true)
}

/// The reader behind a flag, as the auto-hide rule sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flagger {
    /// As stored (a suspension past its end reads `Active`).
    pub status: UserStatus,
    pub banned_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub approved: i64,
}

/// Whether a flag counts toward hiding a comment at `now`: only from an account in good
/// standing that is at least `settings.flag_min_account_age_hours` old or has at least
/// `settings.flag_min_approved` approved comments, so that fresh throwaway accounts
/// cannot hide what they like. Other flags are kept for moderators all the same.
pub fn flag_counts(flagger: Flagger, settings: &SiteSettings, now: DateTime<Utc>) -> bool {
    if flagger.status.effective(flagger.banned_until, now) != UserStatus::Active {
        return false;
    }
    let min_age =
        TimeDelta::try_hours(settings.flag_min_account_age_hours.max(0)).unwrap_or(TimeDelta::MAX);
    now - flagger.created_at >= min_age || flagger.approved >= settings.flag_min_approved
}

/// A ban or suspension, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    pub target: UserId,
    /// End of a suspension; `None`: permanent.
    pub until: Option<DateTime<Utc>>,
    /// Trimmed, 1 to `MAX_BAN_REASON_CHARS` characters.
    pub reason: String,
    /// Also reject the account's held comments.
    pub reject_pending: bool,
}

impl Ban {
    /// What the account's held comments get when the ban rejects them.
    pub const PENDING_VERDICT: Verdict = Verdict::Reject("other");
    /// The log note of those rejections.
    pub const PENDING_NOTE: &'static str = "author banned";

    /// A ban of `target` by `moderator` at `now`: a reason is required, a suspension
    /// ends in the future, and nobody bans themselves.
    pub fn new(
        moderator: UserId,
        target: UserId,
        until: Option<DateTime<Utc>>,
        reason: &str,
        reject_pending: bool,
        now: DateTime<Utc>,
    ) -> Result<Self, Invalid> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_BAN_REASON_CHARS {
            return Err(Invalid::new(
                "reason",
                format!("must be 1 to {MAX_BAN_REASON_CHARS} characters long"),
            ));
        }
        if until.is_some_and(|u| u <= now) {
            return Err(Invalid::new("until", "must be in the future"));
        }
        if target == moderator {
            return Err(Invalid::new("id", "you cannot ban yourself"));
        }
        Ok(Self {
            target,
            until,
            reason: reason.to_owned(),
            reject_pending,
        })
    }

    /// The moderation log's note: a suspension's end.
    pub fn log_note(&self) -> Option<String> {
        self.until.map(|u| format!("until {}", u.to_rfc3339()))
    }

    /// The end of a suspension, read back from its log note (see `log_note`).
    pub fn until_in_log_note(note: &str) -> Option<DateTime<Utc>> {
        let at = note.strip_prefix("until ")?;
        DateTime::parse_from_rfc3339(at)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn ban_details_show_only_while_the_ban_holds() {
        let later = now() + TimeDelta::hours(1);
        let suspended = Standing::at(UserStatus::Banned, Some(later), Some("spam"), now());
        assert_eq!(
            suspended,
            Standing {
                status: UserStatus::Banned,
                banned_until: Some(later),
                ban_reason: Some("spam"),
            }
        );
        let permanent = Standing::at(UserStatus::Banned, None, Some("spam"), now());
        assert_eq!(
            (
                permanent.status,
                permanent.banned_until,
                permanent.ban_reason
            ),
            (UserStatus::Banned, None, Some("spam"))
        );
        let over = Standing::at(UserStatus::Banned, Some(now()), Some("spam"), now());
        assert_eq!(
            over,
            Standing {
                status: UserStatus::Active,
                banned_until: None,
                ban_reason: None,
            }
        );
        let deleted = Standing::at(UserStatus::Deleted, Some(later), Some("x"), now());
        assert_eq!((deleted.banned_until, deleted.ban_reason), (None, None));
    }

    #[test]
    fn only_a_higher_rank_bans() {
        assert!(may_ban(Role::Moderator, Role::Reader));
        assert!(may_ban(Role::Admin, Role::Moderator));
        assert!(!may_ban(Role::Moderator, Role::Moderator));
        assert!(!may_ban(Role::Moderator, Role::Admin));
        assert!(!may_ban(Role::Admin, Role::Admin));
    }

    #[test]
    fn the_last_admin_keeps_the_role() {
        let admins = |n: i64| move || Ok::<_, ()>(n);
        assert_eq!(
            may_change_role(Role::Admin, Role::Reader, admins(1)),
            Ok(false)
        );
        assert_eq!(
            may_change_role(Role::Admin, Role::Moderator, admins(1)),
            Ok(false)
        );
        assert_eq!(
            may_change_role(Role::Admin, Role::Reader, admins(2)),
            Ok(true)
        );
        assert_eq!(
            may_change_role(Role::Admin, Role::Admin, admins(1)),
            Ok(true)
        );
        let not_asked = || -> Result<i64, ()> { Err(()) };
        assert_eq!(
            may_change_role(Role::Reader, Role::Admin, not_asked),
            Ok(true)
        );
        assert_eq!(
            may_change_role(Role::Moderator, Role::Reader, not_asked),
            Ok(true)
        );
        assert_eq!(
            may_change_role(Role::Admin, Role::Reader, not_asked),
            Err(())
        );
    }

    #[test]
    fn a_ban_needs_a_reason_a_future_end_and_another_account() {
        let (me, them) = (UserId(1), UserId(2));
        let later = now() + TimeDelta::days(7);
        let ban = Ban::new(me, them, Some(later), "  spam  ", true, now());
        assert_eq!(
            ban,
            Ok(Ban {
                target: them,
                until: Some(later),
                reason: "spam".into(),
                reject_pending: true,
            })
        );
        let field = |r: Result<Ban, Invalid>| r.map_err(|e| e.field);
        assert_eq!(
            field(Ban::new(me, them, None, "   ", false, now())),
            Err("reason")
        );
        let long = "x".repeat(501);
        assert_eq!(
            field(Ban::new(me, them, None, &long, false, now())),
            Err("reason")
        );
        assert!(Ban::new(me, them, None, &"ä".repeat(500), false, now()).is_ok());
        assert_eq!(
            field(Ban::new(me, them, Some(now()), "spam", false, now())),
            Err("until")
        );
        assert_eq!(
            field(Ban::new(me, me, None, "spam", false, now())),
            Err("id")
        );
        // The reason is checked first, then the end, then the target.
        assert_eq!(
            field(Ban::new(me, me, Some(now()), "", false, now())),
            Err("reason")
        );
        assert_eq!(
            field(Ban::new(me, me, Some(now()), "x", false, now())),
            Err("until")
        );
    }

    #[test]
    fn a_suspension_notes_its_end_in_the_log() {
        let later = now() + TimeDelta::days(1);
        let ban = |until| Ban::new(UserId(1), UserId(2), until, "spam", false, now());
        assert_eq!(
            ban(Some(later)).map(|b| b.log_note()),
            Ok(Some(format!("until {}", later.to_rfc3339())))
        );
        let note = ban(Some(later)).unwrap().log_note().unwrap();
        assert_eq!(Ban::until_in_log_note(&note), Some(later));
        assert_eq!(Ban::until_in_log_note("für immer"), None);
        assert_eq!(ban(None).map(|b| b.log_note()), Ok(None));
    }

    #[test]
    fn only_flags_of_established_accounts_in_good_standing_count() {
        let settings = SiteSettings {
            flag_min_account_age_hours: 24,
            flag_min_approved: 2,
            ..SiteSettings::default()
        };
        let flagger = |status, age_hours, approved| Flagger {
            status,
            banned_until: None,
            created_at: now() - TimeDelta::hours(age_hours),
            approved,
        };
        let counts = |f| flag_counts(f, &settings, now());
        assert!(!counts(flagger(UserStatus::Active, 23, 1)), "new, too few");
        assert!(counts(flagger(UserStatus::Active, 24, 0)), "old enough");
        assert!(counts(flagger(UserStatus::Active, 0, 2)), "approved enough");
        assert!(!counts(flagger(UserStatus::Banned, 1000, 50)), "banned");
        assert!(!counts(flagger(UserStatus::Deleted, 1000, 50)), "deleted");
        let served = Flagger {
            banned_until: Some(now()),
            ..flagger(UserStatus::Banned, 1000, 0)
        };
        assert!(counts(served), "a suspension past its end");
        let open = SiteSettings {
            flag_min_account_age_hours: 0,
            ..settings.clone()
        };
        assert!(flag_counts(flagger(UserStatus::Active, 0, 0), &open, now()));
    }
}
