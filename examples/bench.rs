//! The load benchmark: seeds a realistic data set through the public API, drives each
//! workload with wrk, reports req/s, p50 and p99 beside a trivial actix-web endpoint
//! (the machine's ceiling, measured in the same run), verifies the data afterwards and
//! appends the results to BENCHMARKS.md.
//!
//! Run with `bench/run` (which builds the release binaries and installs wrk), or:
//! `cargo run --release --example bench -- --backend sqlite|postgres`.
//! `--posting-only` runs only the posting workload and its verification (to profile it);
//! `--no-write` leaves BENCHMARKS.md alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use futures::StreamExt;
use serde_json::{Value, json};

const PASSWORD: &str = "benchmark password";

#[derive(Debug, Clone)]
struct Options {
    backend: String,
    postgres_url: String,
    duration: u64,
    connections: u32,
    out: Option<PathBuf>,
    /// Only the posting run and its verification (for profiling); nothing is written.
    posting_only: bool,
}

fn options() -> Options {
    let mut o = Options {
        backend: "sqlite".into(),
        postgres_url: std::env::var("TRIBUNE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        duration: 10,
        connections: 64,
        out: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md")),
        posting_only: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--backend" => o.backend = value,
            "--postgres-url" => o.postgres_url = value,
            "--duration" => o.duration = value.parse().expect("--duration seconds"),
            "--connections" => o.connections = value.parse().expect("--connections"),
            "--no-write" => {
                o.out = None;
                i -= 1;
            }
            "--posting-only" => {
                o.posting_only = true;
                o.out = None;
                i -= 1;
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    o
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

fn start_tribune(binary: &Path, database_url: &str, port: u16) -> Child {
    Command::new(binary)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("TRIBUNE_DATABASE_URL", database_url)
        .env("TRIBUNE_RATE_LIMITS", "off")
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

fn lua_posting(tokens: &[String]) -> String {
    let list: Vec<String> = tokens.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        r#"local tokens = {{{}}}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) created = 0; counter = 0; id = math.random(1, 1000000) end
function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local body = '{{"article":"bench-post-' .. (counter % 50) .. '","body":"Benchmark ' .. id .. '/' .. counter .. '"}}'
  return wrk.format("POST", "/api/v1/comments", {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}}, body)
end
function response(status, headers, body) if status == 201 then created = created + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("created") end
  io.write("CREATED " .. total .. "\n")
end
"#,
        list.join(",")
    )
}

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
    let opts = options();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let binary = root.join("target/release/tribune");
    let work = tempfile::tempdir().unwrap();
    let (database_url, pg_cleanup) = match opts.backend.as_str() {
        "sqlite" => (
            work.path().join("bench.db").to_string_lossy().into_owned(),
            None,
        ),
        "postgres" => {
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
            (
                format!("{base}/{name}"),
                Some((opts.postgres_url.clone(), name)),
            )
        }
        other => panic!("unknown backend {other}"),
    };

    let ceiling_port = free_port();
    start_ceiling(ceiling_port);
    let port = free_port();
    let mut server = start_tribune(&binary, &database_url, port);
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let api = format!("{base}/api/v1");
    wait_up(&client, &format!("{base}/healthz")).await;
    wait_up(&client, &format!("http://127.0.0.1:{ceiling_port}/")).await;

    let seeded = seed(&client, &api).await;
    if let Some((admin_url, name)) = &pg_cleanup {
        let (base_url, _) = admin_url.rsplit_once('/').unwrap();
        PgConnection::establish(&format!("{base_url}/{name}"))
            .unwrap()
            .batch_execute("ANALYZE")
            .unwrap();
    }
    let counts20: Vec<String> = seeded
        .keys
        .iter()
        .skip(1)
        .take(20)
        .map(|k| format!("article={}", encode(k)))
        .collect();
    let urls = [
        (
            "counts of 20 articles (GET)",
            format!("{api}/counts?{}", counts20.join("&")),
        ),
        (
            "count of one article",
            format!("{api}/counts?article={}", encode(&seeded.hot)),
        ),
        (
            "first page, small article, anonymous",
            format!("{api}/comments?article={}", encode(&seeded.small)),
        ),
        (
            "first page, hot article, anonymous",
            format!("{api}/comments?article={}", encode(&seeded.hot)),
        ),
    ];
    let (c, d) = (opts.connections, opts.duration);
    let urls = if opts.posting_only {
        &urls[..0]
    } else {
        &urls[..]
    };
    // Warm up every path (and PostgreSQL's caches) before measuring.
    for (_, url) in urls {
        wrk(url, c, 2, None);
    }
    wrk(&format!("http://127.0.0.1:{ceiling_port}/"), c, 2, None);

    let ceiling = wrk(&format!("http://127.0.0.1:{ceiling_port}/"), c, d, None);
    let mut rows: Vec<(String, Run)> = Vec::new();
    for (name, url) in urls {
        rows.push(((*name).to_owned(), wrk(url, c, d, None)));
    }

    let post_script = work.path().join("post.lua");
    std::fs::write(&post_script, lua_posting(&seeded.tokens[..64])).unwrap();
    let posting = wrk(&format!("{base}/"), c, d, Some(&post_script));
    let created = posting.created.unwrap_or(0);
    rows.push(("posting, 64 clients".to_owned(), posting.clone()));

    // Counts while 200 clients log in.
    let login_script = work.path().join("login.lua");
    std::fs::write(&login_script, LUA_LOGIN).unwrap();
    let flood_url = format!("{base}/");
    let flood = urls.first().map(|(_, counts_url)| {
        let flood = std::thread::spawn(move || wrk(&flood_url, 200, d + 4, Some(&login_script)));
        std::thread::sleep(Duration::from_secs(2));
        let during_flood = wrk(counts_url, c, d, None);
        (flood.join().unwrap(), during_flood)
    });
    if let Some((_, during_flood)) = &flood {
        rows.push((
            "counts of 20 during a 200-client login flood".to_owned(),
            during_flood.clone(),
        ));
    }

    // Verification: every acknowledged post stored, every count exact.
    let body = json!({"articles": (0..50).map(|i| format!("bench-post-{i}")).collect::<Vec<_>>()});
    let counts: Value = client
        .post(format!("{api}/counts"))
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
    let peak_rss = rss_peak_mb(server.id());
    server.kill().ok();
    server.wait().ok();
    let recount = Command::new(&binary)
        .arg("recount")
        .env("TRIBUNE_DATABASE_URL", &database_url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let recount_report = String::from_utf8_lossy(&recount.stdout).trim().to_owned();
    let exact = recount_report.contains("all counts were exact");
    // A post in flight when wrk stops may be stored without its answer being counted:
    // stored may exceed acknowledged, never fall short of it.
    let lost = (created as i64 - stored).max(0);

    let mut report = String::new();
    let _ = writeln!(
        report,
        "\n## {} — {} — commit {}\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        opts.backend,
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
    for (name, run) in &rows {
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
    let _ = writeln!(
        report,
        "\n- Posting: {created} acknowledged ({:.0}/s), {stored} stored on the posting articles (a post in flight when wrk stops is stored unacknowledged), lost: {lost}.",
        created as f64 / d as f64
    );
    if let Some((flood, during_flood)) = &flood {
        let baseline_p99 = rows[0].1.p99_ms;
        let _ = writeln!(
            report,
            "- Counts p99 during the login flood: {:.2} ms = {:.2} × without ({:.2} ms); the flood itself: {:.0} logins/s, p99 {:.0} ms.",
            during_flood.p99_ms,
            during_flood.p99_ms / baseline_p99,
            baseline_p99,
            flood.rps,
            flood.p99_ms
        );
    }
    let _ = writeln!(
        report,
        "- Counts exact after the run (`tribune recount`): {} ({recount_report}).",
        if exact { "yes" } else { "NO" }
    );
    let _ = writeln!(report, "- Server peak RSS: {peak_rss:.0} MB.");
    print!("{report}");
    if let Some(out) = &opts.out {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(out)
            .unwrap();
        file.write_all(report.as_bytes()).unwrap();
        eprintln!("appended to {}", out.display());
    }
    if let Some((admin_url, name)) = pg_cleanup
        && let Ok(mut admin) = PgConnection::establish(&admin_url)
    {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
    }
    assert!(exact, "counts drifted: {recount_report}");
    assert_eq!(lost, 0, "acknowledged posts were lost");
}
