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

crate::domain::text_enum! {
    /// Orders of the moderators' article list, each read from an index: `newest`
    /// (created), `pending` (most comments waiting), `reported` (most approved comments
    /// with unresolved flags), `recent` (latest comment first; articles without comments
    /// are left out).
    ArticleSort {
        Newest => "newest",
        Pending => "pending",
        Reported => "reported",
        Recent => "recent",
    }
}

/// Longest article search text, in characters (the longest key is 512 bytes).
pub const MAX_SEARCH_CHARS: usize = 512;

/// `LIKE` patterns (with `\\` as escape character) that find `text` anywhere in a key
/// or title: as typed, and lowercase (to compare with `lower(column)`: SQLite's
/// `lower` and `LIKE` fold ASCII only, PostgreSQL's `LIKE` folds nothing, so both
/// forms are tried). `None` for blank text (no filter); longer text is refused.
pub fn search_patterns(text: &str) -> Result<Option<(String, String)>, super::invalid::Invalid> {
    if text.chars().count() > MAX_SEARCH_CHARS {
        return Err(super::invalid::Invalid::new(
            "q",
            format!("must be at most {MAX_SEARCH_CHARS} characters long"),
        ));
    }
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some((
        like_anywhere(text),
        like_anywhere(&text.to_lowercase()),
    )))
}

fn like_anywhere(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
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
    fn search_text_matches_anywhere_with_wildcards_taken_literally() {
        assert_eq!(search_patterns("  "), Ok(None));
        assert_eq!(
            search_patterns(" Äpfel "),
            Ok(Some(("%Äpfel%".into(), "%äpfel%".into())))
        );
        let (typed, _) = search_patterns("100%_a\\b").unwrap().unwrap();
        assert_eq!(typed, "%100\\%\\_a\\\\b%");
        assert!(search_patterns(&"x".repeat(512)).is_ok());
        assert_eq!(search_patterns(&"x".repeat(513)).unwrap_err().field, "q");
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
