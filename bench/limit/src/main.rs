//! The limit a Rust-cored client can approach: reqwest and tokio, no Python.
//!
//! `exa-bench-limit <seq-create|async-create|list|core-seq-create|core-async-create> <base_url>
//! <api_key> <count> [in_flight]` prints `{"wall_s", "cpu_s", "requests", "max_rss_kb"}` as JSON.
//!
//! The `core-` modes are not limits but diagnoses: scenarios 1 and 2 through exa-webhooks' own
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

/// CPU time of the whole process, as Python's `time.process_time()` reads it.
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `t` is.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// This process's peak RSS. On Linux from /proc, not `ru_maxrss`, which Linux carries across
/// exec from the forking parent (the harness, a bigger Python process).
#[cfg(target_os = "linux")]
fn max_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[cfg(not(target_os = "linux"))]
fn max_rss_kb() -> u64 {
    // SAFETY: all-zero is a valid rusage, and getrusage fills one, which `usage` is.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    // macOS counts bytes, the BSDs kilobytes.
    let scale = if cfg!(target_os = "macos") { 1024 } else { 1 };
    u64::try_from(usage.ru_maxrss).unwrap_or(0) / scale
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

fn core_body(i: usize) -> exa_webhooks_core::models::CreateWebhook {
    exa_webhooks_core::models::CreateWebhook {
        events: vec!["webset.created".into()],
        url: format!("https://example.com/hooks/{i}"),
        metadata: Some(vec![("team".into(), "bench".into())]),
    }
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

/// A few creates (one per connection `in_flight` will use) outside the measurement. Not the
/// core's sequential mode (its first connection is one of thousands of sequential requests)
/// nor listing (which asserts it lists exactly what it was told).
async fn warm(
    http: &reqwest::Client,
    core: Option<&Arc<exa_webhooks_core::transport::Transport>>,
    url: &str,
    mode: &str,
    in_flight: usize,
) {
    match mode {
        "core-async-create" => {
            let tasks: Vec<_> = (0..in_flight)
                .map(|i| {
                    let transport = Arc::clone(core.unwrap());
                    tokio::spawn(async move {
                        transport.create_webhook(&core_body(i), None).await.unwrap();
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        }
        "seq-create" => {
            for i in 0..10 {
                create(http, url, i).await;
            }
        }
        "async-create" => {
            let tasks: Vec<_> = (0..in_flight)
                .map(|i| {
                    let (http, url) = (http.clone(), url.to_owned());
                    tokio::spawn(async move { create(&http, &url, i).await })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        }
        _ => {}
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, base, key) = (args[1].as_str(), args[2].clone(), args[3].clone());
    let count: usize = args[4].parse().unwrap();
    let in_flight: usize = args.get(5).map_or(100, |v| v.parse().unwrap());
    let url = format!("{base}/websets/v0/webhooks");
    // Sequential work gets a single-threaded runtime, as a blocking client would; the
    // concurrent one gets the multi-threaded runtime an async service would use.
    let runtime = if mode.contains("async-create") {
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
    let core = mode
        .starts_with("core-")
        .then(|| Arc::new(core_transport(&base, &key)));
    // Connections opened before the clock starts, as the Python contenders' are.
    runtime.block_on(warm(&http, core.as_ref(), &url, mode, in_flight));
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
                    transport.create_webhook(&core_body(i), None).await.unwrap();
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
            // The core driven by long-lived tasks, as the "async-create" mode drives reqwest.
            "core-async-create" => {
                let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                let workers: Vec<_> = (0..in_flight)
                    .map(|_| {
                        let (transport, next) =
                            (Arc::clone(core.as_ref().unwrap()), Arc::clone(&next));
                        tokio::spawn(async move {
                            loop {
                                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                if i >= count {
                                    break;
                                }
                                transport.create_webhook(&core_body(i), None).await.unwrap();
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
