//! Markdown to safe HTML: pulldown-cmark renders, ammonia keeps only a small set of tags.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser};

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "hr",
    ]
    .into_iter()
    .collect();
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("ol", ["start"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("nofollow ugc noopener noreferrer"))
        .strip_comments(true);
    builder
});

/// Renders a comment body. Raw HTML in the source is shown as text, never interpreted;
/// images become nothing; links keep only http, https and mailto targets and get
/// `rel="nofollow ugc noopener noreferrer"`.
pub fn render(source: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        // A single newline inside a paragraph is a line break in a comment.
        Event::SoftBreak => Event::HardBreak,
        other => other,
    });
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    SANITIZER.clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_the_usual_markdown() {
        assert_eq!(
            render("*a* **b** `c`"),
            "<p><em>a</em> <strong>b</strong> <code>c</code></p>\n"
        );
        assert!(render("> quoted").contains("<blockquote>"));
        assert!(render("- one\n- two").contains("<li>one</li>"));
        assert_eq!(
            render("line one\nline two"),
            "<p>line one<br>\nline two</p>\n"
        );
    }

    #[test]
    fn links_are_marked_and_limited_to_web_schemes() {
        let html = render("[site](https://zeitung.de)");
        assert!(html.contains(r#"href="https://zeitung.de""#));
        assert!(html.contains(r#"rel="nofollow ugc noopener noreferrer""#));
        assert!(!render("[x](javascript:alert(1))").contains("javascript"));
    }

    #[test]
    fn raw_html_is_text() {
        let html = render("<script>alert(1)</script>");
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
