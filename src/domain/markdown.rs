//! Markdown to safe HTML: pulldown-cmark renders, ammonia keeps only a small set of tags.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser};

use super::text::is_bidi_control;

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
        // `//host/path` and `/path` would point at another site or into ours.
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow ugc noopener noreferrer"))
        .strip_comments(true);
    builder
});

/// Renders a comment body. Raw HTML in the source is shown as text, never interpreted;
/// images become nothing; links keep only absolute http, https and mailto targets and
/// get `rel="nofollow ugc noopener noreferrer"`; bidi embeddings, overrides and isolates
/// are dropped, so no comment can reorder the text around it on the page.
pub fn render(source: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) | Event::Text(text) => {
            Event::Text(without_bidi_controls(text))
        }
        Event::Code(code) => Event::Code(without_bidi_controls(code)),
        // A single newline inside a paragraph is a line break in a comment.
        Event::SoftBreak => Event::HardBreak,
        other => other,
    });
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    SANITIZER.clean(&html).to_string()
}

/// `text` without bidi controls (borrowed as it is when it has none, the usual case).
fn without_bidi_controls(text: CowStr<'_>) -> CowStr<'_> {
    if text.contains(is_bidi_control) {
        text.replace(is_bidi_control, "").into()
    } else {
        text
    }
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
        assert!(render("<mailto:anna@zeitung.de>").contains(r#"href="mailto:anna@zeitung.de""#));
    }

    #[test]
    fn relative_and_protocol_relative_links_are_not_links() {
        for source in [
            "[x](//evil.example/phish)",
            "[x](/login)",
            "[x](login)",
            "[x](../admin)",
            "[x](?next=//evil.example)",
            "[x](#top)",
            "[x](\\\\evil.example/phish)",
            "[x]: //evil.example\n\n[link][x]",
        ] {
            let html = render(source);
            assert!(!html.contains("href"), "{source:?} -> {html}");
        }
    }

    #[test]
    fn bidi_controls_cannot_reorder_the_page() {
        let html =
            render("a\u{202e}gnp.exe\u{202c} `\u{2067}x\u{2069}` [\u{202d}y](https://x.de/)");
        assert!(!html.contains(super::is_bidi_control), "{html:?}");
        assert!(html.contains("agnp.exe"));
        // Marks that only set the direction of neutral characters stay.
        assert!(render("\u{200f}!").contains('\u{200f}'));
    }

    #[test]
    fn raw_html_is_text() {
        let html = render("<script>alert(1)</script>");
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
