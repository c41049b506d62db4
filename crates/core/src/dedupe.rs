//! The in-memory dedupe table behind `MemoryDedupe`: a leased claim or a processed marker per
//! event id, bounded, the least recently touched forgotten first. Plain Rust, clock passed
//! in; the binding holds it behind a lock.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a claim found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// Yours, under this token: run the handlers, then commit or release.
    Yours(u64),
    /// Someone else's live claim, which expires in about this long.
    Held(Duration),
    /// Already processed.
    Done,
}

#[derive(Debug)]
struct Entry {
    /// The live claim's token; `None` once processed.
    token: Option<u64>,
    expires: Instant,
    /// The number of its last touch: its place in `order`.
    touched: u64,
    /// Its key, shared with `order`'s records.
    id: Arc<str>,
}

#[derive(Debug)]
pub struct MemoryTable {
    /// Keys are verified event ids (a sender's, not an attacker's), so a fast hash will do.
    entries: HashMap<Arc<str>, Entry, foldhash::fast::RandomState>,
    /// Touches, oldest first. A record whose entry was touched again since (or is gone) is
    /// stale and skipped; stale records are swept out when they outnumber the live ones.
    order: VecDeque<(u64, Arc<str>)>,
    max_entries: usize,
    ttl: Duration,
    touches: u64,
    tokens: u64,
}

impl MemoryTable {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            entries: HashMap::default(),
            order: VecDeque::new(),
            max_entries: max_entries.max(1),
            ttl,
            touches: 0,
            tokens: 0,
        }
    }

    /// Claims `id` for `lease`, unless it is processed or claimed (and not expired).
    pub fn claim(&mut self, id: &str, lease: Duration, now: Instant) -> Claimed {
        if let Some(entry) = self.entries.get(id) {
            if entry.expires > now {
                return match entry.token {
                    None => Claimed::Done,
                    Some(_) => Claimed::Held(entry.expires - now),
                };
            }
        }
        self.tokens += 1;
        let token = self.tokens;
        self.set(id, Some(token), after(now, lease));
        Claimed::Yours(token)
    }

    /// Marks `id` processed, remembered for the table's ttl.
    pub fn commit(&mut self, id: &str, now: Instant) {
        self.set(id, None, after(now, self.ttl));
    }

    /// Drops the claim of `id` if it is still the one under `token`.
    pub fn release(&mut self, id: &str, token: u64) {
        if self.entries.get(id).is_some_and(|e| e.token == Some(token)) {
            self.entries.remove(id);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Sets `id`'s entry, touched now; then forgets the least recently touched over the bound.
    fn set(&mut self, id: &str, token: Option<u64>, expires: Instant) {
        self.touches += 1;
        let touched = self.touches;
        // One lookup for an id already there (a commit, a claim taken over).
        let id = match self.entries.get_mut(id) {
            Some(entry) => {
                (entry.token, entry.expires, entry.touched) = (token, expires, touched);
                Arc::clone(&entry.id)
            }
            None => {
                let id: Arc<str> = Arc::from(id);
                let entry = Entry {
                    token,
                    expires,
                    touched,
                    id: Arc::clone(&id),
                };
                self.entries.insert(Arc::clone(&id), entry);
                id
            }
        };
        self.order.push_back((touched, id));
        while self.entries.len() > self.max_entries {
            let Some((touch, oldest)) = self.order.pop_front() else {
                break;
            };
            if self
                .entries
                .get(&oldest)
                .is_some_and(|e| e.touched == touch)
            {
                self.entries.remove(&oldest);
            }
        }
        if self.order.len() > 2 * self.entries.len() + 64 {
            let entries = &self.entries;
            self.order
                .retain(|(touch, id)| entries.get(id).is_some_and(|e| e.touched == *touch));
        }
    }
}

/// `now + span`, or as far as the clock goes (an "infinite" lease holds for ever).
fn after(now: Instant, span: Duration) -> Instant {
    now.checked_add(span)
        .or_else(|| now.checked_add(Duration::from_secs(u32::MAX.into())))
        .unwrap_or(now)
}

/// Seconds as a span: none if negative or NaN, "for ever" if beyond what a `Duration` holds.
pub fn seconds(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_claim_holds_until_committed_released_or_expired() {
        let mut table = MemoryTable::new(MINUTE, 10);
        let t0 = Instant::now();
        let Claimed::Yours(token) = table.claim("e", Duration::from_secs(5), t0) else {
            panic!("not claimed")
        };
        let later = t0 + Duration::from_secs(2);
        assert_eq!(
            table.claim("e", MINUTE, later),
            Claimed::Held(Duration::from_secs(3))
        );
        // Expired: claimed afresh; the first holder's late release frees nothing.
        let expired = t0 + Duration::from_secs(6);
        let Claimed::Yours(fresh) = table.claim("e", MINUTE, expired) else {
            panic!("not claimed after expiry")
        };
        assert_ne!(fresh, token);
        table.release("e", token);
        assert!(matches!(
            table.claim("e", MINUTE, expired),
            Claimed::Held(_)
        ));
        table.commit("e", expired);
        assert_eq!(table.claim("e", MINUTE, expired), Claimed::Done);
        assert!(matches!(
            table.claim("e", MINUTE, expired + MINUTE),
            Claimed::Yours(_)
        ));
        table.release("e", fresh + 1);
        assert_eq!(table.len(), 0);
        let forever = table.claim("f", seconds(f64::INFINITY), expired);
        assert!(matches!(forever, Claimed::Yours(_)));
        assert!(matches!(
            table.claim("f", MINUTE, expired + MINUTE * 1000),
            Claimed::Held(_)
        ));
        assert!(matches!(
            table.claim("g", seconds(-1.0), expired),
            Claimed::Yours(_)
        ));
        assert!(matches!(
            table.claim("g", MINUTE, expired),
            Claimed::Yours(_)
        ));
    }

    #[test]
    fn forgets_the_least_recently_touched_first() {
        let mut table = MemoryTable::new(MINUTE, 3);
        let now = Instant::now();
        for id in ["a", "b", "c"] {
            table.claim(id, MINUTE, now);
        }
        table.commit("a", now); // touched: b is now the oldest
        table.claim("d", MINUTE, now);
        assert_eq!(table.len(), 3);
        assert!(matches!(table.claim("b", MINUTE, now), Claimed::Yours(_))); // forgotten
        assert_eq!(table.claim("a", MINUTE, now), Claimed::Done);
    }

    #[test]
    fn stale_touches_do_not_pile_up() {
        let mut table = MemoryTable::new(MINUTE, 1000);
        let now = Instant::now();
        for _ in 0..10_000 {
            if let Claimed::Yours(token) = table.claim("same", MINUTE, now) {
                table.release("same", token);
            }
            table.commit("other", now);
        }
        assert!(
            table.order.len() <= 2 * table.len() + 65,
            "{}",
            table.order.len()
        );
        for i in 0..5000 {
            table.commit(&format!("e{i}"), now);
        }
        assert_eq!(table.len(), 1000);
        assert!(table.order.len() <= 2 * 1000 + 65);
    }
}
