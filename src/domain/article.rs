//! What an article is to the comment system: open or closed, and how its comments are
//! moderated.

crate::domain::text_enum! {
    /// Whether an article takes comments (a scheduled closing also closes it).
    ArticleStatus {
        Open => "open",
        Closed => "closed",
    }
}

crate::domain::text_enum! {
    /// An article's own moderation: the site's mode, or always before, or after.
    ArticleModeration {
        Default => "default",
        Pre => "pre",
        Post => "post",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip_and_unknown_ones_are_refused() {
        for status in [ArticleStatus::Open, ArticleStatus::Closed] {
            assert_eq!(ArticleStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(
            ArticleModeration::parse("pre"),
            Some(ArticleModeration::Pre)
        );
        assert_eq!(ArticleModeration::parse("Pre"), None);
        assert!(ArticleStatus::try_from("archived".to_owned()).is_err());
    }
}
