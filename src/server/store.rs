//! What the server holds: webhooks in creation order, and the requests it received.

use super::event_store::Events;
use super::faults::Faults;
use crate::models::{Webhook, WebhookAttempt};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Only the most recent requests are kept, so a long benchmark cannot exhaust memory: at
/// most this many, with at most `MAX_RECORDED_BODY_BYTES` of bodies between them.
pub const MAX_RECORDED_REQUESTS: usize = 10_000;
pub const MAX_RECORDED_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Delivery attempts kept per webhook, the oldest dropped first (a test that emits for ever
/// must not grow without end).
pub const MAX_ATTEMPTS_PER_WEBHOOK: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Webhooks keyed by a creation sequence number: listing walks it newest first, and a
/// cursor is the sequence number of the last item given, so pages stay stable while items
/// are added (they sort before the cursor) or deleted (nothing shifts).
#[derive(Default)]
pub struct Webhooks {
    by_seq: BTreeMap<u64, Webhook>,
    seq_of: HashMap<String, u64>,
    /// Delivery attempts per webhook id, by their own sequence numbers.
    attempts: HashMap<String, BTreeMap<u64, WebhookAttempt>>,
    next_seq: u64,
}

/// One page: the items, and the cursor of the next page if there is one.
pub struct Listing<T> {
    pub items: Vec<T>,
    pub next: Option<u64>,
}

/// Newest first from before `cursor`, `limit` items that pass `keep`.
fn page<'a, T: Clone + 'a>(
    items: impl DoubleEndedIterator<Item = (&'a u64, &'a T)>,
    cursor: Option<u64>,
    limit: usize,
    keep: impl Fn(&T) -> bool,
) -> Listing<T> {
    let mut matching = items
        .rev()
        .filter(|(seq, _)| cursor.is_none_or(|c| **seq < c))
        .filter(|(_, item)| keep(item));
    let mut listing = Listing {
        items: Vec::with_capacity(limit.min(256)),
        next: None,
    };
    let mut last = None;
    for (seq, item) in matching.by_ref().take(limit) {
        listing.items.push(item.clone());
        last = Some(*seq);
    }
    if matching.next().is_some() {
        listing.next = last;
    }
    listing
}

impl Webhooks {
    fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn insert(&mut self, webhook: Webhook) {
        let seq = self.next_seq();
        self.seq_of.insert(webhook.id.clone(), seq);
        self.by_seq.insert(seq, webhook);
    }

    pub fn get(&self, id: &str) -> Option<&Webhook> {
        self.seq_of.get(id).and_then(|seq| self.by_seq.get(seq))
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Webhook> {
        let seq = self.seq_of.get(id)?;
        self.by_seq.get_mut(seq)
    }

    pub fn remove(&mut self, id: &str) -> Option<Webhook> {
        let seq = self.seq_of.remove(id)?;
        self.attempts.remove(id);
        self.by_seq.remove(&seq)
    }

    pub fn all(&self) -> impl Iterator<Item = &Webhook> {
        self.by_seq.values()
    }

    pub fn list(&self, cursor: Option<u64>, limit: usize) -> Listing<Webhook> {
        page(self.by_seq.iter(), cursor, limit, |_| true)
    }

    /// Records a delivery attempt; false if the webhook is gone.
    pub fn add_attempt(&mut self, attempt: WebhookAttempt) -> bool {
        if !self.seq_of.contains_key(&attempt.webhook_id) {
            return false;
        }
        let seq = self.next_seq();
        let attempts = self.attempts.entry(attempt.webhook_id.clone()).or_default();
        attempts.insert(seq, attempt);
        if attempts.len() > MAX_ATTEMPTS_PER_WEBHOOK {
            attempts.pop_first();
        }
        true
    }

    /// `None` if the webhook is unknown.
    pub fn list_attempts(
        &self,
        webhook_id: &str,
        filter: &AttemptFilter,
        cursor: Option<u64>,
        limit: usize,
    ) -> Option<Listing<WebhookAttempt>> {
        self.seq_of.get(webhook_id)?;
        let keep = |a: &WebhookAttempt| {
            filter
                .event_type
                .as_ref()
                .is_none_or(|t| a.event_type == *t)
                && filter.successful.is_none_or(|s| a.successful == s)
        };
        Some(match self.attempts.get(webhook_id) {
            Some(attempts) => page(attempts.iter(), cursor, limit, keep),
            None => Listing {
                items: Vec::new(),
                next: None,
            },
        })
    }
}

#[derive(Debug, Default)]
pub struct AttemptFilter {
    pub event_type: Option<String>,
    pub successful: Option<bool>,
}

pub struct State {
    api_key: String,
    faults: Mutex<Faults>,
    webhooks: Mutex<Webhooks>,
    events: Mutex<Events>,
    /// The recent requests, and the total size of their bodies.
    requests: Mutex<(VecDeque<RecordedRequest>, usize)>,
    rng: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the whole test server down with it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    pub fn new(api_key: String) -> Self {
        let mut seed = [0u8; 8];
        let seed =
            getrandom::fill(&mut seed).map_or(0x9E37_79B9_7F4A_7C15, |()| u64::from_le_bytes(seed));
        Self {
            api_key,
            faults: Mutex::new(Faults::default()),
            webhooks: Mutex::new(Webhooks::default()),
            events: Mutex::new(Events::default()),
            requests: Mutex::new((VecDeque::new(), 0)),
            rng: AtomicU64::new(seed),
        }
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    pub fn webhooks(&self) -> MutexGuard<'_, Webhooks> {
        lock(&self.webhooks)
    }

    pub fn events(&self) -> MutexGuard<'_, Events> {
        lock(&self.events)
    }

    pub fn record(&self, request: RecordedRequest) {
        let mut guard = lock(&self.requests);
        let (requests, bytes) = &mut *guard;
        *bytes += request.body.len();
        requests.push_back(request);
        while requests.len() > MAX_RECORDED_REQUESTS || *bytes > MAX_RECORDED_BODY_BYTES {
            match requests.pop_front() {
                Some(old) => *bytes -= old.body.len(),
                None => break,
            }
        }
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).0.iter().cloned().collect()
    }

    /// Fast, non-cryptographic randomness for ids (splitmix64).
    fn next_u64(&self) -> u64 {
        let mut z = self
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `prefix` and `len` random lowercase letters and digits.
    pub fn new_id(&self, prefix: &str, len: usize) -> String {
        const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut id = String::with_capacity(prefix.len() + len);
        id.push_str(prefix);
        let mut bits = 0u64;
        for i in 0..len {
            if i % 10 == 0 {
                bits = self.next_u64();
            }
            id.push(char::from(ALPHABET[(bits % 36) as usize]));
            bits /= 36;
        }
        id
    }

    /// A signing secret: 32 bytes from the OS's secure generator, hex encoded.
    pub fn new_secret(&self) -> String {
        let mut bytes = [0u8; 32];
        if getrandom::fill(&mut bytes).is_err() {
            // No OS randomness: still unique, only predictable, which a test server can afford.
            for chunk in bytes.chunks_mut(8) {
                chunk.copy_from_slice(&self.next_u64().to_le_bytes());
            }
        }
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("whsec_{hex}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_secrets_are_unique_and_well_formed() {
        let state = State::new("k".into());
        let ids: std::collections::HashSet<String> =
            (0..10_000).map(|_| state.new_id("webhook_", 24)).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| id.len() == 32 && id.is_ascii()));
        let secret = state.new_secret();
        assert_eq!(secret.len(), 6 + 64);
        assert_ne!(secret, state.new_secret());
    }

    fn webhook(id: &str) -> Webhook {
        Webhook {
            id: id.into(),
            object: "webhook".into(),
            status: "active".into(),
            events: vec!["webset.created".into()],
            url: "https://e.com".into(),
            secret: None,
            metadata: Vec::new(),
            created_at: "2025-01-01T00:00:00Z".into(),
            updated_at: "2025-01-01T00:00:00Z".into(),
            extra: serde_json::Map::new(),
        }
    }

    fn ids(listing: &Listing<Webhook>) -> Vec<&str> {
        listing.items.iter().map(|w| w.id.as_str()).collect()
    }

    #[test]
    fn pages_newest_first_and_stay_stable_under_changes() {
        let mut store = Webhooks::default();
        for i in 0..5 {
            store.insert(webhook(&format!("w{i}")));
        }
        let first = store.list(None, 2);
        assert_eq!(ids(&first), ["w4", "w3"]);
        // Between pages: a new webhook and a deletion of one not yet seen.
        store.insert(webhook("w5"));
        store.remove("w1");
        let second = store.list(first.next, 2);
        assert_eq!(ids(&second), ["w2", "w0"]);
        assert_eq!(second.next, None);
        // Exactly a page left: no next cursor.
        assert_eq!(store.list(None, 5).next, None);
        assert!(store.list(None, 4).next.is_some());
    }

    #[test]
    fn attempts_filter_and_page() {
        let mut store = Webhooks::default();
        store.insert(webhook("w"));
        for i in 0..6 {
            let attempt = WebhookAttempt {
                id: format!("a{i}"),
                object: "webhook_attempt".into(),
                event_id: format!("e{i}"),
                event_type: if i % 2 == 0 {
                    "webset.created"
                } else {
                    "webset.idle"
                }
                .into(),
                webhook_id: "w".into(),
                url: "https://e.com".into(),
                successful: i < 3,
                response_headers: Vec::new(),
                response_body: None,
                response_status_code: 200,
                attempt: 1,
                attempted_at: "2025-01-01T00:00:00Z".into(),
                extra: serde_json::Map::new(),
            };
            assert!(store.add_attempt(attempt));
        }
        let filter = AttemptFilter {
            event_type: Some("webset.created".into()),
            successful: None,
        };
        let listing = store.list_attempts("w", &filter, None, 2).unwrap();
        let got: Vec<&str> = listing.items.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(got, ["a4", "a2"]);
        let rest = store.list_attempts("w", &filter, listing.next, 2).unwrap();
        assert_eq!(rest.items.len(), 1);
        assert_eq!(rest.next, None);
        let failed = AttemptFilter {
            event_type: None,
            successful: Some(false),
        };
        assert_eq!(
            store
                .list_attempts("w", &failed, None, 10)
                .unwrap()
                .items
                .len(),
            3
        );
        assert!(store.list_attempts("nope", &failed, None, 10).is_none());
        // Past the cap, the oldest attempts go first.
        let template = store.list_attempts("w", &AttemptFilter::default(), None, 1);
        let mut template = template.unwrap().items.remove(0);
        for i in 0..MAX_ATTEMPTS_PER_WEBHOOK {
            template.id = format!("more{i}");
            assert!(store.add_attempt(template.clone()));
        }
        let everything = AttemptFilter::default();
        let all = store.list_attempts("w", &everything, None, 2 * MAX_ATTEMPTS_PER_WEBHOOK);
        let all = all.unwrap().items;
        assert_eq!(all.len(), MAX_ATTEMPTS_PER_WEBHOOK);
        assert!(all.iter().all(|a| a.id.starts_with("more")));
        store.remove("w");
        assert!(store.list_attempts("w", &failed, None, 10).is_none());
    }

    #[test]
    fn keeps_only_recent_requests() {
        let state = State::new("k".into());
        for i in 0..MAX_RECORDED_REQUESTS + 5 {
            state.record(RecordedRequest {
                method: "GET".into(),
                path: format!("/{i}"),
                query: None,
                headers: Vec::new(),
                body: Vec::new(),
            });
        }
        let requests = state.requests();
        assert_eq!(requests.len(), MAX_RECORDED_REQUESTS);
        assert_eq!(requests[0].path, "/5");
        // Large bodies: the byte budget bounds them long before the count does.
        let big = MAX_RECORDED_BODY_BYTES / 4;
        for i in 0..6 {
            state.record(RecordedRequest {
                method: "POST".into(),
                path: format!("/big/{i}"),
                query: None,
                headers: Vec::new(),
                body: vec![b'x'; big],
            });
        }
        let requests = state.requests();
        let total: usize = requests.iter().map(|r| r.body.len()).sum();
        assert!(total <= MAX_RECORDED_BODY_BYTES, "{total}");
        assert_eq!(requests.last().map(|r| r.path.as_str()), Some("/big/5"));
        assert_eq!(requests.iter().filter(|r| !r.body.is_empty()).count(), 4);
    }
}
