//! Keyset pages: a list query reads one row more than a page to tell whether more follow.

/// One page of rows, and whether more follow.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub more: bool,
}

impl<T> Page<T> {
    /// The `LIMIT` to read for a page of `limit` rows: one more.
    pub fn probe(limit: i64) -> i64 {
        limit.saturating_add(1)
    }

    /// The page in what a query limited to `probe(limit)` returned.
    pub fn of(mut rows: Vec<T>, limit: i64) -> Self {
        let size = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > size;
        rows.truncate(size);
        Self { rows, more }
    }

    /// The last row, when more follow it (where the next page's cursor points).
    pub fn last_if_more(&self) -> Option<&T> {
        self.rows.last().filter(|_| self.more)
    }
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn the_extra_row_says_more_follow_and_is_dropped() {
        let page = Page::of(vec![1, 2, 3], 2);
        assert_eq!((page.rows.as_slice(), page.more), (&[1, 2][..], true));
        assert_eq!(page.last_if_more(), Some(&2));
        let last = Page::of(vec![1, 2], 2);
        assert!(!last.more);
        assert_eq!(last.last_if_more(), None);
        assert_eq!(Page::<i32>::probe(20), 21);
    }
}
