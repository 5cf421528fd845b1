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

/// Whether a reader's comment may name its article (title and URL, shown publicly):
/// only when the URL is on one of the publisher's hosts (`hosts`, lowercase; none: never).
/// Staff set an article's metadata through the moderation API instead.
pub fn reader_may_name(url: Option<&str>, hosts: &[String]) -> bool {
    let Some(url) = url else { return false };
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host);
    hosts.iter().any(|h| h == host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_name_articles_only_with_urls_on_the_publishers_hosts() {
        let hosts = vec!["www.zeitung.de".to_owned()];
        assert!(reader_may_name(Some("https://www.zeitung.de/a/1"), &hosts));
        assert!(reader_may_name(
            Some("HTTPS://WWW.Zeitung.de:443/a"),
            &hosts
        ));
        assert!(!reader_may_name(Some("https://evil.example/login"), &hosts));
        assert!(!reader_may_name(
            Some("https://www.zeitung.de@evil.example/"),
            &hosts
        ));
        assert!(!reader_may_name(
            Some("https://www.zeitung.de.evil.example/"),
            &hosts
        ));
        assert!(!reader_may_name(None, &hosts));
        assert!(!reader_may_name(Some("https://www.zeitung.de/a"), &[]));
    }

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
