//! Markdown rendering leaves nothing executable, whatever the body holds.

use reqwest::StatusCode;

use crate::helpers::{Anonymous, expect_problem, expect_status, for_each_backend, id_of};

const CORPUS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![img](https://evil.example/x.png \"title\")",
    "![x](javascript:alert(1))",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p onclick=alert(1)>para</p>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<<script>script>alert(1)<</script>/script>",
    "<style>body{display:none}</style>",
    "<form action=https://evil.example><input name=p></form>",
    "<object data=javascript:alert(1)></object>",
    "[a](https://ok.example \"title\" onmouseover=alert(1))",
    "<https://ok.example/\" onmouseover=\"alert(1)>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "<!-- <script>alert(1)</script> -->",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "[x]: javascript:alert(1)\n\n[link][x]",
    "[x](//evil.example/phish)",
    "[x](/login)",
    "[x](\\\\evil.example/phish)",
    "[x]: //evil.example\n\n[link][x]",
    "a\u{202e}gnp.exe\u{202c} [\u{2067}b](https://ok.example/)",
];

/// Tags the renderer may produce.
const ALLOWED_TAGS: &[&str] = &[
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
];

/// Checks every tag in `html` (text `<` is always escaped, so each `<` opens a tag):
/// only allowed tags; only `href`, `rel` and `start` attributes; links to the web only
/// (absolute); and no bidi control that could reorder the page around the comment.
pub fn assert_harmless(source: &str, html: &str) {
    assert!(
        !html.contains(tribune::domain::text::is_bidi_control),
        "{source:?} rendered a bidi control in {html:?}"
    );
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let closing = tag.starts_with('/');
        let tag = tag.trim_start_matches('/');
        let mut parts = tag.split_whitespace();
        let name = parts.next().unwrap_or_default().to_lowercase();
        assert!(
            ALLOWED_TAGS.contains(&name.as_str()),
            "{source:?} rendered tag <{name}> in {html:?}"
        );
        let attributes = tag[name.len()..].trim();
        if closing {
            assert!(attributes.is_empty(), "{source:?} -> {html}");
        } else if name == "a" {
            assert!(
                attributes.contains(r#"rel="nofollow ugc noopener noreferrer""#),
                "{source:?} -> {html}"
            );
            // An anchor without href (its target was refused) is inert.
            if let Some(href) = attributes.split("href=\"").nth(1) {
                assert!(
                    href.starts_with("http://")
                        || href.starts_with("https://")
                        || href.starts_with("mailto:"),
                    "{source:?} -> {html}"
                );
            }
            let rest = attributes.replace(r#"rel="nofollow ugc noopener noreferrer""#, "");
            let rest = rest
                .split("href=\"")
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            assert!(
                rest.is_empty(),
                "{source:?}: unexpected attributes in {html}"
            );
        } else {
            assert!(
                attributes.is_empty() || attributes.starts_with("start="),
                "{source:?}: attributes on <{name}> in {html}"
            );
        }
    }
}

#[tokio::test]
async fn the_xss_corpus_renders_harmless() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        for body in CORPUS {
            let comment = app.comment_ok(&anna, "xss", body, None).await;
            assert_harmless(body, comment["html"].as_str().unwrap());
            // The source is kept as written, for editing.
            assert_eq!(comment["body"], body.trim());
        }
        let list = app.thread("xss", "&limit=100", &Anonymous).await;
        assert_eq!(list["comments"].as_array().unwrap().len(), CORPUS.len());
        let res = app.list_comments(&Anonymous, "xss", "").await;
        assert_eq!(res.headers()["content-type"], "application/json");
        expect_status(res, StatusCode::OK).await;
    })
    .await;
}

#[tokio::test]
async fn relative_and_protocol_relative_links_are_not_links() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        for body in [
            "[x](//evil.example/phish)",
            "[x](/login)",
            "[x](../mod/queue)",
            "[x](\\\\evil.example/phish)",
        ] {
            let comment = app.comment_ok(&anna, "links", body, None).await;

            let html = comment["html"].as_str().unwrap();
            assert!(!html.contains("href"), "{body:?} -> {html}");
            assert!(html.contains('x'), "{body:?} -> {html}");
        }
        let absolute = app
            .comment_ok(&anna, "links", "[x](https://ok.example/a)", None)
            .await;
        assert!(
            absolute["html"]
                .as_str()
                .unwrap()
                .contains(r#"href="https://ok.example/a""#)
        );
    })
    .await;
}

#[tokio::test]
async fn bidi_controls_stay_in_the_source_but_not_in_the_html() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        let body = "Rechnung_\u{202e}fdp.exe\u{202c} und \u{2067}x\u{2069}";

        let comment = app.comment_ok(&anna, "bidi", body, None).await;

        assert_eq!(comment["body"], body);
        let html = comment["html"].as_str().unwrap();
        assert_eq!(html, "<p>Rechnung_fdp.exe und x</p>\n");
        let stored = app.get_comment_ok(&anna, id_of(&comment)).await;
        assert_eq!(stored["html"], html);
    })
    .await;
}

#[tokio::test]
async fn a_body_of_invisible_characters_is_empty() {
    for_each_backend(async |app| {
        let anna = app.register_reader("anna").await;
        for body in ["\u{200b}", "\u{feff}\u{2060} \u{202e}\n\u{ad}"] {
            let res = app.comment(&anna, "empty", body, None).await;

            expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        }
    })
    .await;
}
