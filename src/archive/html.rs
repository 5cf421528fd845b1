//! Imported comment HTML to the Markdown source Tribune stores (and renders with
//! `domain::markdown`, which sanitises again): paragraphs, line breaks, emphasis, links
//! with http(s)/mailto targets, quotes and code survive; every other tag is dropped with
//! its markup (script and style with their content); entities are decoded; Markdown
//! characters in the text are escaped, so text stays text.

/// Converts `html` (or plain text with a few tags, as WordPress stores comments; its
/// newlines are kept: one is a line break, a blank line a paragraph).
pub fn to_markdown(html: &str) -> String {
    let mut out = Converter::default();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.text(&rest[..lt]);
        let after = &rest[lt..];
        if let Some(comment) = after.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        match parse_tag(after) {
            Some((tag, len)) => {
                out.tag(&tag);
                rest = &after[len..];
                if !tag.closing && (tag.name == "script" || tag.name == "style") {
                    let close = format!("</{}", tag.name);
                    rest = find_ci(rest, &close)
                        .and_then(|at| rest[at..].find('>').map(|gt| &rest[at + gt + 1..]))
                        .unwrap_or("");
                }
            }
            None => {
                // A lone `<` is text.
                out.text("<");
                rest = &after[1..];
            }
        }
    }
    out.text(rest);
    out.finish()
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

struct Tag {
    name: String,
    closing: bool,
    href: Option<String>,
}

/// `<name attr="v" …>` at the start of `s`: the tag and its length.
fn parse_tag(s: &str) -> Option<(Tag, usize)> {
    let end = s.find('>')?;
    let inner = &s[1..end];
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let name: String = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if name.is_empty() {
        return None;
    }
    let href = (name == "a" && !closing)
        .then(|| attribute(&inner[name.len()..], "href"))
        .flatten();
    Some((
        Tag {
            name,
            closing,
            href,
        },
        end + 1,
    ))
}

/// The value of attribute `name` in a tag's attribute text, entities decoded.
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let lower = attrs.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find(name) {
        let start = from + at;
        from = start + name.len();
        let before_ok = start == 0 || lower.as_bytes()[start - 1].is_ascii_whitespace();
        let rest = attrs[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or_default(),
            _ => rest
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or_default(),
        };
        return Some(decode_entities(value));
    }
    None
}

/// Decodes `&name;` and `&#n;` references, leaving unknown ones as they are.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&end| {
            end > 0
                && end <= 32
                && after[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '#')
        });
        match end.and_then(|end| resolve(&after[..end]).map(|r| (r, end))) {
            Some((resolved, end)) => {
                out.push_str(&resolved);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn resolve(entity: &str) -> Option<String> {
    if let Some(number) = entity.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code)
            .filter(|c| *c != '\0')
            .map(String::from);
    }
    quick_xml::escape::resolve_html5_entity(entity).map(str::to_owned)
}

#[derive(Default)]
struct Converter {
    out: String,
    /// Open `<a>`s: their target (None: kept as text only) and where their text starts.
    links: Vec<(Option<String>, usize)>,
    quote: usize,
    pre: usize,
}

impl Converter {
    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let text = decode_entities(raw);
        for ch in text.chars() {
            match ch {
                '\r' => {}
                '\n' => self.newline(),
                // Markdown's own characters, so the text is not read as markup.
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '&' | '|' | '~'
                    if self.pre == 0 =>
                {
                    self.out.push('\\');
                    self.out.push(ch);
                }
                '-' | '+' | '=' if self.pre == 0 && self.at_line_start() => {
                    self.out.push('\\');
                    self.out.push(ch);
                }
                c if c.is_ascii_digit() && self.pre == 0 && self.at_line_start() => {
                    // `1. ` at a line's start would be a list.
                    self.out.push(c);
                    self.out.push('\\');
                }
                c => self.out.push(c),
            }
        }
    }

    fn at_line_start(&self) -> bool {
        let line = self.out.rsplit('\n').next().unwrap_or_default();
        line.chars().all(|c| c == ' ' || c == '>')
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.quote {
            self.out.push_str("> ");
        }
    }

    fn paragraph(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '>', '\n']).len();
        if trimmed == 0 {
            self.out.clear();
            for _ in 0..self.quote {
                self.out.push_str("> ");
            }
            return;
        }
        self.out.truncate(trimmed);
        self.newline();
        self.newline();
    }

    fn tag(&mut self, tag: &Tag) {
        match (tag.name.as_str(), tag.closing) {
            (
                "p" | "div" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table"
                | "tr",
                _,
            ) => self.paragraph(),
            ("br", _) => self.out.push_str("\\\n"),
            ("li", false) => {
                self.newline();
                self.out.push_str("- ");
            }
            ("b" | "strong", _) => self.out.push_str("**"),
            ("i" | "em", _) => self.out.push('*'),
            ("s" | "del" | "strike", _) => self.out.push_str("~~"),
            ("code", _) if self.pre == 0 => self.out.push('`'),
            ("pre", false) => {
                self.paragraph();
                self.out.push_str("```");
                self.newline();
                self.pre += 1;
            }
            ("pre", true) if self.pre > 0 => {
                self.pre -= 1;
                self.newline();
                self.out.push_str("```");
                self.paragraph();
            }
            ("blockquote", false) => {
                self.paragraph();
                self.quote += 1;
                self.out.push_str("> ");
            }
            ("blockquote", true) if self.quote > 0 => {
                self.quote -= 1;
                self.paragraph();
            }
            ("a", false) => {
                let href = tag
                    .href
                    .clone()
                    .filter(|h| {
                        let lower = h.trim().to_ascii_lowercase();
                        lower.starts_with("http://")
                            || lower.starts_with("https://")
                            || lower.starts_with("mailto:")
                    })
                    .map(|h| {
                        h.trim()
                            .replace(' ', "%20")
                            .replace('(', "%28")
                            .replace(')', "%29")
                    });
                if href.is_some() {
                    self.out.push('[');
                }
                self.links.push((href, self.out.len()));
            }
            ("a", true) => {
                if let Some((Some(href), start)) = self.links.pop() {
                    if self.out.len() == start {
                        // A link without text shows its target.
                        self.out.push_str(
                            &href
                                .replace('\\', "\\\\")
                                .replace('[', "\\[")
                                .replace(']', "\\]"),
                        );
                    }
                    self.out.push_str("](");
                    self.out.push_str(&href);
                    self.out.push(')');
                }
            }
            _ => {}
        }
    }

    fn finish(mut self) -> String {
        while let Some((href, _)) = self.links.pop() {
            if let Some(href) = href {
                self.out.push_str("](");
                self.out.push_str(&href);
                self.out.push(')');
            }
        }
        // At most one blank line in a row; no trailing line breaks.
        let mut text = String::with_capacity(self.out.len());
        let mut blank = 0;
        for line in self.out.lines() {
            if line.trim_matches([' ', '>']).is_empty() && line.trim() != "\\" {
                blank += 1;
                if blank > 1 {
                    continue;
                }
            } else {
                blank = 0;
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        let mut trimmed = text.trim().to_owned();
        while let Some(rest) = trimmed.strip_suffix('\\') {
            trimmed = rest.trim_end().to_owned();
        }
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::to_markdown;
    use crate::domain::markdown::render;

    #[test]
    fn markup_and_entities_become_safe_markdown() {
        let md = to_markdown("<p>Gr&uuml;&szlig;e &amp; <b>Dank</b></p><p>Zweiter&nbsp;Absatz</p>");
        assert_eq!(md, "Grüße \\& **Dank**\n\nZweiter\u{a0}Absatz");
        assert_eq!(
            render(&md),
            "<p>Grüße &amp; <strong>Dank</strong></p>\n<p>Zweiter&nbsp;Absatz</p>\n"
        );
    }

    #[test]
    fn active_html_is_left_out_and_text_stays_text() {
        let md = to_markdown(
            "<script>alert(1)</script><a href=\"javascript:alert(1)\">click</a> <img src=x onerror=alert(1)> *not bold* # no heading",
        );
        let html = render(&md);
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<em>"), "{html}");
        assert!(html.contains("click"), "{html}");
    }

    #[test]
    fn links_and_line_breaks_survive() {
        let md =
            to_markdown("Siehe <a href=\"https://example.org/a b\">hier</a>.\nZeile 2\n\nAbsatz");
        let html = render(&md);
        assert!(
            html.contains("<a href=\"https://example.org/a%20b\""),
            "{html}"
        );
        assert!(html.contains("<br"), "{html}");
        assert!(html.matches("<p>").count() == 2, "{html}");
    }
}
