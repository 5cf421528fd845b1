//! Disqus's XML export: `<thread dsq:id>` elements (identifier `<id>`, `<link>`,
//! `<title>`, `<createdAt>`, `<isClosed>`, `<isDeleted>`), then `<post dsq:id>` elements
//! (`<message>` HTML, `<createdAt>`, `<author>` name/email/username, `<isDeleted>`,
//! `<isSpam>`, `<thread dsq:id>`, `<parent dsq:id>`).

use std::io::BufRead;

use chrono::{DateTime, NaiveDateTime};

use super::Malformed;
use super::foreign::{Article, Comment, Fate, Item, Source};
use super::xml::{Node, Reader, attribute};

/// Which value of a Disqus thread becomes the article key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyBy {
    /// The thread's `<id>` (the `disqus_identifier` the page set), else its link.
    Identifier,
    /// The thread's `<link>`.
    Link,
}

/// Reads a Disqus export.
pub struct Disqus<R: BufRead> {
    xml: Reader<R>,
    key_by: KeyBy,
    thread: Option<Thread>,
    post: Option<Post>,
    seen_root: bool,
}

#[derive(Default)]
struct Thread {
    id: String,
    identifier: String,
    link: String,
    title: String,
    created_at: String,
    closed: bool,
    deleted: bool,
}

#[derive(Default)]
struct Post {
    id: String,
    message: String,
    created_at: String,
    name: String,
    email: String,
    username: String,
    deleted: bool,
    spam: bool,
    thread: String,
    parent: Option<String>,
    line: u64,
}

impl<R: BufRead> Disqus<R> {
    pub fn new(input: R, key_by: KeyBy) -> Self {
        Self {
            xml: Reader::new(input),
            key_by,
            thread: None,
            post: None,
            seen_root: false,
        }
    }
}

/// Disqus writes `2013-04-09T18:16:32Z`.
pub fn parse_time(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.naive_utc())
        .ok()
        .or_else(|| raw.parse::<NaiveDateTime>().ok())
}

fn truthy(raw: &str) -> bool {
    matches!(raw.trim(), "true" | "1")
}

impl<R: BufRead> Source for Disqus<R> {
    fn name(&self) -> String {
        "disqus".into()
    }

    fn next_item(&mut self) -> Result<Option<Item>, Malformed> {
        loop {
            let depth = self.xml.path().len();
            match self.xml.next()? {
                Node::End => {
                    if !self.seen_root {
                        return Err(self
                            .xml
                            .malformed("not a Disqus export: no <disqus> element"));
                    }
                    return Ok(None);
                }
                Node::Open { name, attributes } => {
                    if depth == 0 {
                        if name != "disqus" {
                            return Err(self.xml.malformed(format!(
                                "not a Disqus export: the root element is <{name}>, not <disqus>"
                            )));
                        }
                        self.seen_root = true;
                    }
                    let id = attribute(&attributes, "dsq:id").map(str::to_owned);
                    match (name.as_str(), depth) {
                        ("thread", 1) => {
                            let id =
                                id.ok_or_else(|| self.xml.malformed("a <thread> without dsq:id"))?;
                            self.thread = Some(Thread {
                                id,
                                ..Thread::default()
                            });
                        }
                        ("post", 1) => {
                            let id =
                                id.ok_or_else(|| self.xml.malformed("a <post> without dsq:id"))?;
                            self.post = Some(Post {
                                id,
                                line: self.xml.line(),
                                ..Post::default()
                            });
                        }
                        ("thread", 2) => {
                            if let Some(post) = &mut self.post {
                                post.thread = id.ok_or_else(|| {
                                    self.xml.malformed("a post's <thread> without dsq:id")
                                })?;
                            }
                        }
                        ("parent", 2) => {
                            if let Some(post) = &mut self.post {
                                post.parent = id;
                            }
                        }
                        _ => {}
                    }
                }
                Node::Close { name, text } => {
                    let in_author = self.xml.parent() == Some("author");
                    // After the pop: 1 means a child of the root closed.
                    let depth = self.xml.path().len();
                    if let Some(thread) = &mut self.thread {
                        match (name.as_str(), depth) {
                            ("id", 2) => thread.identifier = text.trim().to_owned(),
                            ("link", 2) => thread.link = text.trim().to_owned(),
                            ("title", 2) => thread.title = text.trim().to_owned(),
                            ("createdAt", 2) => thread.created_at = text,
                            ("isClosed", 2) => thread.closed = truthy(&text),
                            ("isDeleted", 2) => thread.deleted = truthy(&text),
                            ("thread", 1) => {
                                if let Some(thread) = self.thread.take() {
                                    return Ok(Some(Item::Article(self.article(thread))));
                                }
                            }
                            _ => {}
                        }
                        continue;
                    }
                    if let Some(post) = &mut self.post {
                        match (name.as_str(), depth) {
                            ("message", 2) => post.message = text,
                            ("createdAt", 2) => post.created_at = text,
                            ("isDeleted", 2) => post.deleted = truthy(&text),
                            ("isSpam", 2) => post.spam = truthy(&text),
                            ("name", 3) if in_author => post.name = text,
                            ("email", 3) if in_author => post.email = text.trim().to_owned(),
                            ("username", 3) if in_author => post.username = text.trim().to_owned(),
                            ("post", 1) => {
                                if let Some(post) = self.post.take() {
                                    return Ok(Some(Item::Comment(self.comment(post)?)));
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}

impl<R: BufRead> Disqus<R> {
    fn article(&self, thread: Thread) -> Article {
        let key = match self.key_by {
            KeyBy::Identifier if !thread.identifier.is_empty() => Ok(thread.identifier.clone()),
            _ if !thread.link.is_empty() => Ok(thread.link.clone()),
            _ => Err("the thread has neither identifier nor link".to_owned()),
        };
        Article {
            external_id: thread.id,
            key,
            title: Some(thread.title).filter(|t| !t.is_empty()),
            url: Some(thread.link)
                .filter(|l| l.starts_with("http://") || l.starts_with("https://")),
            created_at: parse_time(&thread.created_at),
            closed: thread.closed,
            deleted: thread.deleted,
        }
    }

    fn comment(&self, post: Post) -> Result<Comment, Malformed> {
        if post.thread.is_empty() {
            return Err(Malformed {
                line: post.line,
                message: format!("post {} names no thread", post.id),
            });
        }
        // Deleted wins over spam: its author or a moderator removed it.
        let fate = if post.deleted {
            Fate::Deleted
        } else if post.spam {
            Fate::Spam
        } else {
            Fate::Approved
        };
        let name = Some(post.name.trim().to_owned())
            .filter(|n| !n.is_empty())
            .or(Some(post.username).filter(|u| !u.is_empty()));
        Ok(Comment {
            external_id: post.id,
            article: post.thread,
            parent: post.parent,
            html: post.message,
            created_at: parse_time(&post.created_at),
            author_name: name,
            author_email: Some(post.email).filter(|e| !e.is_empty()),
            fate: Ok(fate),
            pingback: false,
        })
    }
}
