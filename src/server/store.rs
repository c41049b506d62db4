//! What the server holds: webhooks in creation order, and the requests it received.

use crate::models::Webhook;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Only the most recent requests are kept, so a long benchmark cannot exhaust memory.
pub const MAX_RECORDED_REQUESTS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Webhooks keyed by a creation sequence number: stable order for listing.
#[derive(Default)]
pub struct Webhooks {
    by_seq: BTreeMap<u64, Webhook>,
    seq_of: HashMap<String, u64>,
    next_seq: u64,
}

impl Webhooks {
    pub fn insert(&mut self, webhook: Webhook) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.seq_of.insert(webhook.id.clone(), seq);
        self.by_seq.insert(seq, webhook);
    }

    pub fn all(&self) -> impl Iterator<Item = &Webhook> {
        self.by_seq.values()
    }

    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }
}

pub struct State {
    api_key: String,
    webhooks: Mutex<Webhooks>,
    requests: Mutex<VecDeque<RecordedRequest>>,
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
            webhooks: Mutex::new(Webhooks::default()),
            requests: Mutex::new(VecDeque::new()),
            rng: AtomicU64::new(seed),
        }
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn webhooks(&self) -> MutexGuard<'_, Webhooks> {
        lock(&self.webhooks)
    }

    pub fn record(&self, request: RecordedRequest) {
        let mut requests = lock(&self.requests);
        if requests.len() == MAX_RECORDED_REQUESTS {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).iter().cloned().collect()
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
    }
}
