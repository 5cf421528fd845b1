//! Migrations exist for both backends under the same names and go down and up again.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::prelude::*;
use tribune::db::migrations;
use tribune::db::schema::users;

use crate::helpers::{TestDb, backends};

fn names(folder: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(folder);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for name in &sqlite {
        for folder in ["sqlite", "postgres"] {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(folder)
                .join(name);
            assert!(
                dir.join("up.sql").is_file() && dir.join("down.sql").is_file(),
                "{folder}/{name}"
            );
        }
    }
}

#[tokio::test]
async fn every_migration_goes_up_down_and_up_again() {
    for backend in backends() {
        eprintln!("=== backend: {backend}");
        let test_db = TestDb::new(backend);
        let result = tokio::task::spawn_blocking(move || {
            let db = test_db.connect();
            let applied = migrations::run_pending(&db)?;
            assert_eq!(applied.len(), names("sqlite").len());
            migrations::revert_all(&db)?;
            let gone = db.with_writer_blocking(|conn| {
                Ok(users::table.count().get_result::<i64>(conn).is_err())
            })?;
            assert!(gone, "tables must be gone after reverting");
            let again = migrations::run_pending(&db)?;
            assert_eq!(again.len(), applied.len());
            let count = db
                .with_writer_blocking(|conn| Ok(users::table.count().get_result::<i64>(conn)?))?;
            assert_eq!(count, 0);
            anyhow::Ok(())
        })
        .await
        .unwrap();
        result.unwrap();
    }
}
