//! What the server holds: webhooks in creation order, their delivery attempts, and the
//! requests it received. Everything is bounded by count and by bytes, so no client (and no
//! test that runs for ever) can grow the server without end.

use super::event_store::Events;
use super::faults::Faults;
use super::publish::Publisher;
use exa_webhooks_core::models::{Webhook, WebhookAttempt};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Only the most recent requests are kept: at most this many, with at most
/// `MAX_RECORDED_BYTES` between them, headers included.
pub const MAX_RECORDED_REQUESTS: usize = 10_000;
pub const MAX_RECORDED_BYTES: usize = 64 * 1024 * 1024;
/// Delivery attempts kept per webhook, and in all, the oldest dropped first (a test that
/// emits for ever must not grow without end).
pub const MAX_ATTEMPTS_PER_WEBHOOK: usize = 1_000;
pub const MAX_ATTEMPT_BYTES: usize = 64 * 1024 * 1024;
/// Stored webhooks, metadata included; past it, creates and growing updates are refused.
pub const MAX_WEBHOOK_BYTES: usize = 256 * 1024 * 1024;
/// What a stored string or item costs beyond its bytes (allocation and bookkeeping), so a
/// flood of empty headers or tiny items is not free.
const ITEM_OVERHEAD: usize = 64;

fn text_bytes<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    texts.into_iter().map(|t| t.len() + ITEM_OVERHEAD).sum()
}

fn pairs_bytes(pairs: &[(String, String)]) -> usize {
    pairs
        .iter()
        .map(|(k, v)| k.len() + v.len() + 2 * ITEM_OVERHEAD)
        .sum()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// What keeping it costs, headers included.
    pub fn bytes(&self) -> usize {
        let query = self.query.as_deref().unwrap_or("");
        text_bytes([self.method.as_str(), &self.path, query])
            + pairs_bytes(&self.headers)
            + self.body.len()
    }
}

fn webhook_bytes(w: &Webhook) -> usize {
    let texts = [
        &w.id,
        &w.object,
        &w.status,
        &w.url,
        &w.created_at,
        &w.updated_at,
    ];
    text_bytes(texts.into_iter().map(String::as_str))
        + text_bytes(w.events.iter().map(String::as_str))
        + w.secret.as_ref().map_or(0, |s| s.len() + ITEM_OVERHEAD)
        + pairs_bytes(&w.metadata)
        + w.extra.len() * ITEM_OVERHEAD
}

fn attempt_bytes(a: &WebhookAttempt) -> usize {
    let texts = [
        &a.id,
        &a.object,
        &a.event_id,
        &a.event_type,
        &a.webhook_id,
        &a.url,
    ];
    text_bytes(texts.into_iter().map(String::as_str))
        + text_bytes([a.attempted_at.as_str()])
        + pairs_bytes(&a.response_headers)
        + a.response_body
            .as_ref()
            .map_or(0, |b| b.len() + ITEM_OVERHEAD)
}

/// Why a webhook cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Full {
    /// `max_webhooks` are stored already.
    Count(usize),
    /// Storing it would pass `MAX_WEBHOOK_BYTES`.
    Bytes,
}

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Count(max) => write!(
                f,
                "this test server stores at most {max} webhooks (its max_webhooks): \
                 delete some first"
            ),
            Self::Bytes => write!(
                f,
                "this test server stores at most {} MB of webhooks and it is full: \
                 delete some first",
                MAX_WEBHOOK_BYTES / (1024 * 1024)
            ),
        }
    }
}

/// Webhooks keyed by a creation sequence number: listing walks it newest first, and a
/// cursor is the sequence number of the last item given, so pages stay stable while items
/// are added (they sort after the cursor) or deleted (nothing shifts), and a page costs
/// O(log n) to find however deep it is.
pub struct Webhooks {
    by_seq: BTreeMap<u64, Webhook>,
    seq_of: HashMap<String, u64>,
    bytes: usize,
    max_webhooks: usize,
    /// Delivery attempts per webhook id, by their own sequence numbers.
    attempts: HashMap<String, BTreeMap<u64, WebhookAttempt>>,
    /// Every stored attempt's sequence number and webhook, to drop the oldest of all.
    attempt_order: BTreeMap<u64, String>,
    attempt_bytes: usize,
    next_seq: u64,
}

/// One page: the items, and the cursor of the next page if there is one.
pub struct Listing<T> {
    pub items: Vec<T>,
    pub next: Option<u64>,
}

/// Newest first from before `cursor`, `limit` items that pass `keep`.
fn page<T: Clone>(
    items: &BTreeMap<u64, T>,
    cursor: Option<u64>,
    limit: usize,
    keep: impl Fn(&T) -> bool,
) -> Listing<T> {
    let before = cursor.map_or(Bound::Unbounded, Bound::Excluded);
    let mut matching = items
        .range((Bound::Unbounded, before))
        .rev()
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
    pub fn new(max_webhooks: usize) -> Self {
        Self {
            by_seq: BTreeMap::new(),
            seq_of: HashMap::new(),
            bytes: 0,
            max_webhooks,
            attempts: HashMap::new(),
            attempt_order: BTreeMap::new(),
            attempt_bytes: 0,
            next_seq: 0,
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn insert(&mut self, webhook: Webhook) -> Result<(), Full> {
        if self.by_seq.len() >= self.max_webhooks {
            return Err(Full::Count(self.max_webhooks));
        }
        let size = webhook_bytes(&webhook);
        if self.bytes + size > MAX_WEBHOOK_BYTES {
            return Err(Full::Bytes);
        }
        self.bytes += size;
        let seq = self.next_seq();
        self.seq_of.insert(webhook.id.clone(), seq);
        self.by_seq.insert(seq, webhook);
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Webhook> {
        self.seq_of.get(id).and_then(|seq| self.by_seq.get(seq))
    }

    /// Replaces a stored webhook (same id) unless the store has no room for its new size;
    /// `None` if it is unknown.
    pub fn replace(&mut self, webhook: Webhook) -> Option<Result<(), Full>> {
        let seq = *self.seq_of.get(&webhook.id)?;
        let stored = self.by_seq.get_mut(&seq)?;
        let (old, new) = (webhook_bytes(stored), webhook_bytes(&webhook));
        let bytes = self.bytes.saturating_sub(old) + new;
        if new > old && bytes > MAX_WEBHOOK_BYTES {
            return Some(Err(Full::Bytes));
        }
        *stored = webhook;
        self.bytes = bytes;
        Some(Ok(()))
    }

    pub fn remove(&mut self, id: &str) -> Option<Webhook> {
        let seq = self.seq_of.remove(id)?;
        for (attempt_seq, attempt) in self.attempts.remove(id).unwrap_or_default() {
            self.attempt_order.remove(&attempt_seq);
            self.attempt_bytes -= attempt_bytes(&attempt);
        }
        let webhook = self.by_seq.remove(&seq)?;
        self.bytes -= webhook_bytes(&webhook);
        Some(webhook)
    }

    pub fn all(&self) -> impl Iterator<Item = &Webhook> {
        self.by_seq.values()
    }

    pub fn list(&self, cursor: Option<u64>, limit: usize) -> Listing<Webhook> {
        page(&self.by_seq, cursor, limit, |_| true)
    }

    /// Records a delivery attempt; false if the webhook is gone.
    pub fn add_attempt(&mut self, attempt: WebhookAttempt) -> bool {
        if !self.seq_of.contains_key(&attempt.webhook_id) {
            return false;
        }
        let seq = self.next_seq();
        let webhook_id = attempt.webhook_id.clone();
        self.attempt_bytes += attempt_bytes(&attempt);
        self.attempt_order.insert(seq, webhook_id.clone());
        let attempts = self.attempts.entry(webhook_id.clone()).or_default();
        attempts.insert(seq, attempt);
        if attempts.len() > MAX_ATTEMPTS_PER_WEBHOOK {
            if let Some((oldest, _)) = attempts.first_key_value() {
                let oldest = *oldest;
                self.drop_attempt(oldest, &webhook_id);
            }
        }
        while self.attempt_bytes > MAX_ATTEMPT_BYTES {
            let Some((oldest, owner)) = self.attempt_order.pop_first() else {
                break;
            };
            self.drop_attempt(oldest, &owner);
        }
        true
    }

    fn drop_attempt(&mut self, seq: u64, webhook_id: &str) {
        self.attempt_order.remove(&seq);
        if let Some(attempts) = self.attempts.get_mut(webhook_id) {
            if let Some(attempt) = attempts.remove(&seq) {
                self.attempt_bytes -= attempt_bytes(&attempt);
            }
        }
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
            Some(attempts) => page(attempts, cursor, limit, keep),
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
    /// The recent requests, and what keeping them costs.
    requests: Mutex<(VecDeque<RecordedRequest>, usize)>,
    rng: AtomicU64,
    /// How deliveries go out (tries, allowed hosts) and their HTTP client.
    publisher: Publisher,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the whole test server down with it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    pub fn new(api_key: String, max_webhooks: usize, publisher: Publisher) -> Self {
        let mut seed = [0u8; 8];
        let seed =
            getrandom::fill(&mut seed).map_or(0x9E37_79B9_7F4A_7C15, |()| u64::from_le_bytes(seed));
        Self {
            api_key,
            faults: Mutex::new(Faults::default()),
            webhooks: Mutex::new(Webhooks::new(max_webhooks)),
            events: Mutex::new(Events::default()),
            requests: Mutex::new((VecDeque::new(), 0)),
            rng: AtomicU64::new(seed),
            publisher,
        }
    }

    pub fn publisher(&self) -> &Publisher {
        &self.publisher
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
        let size = request.bytes();
        if size > MAX_RECORDED_BYTES {
            return;
        }
        let mut guard = lock(&self.requests);
        let (requests, bytes) = &mut *guard;
        *bytes += size;
        requests.push_back(request);
        while requests.len() > MAX_RECORDED_REQUESTS || *bytes > MAX_RECORDED_BYTES {
            match requests.pop_front() {
                Some(old) => *bytes -= old.bytes(),
                None => break,
            }
        }
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).0.iter().cloned().collect()
    }

    /// What the recorded requests cost, headers included.
    pub fn recorded_bytes(&self) -> usize {
        lock(&self.requests).1
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
            // `bits % 36` is below the alphabet's 36 letters.
            let letter = ALPHABET.get((bits % 36) as usize).copied().unwrap_or(b'0');
            id.push(char::from(letter));
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
    use crate::publish::DeliverySettings;

    fn test_state() -> State {
        let publisher = Publisher::new(DeliverySettings::default()).unwrap();
        State::new("k".into(), 10, publisher)
    }

    #[test]
    fn ids_and_secrets_are_unique_and_well_formed() {
        let state = test_state();
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
        let mut store = Webhooks::new(100);
        for i in 0..5 {
            assert!(store.insert(webhook(&format!("w{i}"))).is_ok());
        }
        let first = store.list(None, 2);
        assert_eq!(ids(&first), ["w4", "w3"]);
        // Between pages: a new webhook and a deletion of one not yet seen.
        assert!(store.insert(webhook("w5")).is_ok());
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
        let mut store = Webhooks::new(100);
        assert!(store.insert(webhook("w")).is_ok());
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
        let state = test_state();
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
        // Large bodies, and large headers: the byte budget counts both.
        let big = MAX_RECORDED_BYTES / 4;
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
        assert!(state.recorded_bytes() <= MAX_RECORDED_BYTES);
        assert_eq!(requests.last().map(|r| r.path.as_str()), Some("/big/5"));
        assert_eq!(requests.iter().filter(|r| !r.body.is_empty()).count(), 3);
        for i in 0..2_000 {
            state.record(RecordedRequest {
                method: "GET".into(),
                path: format!("/headers/{i}"),
                query: None,
                headers: vec![("x-big".into(), "h".repeat(64 * 1024))],
                body: Vec::new(),
            });
        }
        let total: usize = state.requests().iter().map(RecordedRequest::bytes).sum();
        assert_eq!(total, state.recorded_bytes());
        assert!(total <= MAX_RECORDED_BYTES, "{total}");
        assert!(total > MAX_RECORDED_BYTES - 128 * 1024, "{total}");
        // One request over the whole budget is not kept at all (and evicts nothing).
        let before = state.requests().len();
        state.record(RecordedRequest {
            method: "POST".into(),
            path: "/huge".into(),
            query: None,
            headers: Vec::new(),
            body: vec![b'x'; MAX_RECORDED_BYTES + 1],
        });
        assert_eq!(state.requests().len(), before);
    }

    #[test]
    fn the_webhook_store_is_bounded_by_count_and_bytes() {
        let mut store = Webhooks::new(3);
        for i in 0..3 {
            assert!(store.insert(webhook(&format!("w{i}"))).is_ok());
        }
        assert_eq!(store.insert(webhook("w3")), Err(Full::Count(3)));
        assert!(store.remove("w0").is_some());
        assert!(store.insert(webhook("w3")).is_ok());
        // Bytes: big metadata fills the store long before the count does.
        let mut store = Webhooks::new(usize::MAX);
        let mut fat = webhook("fat0");
        fat.metadata = (0..1000)
            .map(|i| (format!("k{i}"), "v".repeat(1000)))
            .collect();
        let mut stored = 0;
        loop {
            fat.id = format!("fat{stored}");
            match store.insert(fat.clone()) {
                Ok(()) => stored += 1,
                Err(full) => {
                    assert_eq!(full, Full::Bytes);
                    break;
                }
            }
        }
        assert!(store.bytes <= MAX_WEBHOOK_BYTES);
        assert!(stored > 100 && stored < 300, "{stored}");
        // An update may shrink a webhook when full, not grow one.
        let mut thin = fat.clone();
        thin.id = "fat0".into();
        thin.metadata.clear();
        assert_eq!(store.replace(thin.clone()), Some(Ok(())));
        let mut refills = 0;
        while store.insert(fat.clone()).is_ok() {
            refills += 1;
            fat.id = format!("refill{refills}");
        }
        assert!(refills <= 1, "{refills}");
        thin.metadata = fat.metadata.clone();
        assert_eq!(store.replace(thin), Some(Err(Full::Bytes)));
        assert_eq!(store.replace(webhook("nope")), None);
        // Deleting gives the room back, to the byte.
        let ids: Vec<String> = store.all().map(|w| w.id.clone()).collect();
        for id in ids {
            assert!(store.remove(&id).is_some());
        }
        assert_eq!(store.bytes, 0);
    }

    #[test]
    fn attempts_are_bounded_in_bytes_across_webhooks() {
        let mut store = Webhooks::new(100);
        let attempt = |webhook: &str, i: usize| WebhookAttempt {
            id: format!("a{i}"),
            object: "webhook_attempt".into(),
            event_id: "e".into(),
            event_type: "webset.created".into(),
            webhook_id: webhook.into(),
            url: "https://e.com".into(),
            successful: true,
            response_headers: vec![("x".into(), "y".repeat(1024))],
            response_body: Some("b".repeat(63 * 1024)),
            response_status_code: 200,
            attempt: 1,
            attempted_at: "2025-01-01T00:00:00Z".into(),
            extra: serde_json::Map::new(),
        };
        for w in ["w0", "w1", "w2"] {
            assert!(store.insert(webhook(w)).is_ok());
        }
        for i in 0..3 * MAX_ATTEMPTS_PER_WEBHOOK {
            assert!(store.add_attempt(attempt(&format!("w{}", i % 3), i)));
        }
        assert!(store.attempt_bytes <= MAX_ATTEMPT_BYTES);
        let all = AttemptFilter::default();
        let kept: usize = ["w0", "w1", "w2"]
            .iter()
            .map(|w| {
                store
                    .list_attempts(w, &all, None, usize::MAX)
                    .map_or(0, |l| l.items.len())
            })
            .sum();
        assert_eq!(kept, store.attempt_order.len());
        assert!(kept < 3 * MAX_ATTEMPTS_PER_WEBHOOK && kept > 900, "{kept}");
        // The newest survive: the latest attempt of each webhook is still there.
        let newest = store
            .list_attempts("w2", &all, None, 1)
            .map(|l| l.items[0].id.clone());
        assert_eq!(
            newest,
            Some(format!("a{}", 3 * MAX_ATTEMPTS_PER_WEBHOOK - 1))
        );
        for w in ["w0", "w1", "w2"] {
            assert!(store.remove(w).is_some());
        }
        assert_eq!(store.attempt_bytes, 0);
        assert!(store.attempt_order.is_empty());
    }

    #[test]
    fn deep_pages_are_found_by_range_and_stay_exact() {
        let mut store = Webhooks::new(usize::MAX);
        for i in 0..100_000 {
            assert!(store.insert(webhook(&format!("w{i}"))).is_ok());
        }
        // The last page but one: cursor = the sequence number of w2 (sequences start at 1).
        let page = store.list(Some(3), 5);
        assert_eq!(ids(&page), ["w1", "w0"]);
        assert_eq!(page.next, None);
        let page = store.list(Some(50_001), 2);
        assert_eq!(ids(&page), ["w49999", "w49998"]);
        assert_eq!(page.next, Some(49_999));
    }
}
