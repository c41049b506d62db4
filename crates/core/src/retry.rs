//! When to try a request again, and how long to wait: the policy of the most trusted SDKs,
//! with one rule of our own: a create is retried only when it provably had no effect.

use crate::cause::Cause;
use crate::error::ApiError;
use std::time::Duration;

/// The longest `Retry-After` honoured; a server asking for more is answered by giving up.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const BASE_BACKOFF_SECS: f64 = 0.5;
const MAX_BACKOFF_SECS: f64 = 8.0;

/// Whether repeating a request can change anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// get, list, update (the same PATCH twice gives the same state), delete.
    Idempotent,
    /// POST that creates: Exa publishes no idempotency key, so a repeat may duplicate.
    Create,
}

/// How one try failed.
#[derive(Debug)]
pub enum Failure {
    /// The request never left: connection refused, DNS, TLS handshake, connect timeout.
    NotSent(Cause),
    /// Sent, and no complete answer within the timeout.
    Timeout(Cause),
    /// Sent, then the connection broke (reset, closed mid-answer).
    Broken(Cause),
    /// An HTTP error status (or a 3xx, never followed).
    Status(ApiError),
    /// An answer larger than we accept: trying again will not help.
    TooLarge(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    Retry(Duration),
    GiveUp,
}

pub fn retryable_status(status: u16, op: Op) -> bool {
    match op {
        Op::Idempotent => matches!(status, 408 | 409 | 429 | 500 | 502 | 503 | 504),
        // Only the statuses where the server says it did not process the request.
        Op::Create => matches!(status, 429 | 503),
    }
}

/// `min(0.5 * 2^n, 8)` seconds, scaled by a jitter factor in [0.75, 1].
pub fn backoff(retry: u32, jitter: f64) -> Duration {
    let base = (BASE_BACKOFF_SECS * 2f64.powi(retry.min(16) as i32)).min(MAX_BACKOFF_SECS);
    Duration::from_secs_f64(base * (0.75 + 0.25 * jitter.clamp(0.0, 1.0)))
}

/// The most all backoffs of `max_retries` retries can add up to (without `Retry-After`).
pub fn max_total_backoff(max_retries: u32) -> Duration {
    (0..max_retries).map(|n| backoff(n, 1.0)).sum()
}

/// What to do after try number `retry + 1` failed.
pub fn decide(failure: &Failure, op: Op, retry: u32, max_retries: u32, jitter: f64) -> Decision {
    if retry >= max_retries {
        return Decision::GiveUp;
    }
    match failure {
        Failure::NotSent(_) => Decision::Retry(backoff(retry, jitter)),
        Failure::Timeout(_) | Failure::Broken(_) if op == Op::Idempotent => {
            Decision::Retry(backoff(retry, jitter))
        }
        Failure::Status(e) if retryable_status(e.status_code, op) => match e.retry_after {
            Some(after) if after > MAX_RETRY_AFTER.as_secs_f64() => Decision::GiveUp,
            Some(after) => Decision::Retry(Duration::from_secs_f64(after)),
            None => Decision::Retry(backoff(retry, jitter)),
        },
        _ => Decision::GiveUp,
    }
}

/// True when a failed create may still have created the webhook.
pub fn maybe_applied(failure: &Failure, op: Op) -> bool {
    op == Op::Create
        && match failure {
            // An oversized answer is an answer: the server did the work.
            Failure::Timeout(_) | Failure::Broken(_) | Failure::TooLarge(_) => true,
            Failure::Status(e) => matches!(e.status_code, 500 | 502 | 504),
            Failure::NotSent(_) => false,
        }
}

pub const MAYBE_CREATED: &str = "the webhook may have been created anyway; check with \
     list_webhooks() before creating it again (a create is never retried once it may have \
     reached the server)";

#[cfg(test)]
mod tests {
    use super::*;

    fn cause() -> Cause {
        Cause {
            kind: crate::cause::Kind::Other,
            phase: crate::cause::Phase::Request,
            chain: String::new(),
        }
    }

    fn not_sent() -> Failure {
        Failure::NotSent(cause())
    }

    fn status(code: u16, retry_after: Option<f64>) -> Failure {
        Failure::Status(ApiError {
            status_code: code,
            message: String::new(),
            tag: None,
            request_id: None,
            body: String::new(),
            retry_after,
            attempts: 1,
        })
    }

    #[test]
    fn backoff_doubles_up_to_a_cap_with_jitter() {
        assert_eq!(backoff(0, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(4, 1.0), Duration::from_secs(8));
        assert_eq!(backoff(30, 1.0), Duration::from_secs(8));
        assert_eq!(backoff(0, 0.0), Duration::from_millis(375));
        assert_eq!(max_total_backoff(2), Duration::from_millis(1500));
        assert_eq!(max_total_backoff(0), Duration::ZERO);
    }

    #[test]
    fn reads_retry_on_transient_failures_only() {
        let op = Op::Idempotent;
        for code in [408, 409, 429, 500, 502, 503, 504] {
            assert!(
                matches!(
                    decide(&status(code, None), op, 0, 2, 1.0),
                    Decision::Retry(_)
                ),
                "{code}"
            );
        }
        for code in [400, 401, 402, 403, 404, 422, 301] {
            assert_eq!(
                decide(&status(code, None), op, 0, 2, 1.0),
                Decision::GiveUp,
                "{code}"
            );
        }
        assert!(matches!(
            decide(&Failure::Timeout(cause()), op, 1, 2, 1.0),
            Decision::Retry(_)
        ));
        assert!(matches!(
            decide(&Failure::Broken(cause()), op, 0, 2, 1.0),
            Decision::Retry(_)
        ));
        assert_eq!(
            decide(&Failure::Timeout(cause()), op, 2, 2, 1.0),
            Decision::GiveUp
        );
        assert_eq!(decide(&status(503, None), op, 0, 0, 1.0), Decision::GiveUp);
    }

    #[test]
    fn creates_retry_only_when_nothing_happened() {
        let op = Op::Create;
        assert!(matches!(
            decide(&not_sent(), op, 0, 2, 1.0),
            Decision::Retry(_)
        ));
        assert!(matches!(
            decide(&status(429, None), op, 0, 2, 1.0),
            Decision::Retry(_)
        ));
        assert!(matches!(
            decide(&status(503, None), op, 0, 2, 1.0),
            Decision::Retry(_)
        ));
        for failure in [
            Failure::Timeout(cause()),
            Failure::Broken(cause()),
            status(500, None),
            status(502, None),
            status(504, None),
            status(408, None),
            status(409, None),
        ] {
            assert_eq!(
                decide(&failure, op, 0, 2, 1.0),
                Decision::GiveUp,
                "{failure:?}"
            );
        }
        assert!(maybe_applied(&Failure::Timeout(cause()), op));
        assert!(maybe_applied(&status(502, None), op));
        assert!(!maybe_applied(&status(503, None), op));
        assert!(!maybe_applied(&not_sent(), op));
        assert!(maybe_applied(&Failure::TooLarge(String::new()), op));
        assert_eq!(
            decide(&Failure::TooLarge(String::new()), Op::Idempotent, 0, 2, 1.0),
            Decision::GiveUp
        );
        assert!(!maybe_applied(&Failure::Timeout(cause()), Op::Idempotent));
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_minute() {
        let op = Op::Idempotent;
        assert_eq!(
            decide(&status(429, Some(2.5)), op, 0, 2, 0.0),
            Decision::Retry(Duration::from_millis(2500))
        );
        assert_eq!(
            decide(&status(503, Some(0.0)), op, 0, 2, 0.0),
            Decision::Retry(Duration::ZERO)
        );
        assert_eq!(
            decide(&status(429, Some(61.0)), op, 0, 2, 0.0),
            Decision::GiveUp
        );
        // Retry-After on a status that is not retried changes nothing.
        assert_eq!(
            decide(&status(400, Some(1.0)), op, 0, 2, 0.0),
            Decision::GiveUp
        );
    }
}
