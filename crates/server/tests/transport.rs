//! The core's transport against the server crate, in plain Rust: the retry policy, faults and
//! pagination, covered without Python. Every test counts what reached the server.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use exa_webhooks_core::error::Error;
use exa_webhooks_core::models::{CreateWebhook, ListQuery};
use exa_webhooks_core::transport::{Config, Transport};
use exa_webhooks_server::{Action, DeliverySettings, Fault, Limits, Server};
use std::time::Duration;

const KEY: &str = "test-key";

fn server() -> Server {
    let limits = Limits {
        max_connections: 64,
        header_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        max_webhooks: 1_000,
    };
    Server::start(
        KEY.to_owned(),
        "127.0.0.1",
        0,
        limits,
        DeliverySettings::default(),
    )
    .unwrap()
}

fn transport(server: &Server, timeout: Duration, max_retries: u32) -> Transport {
    Transport::new(&Config {
        api_key: KEY.to_owned(),
        base_url: server.url(),
        timeout,
        max_retries,
        ca_pem: None,
    })
    .unwrap()
}

fn body(url: &str) -> CreateWebhook {
    CreateWebhook {
        events: vec!["webset.created".to_owned()],
        url: url.to_owned(),
        metadata: None,
    }
}

fn fault(action: Action, times: u32, method: &str) -> Fault {
    Fault {
        action,
        delay: Duration::ZERO,
        after_processing: false,
        times,
        method: Some(method.to_owned()),
        path: None,
    }
}

fn busy(status: u16) -> Action {
    Action::Respond {
        status,
        body: None,
        headers: vec![("retry-after-ms".to_owned(), "1".to_owned())],
    }
}

fn requests(server: &Server, method: &str) -> usize {
    let requests = server.state().requests();
    requests.iter().filter(|r| r.method == method).count()
}

fn stored(server: &Server) -> usize {
    server.state().webhooks().all().count()
}

#[tokio::test]
async fn pages_cover_every_webhook_once() {
    let server = server();
    let client = transport(&server, Duration::from_secs(5), 0);
    let mut created = Vec::new();
    for i in 0..7 {
        let url = format!("https://example.com/hooks/{i}");
        created.push(
            client
                .create_webhook(&body(&url), None)
                .await
                .unwrap()
                .value
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut query = ListQuery {
        limit: Some(3),
        ..ListQuery::default()
    };
    loop {
        let page = client.list_webhooks(&query, None).await.unwrap().value;
        assert!(page.data.len() <= 3);
        seen.extend(page.data.into_iter().map(|w| w.id));
        if !page.has_more {
            break;
        }
        query.cursor = page.next_cursor;
        assert!(query.cursor.is_some(), "has_more without a cursor");
    }
    seen.sort();
    created.sort();
    assert_eq!(seen, created);
    assert_eq!(requests(&server, "GET"), 3);
    server.stop();
}

#[tokio::test]
async fn a_create_refused_with_a_retryable_status_is_retried_once_created() {
    for status in [429, 503] {
        let server = server();
        server.state().faults().add(fault(busy(status), 2, "POST"));
        let client = transport(&server, Duration::from_secs(5), 2);
        let reply = client
            .create_webhook(&body("https://example.com/h"), None)
            .await
            .unwrap();
        // The reply says what it took: three tries, the last answered 200.
        assert_eq!((reply.status, reply.attempts), (200, 3));
        assert!(reply.request_id.is_some());
        let webhook = reply.value;
        assert_eq!(requests(&server, "POST"), 3);
        assert_eq!(stored(&server), 1);
        assert!(server.state().webhooks().get(&webhook.id).is_some());
        server.stop();
    }
}

#[tokio::test]
async fn retries_stop_at_max_retries_and_count_their_tries() {
    let server = server();
    server.state().faults().add(fault(busy(503), 5, "GET"));
    let client = transport(&server, Duration::from_secs(5), 2);
    match client.get_webhook("webhook_abc", None).await {
        Err(Error::Api(e)) => {
            assert_eq!((e.status_code, e.attempts), (503, 3));
        }
        other => panic!("expected a 503 after 3 tries, got {other:?}"),
    }
    assert_eq!(requests(&server, "GET"), 3);
    server.stop();
}

#[tokio::test]
async fn a_create_whose_connection_dropped_is_not_retried() {
    // The request was sent: the server might have created the webhook, so a retry could
    // create it twice. Reads are retried instead.
    let server = server();
    server.state().faults().add(fault(Action::Reset, 1, "POST"));
    let client = transport(&server, Duration::from_secs(5), 2);
    match client
        .create_webhook(&body("https://example.com/h"), None)
        .await
    {
        Err(Error::Connection {
            attempts, message, ..
        }) => {
            assert_eq!(attempts, 1);
            assert!(message.contains("may have been created"), "{message}");
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    assert_eq!(requests(&server, "POST"), 1);

    server.state().faults().add(fault(Action::Reset, 1, "GET"));
    let page = client
        .list_webhooks(&ListQuery::default(), None)
        .await
        .unwrap()
        .value;
    assert!(page.data.is_empty());
    assert_eq!(requests(&server, "GET"), 2);
    server.stop();
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    let server = server();
    let client = transport(&server, Duration::from_secs(5), 2);
    match client.get_webhook("webhook_missing", None).await {
        Err(Error::Api(e)) => assert_eq!((e.status_code, e.attempts), (404, 1)),
        other => panic!("expected a 404, got {other:?}"),
    }
    for status in [408, 409] {
        server.state().faults().add(fault(busy(status), 1, "POST"));
        match client
            .create_webhook(&body("https://example.com/h"), None)
            .await
        {
            Err(Error::Api(e)) => assert_eq!((e.status_code, e.attempts), (status, 1)),
            other => panic!("expected a {status}, got {other:?}"),
        }
    }
    assert_eq!(requests(&server, "POST"), 2);
    assert_eq!(stored(&server), 0);
    server.stop();
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_per_try() {
    let server = server();
    server.state().faults().add(fault(Action::Hang, 2, "GET"));
    let client = transport(&server, Duration::from_millis(300), 1);
    let started = std::time::Instant::now();
    match client.get_webhook("webhook_abc", None).await {
        Err(Error::Connection {
            timed_out: true,
            attempts: 2,
            ..
        }) => {}
        other => panic!("expected a timeout after 2 tries, got {other:?}"),
    }
    // Two tries of 0.3 s and a backoff; generous for a loaded machine.
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(requests(&server, "GET"), 2);
    server.stop();
}
