//! The test server's events: every emitted event, kept and listed as Exa's Events API does.
//!
//! Order: newest first by `createdAt`; events with the same `createdAt` newest emitted first.
//! An event's key is `(createdAt in microseconds, emission sequence number)`, unique and in
//! that order, and a cursor is the key of the last event a page gave: the next page starts
//! strictly below it. So paging costs O(log n) per page (a range of a B-tree, per type when
//! filtered), and cursors stay valid while events are added: a new event never shifts or
//! repeats those already listed (one backdated below the cursor appears on a later page).

use exa_webhooks_core::models::WebhookEvent;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

/// At most this many events are kept; past it, the oldest by `createdAt` go first, as Exa
/// forgets events after 60 days. A test that emits for ever must not grow without end.
pub const MAX_EVENTS: usize = 10_000;

/// `(createdAt in microseconds since the epoch, emission sequence number)`.
pub type Key = (i64, u64);

#[derive(Default)]
pub struct Events {
    by_key: BTreeMap<Key, Arc<WebhookEvent>>,
    /// The same events per type, so a `types` filter is a merge of ranges, not a scan.
    by_type: HashMap<String, BTreeMap<Key, Arc<WebhookEvent>>>,
    key_of: HashMap<String, Key>,
    next_seq: u64,
}

/// What a listing asks for; times in microseconds, both bounds inclusive.
#[derive(Debug, Default)]
pub struct EventFilter {
    pub types: Vec<String>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
}

pub struct EventListing {
    pub items: Vec<Arc<WebhookEvent>>,
    /// The cursor of the next page, if there is one.
    pub next: Option<Key>,
}

impl Events {
    /// Stores an event created at `created_at` (microseconds), returning it shared.
    pub fn insert(&mut self, created_at: i64, event: WebhookEvent) -> Arc<WebhookEvent> {
        self.next_seq += 1;
        let key = (created_at, self.next_seq);
        let event = Arc::new(event);
        if let Some(old) = self.key_of.insert(event.id.clone(), key) {
            // Ids are random and never reused; should one repeat, the newer event wins.
            self.remove(old);
        }
        self.by_type
            .entry(event.event_type.clone())
            .or_default()
            .insert(key, Arc::clone(&event));
        self.by_key.insert(key, Arc::clone(&event));
        while self.by_key.len() > MAX_EVENTS {
            let Some((&oldest, _)) = self.by_key.first_key_value() else {
                break;
            };
            if let Some(gone) = self.remove(oldest) {
                self.key_of.remove(&gone.id);
            }
        }
        event
    }

    fn remove(&mut self, key: Key) -> Option<Arc<WebhookEvent>> {
        let event = self.by_key.remove(&key)?;
        if let Some(of_type) = self.by_type.get_mut(&event.event_type) {
            of_type.remove(&key);
        }
        Some(event)
    }

    pub fn get(&self, id: &str) -> Option<&WebhookEvent> {
        let key = self.key_of.get(id)?;
        self.by_key.get(key).map(|e| &**e)
    }

    /// Every event, oldest first (the reverse of a listing).
    pub fn all(&self) -> impl Iterator<Item = &WebhookEvent> {
        self.by_key.values().map(|e| &**e)
    }

    /// One page: up to `limit` events below `cursor` that pass `filter`, newest first.
    pub fn list(&self, filter: &EventFilter, cursor: Option<Key>, limit: usize) -> EventListing {
        let low = match filter.created_after {
            Some(after) => Bound::Included((after, 0)),
            None => Bound::Unbounded,
        };
        let by_time = filter
            .created_before
            .map(|before| Bound::Included((before, u64::MAX)));
        // The tighter of the window's end and the cursor (exclusive).
        let high = match (by_time, cursor) {
            (Some(Bound::Included(end)), Some(c)) if end < c => Bound::Included(end),
            (_, Some(c)) => Bound::Excluded(c),
            (Some(end), None) => end,
            (None, None) => Bound::Unbounded,
        };
        if let (Bound::Included(lo), Bound::Included(hi) | Bound::Excluded(hi)) = (low, high) {
            // An empty or inverted window: BTreeMap::range would panic on it.
            if lo > hi || (lo == hi && matches!(high, Bound::Excluded(_))) {
                return EventListing {
                    items: Vec::new(),
                    next: None,
                };
            }
        }
        let range = (low, high);
        let mut sources: Vec<std::iter::Peekable<_>> = if filter.types.is_empty() {
            vec![self.by_key.range(range).rev().peekable()]
        } else {
            let mut types: Vec<&String> = filter.types.iter().collect();
            types.sort_unstable();
            types.dedup();
            types
                .into_iter()
                .filter_map(|t| self.by_type.get(t))
                .map(|of_type| of_type.range(range).rev().peekable())
                .collect()
        };
        let mut items = Vec::with_capacity(limit.min(256));
        let mut last = None;
        loop {
            // The newest head among the sources (each is newest first, keys are unique).
            let newest = sources
                .iter_mut()
                .enumerate()
                .filter_map(|(i, s)| s.peek().map(|(k, _)| (**k, i)))
                .max();
            let Some((key, i)) = newest else {
                return EventListing { items, next: None };
            };
            if items.len() == limit {
                return EventListing { items, next: last };
            }
            if let Some((_, event)) = sources.get_mut(i).and_then(Iterator::next) {
                items.push(Arc::clone(event));
                last = Some(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn event(id: &str, event_type: &str) -> WebhookEvent {
        WebhookEvent {
            id: id.into(),
            object: "event".into(),
            event_type: event_type.into(),
            data: exa_webhooks_core::raw::RawObject::from_map(&Map::new()),
            created_at: "2025-01-01T00:00:00.000Z".into(),
            extra: Map::new(),
        }
    }

    fn ids(listing: &EventListing) -> Vec<&str> {
        listing.items.iter().map(|e| e.id.as_str()).collect()
    }

    fn everything() -> EventFilter {
        EventFilter::default()
    }

    #[test]
    fn newest_first_ties_by_emission_and_stable_cursors() {
        let mut events = Events::default();
        events.insert(10, event("a", "webset.created"));
        events.insert(30, event("b", "webset.idle"));
        events.insert(20, event("c", "webset.created"));
        events.insert(30, event("d", "webset.created"));
        let first = events.list(&everything(), None, 2);
        assert_eq!(ids(&first), ["d", "b"]);
        // New events between pages, one newer and one backdated below the cursor.
        events.insert(40, event("e", "webset.created"));
        events.insert(15, event("f", "webset.created"));
        let second = events.list(&everything(), first.next, 2);
        assert_eq!(ids(&second), ["c", "f"]);
        let third = events.list(&everything(), second.next, 2);
        assert_eq!(ids(&third), ["a"]);
        assert!(third.next.is_none());
        // Exactly a page left: no cursor.
        assert!(events.list(&everything(), None, 6).next.is_none());
        assert!(events.list(&everything(), None, 5).next.is_some());
        let oldest_first: Vec<&str> = events.all().map(|e| e.id.as_str()).collect();
        assert_eq!(oldest_first, ["a", "f", "c", "b", "d", "e"]);
    }

    #[test]
    fn windows_are_inclusive_and_types_merge() {
        let mut events = Events::default();
        for (i, t) in ["webset.created", "webset.idle", "import.created"]
            .iter()
            .cycle()
            .take(9)
            .enumerate()
        {
            events.insert(i as i64 * 10, event(&format!("e{i}"), t));
        }
        let window = EventFilter {
            created_after: Some(20),
            created_before: Some(60),
            ..everything()
        };
        assert_eq!(
            ids(&events.list(&window, None, 100)),
            ["e6", "e5", "e4", "e3", "e2"]
        );
        let typed = EventFilter {
            types: vec!["webset.idle".into(), "webset.created".into()],
            ..window
        };
        let page = events.list(&typed, None, 2);
        assert_eq!(ids(&page), ["e6", "e4"]);
        let page = events.list(&typed, page.next, 2);
        assert_eq!(ids(&page), ["e3"]);
        assert!(page.next.is_none());
        let inverted = EventFilter {
            created_after: Some(50),
            created_before: Some(40),
            ..everything()
        };
        assert!(events.list(&inverted, None, 10).items.is_empty());
        let unknown = EventFilter {
            types: vec!["webset.paused".into()],
            ..everything()
        };
        assert!(events.list(&unknown, None, 10).items.is_empty());
        // A cursor above the window's end: the window wins.
        let tail = EventFilter {
            created_before: Some(25),
            ..everything()
        };
        assert_eq!(
            ids(&events.list(&tail, Some((80, u64::MAX)), 10)),
            ["e2", "e1", "e0"]
        );
        // A cursor exactly at the window's start: nothing below it is in the window.
        let start = EventFilter {
            created_after: Some(30),
            ..everything()
        };
        let at_start = events.list(&start, Some((30, 0)), 10);
        assert!(at_start.items.is_empty());
    }

    #[test]
    fn bounded_oldest_first_out() {
        let mut events = Events::default();
        for i in 0..MAX_EVENTS + 3 {
            // The first three are the oldest by time, though not the first emitted.
            let at = if i < 3 { i as i64 } else { 1_000 + i as i64 };
            events.insert(at, event(&format!("e{i}"), "webset.created"));
        }
        assert_eq!(events.by_key.len(), MAX_EVENTS);
        assert!(events.get("e0").is_none() && events.get("e2").is_none());
        assert!(events.get("e3").is_some());
        let of_type = events.by_type.get("webset.created").map(BTreeMap::len);
        assert_eq!(of_type, Some(MAX_EVENTS));
        assert_eq!(events.key_of.len(), MAX_EVENTS);
    }
}
