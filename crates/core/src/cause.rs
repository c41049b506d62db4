//! Why a request got no answer, in words. reqwest reports failures as a chain of library
//! errors (`client error (Connect): tcp connect error: ...`); this sorts the chain into what
//! happened, by type (io, hyper, rustls) before text, so messages can say it plainly while the
//! chain itself stays available as the exception's cause.

use reqwest::{Method, Url};
use std::error::Error as StdError;
use std::io;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Refused,
    Dns,
    Reset,
    /// The peer closed the connection before its answer was complete.
    Closed,
    /// The server answered the TLS handshake with something that is not TLS (plain HTTP).
    NotTls,
    Certificate(CertProblem),
    Tls,
    /// It answered with something that is not a valid HTTP response: another service on the
    /// port, most likely (hyper's parse errors, which malformed headers also are).
    NotHttp,
    Timeout,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertProblem {
    UnknownIssuer,
    WrongName,
    Expired,
    NotYetValid,
    Revoked,
    Other,
}

/// How far the request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Resolving, connecting, the TLS handshake: nothing was sent.
    Connect,
    /// Sent (perhaps in part), waiting for the answer's head.
    Request,
    /// Reading the answer's body.
    Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub kind: Kind,
    pub phase: Phase,
    /// The library's own chain on one line, for the exception's `__cause__`.
    pub chain: String,
}

/// A plain description of a failure: what happened, and where; then what may fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub summary: String,
    pub hint: Option<String>,
}

impl Cause {
    pub fn of(error: &reqwest::Error) -> Self {
        let phase = if error.is_connect() {
            Phase::Connect
        } else if error.is_body() || error.is_decode() {
            Phase::Body
        } else {
            Phase::Request
        };
        let kind = if error.is_timeout() {
            Kind::Timeout
        } else if error.is_dns() {
            Kind::Dns
        } else {
            kind_of(error)
        };
        Self {
            kind,
            phase,
            chain: chain(error),
        }
    }

    /// What happened to `method url`; `waited` is how long a timed-out try waited.
    pub fn describe(&self, method: &Method, url: &Url, waited: Duration) -> Described {
        let host = url.host_str().unwrap_or("?");
        let at = match url.port_or_known_default() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let request = format!("{method} {url}");
        let waited = secs(waited.as_secs_f64());
        let (summary, hint) = match (self.kind, self.phase) {
            (Kind::Refused, _) => (
                format!("could not connect to {at}: connection refused"),
                Some("nothing listens there: is the server running, and is base_url right?".into()),
            ),
            (Kind::Dns, _) => (
                format!("could not resolve host {host}"),
                Some("no such host, or no DNS: check base_url and this machine's network".into()),
            ),
            (Kind::NotTls, _) => {
                let hint = if is_loopback(url) {
                    format!("should base_url be http://{at}?")
                } else {
                    "check base_url's scheme and port".into()
                };
                (
                    format!(
                        "the server at {at} does not speak TLS: it answered the TLS handshake \
                         with something else, such as plain HTTP"
                    ),
                    Some(hint),
                )
            }
            (Kind::Certificate(problem), _) => {
                let hint =
                    matches!(problem, CertProblem::UnknownIssuer | CertProblem::Other).then(|| {
                        "for a private CA or a TLS-inspecting proxy, pass \
                         Client(ca_bundle=\"ca.pem\") or set SSL_CERT_FILE"
                            .into()
                    });
                (
                    format!(
                        "the TLS certificate of {at} was not trusted: {}",
                        problem.words()
                    ),
                    hint,
                )
            }
            (Kind::Tls, _) => (format!("the TLS handshake with {at} failed"), None),
            (Kind::NotHttp, _) => (
                format!("{at} answered {request} with something that is not valid HTTP"),
                Some(if url.scheme() == "http" {
                    "is base_url's port the API's, and should it be https://?".into()
                } else {
                    "is base_url's port the API's?".into()
                }),
            ),
            (Kind::Timeout, Phase::Connect) => {
                (format!("could not connect to {at} within {waited}"), None)
            }
            (Kind::Timeout, Phase::Request) => {
                (format!("no answer from {request} within {waited}"), None)
            }
            (Kind::Timeout, Phase::Body) => (
                format!("the answer from {request} did not finish arriving within {waited}"),
                None,
            ),
            (Kind::Reset, Phase::Connect) => (
                format!("the connection to {at} was reset while connecting"),
                None,
            ),
            (Kind::Reset, Phase::Request) => (
                format!("the connection to {at} was reset before {request} was answered"),
                None,
            ),
            (Kind::Reset, Phase::Body) => (
                format!(
                    "the connection to {at} was reset while the answer to {request} was arriving"
                ),
                None,
            ),
            (Kind::Closed, Phase::Connect) => (
                format!("{at} closed the connection while it was being set up"),
                None,
            ),
            (Kind::Closed, Phase::Request) => (
                format!("{at} closed the connection before answering {request}"),
                None,
            ),
            (Kind::Closed, Phase::Body) => (
                format!("{at} closed the connection before the answer to {request} was complete"),
                None,
            ),
            (Kind::Other, _) => (
                format!("{request} failed: {}", innermost(&self.chain)),
                None,
            ),
        };
        Described { summary, hint }
    }
}

impl CertProblem {
    fn words(self) -> &'static str {
        match self {
            Self::UnknownIssuer => "it is signed by an authority this machine does not trust",
            Self::WrongName => "it is not valid for this host name",
            Self::Expired => "it has expired",
            Self::NotYetValid => "it is not valid yet (is this machine's clock right?)",
            Self::Revoked => "it has been revoked",
            Self::Other => "it was rejected",
        }
    }
}

/// Seconds for people: `0.3 s`, `31.2 s`, `60 s`, `45 ms`.
pub fn secs(secs: f64) -> String {
    if secs < 0.1 {
        format!("{:.0} ms", secs * 1000.0)
    } else if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs:.1} s")
    }
}

fn is_loopback(url: &Url) -> bool {
    url.host()
        .is_some_and(|host| crate::validation::is_loopback(&host))
}

/// The error and its causes, outermost first. An `io::Error` wrapping another error hides it
/// from `source()` (which skips to the inner error's source), so that one is reached through
/// `get_ref` instead: rustls' errors sit there.
fn causes<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), next_cause)
}

fn next_cause<'a>(error: &&'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    let error: &'a (dyn StdError + 'static) = *error;
    match error.downcast_ref::<io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => error.source(),
    }
}

/// What the chain says happened, from the outermost error that knows.
pub fn kind_of(error: &(dyn StdError + 'static)) -> Kind {
    // hyper cancels a request whose new connection closed before it could be sent ("connection
    // was not ready"): closed, unless a deeper cause says more (a reset).
    let mut canceled = false;
    for e in causes(error) {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return tls_kind(tls);
        }
        if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            if hyper.is_incomplete_message() {
                return Kind::Closed;
            }
            if hyper.is_timeout() {
                return Kind::Timeout;
            }
            if hyper.is_parse() {
                return Kind::NotHttp;
            }
            canceled |= hyper.is_canceled();
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => return Kind::Refused,
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe => return Kind::Reset,
                io::ErrorKind::UnexpectedEof => return Kind::Closed,
                io::ErrorKind::TimedOut => return Kind::Timeout,
                _ => {}
            }
        }
    }
    if canceled {
        Kind::Closed
    } else {
        Kind::Other
    }
}

fn tls_kind(error: &rustls::Error) -> Kind {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => Kind::NotTls,
        rustls::Error::InvalidCertificate(cert) => Kind::Certificate(match cert {
            C::UnknownIssuer => CertProblem::UnknownIssuer,
            C::NotValidForName | C::NotValidForNameContext { .. } => CertProblem::WrongName,
            C::Expired | C::ExpiredContext { .. } => CertProblem::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => CertProblem::NotYetValid,
            C::Revoked => CertProblem::Revoked,
            _ => CertProblem::Other,
        }),
        _ => Kind::Tls,
    }
}

/// The error and its causes on one line, each said once.
pub fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in causes(error) {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// The last link of a chain: usually the one that says what went wrong.
fn innermost(chain: &str) -> &str {
    chain.rsplit(": ").next().unwrap_or(chain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A server on 127.0.0.1 that reads a request, then does `then` with the connection.
    async fn serve<F, Fut>(then: F) -> SocketAddr
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                tokio::spawn(then(stream));
            }
        });
        addr
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }

    async fn cause_of(url: &str, timeout: Duration) -> Cause {
        let error = client().get(url).timeout(timeout).send().await.unwrap_err();
        Cause::of(&error)
    }

    const LONG: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn refused() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/x");
        let cause = cause_of(&url, LONG).await;
        assert_eq!((cause.kind, cause.phase), (Kind::Refused, Phase::Connect));
        assert!(
            cause.chain.contains("Connection refused"),
            "{}",
            cause.chain
        );
        let words = cause.describe(&Method::GET, &Url::parse(&url).unwrap(), LONG);
        assert_eq!(
            words.summary,
            format!("could not connect to 127.0.0.1:{port}: connection refused")
        );
    }

    #[tokio::test]
    async fn dns() {
        let cause = cause_of("https://no-such-host.invalid/", LONG).await;
        assert_eq!((cause.kind, cause.phase), (Kind::Dns, Phase::Connect));
        let url = Url::parse("https://no-such-host.invalid/").unwrap();
        let words = cause.describe(&Method::GET, &url, LONG);
        assert!(words
            .summary
            .contains("could not resolve host no-such-host.invalid"));
    }

    #[tokio::test]
    async fn plain_http_answering_tls() {
        let addr = serve(|mut s| async move {
            let _ = s
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        })
        .await;
        let url = format!("https://localhost:{}/", addr.port());
        let cause = cause_of(&url, LONG).await;
        assert_eq!((cause.kind, cause.phase), (Kind::NotTls, Phase::Connect));
        let words = cause.describe(&Method::GET, &Url::parse(&url).unwrap(), LONG);
        assert!(words.summary.contains("does not speak TLS"));
        assert_eq!(
            words.hint.as_deref(),
            Some(format!("should base_url be http://localhost:{}?", addr.port()).as_str())
        );
        let remote = Url::parse("https://api.example.com:8080/").unwrap();
        let words = cause.describe(&Method::GET, &remote, LONG);
        assert_eq!(
            words.hint.as_deref(),
            Some("check base_url's scheme and port")
        );
    }

    #[tokio::test]
    async fn closed_and_reset_before_the_answer() {
        let closed = serve(|s| async move { drop(s) }).await;
        let cause = cause_of(&format!("http://{closed}/"), LONG).await;
        assert_eq!((cause.kind, cause.phase), (Kind::Closed, Phase::Request));

        let reset = serve(|s| async move {
            let _ = s.set_zero_linger();
            drop(s);
        })
        .await;
        let url = format!("http://{reset}/a");
        let cause = cause_of(&url, LONG).await;
        assert_eq!((cause.kind, cause.phase), (Kind::Reset, Phase::Request));
        let words = cause.describe(&Method::POST, &Url::parse(&url).unwrap(), LONG);
        assert_eq!(
            words.summary,
            format!("the connection to {reset} was reset before POST {url} was answered")
        );
    }

    /// A receiver that closes each connection as soon as it is accepted, before reading: the
    /// request meets a closed connection, a reset, or hyper's cancel of a connection that was
    /// never ready, and each is said as closed or reset (the cancel was "the request failed").
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closed_on_accept_is_never_other() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                drop(stream);
            }
        });
        for _ in 0..300 {
            let error = reqwest::Client::new()
                .post(format!("http://{addr}/h"))
                .body(vec![b'x'; 300])
                .send()
                .await
                .unwrap_err();
            let cause = Cause::of(&error);
            assert!(
                matches!(cause.kind, Kind::Closed | Kind::Reset),
                "{:?}: {}",
                cause.kind,
                cause.chain
            );
        }
    }

    #[tokio::test]
    async fn another_service_on_the_port() {
        let addr = serve(|mut s| async move {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n").await;
        })
        .await;
        let url = format!("http://{addr}/x");
        let cause = cause_of(&url, LONG).await;
        assert_eq!((cause.kind, cause.phase), (Kind::NotHttp, Phase::Request));
        let words = cause.describe(&Method::GET, &Url::parse(&url).unwrap(), LONG);
        assert_eq!(
            words.summary,
            format!("{addr} answered GET {url} with something that is not valid HTTP")
        );
        assert_eq!(
            words.hint.as_deref(),
            Some("is base_url's port the API's, and should it be https://?")
        );
    }

    #[tokio::test]
    async fn closed_in_the_middle_of_the_body() {
        let addr = serve(|mut s| async move {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"half\":")
                .await;
        })
        .await;
        let response = client()
            .get(format!("http://{addr}/"))
            .send()
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        let cause = Cause::of(&error);
        assert_eq!((cause.kind, cause.phase), (Kind::Closed, Phase::Body));
    }

    #[tokio::test]
    async fn no_answer_in_time() {
        let addr = serve(|s| async move {
            tokio::time::sleep(LONG).await;
            drop(s);
        })
        .await;
        let url = format!("http://{addr}/");
        let cause = cause_of(&url, Duration::from_millis(200)).await;
        assert_eq!((cause.kind, cause.phase), (Kind::Timeout, Phase::Request));
        let words = cause.describe(&Method::GET, &Url::parse(&url).unwrap(), LONG);
        assert_eq!(
            words.summary,
            format!("no answer from GET {url} within 10 s")
        );
    }

    #[tokio::test]
    async fn no_connection_in_time() {
        // A listener whose accept queue is full: the kernel drops further SYNs unanswered.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut queued = Vec::new();
        let stalled = loop {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(stream) if queued.len() < 64 => queued.push(stream),
                Ok(_) => break false,
                Err(_) => break true,
            }
        };
        assert!(stalled, "the accept queue never filled");
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let url = format!("http://{addr}/");
        let error = http.get(&url).send().await.unwrap_err();
        let cause = Cause::of(&error);
        assert_eq!((cause.kind, cause.phase), (Kind::Timeout, Phase::Connect));
        let waited = Duration::from_millis(300);
        let words = cause.describe(&Method::GET, &Url::parse(&url).unwrap(), waited);
        assert_eq!(
            words.summary,
            format!("could not connect to {addr} within 0.3 s")
        );
        drop(listener);
    }

    #[test]
    fn tls_errors_by_type() {
        use rustls::CertificateError as C;
        let io_wrapped =
            |e: rustls::Error| io::Error::other(io::Error::new(io::ErrorKind::InvalidData, e));
        let kind = |e| kind_of(&io_wrapped(e));
        assert_eq!(
            kind(rustls::Error::InvalidCertificate(C::UnknownIssuer)),
            Kind::Certificate(CertProblem::UnknownIssuer)
        );
        assert_eq!(
            kind(rustls::Error::InvalidCertificate(C::Expired)),
            Kind::Certificate(CertProblem::Expired)
        );
        assert_eq!(kind(rustls::Error::DecryptError), Kind::Tls);
        let error = io_wrapped(rustls::Error::InvalidCertificate(C::UnknownIssuer));
        assert_eq!(chain(&error), "invalid peer certificate: UnknownIssuer");
    }

    #[test]
    fn io_kinds_and_words() {
        let kind = |k| kind_of(&io::Error::from(k));
        assert_eq!(kind(io::ErrorKind::ConnectionReset), Kind::Reset);
        assert_eq!(kind(io::ErrorKind::BrokenPipe), Kind::Reset);
        assert_eq!(kind(io::ErrorKind::UnexpectedEof), Kind::Closed);
        assert_eq!(kind(io::ErrorKind::PermissionDenied), Kind::Other);
        assert_eq!(secs(0.3), "0.3 s");
        assert_eq!(secs(31.24), "31.2 s");
        assert_eq!(secs(0.045), "45 ms");
        assert_eq!(secs(60.0), "60 s");
        assert_eq!(innermost("a: b: c"), "c");
        let cause = Cause {
            kind: Kind::Certificate(CertProblem::UnknownIssuer),
            phase: Phase::Connect,
            chain: String::new(),
        };
        let url = Url::parse("https://api.exa.ai/websets/v0/webhooks").unwrap();
        let words = cause.describe(&Method::GET, &url, LONG);
        assert_eq!(
            words.summary,
            "the TLS certificate of api.exa.ai:443 was not trusted: it is signed by an \
             authority this machine does not trust"
        );
        assert!(words.hint.is_some_and(|h| h.contains("SSL_CERT_FILE")));
    }
}
