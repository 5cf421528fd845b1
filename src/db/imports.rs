//! Comments imported from another system, as their authors come to Tribune.

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{comments, users};
use crate::domain::user::UserId;
use crate::error::ApiError;

/// Links the imported comments written under `email_key` (an address just verified as
/// `user`'s) to the account: they show its username from now on, count in its standing,
/// and go with it if it is erased. Answers how many were claimed.
#[tracing::instrument(skip_all)]
pub fn claim(conn: &mut DbConnection, user: UserId, email_key: &str) -> Result<usize, ApiError> {
    let claimed = diesel::update(
        comments::table
            .filter(comments::author_id.is_null())
            .filter(comments::author_email.eq(email_key)),
    )
    .set((
        comments::author_id.eq(Some(user.0)),
        comments::author_name.eq(None::<String>),
        comments::author_email.eq(None::<String>),
    ))
    .execute(conn)?;
    if claimed > 0 {
        let counts: Vec<(String, i64)> = comments::table
            .filter(comments::author_id.eq(user.0))
            .filter(comments::status.eq_any(["approved", "rejected"]))
            .group_by(comments::status)
            .select((comments::status, count_star()))
            .load(conn)?;
        let of = |status: &str| {
            counts
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n)
        };
        diesel::update(users::table.find(user.0))
            .set((
                users::approved_count.eq(of("approved")),
                users::rejected_count.eq(of("rejected")),
            ))
            .execute(conn)?;
    }
    Ok(claimed)
}
