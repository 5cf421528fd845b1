//! Migrations embedded in the binary, one set per backend.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{Db, DbConnection};

/// SQLite migrations.
pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// PostgreSQL migrations.
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Arbitrary key for PostgreSQL's advisory lock, so instances starting together do not
/// migrate at the same time.
const MIGRATION_LOCK_KEY: i64 = 0x0074_7269_6275_6e65;

/// Applies pending migrations and returns the versions applied; then computes what SQL
/// cannot for rows from before a migration (usernames' skeletons).
pub fn run_pending(db: &Db) -> anyhow::Result<Vec<String>> {
    let applied = apply_pending(db)?;
    db.with_writer_blocking(|conn| Ok(super::users::fill_username_skeletons(conn)?))?;
    Ok(applied)
}

fn apply_pending(db: &Db) -> anyhow::Result<Vec<String>> {
    db.with_writer_blocking(|conn| match conn {
        DbConnection::Postgres(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let applied = pg
                .run_pending_migrations(POSTGRES)
                .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>());
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            let applied = applied.map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
            if !applied.is_empty() {
                // Fresh tables have no statistics; without them the planner scans.
                pg.batch_execute("ANALYZE")?;
            }
            Ok(applied)
        }
        DbConnection::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE)
            .map(|v| v.iter().map(ToString::to_string).collect())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}")),
    })
}

/// Reverts every migration (tests check that each one goes down and up again).
pub fn revert_all(db: &Db) -> anyhow::Result<()> {
    db.with_writer_blocking(|conn| {
        match conn {
            DbConnection::Postgres(pg) => pg.revert_all_migrations(POSTGRES),
            DbConnection::Sqlite(lite) => lite.revert_all_migrations(SQLITE),
        }
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("revert failed: {e}"))
    })
}
