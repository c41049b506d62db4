//! Why a delivery got no answer, in words a test author can act on: what is recorded as the
//! attempt's `responseBody` (its status stays 0). Never a library's error chain, whose
//! wording says nothing about which of these it was.

use exa_webhooks_core::cause::{Cause, Kind, Phase};
use std::error::Error as _;
use std::fmt;
use std::io;
use std::time::Duration;

/// Where a delivery went, as the failure names it: `host:port` (`[::1]:8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub host: String,
    pub port: u16,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Connected (or still connecting) when the delivery's timeout ran out.
    NoAnswer(Duration),
    /// The TCP connection itself took longer than the client's connect timeout.
    ConnectTimeout(Address, Duration),
    Refused(Address),
    /// Connected, then closed or reset before a complete answer.
    Closed(Address),
    Unresolved(String),
    Unreachable(Address),
    /// Asked for https, it answered the handshake with something else (plain http).
    NotTls(Address),
    Certificate(Address),
    Tls(Address),
    /// It answered with something that is not an HTTP response.
    NotHttp(Address),
    /// Anything else: still said without the library's wording.
    Other(Address),
    /// Not tried: the host is not loopback and the server delivers to loopback only.
    NotLoopback(String),
}

/// `5 s`, `0.5 s`, `0.25 s`: a timeout as the user gave it.
pub fn seconds(d: Duration) -> String {
    let text = format!("{:.3}", d.as_secs_f64());
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} s")
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not delivered: ")?;
        match self {
            Self::NoAnswer(within) => {
                write!(f, "the receiver did not answer within {}", seconds(*within))
            }
            Self::ConnectTimeout(addr, within) => {
                write!(f, "could not connect to {addr} within {}", seconds(*within))
            }
            Self::Refused(addr) => write!(f, "connection refused by {addr}"),
            Self::Closed(addr) => {
                write!(
                    f,
                    "the receiver at {addr} closed the connection without answering"
                )
            }
            Self::Unresolved(host) => write!(f, "the host name {host} could not be resolved"),
            Self::Unreachable(addr) => write!(f, "{addr} is unreachable from this machine"),
            Self::NotTls(addr) => write!(
                f,
                "the receiver at {addr} does not speak TLS (should the webhook's URL be \
                 http://?)"
            ),
            Self::Certificate(addr) => write!(
                f,
                "the TLS certificate of {addr} is not trusted (ExaServer trusts the public \
                 authorities only)"
            ),
            Self::Tls(addr) => write!(f, "the TLS handshake with {addr} failed"),
            Self::NotHttp(addr) => write!(
                f,
                "the receiver at {addr} answered with something that is not valid HTTP (is \
                 another service on that port?)"
            ),
            Self::Other(addr) => write!(f, "the request to {addr} failed"),
            Self::NotLoopback(host) => write!(
                f,
                "{host} is not a loopback address; this ExaServer delivers only to \
                 127.0.0.0/8, ::1 and localhost, so that tests never reach other machines \
                 (allow it with ExaServer(deliver_to_any_host=True) or \
                 `exa-webhooks serve --deliver-to-any-host`)"
            ),
        }
    }
}

/// What reqwest's error was, as the core's client sorts it (by the types in its chain: io,
/// hyper, rustls), said for a delivery.
pub fn classify(
    error: &reqwest::Error,
    addr: &Address,
    timeout: Duration,
    connect_timeout: Duration,
) -> Failure {
    let cause = Cause::of(error);
    let addr = addr.clone();
    match cause.kind {
        // The connect timeout fires only when it is the shorter of the two.
        Kind::Timeout if cause.phase == Phase::Connect && connect_timeout < timeout => {
            Failure::ConnectTimeout(addr, connect_timeout)
        }
        Kind::Timeout => Failure::NoAnswer(timeout),
        Kind::Refused => Failure::Refused(addr),
        Kind::Reset | Kind::Closed => Failure::Closed(addr),
        Kind::Dns => Failure::Unresolved(addr.host),
        Kind::NotTls => Failure::NotTls(addr),
        Kind::Certificate(_) => Failure::Certificate(addr),
        Kind::Tls => Failure::Tls(addr),
        Kind::NotHttp => Failure::NotHttp(addr),
        Kind::Other if unreachable(error) => Failure::Unreachable(addr),
        Kind::Other => Failure::Other(addr),
    }
}

/// No route to the host or its network (the core has no kind for these: its servers are
/// reached through DNS names that either resolve or not).
fn unreachable(error: &reqwest::Error) -> bool {
    let mut next = error.source();
    while let Some(cause) = next {
        let kind = cause.downcast_ref::<io::Error>().map(io::Error::kind);
        if matches!(
            kind,
            Some(io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable)
        ) {
            return true;
        }
        next = cause.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> Address {
        Address {
            host: "127.0.0.1".into(),
            port: 9,
        }
    }

    #[test]
    fn seconds_read_as_given() {
        assert_eq!(seconds(Duration::from_secs(5)), "5 s");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5 s");
        assert_eq!(seconds(Duration::from_millis(250)), "0.25 s");
        assert_eq!(seconds(Duration::from_millis(1)), "0.001 s");
        assert_eq!(seconds(Duration::from_secs(86_400)), "86400 s");
    }

    #[test]
    fn each_reason_in_words() {
        let said = |f: Failure| f.to_string();
        assert_eq!(
            said(Failure::NoAnswer(Duration::from_secs(5))),
            "not delivered: the receiver did not answer within 5 s"
        );
        assert_eq!(
            said(Failure::Refused(addr())),
            "not delivered: connection refused by 127.0.0.1:9"
        );
        let v6 = Address {
            host: "[::1]".into(),
            port: 80,
        };
        assert_eq!(
            said(Failure::Closed(v6)),
            "not delivered: the receiver at [::1]:80 closed the connection without answering"
        );
        assert_eq!(
            said(Failure::ConnectTimeout(addr(), Duration::from_secs(5))),
            "not delivered: could not connect to 127.0.0.1:9 within 5 s"
        );
        let refused = said(Failure::NotLoopback("example.com".into()));
        assert!(refused.starts_with("not delivered: example.com is not a loopback address"));
        assert!(refused.contains("deliver_to_any_host=True"));
        assert!(refused.contains("--deliver-to-any-host"));
        for f in [
            Failure::Unresolved("nowhere.invalid".into()),
            Failure::Unreachable(addr()),
            Failure::NotTls(addr()),
            Failure::Certificate(addr()),
            Failure::Tls(addr()),
            Failure::Other(addr()),
        ] {
            let text = said(f);
            assert!(text.starts_with("not delivered: "), "{text}");
            assert!(!text.contains("error"), "{text}");
        }
    }

    /// Real sockets, the real client: each failure is told apart from the others.
    #[tokio::test]
    async fn tells_refused_timed_out_closed_and_not_tls_apart() {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let timeout = Duration::from_millis(300);
        let connect = Duration::from_secs(5);
        let try_url = |scheme: &'static str, port: u16| {
            let client = client.clone();
            async move {
                let error = client
                    .post(format!("{scheme}://127.0.0.1:{port}/h"))
                    .timeout(timeout)
                    .send()
                    .await
                    .unwrap_err();
                let addr = Address {
                    host: "127.0.0.1".into(),
                    port,
                };
                classify(&error, &addr, timeout, connect)
            }
        };
        // Bound, not listening: refused, and the port stays ours meanwhile.
        let held = tokio::net::TcpSocket::new_v4().unwrap();
        held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = held.local_addr().unwrap().port();
        assert!(matches!(try_url("http", port).await, Failure::Refused(_)));
        drop(held);

        // Listening, never answering.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        let held = tokio::spawn(async move {
            let (_stream, _) = silent.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        assert_eq!(try_url("http", port).await, Failure::NoAnswer(timeout));
        held.abort();

        // Accepting, then closing at once.
        let rude = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = rude.local_addr().unwrap().port();
        let closing = tokio::spawn(async move {
            loop {
                let (stream, _) = rude.accept().await.unwrap();
                drop(stream);
            }
        });
        assert!(matches!(try_url("http", port).await, Failure::Closed(_)));
        closing.abort();

        // https to a receiver that speaks plain http.
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = plain.local_addr().unwrap().port();
        let answering = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let (mut stream, _) = plain.accept().await.unwrap();
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        });
        let failure = try_url("https", port).await;
        assert!(matches!(failure, Failure::NotTls(_)));
        assert!(failure.to_string().contains("does not speak TLS"));
        answering.abort();
    }
}
