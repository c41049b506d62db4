//! The limit a Rust-cored client can approach: reqwest and tokio, no Python.
//!
//! `exa-bench-limit <seq-create|async-create|list|core-seq-create> <base_url> <api_key> <count>
//! [in_flight]` prints `{"wall_s", "cpu_s", "requests", "max_rss_kb"}` as JSON.
//!
//! `core-seq-create` is not a limit but a diagnosis: scenario 1 through exa-webhooks' own
//! transport (validation of the answer, retries policy, timeouts) with no Python around it,
//! so the cost of the Python layer can be told apart from the cost of the Rust core.

use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;

#[derive(Deserialize)]
#[allow(dead_code)] // decoded as a client would, not all read
struct Webhook {
    id: String,
    object: String,
    status: String,
    events: Vec<String>,
    url: String,
    secret: Option<String>,
    #[serde(default)]
    metadata: std::collections::HashMap<String, String>,
    #[serde(rename = "createdAt")]
    created_at: String,
    #[serde(rename = "updatedAt")]
    updated_at: String,
}

#[derive(Deserialize)]
struct Page {
    data: Vec<Webhook>,
    #[serde(rename = "hasMore")]
    has_more: bool,
    #[serde(rename = "nextCursor")]
    next_cursor: Option<String>,
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, out: *mut Timespec) -> i32;
}

/// CPU time of the whole process, as Python's `time.process_time()` reads it.
fn cpu_seconds() -> f64 {
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut t = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one Timespec, which `t` is.
    unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

fn max_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn client(api_key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-api-key", api_key.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .build()
        .unwrap()
}

/// exa-webhooks' transport as `Client` builds it by default.
fn core_transport(base: &str, key: &str) -> exa_webhooks_core::transport::Transport {
    use exa_webhooks_core::transport::{DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT};
    exa_webhooks_core::transport::Transport::new(&exa_webhooks_core::transport::Config {
        api_key: key.into(),
        base_url: base.into(),
        timeout: std::time::Duration::from_secs_f64(DEFAULT_TIMEOUT),
        max_retries: DEFAULT_MAX_RETRIES,
        ca_pem: None,
    })
    .unwrap()
}

async fn create(client: &reqwest::Client, url: &str, i: usize) -> Webhook {
    let body = serde_json::json!({
        "events": ["webset.created"],
        "url": format!("https://example.com/hooks/{i}"),
        "metadata": {"team": "bench"},
    });
    let response = client.post(url).json(&body).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json::<Webhook>().await.unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, base, key) = (args[1].as_str(), args[2].clone(), args[3].clone());
    let count: usize = args[4].parse().unwrap();
    let in_flight: usize = args.get(5).map_or(100, |v| v.parse().unwrap());
    let url = format!("{base}/websets/v0/webhooks");
    // Sequential work gets a single-threaded runtime, as a blocking client would; the
    // concurrent one gets the multi-threaded runtime an async service would use.
    let runtime = if mode == "async-create" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let http = client(&key);
    // Built before the clock starts, as the HTTP client above is.
    let core = (mode == "core-seq-create").then(|| core_transport(&base, &key));
    let (cpu0, started) = (cpu_seconds(), Instant::now());
    let requests = runtime.block_on(async {
        match mode {
            "seq-create" => {
                for i in 0..count {
                    create(&http, &url, i).await;
                }
                count
            }
            "core-seq-create" => {
                let transport = core.as_ref().unwrap();
                for i in 0..count {
                    let body = exa_webhooks_core::models::CreateWebhook {
                        events: vec!["webset.created".into()],
                        url: format!("https://example.com/hooks/{i}"),
                        metadata: Some(vec![("team".into(), "bench".into())]),
                    };
                    transport.create_webhook(&body, None).await.unwrap();
                }
                count
            }
            "async-create" => {
                let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                let workers: Vec<_> = (0..in_flight)
                    .map(|_| {
                        let (http, url, next) = (http.clone(), url.clone(), Arc::clone(&next));
                        tokio::spawn(async move {
                            loop {
                                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                if i >= count {
                                    break;
                                }
                                create(&http, &url, i).await;
                            }
                        })
                    })
                    .collect();
                for w in workers {
                    w.await.unwrap();
                }
                count
            }
            "list" => {
                let (mut cursor, mut seen, mut requests) = (None::<String>, 0, 0);
                loop {
                    let mut request = http.get(&url).query(&[("limit", "200")]);
                    if let Some(c) = &cursor {
                        request = request.query(&[("cursor", c)]);
                    }
                    let page: Page = request.send().await.unwrap().json().await.unwrap();
                    requests += 1;
                    seen += page.data.len();
                    if !page.has_more {
                        break;
                    }
                    cursor = page.next_cursor;
                }
                assert_eq!(seen, count, "listed {seen} webhooks, expected {count}");
                requests
            }
            other => panic!("unknown mode {other}"),
        }
    });
    let wall = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "wall_s": wall,
            "cpu_s": cpu_seconds() - cpu0,
            "requests": requests,
            "max_rss_kb": max_rss_kb(),
        })
    );
}
