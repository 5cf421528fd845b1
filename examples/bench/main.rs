//! The load benchmark: seeds a realistic data set through the public API, drives each
//! workload with wrk, reports req/s, p50 and p99 beside a trivial actix-web endpoint
//! (the machine's ceiling, measured in the same run), verifies the data afterwards and
//! appends the results to BENCHMARKS.md.
//!
//! Run with `bench/run` (which builds the release binaries and installs wrk), or:
//! `cargo run --release --example bench -- --backend sqlite|postgres`.
//! `--posting-only` runs only the posting workload and its verification (to profile it);
//! `--no-write` leaves BENCHMARKS.md alone. `--help` lists every option.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod chart;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use futures::StreamExt;
use serde_json::{Value, json};

const PASSWORD: &str = "benchmark password";

/// Tribune's load benchmark: seeds a data set through the API, drives each workload with
/// wrk beside a constant actix-web endpoint (the machine's ceiling), verifies the data
/// afterwards and appends the results to BENCHMARKS.md.
///
/// Needs wrk and the release binary (cargo build --release --bin tribune); bench/run
/// does both.
#[derive(Debug, Clone, Parser)]
#[command(name = "bench")]
struct Options {
    /// The database Tribune runs on.
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    backend: Backend,

    /// PostgreSQL server on which a fresh benchmark database is created and dropped
    /// (only with --backend postgres).
    #[arg(
        long,
        value_name = "URL",
        env = "TRIBUNE_TEST_POSTGRES_URL",
        hide_env_values = true,
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres_url: String,

    /// Length of each measured wrk run, in seconds (warm-ups take 2).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    duration: u64,

    /// wrk connections for each workload (the login flood adds 200 of its own).
    #[arg(long, value_name = "N", default_value_t = 64)]
    connections: u32,

    /// Print the results without appending them to BENCHMARKS.md.
    #[arg(long)]
    no_write: bool,

    /// Run only the posting workload and its verification (to profile it); writes
    /// nothing to BENCHMARKS.md.
    #[arg(long)]
    posting_only: bool,

    /// Run only the read workloads whose name contains this text (and the ceiling),
    /// no posting; writes nothing to BENCHMARKS.md (to iterate on one read path).
    #[arg(long, value_name = "TEXT")]
    reads_only: Option<String>,

    /// Only redraw bench/ratios.svg from the results kept in bench/results (after a
    /// change to the chart); runs nothing.
    #[arg(long)]
    redraw: bool,
}

impl Options {
    /// Where the report is appended, if anywhere.
    fn out(&self) -> Option<PathBuf> {
        (!self.no_write && !self.posting_only && self.reads_only.is_none())
            .then(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The name in the report's heading.
    fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// One wrk run's figures.
#[derive(Debug, Clone, Default)]
struct Run {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    non_2xx: u64,
    socket_errors: u64,
    created: Option<u64>,
}

fn parse_latency(value: &str) -> f64 {
    let value = value.trim();
    let (number, factor) = if let Some(v) = value.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = value.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = value.strip_suffix('s') {
        (v, 1000.0)
    } else {
        (value, 1.0)
    };
    number.parse::<f64>().unwrap_or(f64::NAN) * factor
}

fn parse_wrk(output: &str) -> Run {
    let mut run = Run::default();
    for line in output.lines() {
        let line = line.trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => run.rps = v.parse().unwrap_or(0.0),
            ["50%", v] => run.p50_ms = parse_latency(v),
            ["99%", v] => run.p99_ms = parse_latency(v),
            [n, "requests", "in", ..] => run.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => run.non_2xx = n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                run.socket_errors = rest
                    .chunks(2)
                    .filter_map(|c| {
                        c.get(1)
                            .and_then(|n| n.trim_end_matches(',').parse::<u64>().ok())
                    })
                    .sum();
            }
            ["CREATED", n] => run.created = n.parse().ok(),
            _ => {}
        }
    }
    run
}

fn wrk(url: &str, connections: u32, seconds: u64, script: Option<&Path>) -> Run {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "--timeout",
        "10s",
    ]);
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    cmd.arg(url);
    let out = cmd.output().expect("wrk (install it: apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let run = parse_wrk(&text);
    assert!(
        run.requests > 0,
        "wrk failed: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The ceiling: actix-web answering a constant, with the same worker count as Tribune.
fn start_ceiling(port: u16) {
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            actix_web::HttpServer::new(|| {
                actix_web::App::new().route(
                    "/",
                    actix_web::web::get().to(|| async { actix_web::HttpResponse::Ok().body("ok") }),
                )
            })
            .bind(("127.0.0.1", port))
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
}

/// A moderation hook that has no opinion (204) after `delay`, as a scorer on the
/// newsroom's network might answer.
fn start_hook(port: u16, delay: Duration) {
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            actix_web::HttpServer::new(move || {
                actix_web::App::new().route(
                    "/hook",
                    actix_web::web::post().to(move || async move {
                        actix_web::rt::time::sleep(delay).await;
                        actix_web::HttpResponse::NoContent().finish()
                    }),
                )
            })
            .workers(1)
            .bind(("127.0.0.1", port))
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
}

fn start_tribune(binary: &Path, database_url: &str, port: u16) -> Child {
    Command::new(binary)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("TRIBUNE_DATABASE_URL", database_url)
        .env("TRIBUNE_RATE_LIMITS", "off")
        // The moderation hook of the posting-with-hook run listens on loopback.
        .env("TRIBUNE_WEBHOOK_ALLOW_PRIVATE", "on")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tribune (build it: cargo build --release)")
}

async fn wait_up(client: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(url).send().await.is_err() {
        assert!(Instant::now() < deadline, "{url} did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A tiny deterministic generator, so every run seeds the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

struct Seeded {
    tokens: Vec<String>,
    comments: u64,
    hot: String,
    small: String,
    keys: Vec<String>,
}

async fn seed(client: &reqwest::Client, api: &str) -> Seeded {
    let started = Instant::now();
    let users: Vec<String> = futures::stream::iter(0..300)
        .map(|i| {
            let client = client.clone();
            let api = api.to_owned();
            async move {
                let body = json!({"username": format!("leser_{i:03}"), "email": format!("leser{i}@example.org"), "password": PASSWORD});
                let res: Value = client.post(format!("{api}/auth/register")).json(&body).send().await.unwrap().json().await.unwrap();
                res["access_token"].as_str().expect("registered").to_owned()
            }
        })
        .buffered(8)
        .collect()
        .await;

    let keys: Vec<String> = (0..1000)
        .map(|i| format!("https://zeitung.de/artikel/{i}-überschrift"))
        .collect();
    let hot = keys[0].clone();
    let mut rng = Lcg(2026);
    // (article, body, reply_to: index of an earlier post on the same article)
    let mut plan: Vec<(usize, Option<usize>)> = Vec::new();
    for _ in 0..500 {
        let earlier: Vec<usize> = plan
            .iter()
            .enumerate()
            .filter(|(_, (a, _))| *a == 0)
            .map(|(i, _)| i)
            .collect();
        let reply = !earlier.is_empty() && rng.next(100) < 60;
        plan.push((
            0,
            reply.then(|| earlier[rng.next(earlier.len() as u64) as usize]),
        ));
    }
    for article in 1..keys.len() {
        let n = rng.next(21);
        let first = plan.len();
        for j in 0..n {
            let reply = j > 0 && rng.next(100) < 60;
            plan.push((article, reply.then(|| first + rng.next(j) as usize)));
        }
    }
    // Post in waves so each reply's parent exists: roots first, then replies in order.
    let mut ids: Vec<Option<i64>> = vec![None; plan.len()];
    let mut pending: Vec<usize> = (0..plan.len()).collect();
    while !pending.is_empty() {
        let ready: Vec<usize> = pending
            .iter()
            .copied()
            .filter(|i| plan[*i].1.is_none_or(|p| ids[p].is_some()))
            .collect();
        pending.retain(|i| !ready.contains(i));
        let posted: Vec<(usize, i64)> = futures::stream::iter(ready)
            .map(|i| {
                let (article, parent) = plan[i];
                let body = json!({
                    "article": keys[article],
                    "body": format!("Kommentar {i}: Bình luận über *das* Thema."),
                    "parent_id": parent.and_then(|p| ids[p]),
                    "article_title": format!("Artikel {article}"),
                });
                let token = users[i % users.len()].clone();
                let client = client.clone();
                let api = api.to_owned();
                async move {
                    let res = client
                        .post(format!("{api}/comments"))
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 201, "seeding failed");
                    let c: Value = res.json().await.unwrap();
                    (i, c["id"].as_i64().unwrap())
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        for (i, id) in posted {
            ids[i] = Some(id);
        }
    }
    let small = keys
        .iter()
        .enumerate()
        .skip(1)
        .find(|(a, _)| plan.iter().filter(|(x, _)| x == a).count() == 5)
        .map(|(_, k)| k.clone())
        .unwrap_or_else(|| keys[1].clone());
    eprintln!(
        "seeded {} users and {} comments in {:.1}s",
        users.len(),
        plan.len(),
        started.elapsed().as_secs_f64()
    );
    Seeded {
        tokens: users,
        comments: plan.len() as u64,
        hot,
        small,
        keys,
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sentences that realistic comment bodies are made of: German, Vietnamese and English,
/// with emphasis, a link or a code span now and then (no `"` or `\`: they go into JSON
/// as they are).
const SENTENCES: &[&str] = &[
    "Ich sehe das *ganz anders* als der Autor, denn die Zahlen im zweiten Absatz passen nicht zu dem, was das Ministerium selbst veröffentlicht hat.",
    "Tôi đồng ý với bài viết này, nhưng **chi phí thực tế** cho các gia đình trẻ vẫn còn quá cao so với thu nhập trung bình.",
    "Wer die Quelle nachlesen will: [Bericht des Rechnungshofs](https://zeitung.de/dokumente/bericht-2026) auf Seite 14.",
    "The council voted on this twice already, and both times the *same* argument about parking came up without any data behind it.",
    "Danke für die gründliche Recherche, so etwas vermisse ich in vielen anderen Medien.",
    "Nhưng ai sẽ trả tiền cho việc này? Câu hỏi đó vẫn chưa được trả lời.",
    "Der Begriff `Sondervermögen` ist doch nur ein anderes Wort für Schulden, oder sehe ich das falsch?",
    "Meine Nachbarin arbeitet in der Pflege und erzählt seit Jahren genau das, was hier steht; geändert hat sich trotzdem nichts.",
];

/// Which articles a posting shape writes to, and with what.
#[derive(Debug, Clone, Copy)]
struct Shape {
    name: &'static str,
    /// Accounts the posts come from, spread over the connections.
    accounts: usize,
    /// Articles `bench-post-0` … the posts go to (1: one hot article).
    articles: usize,
    /// Bodies of 1–4 sentences from [`SENTENCES`] (12–60 words) instead of one short line.
    realistic: bool,
}

/// The posting shapes: the benchmark's own first (short bodies, spread), then how readers
/// really arrive: one breaking story, a few heavy commenters, paragraphs with markdown.
const SHAPES: &[Shape] = &[
    Shape {
        name: "posting, spread: 64 accounts, 50 articles, one-line bodies",
        accounts: 64,
        articles: 50,
        realistic: false,
    },
    Shape {
        name: "posting, spread: 64 accounts, 64 articles, realistic bodies",
        accounts: 64,
        articles: 64,
        realistic: true,
    },
    Shape {
        name: "posting, one hot article: 64 accounts, realistic bodies",
        accounts: 64,
        articles: 1,
        realistic: true,
    },
    Shape {
        name: "posting, heavy authors: 8 accounts, 50 articles, realistic bodies",
        accounts: 8,
        articles: 50,
        realistic: true,
    },
];

/// Articles any posting shape writes to (the verification counts them all).
const POSTING_ARTICLES: usize = 64;

fn lua_posting(tokens: &[String], shape: Shape) -> String {
    let list: Vec<String> = tokens.iter().map(|t| format!("\"{t}\"")).collect();
    let sentences: Vec<String> = SENTENCES.iter().map(|t| format!("\"{t}\"")).collect();
    let body = if shape.realistic {
        "local parts = {} \
         for i = 1, math.random(1, 4) do parts[i] = sentences[math.random(1, #sentences)] end \
         local text = table.concat(parts, ' ') .. ' (' .. id .. '/' .. counter .. ')'"
    } else {
        "local text = 'Benchmark ' .. id .. '/' .. counter"
    };
    format!(
        r#"local tokens = {{{tokens}}}
local sentences = {{{sentences}}}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) created = 0; counter = 0; id = math.random(1, 1000000); math.randomseed(id) end
function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  {body}
  local body = '{{"article":"bench-post-' .. (counter % {articles}) .. '","body":"' .. text .. '"}}'
  return wrk.format("POST", "/api/v1/comments", {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}}, body)
end
function response(status, headers, body) if status == 201 then created = created + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("created") end
  io.write("CREATED " .. total .. "\n")
end
"#,
        tokens = list.join(","),
        sentences = sentences.join(","),
        articles = shape.articles,
    )
}

/// A script that sends one of `requests` (method, path, body) per request, in turn
/// from a random start, so that answers cannot all come from one cache entry.
fn lua_rotating(requests: &[(&str, String, Option<String>)], token: Option<&str>) -> String {
    let items: Vec<String> = requests
        .iter()
        .map(|(method, path, body)| {
            format!(
                "{{\"{method}\", \"{path}\", {}}}",
                body.as_ref().map_or("nil".to_owned(), |b| format!("'{b}'"))
            )
        })
        .collect();
    let auth = token.map_or(String::new(), |t| {
        format!("[\"Authorization\"] = \"Bearer {t}\", ")
    });
    format!(
        r#"local items = {{{items}}}
function init(args) i = math.random(1, #items) end
function request()
  i = (i % #items) + 1
  local item = items[i]
  return wrk.format(item[1], item[2], {{{auth}["Content-Type"] = "application/json"}}, item[3])
end
"#,
        items = items.join(",\n")
    )
}

/// The `Accept-Encoding` of Chromium's `fetch`.
const LUA_BROWSER_ENCODINGS: &str = r#"wrk.headers["Accept-Encoding"] = "gzip, deflate, br, zstd""#;

const LUA_LOGIN: &str = r#"
function request()
  return wrk.format("POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"},
    '{"login":"leser_001","password":"benchmark password"}')
end
"#;

fn rss_peak_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

fn commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

#[tokio::main]
async fn main() {
    let opts = Options::parse();
    let results = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench/results");
    if opts.redraw {
        chart::redraw(&results).unwrap();
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let database = Database::create(&opts, work.path());
    let servers = Servers::start(&database.url).await;
    let seeded = seed(&servers.client, &servers.api).await;
    database.analyze();

    let mut reads = read_targets(&opts, &servers.base, &seeded);
    if let Some(only) = &opts.reads_only {
        reads.retain(|read| read.name.contains(only.as_str()));
        warm_up(&servers, &reads, work.path(), &opts);
        let ceiling = measure_ceiling(&servers, &opts);
        for row in read_workloads(&reads, work.path(), &opts) {
            let ratio = row.run.rps / ceiling.rps;
            println!(
                "{}: {:.0} req/s, {ratio:.3} x ceiling ({:.0}), p99 {:.2} ms, errors {}",
                row.name,
                row.run.rps,
                ceiling.rps,
                row.run.p99_ms,
                row.run.non_2xx + row.run.socket_errors
            );
        }
        let mut servers = servers;
        servers.tribune.kill().ok();
        servers.tribune.wait().ok();
        database.drop_database();
        return;
    }
    warm_up(&servers, &reads, work.path(), &opts);
    let ceiling = measure_ceiling(&servers, &opts);
    let mut rows = read_workloads(&reads, work.path(), &opts);
    rows.extend(posting(&servers, &seeded, work.path(), &opts));
    rows.extend(posting_with_hook(&servers, &seeded, work.path(), &opts, &database.url).await);
    let flood = reads
        .first()
        .map(|counts| login_flood(&servers, &counts.url, work.path(), &opts));
    rows.extend(flood.iter().map(Flood::row));
    let attack = attacks(&servers, &seeded, work.path(), &opts).await;

    let verified = verify(servers, &database.url, &rows).await;
    let report = report(
        &opts,
        &seeded,
        &ceiling,
        &rows,
        flood.as_ref(),
        &verified,
        &attack,
    );
    print!("{report}");
    if let Some(out) = opts.out() {
        append_to_benchmarks(&out, &report);
        let results_dir = results;
        let results = chart::Results {
            backend: opts.backend.name().to_owned(),
            when: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            commit: commit(),
            rows: rows
                .iter()
                .map(|row| (row.name.clone(), row.run.rps, row.run.rps / ceiling.rps))
                .collect(),
        };
        chart::record(&results_dir, &results).unwrap();
    }
    database.drop_database();
    verified.assert_ok();
}

/// The release binary, or `TRIBUNE_BENCH_BIN` (bench/flame runs one built for profiling).
fn tribune_binary() -> PathBuf {
    std::env::var_os("TRIBUNE_BENCH_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/tribune"),
        PathBuf::from,
    )
}

/// The database under test: a file in the work directory, or a fresh PostgreSQL database.
struct Database {
    url: String,
    /// PostgreSQL only: the server's URL and the benchmark database's name, to drop it.
    postgres: Option<(String, String)>,
}

impl Database {
    fn create(opts: &Options, work: &Path) -> Self {
        match opts.backend {
            Backend::Sqlite => Self {
                url: work.join("bench.db").to_string_lossy().into_owned(),
                postgres: None,
            },
            Backend::Postgres => {
                let name = format!("tribune_bench_{}", std::process::id());
                let mut admin = PgConnection::establish(&opts.postgres_url).expect("PostgreSQL");
                // Two statements: neither may run inside the implicit transaction of a batch.
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                    .unwrap();
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let (base, _) = opts.postgres_url.rsplit_once('/').unwrap();
                Self {
                    url: format!("{base}/{name}"),
                    postgres: Some((opts.postgres_url.clone(), name)),
                }
            }
        }
    }

    /// PostgreSQL only: fresh planner statistics after seeding.
    fn analyze(&self) {
        if self.postgres.is_some() {
            PgConnection::establish(&self.url)
                .unwrap()
                .batch_execute("ANALYZE")
                .unwrap();
        }
    }

    /// PostgreSQL only: drops the benchmark database (best effort).
    fn drop_database(self) {
        if let Some((admin_url, name)) = self.postgres
            && let Ok(mut admin) = PgConnection::establish(&admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
        }
    }
}

/// Tribune and the ceiling, both up and answering.
struct Servers {
    tribune: Child,
    client: reqwest::Client,
    /// Tribune's origin, `http://127.0.0.1:port`.
    base: String,
    /// `{base}/api/v1`.
    api: String,
    /// The ceiling's URL.
    ceiling: String,
}

impl Servers {
    async fn start(database_url: &str) -> Self {
        let ceiling_port = free_port();
        start_ceiling(ceiling_port);
        let port = free_port();
        let tribune = start_tribune(&tribune_binary(), database_url, port);
        let client = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let ceiling = format!("http://127.0.0.1:{ceiling_port}/");
        wait_up(&client, &format!("{base}/healthz")).await;
        wait_up(&client, &ceiling).await;
        Self {
            tribune,
            client,
            api: format!("{base}/api/v1"),
            base,
            ceiling,
        }
    }
}

/// One line of the results table.
#[derive(Debug, Clone)]
struct Row {
    name: String,
    run: Run,
}

impl Row {
    fn new(name: &str, run: Run) -> Self {
        Self {
            name: name.to_owned(),
            run,
        }
    }
}

/// A read workload: one URL, or (with a script) requests the script makes against it.
struct Read {
    name: &'static str,
    url: String,
    script: Option<String>,
}

impl Read {
    fn url(name: &'static str, url: String) -> Self {
        Self {
            name,
            url,
            script: None,
        }
    }

    fn run(&self, work: &Path, connections: u32, seconds: u64) -> Run {
        let script = self.script.as_ref().map(|lua| {
            let path = work.join("read.lua");
            std::fs::write(&path, lua).unwrap();
            path
        });
        wrk(&self.url, connections, seconds, script.as_deref())
    }
}

/// How many different key sets the rotating count workloads send.
const KEY_SETS: usize = 64;

/// The read workloads; none with `--posting-only`. The first, counts of 20 articles, is
/// also what the login flood measures.
fn read_targets(opts: &Options, base: &str, seeded: &Seeded) -> Vec<Read> {
    if opts.posting_only {
        return Vec::new();
    }
    let api = format!("{base}/api/v1");
    let query = |keys: &[String]| {
        keys.iter()
            .map(|k| format!("article={}", encode(k)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let counts20: Vec<String> = seeded.keys.iter().skip(1).take(20).cloned().collect();
    let mut rng = Lcg(64);
    let sets: Vec<Vec<String>> = (0..KEY_SETS)
        .map(|_| {
            (0..20)
                .map(|_| seeded.keys[rng.next(seeded.keys.len() as u64) as usize].clone())
                .collect()
        })
        .collect();
    let gets: Vec<(&str, String, Option<String>)> = sets
        .iter()
        .map(|set| ("GET", format!("/api/v1/counts?{}", query(set)), None))
        .collect();
    let posts: Vec<(&str, String, Option<String>)> = sets
        .iter()
        .map(|set| {
            let body = json!({ "articles": set }).to_string();
            ("POST", "/api/v1/counts".to_owned(), Some(body))
        })
        .collect();
    vec![
        Read::url(
            "counts of 20 articles (GET)",
            format!("{api}/counts?{}", query(&counts20)),
        ),
        Read {
            name: "counts of 20 articles (GET), 64 different key sets",
            url: format!("{base}/"),
            script: Some(lua_rotating(&gets, None)),
        },
        Read {
            name: "counts of 20 articles (POST), 64 different key sets",
            url: format!("{base}/"),
            script: Some(lua_rotating(&posts, None)),
        },
        Read::url(
            "count of one article",
            format!("{api}/counts?article={}", encode(&seeded.hot)),
        ),
        Read::url(
            "first page, small article, anonymous",
            format!("{api}/comments?article={}", encode(&seeded.small)),
        ),
        Read::url(
            "first page, hot article, anonymous",
            format!("{api}/comments?article={}", encode(&seeded.hot)),
        ),
        Read {
            name: "first page, hot article, anonymous, gzip (as browsers ask)",
            url: format!("{api}/comments?article={}", encode(&seeded.hot)),
            script: Some(LUA_BROWSER_ENCODINGS.to_owned()),
        },
        Read {
            name: "first page, small article, signed-in reader",
            url: format!("{base}/"),
            script: Some(lua_rotating(
                &[(
                    "GET",
                    format!("/api/v1/comments?article={}", encode(&seeded.small)),
                    None,
                )],
                Some(&seeded.tokens[0]),
            )),
        },
    ]
}

/// Warms every path (and PostgreSQL's caches) up before measuring.
fn warm_up(servers: &Servers, reads: &[Read], work: &Path, opts: &Options) {
    for read in reads {
        read.run(work, opts.connections, 2);
    }
    wrk(&servers.ceiling, opts.connections, 2, None);
}

/// The ceiling: the constant endpoint under the same load.
fn measure_ceiling(servers: &Servers, opts: &Options) -> Run {
    wrk(&servers.ceiling, opts.connections, opts.duration, None)
}

/// Each read workload in turn.
fn read_workloads(reads: &[Read], work: &Path, opts: &Options) -> Vec<Row> {
    reads
        .iter()
        .map(|read| Row::new(read.name, read.run(work, opts.connections, opts.duration)))
        .collect()
}

/// Posting, each shape in turn: new top-level comments; each run's `created` counts the
/// acknowledged posts.
fn posting(servers: &Servers, seeded: &Seeded, work: &Path, opts: &Options) -> Vec<Row> {
    SHAPES
        .iter()
        .map(|shape| Row::new(shape.name, post_shape(servers, seeded, work, opts, *shape)))
        .collect()
}

/// One posting run of `shape`.
fn post_shape(
    servers: &Servers,
    seeded: &Seeded,
    work: &Path,
    opts: &Options,
    shape: Shape,
) -> Run {
    let script = work.join("post.lua");
    std::fs::write(
        &script,
        lua_posting(&seeded.tokens[..shape.accounts], shape),
    )
    .unwrap();
    wrk(
        &format!("{}/", servers.base),
        opts.connections,
        opts.duration,
        Some(&script),
    )
}

/// How long the benchmark's moderation hook takes to answer.
const HOOK_DELAY: Duration = Duration::from_millis(20);

/// Posting again with an external moderation hook configured that answers in 20 ms
/// (every post waits for it before it is written); the hook is removed afterwards.
async fn posting_with_hook(
    servers: &Servers,
    seeded: &Seeded,
    work: &Path,
    opts: &Options,
    database_url: &str,
) -> Vec<Row> {
    let port = free_port();
    start_hook(port, HOOK_DELAY);
    let created = Command::new(tribune_binary())
        .args([
            "user",
            "create",
            "--username",
            "bench_admin",
            "--email",
            "bench_admin@example.org",
            "--role",
            "admin",
        ])
        .env("TRIBUNE_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{PASSWORD}\n").as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(created.success(), "tribune user create failed");
    let login: Value = servers
        .client
        .post(format!("{}/auth/login", servers.api))
        .json(&json!({"login": "bench_admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let hook = format!("{}/admin/moderation-hook", servers.api);
    let res = servers
        .client
        .put(&hook)
        .bearer_auth(&token)
        .json(&json!({"url": format!("http://127.0.0.1:{port}/hook"), "timeout_ms": 500}))
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "hook not configured: {}",
        res.status()
    );
    let run = post_shape(servers, seeded, work, opts, SHAPES[0]);
    let res = servers
        .client
        .delete(&hook)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "hook not removed: {}",
        res.status()
    );
    vec![Row::new(
        &format!(
            "{}, moderation hook answering in {} ms",
            SHAPES[0].name,
            HOOK_DELAY.as_millis()
        ),
        run,
    )]
}

/// The login flood's two runs.
struct Flood {
    /// 200 clients logging in, started 2 s before and ending 2 s after `counts`.
    logins: Run,
    /// The counts workload measured meanwhile.
    counts: Run,
}

impl Flood {
    fn row(&self) -> Row {
        Row::new(
            "counts of 20 during a 200-client login flood",
            self.counts.clone(),
        )
    }
}

/// Counts (`counts_url`) while 200 clients log in.
fn login_flood(servers: &Servers, counts_url: &str, work: &Path, opts: &Options) -> Flood {
    let script = work.join("login.lua");
    std::fs::write(&script, LUA_LOGIN).unwrap();
    let url = format!("{}/", servers.base);
    let seconds = opts.duration + 4;
    let logins = std::thread::spawn(move || wrk(&url, 200, seconds, Some(&script)));
    std::thread::sleep(Duration::from_secs(2));
    let counts = wrk(counts_url, opts.connections, opts.duration, None);
    Flood {
        logins: logins.join().unwrap(),
        counts,
    }
}

/// The hardening issue's cache and metrics attacks, all at once: count queries padded
/// with other parameters, `POST /counts` of 1000 made-up keys, pages of made-up
/// articles (anonymous and signed in), and made-up methods of up to 20 KB.
const LUA_ATTACK: &str = r#"
local pad = string.rep("x", 4000)
local long = string.rep("y", 400)
local big = string.rep("M", 20000)
local token = "BENCH_TOKEN"
local n = 0
local function key()
  return string.format("%08x%08x", math.random(0, 2147483647), math.random(0, 2147483647))
end
request = function()
  n = n + 1
  local kind = n % 6
  if kind == 0 then
    return wrk.format("GET", "/api/v1/counts?article=" .. key() .. "&pad=" .. pad .. "&n=" .. n)
  elseif kind == 1 then
    local keys = {}
    for i = 1, 1000 do keys[i] = '"' .. key() .. '"' end
    return wrk.format("POST", "/api/v1/counts", {["Content-Type"] = "application/json"},
      '{"articles":[' .. table.concat(keys, ",") .. ']}')
  elseif kind == 2 then
    return wrk.format("GET", "/api/v1/comments?article=" .. key() .. long)
  elseif kind == 3 then
    return wrk.format("GET", "/api/v1/comments?article=" .. key() .. long,
      {["Authorization"] = "Bearer " .. token})
  elseif kind == 4 then
    return wrk.format("BOGUS" .. key(), "/api/v1/counts?article=a")
  else
    return wrk.format(big .. key(), "/api/v1/counts?article=a")
  end
end
"#;

/// What the attacks left behind.
struct Attack {
    run: Run,
    /// Resident memory before and right after the attacks, MB.
    rss_before_mb: f64,
    rss_after_mb: f64,
    /// The size of `/metrics` afterwards, KB, and its `cache_bytes` lines.
    metrics_kb: f64,
    cache_bytes: String,
}

/// Runs the attacks for the usual duration and reads memory and `/metrics` around them.
async fn attacks(servers: &Servers, seeded: &Seeded, work: &Path, opts: &Options) -> Attack {
    let script = work.join("attack.lua");
    std::fs::write(
        &script,
        LUA_ATTACK.replace("BENCH_TOKEN", &seeded.tokens[0]),
    )
    .unwrap();
    let pid = servers.tribune.id();
    let rss_before_mb = rss_now_mb(pid);
    let run = wrk(
        &format!("{}/", servers.base),
        opts.connections,
        opts.duration,
        Some(&script),
    );
    let rss_after_mb = rss_now_mb(pid);
    let metrics = servers
        .client
        .get(format!("{}/metrics", servers.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let cache_bytes = metrics
        .lines()
        .filter(|l| l.starts_with("cache_bytes"))
        .map(|l| l.replace("cache_bytes", ""))
        .collect::<Vec<_>>()
        .join(", ");
    Attack {
        run,
        rss_before_mb,
        rss_after_mb,
        metrics_kb: metrics.len() as f64 / 1024.0,
        cache_bytes,
    }
}

fn rss_now_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// What the verification found.
struct Verification {
    /// Posts answered 201 during the workloads.
    acknowledged: u64,
    /// Comments stored on the posting articles.
    stored: i64,
    /// Acknowledged posts missing from the store.
    lost: i64,
    /// `tribune recount` found nothing to fix.
    exact: bool,
    recount_report: String,
    peak_rss_mb: f64,
}

/// Every acknowledged post stored, every count exact. Stops Tribune: `tribune recount`
/// runs on the database alone.
async fn verify(mut servers: Servers, database_url: &str, rows: &[Row]) -> Verification {
    let acknowledged: u64 = rows.iter().filter_map(|row| row.run.created).sum();
    let body = json!({"articles": (0..POSTING_ARTICLES).map(|i| format!("bench-post-{i}")).collect::<Vec<_>>()});
    let counts: Value = servers
        .client
        .post(format!("{}/counts", servers.api))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: i64 = counts["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum();
    let peak_rss_mb = rss_peak_mb(servers.tribune.id());
    servers.tribune.kill().ok();
    servers.tribune.wait().ok();
    let recount = Command::new(tribune_binary())
        .arg("recount")
        .env("TRIBUNE_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let recount_report = String::from_utf8_lossy(&recount.stdout).trim().to_owned();
    Verification {
        acknowledged,
        stored,
        // A post in flight when wrk stops may be stored without its answer being counted:
        // stored may exceed acknowledged, never fall short of it.
        lost: (acknowledged as i64 - stored).max(0),
        exact: recount_report.contains("all counts were exact"),
        recount_report,
        peak_rss_mb,
    }
}

impl Verification {
    /// Fails the run (after the report is out) if anything drifted or was lost.
    fn assert_ok(&self) {
        assert!(self.exact, "counts drifted: {}", self.recount_report);
        assert_eq!(self.lost, 0, "acknowledged posts were lost");
    }
}

/// The Markdown section for BENCHMARKS.md: heading, setup, table, notes.
fn report(
    opts: &Options,
    seeded: &Seeded,
    ceiling: &Run,
    rows: &[Row],
    flood: Option<&Flood>,
    verification: &Verification,
    attack: &Attack,
) -> String {
    let (c, d) = (opts.connections, opts.duration);
    let mut report = String::new();
    let _ = writeln!(
        report,
        "\n## {} — {} — commit {}\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        opts.backend.name(),
        commit()
    );
    let _ = writeln!(
        report,
        "Machine: {}. wrk -t2 -c{c} -d{d}s on the same machine as the server. Seeded: {} users, 1000 articles, {} comments (hot article: 500, 60 % replies).\n",
        machine(),
        seeded.tokens.len(),
        seeded.comments
    );
    let _ = writeln!(
        report,
        "| workload | req/s | × ceiling | p50 ms | p99 ms | errors |"
    );
    let _ = writeln!(report, "|---|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        report,
        "| ceiling: actix-web constant | {:.0} | 1.00 | {:.2} | {:.2} | {} |",
        ceiling.rps,
        ceiling.p50_ms,
        ceiling.p99_ms,
        ceiling.non_2xx + ceiling.socket_errors
    );
    for Row { name, run } in rows {
        let _ = writeln!(
            report,
            "| {name} | {:.0} | {:.3} | {:.2} | {:.2} | {} |",
            run.rps,
            run.rps / ceiling.rps,
            run.p50_ms,
            run.p99_ms,
            run.non_2xx + run.socket_errors
        );
    }
    let Verification {
        acknowledged,
        stored,
        lost,
        ..
    } = verification;
    let posting_runs = rows.iter().filter(|row| row.run.created.is_some()).count();
    let _ = writeln!(
        report,
        "\n- Posting: {acknowledged} acknowledged in {posting_runs} runs ({:.0}/s), {stored} stored on the posting articles (a post in flight when wrk stops is stored unacknowledged), lost: {lost}.",
        *acknowledged as f64 / (d as f64 * posting_runs.max(1) as f64)
    );
    if let Some(flood) = flood {
        // The first row is counts of 20 without the flood.
        let baseline_p99 = rows[0].run.p99_ms;
        let _ = writeln!(
            report,
            "- Counts p99 during the login flood: {:.2} ms = {:.2} × without ({:.2} ms); the flood itself: {:.0} logins/s, p99 {:.0} ms.",
            flood.counts.p99_ms,
            flood.counts.p99_ms / baseline_p99,
            baseline_p99,
            flood.logins.rps,
            flood.logins.p99_ms
        );
    }
    let _ = writeln!(
        report,
        "- Counts exact after the run (`tribune recount`): {} ({}).",
        if verification.exact { "yes" } else { "NO" },
        verification.recount_report
    );
    let _ = writeln!(
        report,
        "- The hardening issue's cache and metrics attacks for {d} s after everything else ({:.0} req/s: counts padded with 4 KB, POSTs of 1000 made-up keys, pages of made-up articles anonymous and signed in, made-up methods up to 20 KB): RSS {:.0} MB before, {:.0} MB after; `/metrics` afterwards {:.0} KB; cache bytes {}.",
        attack.run.rps,
        attack.rss_before_mb,
        attack.rss_after_mb,
        attack.metrics_kb,
        attack.cache_bytes
    );
    let _ = writeln!(
        report,
        "- Server peak RSS (the whole run, the attacks included): {:.0} MB.",
        verification.peak_rss_mb
    );
    report
}

/// Appends the report to BENCHMARKS.md (or wherever `out` points).
fn append_to_benchmarks(out: &Path, report: &str) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out)
        .unwrap();
    file.write_all(report.as_bytes()).unwrap();
    eprintln!("appended to {}", out.display());
}
