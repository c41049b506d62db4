//! `Server::emit` delivering as Exa does, in plain Rust: retries with their backoff, numbered
//! attempts, duplicates, and the loopback rule, against a real receiver on a socket that
//! answers a scripted list of statuses and counts what reached it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use exa_webhooks_core::models::{CreateWebhook, WebhookAttempt};
use exa_webhooks_core::transport::{Config, Transport};
use exa_webhooks_server::{DeliverySettings, EmitOptions, Limits, Server};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "test-key";

fn server(attempts: u32) -> Server {
    let limits = Limits {
        max_connections: 64,
        header_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        max_webhooks: 100,
    };
    let delivery = DeliverySettings {
        attempts,
        any_host: false,
    };
    Server::start(KEY.to_owned(), "127.0.0.1", 0, limits, delivery).unwrap()
}

/// A receiver answering `statuses` in turn (then 200), one request per connection.
fn receiver(statuses: Vec<u16>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/exa", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let status = statuses.get(n).copied().unwrap_or(200);
            let answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: 4\r\nConnection: close\r\n\r\ntry{n}"
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, count)
}

/// Subscribes `url` to `webset.created`; the webhook's id.
fn subscribe(server: &Server, url: &str) -> String {
    let transport = Transport::new(&Config {
        api_key: KEY.to_owned(),
        base_url: server.url(),
        timeout: Duration::from_secs(5),
        max_retries: 0,
        ca_pem: None,
    })
    .unwrap();
    let body = CreateWebhook {
        events: vec!["webset.created".to_owned()],
        url: url.to_owned(),
        metadata: None,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(transport.create_webhook(&body, None))
        .unwrap()
        .value
        .id
}

fn emit(server: &Server, duplicate: bool) -> String {
    let options = EmitOptions {
        timeout: Duration::from_secs(5),
        duplicate,
    };
    server
        .emit("webset.created", None, None, options, &|| false)
        .unwrap()
        .id
}

/// Oldest first.
fn attempts(server: &Server, webhook_id: &str) -> Vec<WebhookAttempt> {
    let webhooks = server.state().webhooks();
    let listing = webhooks
        .list_attempts(webhook_id, &Default::default(), None, 100)
        .unwrap();
    listing.items.into_iter().rev().collect()
}

#[test]
fn a_failing_delivery_is_tried_again_after_the_backoff() {
    let server = server(4);
    let (url, count) = receiver(vec![500, 503]);
    let webhook = subscribe(&server, &url);
    let started = Instant::now();
    let event = emit(&server, false);
    let took = started.elapsed();
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let tries: Vec<_> = attempts(&server, &webhook)
        .into_iter()
        .map(|a| {
            (
                a.attempt,
                a.response_status_code,
                a.successful,
                a.response_body,
            )
        })
        .collect();
    assert_eq!(
        tries,
        [
            (1, 500, false, Some("try0".to_owned())),
            (2, 503, false, Some("try1".to_owned())),
            (3, 200, true, Some("try2".to_owned())),
        ]
    );
    assert!(attempts(&server, &webhook)
        .iter()
        .all(|a| a.event_id == event));
    // 0.1 s after the first, 0.2 s after the second.
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_duplicate_numbers_on_and_gives_up_after_the_last_try() {
    let server = server(2);
    let (url, count) = receiver(vec![200, 500, 500]);
    let webhook = subscribe(&server, &url);
    emit(&server, true);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let tries: Vec<_> = attempts(&server, &webhook)
        .into_iter()
        .map(|a| (a.attempt, a.response_status_code))
        .collect();
    // The first copy succeeds at once; the duplicate fails twice and stops there.
    assert_eq!(tries, [(1, 200), (2, 500), (3, 500)]);
}

#[test]
fn other_hosts_are_recorded_not_tried() {
    let server = server(5);
    let webhook = subscribe(&server, "https://example.com/hooks/exa");
    let started = Instant::now();
    emit(&server, false);
    assert!(started.elapsed() < Duration::from_secs(1));
    let (attempt,) = match attempts(&server, &webhook).as_slice() {
        [one] => (one.clone(),),
        other => panic!("{other:?}"),
    };
    assert_eq!((attempt.attempt, attempt.response_status_code), (1, 0));
    let body = attempt.response_body.unwrap();
    assert!(
        body.starts_with("not delivered: example.com is not a loopback address"),
        "{body}"
    );
}

#[test]
fn bad_settings_are_refused_before_binding() {
    let limits = Limits {
        max_connections: 1,
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        max_webhooks: 1,
    };
    let delivery = DeliverySettings {
        attempts: 0,
        any_host: false,
    };
    let error = Server::start(KEY.to_owned(), "127.0.0.1", 0, limits, delivery)
        .err()
        .unwrap();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("from 1 to 10"));
}
