//! The browser files (`web/dist/`, built by `web/build.mjs` and committed), embedded at
//! compile time: their content types, validators and gzip forms, computed once.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::LazyLock;

use sha2::{Digest, Sha256};

mod dist {
    include!(concat!(env!("OUT_DIR"), "/web_dist.rs"));
}

/// One embedded file, ready to serve.
#[derive(Debug)]
pub struct Asset {
    pub bytes: &'static [u8],
    /// The same bytes gzipped, when that is smaller.
    pub gzip: Option<Vec<u8>>,
    /// A weak validator (`W/"…"`) from the content, shared by both encodings.
    pub etag: String,
    pub content_type: &'static str,
}

/// How long browsers and CDNs may keep a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// A stable URL whose content changes on deploy (`/embed.js`, `/count.js`): short.
    Stable,
    /// A content-hashed URL: its content never changes.
    Immutable,
    /// An HTML page: revalidated on every visit.
    Page,
}

impl Caching {
    /// The `Cache-Control` value.
    pub fn header(self) -> &'static str {
        match self {
            Self::Stable => "public, max-age=300",
            Self::Immutable => "public, max-age=31536000, immutable",
            Self::Page => "no-cache",
        }
    }
}

static ASSETS: LazyLock<HashMap<&'static str, Asset>> = LazyLock::new(|| {
    dist::FILES
        .iter()
        .map(|(name, bytes)| (*name, Asset::new(name, bytes)))
        .collect()
});

/// The embedded file at `name` (relative to `web/dist/`), if there is one.
pub fn get(name: &str) -> Option<&'static Asset> {
    ASSETS.get(name)
}

impl Asset {
    fn new(name: &str, bytes: &'static [u8]) -> Self {
        let digest = Sha256::digest(bytes);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            bytes,
            gzip: gzip(bytes, flate2::Compression::best()).filter(|z| z.len() < bytes.len()),
            etag: format!("W/\"{hex}\""),
            content_type: content_type(name),
        }
    }
}

/// `bytes` in gzip form, compressed at `level`.
pub fn gzip(bytes: &[u8], level: flate2::Compression) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), level);
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// The content type for a file name, by its extension.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, as for GET).
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    if_none_match
        .split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == ours)
}

/// Whether a request's `Accept-Encoding` header accepts gzip (see [`accepts_gzip`]).
pub fn request_takes_gzip(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers
        .get(actix_web::http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(accepts_gzip)
}

/// Whether an `Accept-Encoding` value accepts gzip: listed without `q=0`, or not listed
/// and `*` is, without `q=0` (RFC 9110, 12.5.3: a coding named outranks `*`).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut gzip = None;
    let mut any = None;
    for part in accept_encoding.split(',') {
        let mut pieces = part.split(';');
        let coding = pieces.next().unwrap_or_default().trim();
        let refused = pieces.any(|p| {
            p.split_once('=').is_some_and(|(name, q)| {
                name.trim().eq_ignore_ascii_case("q")
                    && q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
            })
        });
        if coding.eq_ignore_ascii_case("gzip") {
            gzip = Some(!refused);
        } else if coding == "*" {
            any = Some(!refused);
        }
    }
    gzip.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_match_weakly_and_in_lists() {
        assert!(none_match("W/\"abc\"", "W/\"abc\""));
        assert!(none_match("\"abc\"", "W/\"abc\""));
        assert!(none_match("\"x\", W/\"abc\"", "W/\"abc\""));
        assert!(none_match("*", "W/\"abc\""));
        assert!(!none_match("W/\"abd\"", "W/\"abc\""));
        assert!(!none_match("", "W/\"abc\""));
    }

    #[test]
    fn gzip_is_accepted_unless_refused() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip(""));
        assert!(!accepts_gzip("gzip;Q=0"));
        assert!(!accepts_gzip("gzip;q=0, *"));
        assert!(!accepts_gzip("*, gzip; q=0.0"));
        assert!(accepts_gzip("*;q=0, gzip"));
        assert!(!accepts_gzip("*;q=0"));
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("embed.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("demo/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }
}
