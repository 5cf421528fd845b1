//! A real SMTP server inside the test process (tokio, port 0): it speaks enough SMTP
//! for lettre (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it
//! accepts, and can be told to refuse them for a while (451 after DATA).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message the sink accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message as it crossed the connection (dot-unstuffed).
    pub raw: String,
}

impl Mail {
    /// A header's value (unfolded, first occurrence, name case-insensitive), as sent.
    pub fn header(&self, name: &str) -> Option<String> {
        header_of(head(&self.raw), name)
    }

    /// The subject, decoded from RFC 2047 encoded words.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// The decoded body of the part of `content_type` (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> Option<String> {
        let boundary = self.header("Content-Type")?.split(';').find_map(|p| {
            p.trim()
                .strip_prefix("boundary=")
                .map(|b| b.trim_matches('"').to_owned())
        })?;
        let body = self.raw.split_once("\r\n\r\n")?.1;
        body.split(&format!("--{boundary}")).find_map(|part| {
            let part = part.trim_start_matches("\r\n");
            let (headers, content) = part.split_once("\r\n\r\n")?;
            let kind = header_of(headers, "Content-Type")?;
            if !kind.to_ascii_lowercase().starts_with(content_type) {
                return None;
            }
            let encoding = header_of(headers, "Content-Transfer-Encoding")
                .unwrap_or_default()
                .to_ascii_lowercase();
            Some(decode_body(content.trim_end(), &encoding))
        })
    }

    /// The plain text part.
    pub fn text(&self) -> String {
        self.part("text/plain").expect("a text/plain part")
    }

    /// The token of the link in the mail (`#token=…`).
    pub fn token(&self) -> String {
        let text = self.text();
        let start = text.find("#token=").expect("a link with a token") + "#token=".len();
        text[start..]
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap()
            .to_owned()
    }
}

fn head(raw: &str) -> &str {
    raw.split_once("\r\n\r\n").map_or(raw, |(h, _)| h)
}

fn header_of(headers: &str, name: &str) -> Option<String> {
    let unfolded = headers.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.split("\r\n").find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

fn decode_body(content: &str, encoding: &str) -> String {
    match encoding {
        "base64" => {
            let joined: String = content.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .expect("base64 body"),
            )
            .expect("UTF-8 body")
        }
        "quoted-printable" => decode_quoted_printable(content),
        _ => content.to_owned(),
    }
}

fn decode_quoted_printable(content: &str) -> String {
    let soft = content.replace("=\r\n", "");
    let bytes = soft.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&soft[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 body")
}

/// Decodes `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words (as lettre writes subjects):
/// the space between two encoded words is dropped, any other is kept.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut previous_encoded = None;
    for word in value.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let inner = word.get(10..).and_then(|w| w.strip_suffix("?="));
        let decoded = match inner {
            Some(inner) if lower.starts_with("=?utf-8?b?") => Some(
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(inner)
                        .expect("base64 word"),
                )
                .expect("UTF-8 word"),
            ),
            Some(inner) if lower.starts_with("=?utf-8?q?") => {
                Some(decode_quoted_printable(&inner.replace('_', " ")))
            }
            _ => None,
        };
        let encoded = decoded.is_some();
        if previous_encoded.is_some() && !(encoded && previous_encoded == Some(true)) {
            out.push(' ');
        }
        out.push_str(&decoded.unwrap_or_else(|| word.to_owned()));
        previous_encoded = Some(encoded);
    }
    out
}

#[derive(Default)]
struct State {
    mails: Vec<Mail>,
    /// Messages still to refuse (451 after DATA); `u32::MAX`: all of them.
    refuse: u32,
}

/// The sink; stops accepting when dropped.
pub struct SmtpSink {
    pub port: u16,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    /// A sink accepting everything, on 127.0.0.1 and a free port.
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// A sink on a given port (0: any).
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the sink");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(converse(socket, shared.clone()));
            }
        });
        Self { port, state, task }
    }

    /// `smtp://127.0.0.1:<port>` (no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Refuses the next `n` messages with 451 (`u32::MAX`: until told otherwise).
    pub fn refuse(&self, n: u32) {
        self.state.lock().unwrap().refuse = n;
    }

    /// Every message accepted so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.state.lock().unwrap().mails.clone()
    }

    /// The messages accepted for `address`.
    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits until `address` has received `n` messages (panics after 10 s), and
    /// answers the last.
    pub async fn wait_for(&self, address: &str, n: usize) -> Mail {
        self.wait_until(Duration::from_secs(10), |_| {
            self.mails_to(address).len() >= n
        })
        .await;
        self.mails_to(address).pop().unwrap()
    }

    /// Waits until `done` holds of the accepted messages (panics after `timeout`).
    pub async fn wait_until(&self, timeout: Duration, done: impl Fn(&[Mail]) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.mails()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP sink did not get what was expected; it has {:#?}",
                self.mails()
                    .iter()
                    .map(|m| (&m.to, m.subject()))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits a while and checks that `address` has received exactly `n` messages (for
    /// mail that must not come).
    pub async fn expect_exactly(&self, address: &str, n: usize) {
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            self.mails_to(address).len(),
            n,
            "mail to {address}: {:#?}",
            self.mails_to(address)
                .iter()
                .map(Mail::subject)
                .collect::<Vec<_>>()
        );
    }
}

/// One SMTP session.
async fn converse(socket: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    if !say(&mut write, "220 sink.test ESMTP test sink\r\n").await {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply = if upper.starts_with("EHLO") {
            "250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n".to_owned()
        } else if upper.starts_with("HELO") {
            "250 sink.test\r\n".to_owned()
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command[10..]);
            to.clear();
            "250 OK\r\n".to_owned()
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command[8..]));
            "250 OK\r\n".to_owned()
        } else if upper == "DATA" {
            if !say(&mut write, "354 go ahead\r\n").await {
                return;
            }
            let mut raw = String::new();
            loop {
                let mut data = String::new();
                match lines.read_line(&mut data).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if data == ".\r\n" {
                    break;
                }
                raw.push_str(
                    data.strip_prefix('.')
                        .filter(|_| data.starts_with(".."))
                        .unwrap_or(&data),
                );
            }
            let mut state = state.lock().unwrap();
            if state.refuse > 0 {
                if state.refuse != u32::MAX {
                    state.refuse -= 1;
                }
                "451 try again later\r\n".to_owned()
            } else {
                state.mails.push(Mail {
                    from: from.clone(),
                    to: to.clone(),
                    raw,
                });
                "250 accepted\r\n".to_owned()
            }
        } else if upper == "RSET" {
            to.clear();
            "250 OK\r\n".to_owned()
        } else if upper == "NOOP" {
            "250 OK\r\n".to_owned()
        } else if upper == "QUIT" {
            let _ = say(&mut write, "221 bye\r\n").await;
            return;
        } else {
            "502 not implemented\r\n".to_owned()
        };
        if !say(&mut write, &reply).await {
            return;
        }
    }
}

async fn say(write: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) -> bool {
    write.write_all(text.as_bytes()).await.is_ok()
}

/// `<a@b> SIZE=…` → `a@b`.
fn address(arg: &str) -> String {
    let arg = arg.trim();
    let end = arg.find('>').map_or(arg.len(), |i| i + 1);
    arg[..end].trim_matches(|c| c == '<' || c == '>').to_owned()
}
