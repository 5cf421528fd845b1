//! `limit` and opaque `cursor` parameters shared by every list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Page size when none is asked for.
pub const DEFAULT_LIMIT: i64 = 20;
/// Largest page size.
pub const MAX_LIMIT: i64 = 100;

/// Checks `limit` (1–100, default 20).
pub fn limit(raw: Option<i64>) -> Result<i64, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

/// Where the next page starts: the last item's sort key and id, tied to the list and
/// order it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The list and order, e.g. `comments:top`.
    #[serde(rename = "s")]
    pub scope: String,
    /// The secondary sort key (likes, flags), 0 when the order is by id alone.
    #[serde(rename = "k")]
    pub key: i64,
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    /// The opaque form handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// The encoded cursor of a list ordered by id alone, after the item `id`.
    pub fn after_id(scope: &str, id: i64) -> String {
        Self {
            scope: scope.to_owned(),
            key: 0,
            id,
        }
        .encode()
    }

    /// Reads a cursor; one that is unreadable or from another list or order is a 400.
    pub fn decode(raw: &str, scope: &str) -> Result<Self, ApiError> {
        let unreadable = || ApiError::Malformed("The cursor is unreadable.".into());
        let bytes = URL_SAFE_NO_PAD
            .decode(raw.trim())
            .map_err(|_| unreadable())?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| unreadable())?;
        if cursor.scope != scope {
            return Err(ApiError::Malformed(
                "The cursor belongs to another list or order.".into(),
            ));
        }
        Ok(cursor)
    }
}
