//! WordPress's export (WXR 1.2): `<item>` posts (`<link>` permalink, `<wp:post_id>`,
//! `<title>`, `<wp:post_date_gmt>`, `<wp:comment_status>`) with their `<wp:comment>`s
//! (`wp:comment_id`, `_author`, `_author_email`, `_date_gmt`, `_content`, `_approved`
//! `1`/`0`/`spam`/`trash`, `_type`, `_parent`).

use std::io::BufRead;

use chrono::NaiveDateTime;

use super::Malformed;
use super::foreign::{Article, Comment, Fate, Item, Source};
use super::xml::{Node, Reader};

/// Which value of a post becomes the article key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyBy {
    /// The post's `<link>`.
    Permalink,
    /// `<wp:post_id>`.
    PostId,
}

/// Reads a WXR file.
pub struct WordPress<R: BufRead> {
    xml: Reader<R>,
    key_by: KeyBy,
    site: String,
    item: Option<Post>,
    comment: Option<WpComment>,
    seen_root: bool,
}

#[derive(Default)]
struct Post {
    id: String,
    link: String,
    title: String,
    date_gmt: String,
    comment_status: String,
    announced: bool,
}

#[derive(Default)]
struct WpComment {
    id: String,
    author: String,
    email: String,
    date_gmt: String,
    date: String,
    content: String,
    approved: String,
    kind: String,
    parent: String,
    line: u64,
}

impl<R: BufRead> WordPress<R> {
    pub fn new(input: R, key_by: KeyBy) -> Self {
        Self {
            xml: Reader::new(input),
            key_by,
            site: String::new(),
            item: None,
            comment: None,
            seen_root: false,
        }
    }
}

/// WordPress writes `2010-01-01 00:00:00` (and `0000-00-00 00:00:00` for "never").
pub fn parse_time(raw: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M:%S").ok()
}

impl<R: BufRead> Source for WordPress<R> {
    fn name(&self) -> String {
        if self.site.is_empty() {
            "wordpress".into()
        } else {
            format!("wordpress:{}", self.site)
        }
    }

    fn next_item(&mut self) -> Result<Option<Item>, Malformed> {
        loop {
            let depth = self.xml.path().len();
            match self.xml.next()? {
                Node::End => {
                    if !self.seen_root {
                        return Err(self
                            .xml
                            .malformed("not a WordPress export: no <rss> element"));
                    }
                    return Ok(None);
                }
                Node::Open { name, .. } => {
                    if depth == 0 {
                        if name != "rss" {
                            return Err(self.xml.malformed(format!(
                                "not a WordPress export: the root element is <{name}>, not <rss>"
                            )));
                        }
                        self.seen_root = true;
                    }
                    match (name.as_str(), self.xml.path().len()) {
                        ("item", 3) => self.item = Some(Post::default()),
                        ("wp:comment", 4) if self.item.is_some() => {
                            self.comment = Some(WpComment {
                                line: self.xml.line(),
                                ..WpComment::default()
                            });
                            // The post's fields come before its comments: announce it once.
                            if let Some(post) = &mut self.item
                                && !post.announced
                            {
                                post.announced = true;
                                let article = self.article();
                                return Ok(Some(Item::Article(article)));
                            }
                        }
                        _ => {}
                    }
                }
                Node::Close { name, text } => {
                    let depth = self.xml.path().len();
                    if let Some(comment) = &mut self.comment {
                        match (name.as_str(), depth) {
                            ("wp:comment_id", 4) => comment.id = text.trim().to_owned(),
                            ("wp:comment_author", 4) => comment.author = text,
                            ("wp:comment_author_email", 4) => {
                                comment.email = text.trim().to_owned()
                            }
                            ("wp:comment_date_gmt", 4) => comment.date_gmt = text,
                            ("wp:comment_date", 4) => comment.date = text,
                            ("wp:comment_content", 4) => comment.content = text,
                            ("wp:comment_approved", 4) => comment.approved = text.trim().to_owned(),
                            ("wp:comment_type", 4) => comment.kind = text.trim().to_owned(),
                            ("wp:comment_parent", 4) => comment.parent = text.trim().to_owned(),
                            ("wp:comment", 3) => {
                                if let Some(comment) = self.comment.take() {
                                    return Ok(Some(Item::Comment(self.comment(comment)?)));
                                }
                            }
                            _ => {}
                        }
                        continue;
                    }
                    if let Some(post) = &mut self.item {
                        match (name.as_str(), depth) {
                            ("wp:post_id", 3) => post.id = text.trim().to_owned(),
                            ("link", 3) => post.link = text.trim().to_owned(),
                            ("title", 3) => post.title = text.trim().to_owned(),
                            ("wp:post_date_gmt", 3) => post.date_gmt = text,
                            ("wp:comment_status", 3) => {
                                post.comment_status = text.trim().to_owned()
                            }
                            ("item", 2) => self.item = None,
                            _ => {}
                        }
                        continue;
                    }
                    if (name.as_str(), depth) == ("link", 2) {
                        self.site = text.trim().to_owned();
                    }
                }
            }
        }
    }
}

impl<R: BufRead> WordPress<R> {
    fn article(&self) -> Article {
        let post = self.item.as_ref();
        let id = post.map(|p| p.id.clone()).unwrap_or_default();
        let link = post.map(|p| p.link.clone()).unwrap_or_default();
        let key = match self.key_by {
            KeyBy::Permalink if !link.is_empty() => Ok(link.clone()),
            KeyBy::PostId if !id.is_empty() => Ok(id.clone()),
            KeyBy::Permalink => Err("the post has no permalink".to_owned()),
            KeyBy::PostId => Err("the post has no post id".to_owned()),
        };
        Article {
            external_id: id,
            key,
            title: post.map(|p| p.title.clone()).filter(|t| !t.is_empty()),
            url: Some(link).filter(|l| l.starts_with("http://") || l.starts_with("https://")),
            created_at: post.and_then(|p| parse_time(&p.date_gmt)),
            closed: post.is_some_and(|p| p.comment_status == "closed"),
            deleted: false,
        }
    }

    fn comment(&self, raw: WpComment) -> Result<Comment, Malformed> {
        if raw.id.is_empty() {
            return Err(Malformed {
                line: raw.line,
                message: "a <wp:comment> without <wp:comment_id>".into(),
            });
        }
        let fate = match raw.approved.as_str() {
            "1" | "approve" => Ok(Fate::Approved),
            "0" | "hold" => Ok(Fate::Pending),
            "spam" => Ok(Fate::Spam),
            "trash" | "post-trashed" => Ok(Fate::Deleted),
            other => Err(other.to_owned()),
        };
        Ok(Comment {
            external_id: raw.id,
            article: self.item.as_ref().map(|p| p.id.clone()).unwrap_or_default(),
            parent: Some(raw.parent).filter(|p| !p.is_empty() && p != "0"),
            html: raw.content,
            created_at: parse_time(&raw.date_gmt).or_else(|| parse_time(&raw.date)),
            author_name: Some(raw.author.trim().to_owned()).filter(|a| !a.is_empty()),
            author_email: Some(raw.email).filter(|e| !e.is_empty()),
            fate,
            pingback: matches!(raw.kind.as_str(), "pingback" | "trackback"),
        })
    }
}
