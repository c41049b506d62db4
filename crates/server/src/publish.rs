//! Delivering an event to every subscribed webhook, as Exa does: the same for `Server::emit`
//! and for the trigger route. A failed try (no 2xx, no answer) is tried again, up to the
//! server's `attempts`, after a short backoff; each try is recorded as it ends, numbered.

use super::deliver::{self, Target};
use super::failure::Failure;
use super::loopback;
use super::store::State;
use exa_webhooks_core::models::WebhookEvent;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use url::Url;

/// Tries per delivery at most (Exa's own number is undocumented; tests need few).
pub const MAX_ATTEMPTS: u32 = 10;

/// How a server delivers; the defaults live with `ExaServer`'s signature in Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Tries of a failing delivery, 1 to `MAX_ATTEMPTS` (1: never tried again).
    pub attempts: u32,
    /// Deliver beyond loopback too.
    pub any_host: bool,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            attempts: 1,
            any_host: false,
        }
    }
}

/// The settings and the HTTP client every delivery of one server goes through.
pub struct Publisher {
    settings: DeliverySettings,
    client: reqwest::Client,
}

impl Publisher {
    pub fn new(settings: DeliverySettings) -> Result<Self, String> {
        if !(1..=MAX_ATTEMPTS).contains(&settings.attempts) {
            return Err(format!(
                "delivery attempts must be from 1 to {MAX_ATTEMPTS}, got {}",
                settings.attempts
            ));
        }
        Ok(Self {
            settings,
            client: deliver::client()?,
        })
    }

    pub fn settings(&self) -> DeliverySettings {
        self.settings
    }
}

/// The wait after failed try number `after` (1-based) before the next: 0.1, 0.2, 0.4, 0.8
/// seconds, then 1 s each. Ten tries wait 6.5 s in all, plus the tries' own time.
pub fn backoff(after: u32) -> Duration {
    let doubled = 100u64.saturating_mul(1u64 << after.saturating_sub(1).min(4));
    Duration::from_millis(doubled.min(1_000))
}

/// Every active webhook subscribed to `event_type`, with a secret to sign with.
pub fn targets(state: &State, event_type: &str) -> Vec<Target> {
    state
        .webhooks()
        .all()
        .filter(|w| w.status == "active" && w.events.iter().any(|e| e == event_type))
        .filter_map(|w| {
            Some(Target {
                webhook_id: w.id.clone(),
                url: w.url.clone(),
                secret: w.secret.clone()?,
            })
        })
        .collect()
}

/// Starts delivering `event` to every subscribed webhook, `copies` times each (2: a
/// duplicate, sent once the first copy's tries are over), each try waiting at most
/// `timeout`. Each task records its attempts as they end; awaiting them all is waiting for
/// every try. Aborting one stops its tries.
pub fn spawn(
    state: &Arc<State>,
    event: &Arc<WebhookEvent>,
    copies: u32,
    timeout: Duration,
) -> Vec<JoinHandle<()>> {
    let body: Arc<[u8]> = event.to_json().to_string().into_bytes().into();
    targets(state, &event.event_type)
        .into_iter()
        .map(|target| {
            let (state, event, body) = (Arc::clone(state), Arc::clone(event), Arc::clone(&body));
            tokio::spawn(async move {
                deliver_to(&state, &target, &event, &body, copies, timeout).await;
            })
        })
        .collect()
}

/// One webhook's share: each copy tried until a 2xx or the last allowed try. Attempt
/// numbers run on across copies, as a redelivery of the same event is numbered by Exa.
async fn deliver_to(
    state: &State,
    target: &Target,
    event: &WebhookEvent,
    body: &[u8],
    copies: u32,
    timeout: Duration,
) {
    let publisher = state.publisher();
    let settings = publisher.settings();
    // Decided once: the URL does not change between tries. Not retried either, since the
    // answer would be the same.
    let refused = match Url::parse(&target.url) {
        Ok(url) => loopback::check(&url, settings.any_host).err(),
        Err(_) => Some(target.url.clone()),
    };
    let mut number = 0u32;
    for _ in 0..copies {
        for try_number in 1..=settings.attempts {
            number += 1;
            if let Some(host) = &refused {
                let why = Failure::NotLoopback(host.clone());
                let attempt = deliver::not_sent(state, target, event, number, &why);
                state.webhooks().add_attempt(attempt);
                break;
            }
            let attempt = deliver::deliver(
                &publisher.client,
                state,
                target,
                event,
                body,
                timeout,
                number,
            )
            .await;
            let delivered = attempt.successful;
            state.webhooks().add_attempt(attempt);
            if delivered {
                break;
            }
            if try_number < settings.attempts {
                tokio::time::sleep(backoff(try_number)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_second() {
        let schedule: Vec<u128> = (1..=MAX_ATTEMPTS).map(|n| backoff(n).as_millis()).collect();
        assert_eq!(
            schedule,
            [100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000]
        );
        // Only the waits between tries count: ten tries wait nine times.
        let total: u128 = (1..MAX_ATTEMPTS).map(|n| backoff(n).as_millis()).sum();
        assert_eq!(total, 6_500);
        assert_eq!(backoff(u32::MAX), Duration::from_secs(1));
        assert_eq!(backoff(0), Duration::from_millis(100));
    }

    #[test]
    fn attempts_are_bounded() {
        for attempts in [0, MAX_ATTEMPTS + 1] {
            let settings = DeliverySettings {
                attempts,
                any_host: false,
            };
            let error = Publisher::new(settings).err().unwrap();
            assert!(error.contains("from 1 to 10"), "{error}");
        }
        let settings = DeliverySettings::default();
        assert_eq!(Publisher::new(settings).unwrap().settings().attempts, 1);
    }
}
