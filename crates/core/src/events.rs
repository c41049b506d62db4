//! The event types Exa's Websets API knows, and help for names it does not.

/// Every event type, in the order of Exa's published spec.
pub const EVENT_TYPES: [&str; 19] = [
    "webset.created",
    "webset.deleted",
    "webset.paused",
    "webset.idle",
    "webset.search.created",
    "webset.search.canceled",
    "webset.search.completed",
    "webset.search.updated",
    "import.created",
    "import.completed",
    "webset.item.created",
    "webset.item.enriched",
    "monitor.created",
    "monitor.updated",
    "monitor.deleted",
    "monitor.run.created",
    "monitor.run.completed",
    "webset.export.created",
    "webset.export.completed",
];

/// Names that appear in Exa's own docs samples but do not exist, with what was meant.
const KNOWN_MISTAKES: [(&str, &str); 3] = [
    ("webset.completed", "webset.idle"),
    ("enrichment.completed", "webset.item.enriched"),
    ("webset.item.completed", "webset.item.enriched"),
];

pub fn is_known(name: &str) -> bool {
    EVENT_TYPES.contains(&name)
}

/// The event type a user most likely meant by an unknown `name`, if any is close: a known
/// mistake (or a typo of one), a type written without its `webset.` prefix, the enum member's
/// name, or a typo of a type.
pub fn suggest(name: &str) -> Option<&'static str> {
    // Nothing longer than the longest type plus three edits can be a typo of one: no need to
    // lowercase and compare a long input.
    if name.is_empty() || name.len() > EVENT_TYPES.iter().map(|t| t.len()).max().unwrap_or(0) + 3 {
        return None;
    }
    // `WEBSET_CREATED` (the Python enum member name) or `Webset.Created`.
    let normalized = name
        .trim()
        .to_ascii_lowercase()
        .replace(['_', '-', ' '], ".");
    if let Some(found) = EVENT_TYPES.iter().find(|t| **t == normalized) {
        return Some(found);
    }
    // `item.created`, `search.completed`: the type without its `webset.` prefix.
    let prefixed = format!("webset.{normalized}");
    if let Some(found) = EVENT_TYPES.iter().find(|t| **t == prefixed) {
        return Some(found);
    }
    // The closest of the real names and the known mistakes (each standing for what was meant),
    // so that `webset.complete` finds `webset.idle` as `webset.completed` does.
    let candidates = EVENT_TYPES
        .iter()
        .map(|t| (*t, *t))
        .chain(KNOWN_MISTAKES.iter().copied());
    let (written, meant, distance) = candidates
        .map(|(written, meant)| (written, meant, levenshtein(&normalized, written)))
        .min_by_key(|(_, _, d)| *d)?;
    // Close enough to be a typo: a few edits, and not most of the word.
    (distance <= 3 && distance * 3 <= written.len()).then_some(meant)
}

/// Edit distance, one row at a time: `row[j]` is the distance from the prefix of `a` read so
/// far to `b`'s first `j` characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        // `diagonal` is the previous row's value left of the cell being computed; `left` is
        // this row's value left of it.
        let mut diagonal = i;
        let mut left = i + 1;
        for (cell, cb) in row.iter_mut().skip(1).zip(&b) {
            let above = *cell;
            let here = (diagonal + usize::from(ca != *cb))
                .min(left + 1)
                .min(above + 1);
            *cell = here;
            (diagonal, left) = (above, here);
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_all_nineteen_without_duplicates() {
        let mut sorted = EVENT_TYPES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 19);
        assert!(is_known("monitor.run.completed"));
        assert!(!is_known("webset.completed"));
    }

    #[test]
    fn suggests_what_was_meant() {
        assert_eq!(suggest("webset.completed"), Some("webset.idle"));
        assert_eq!(
            suggest("enrichment.completed"),
            Some("webset.item.enriched")
        );
        assert_eq!(suggest("WEBSET_CREATED"), Some("webset.created"));
        assert_eq!(suggest("webset.craeted"), Some("webset.created"));
        assert_eq!(suggest("import.complete"), Some("import.completed"));
        assert_eq!(suggest("webset.complete"), Some("webset.idle"));
        assert_eq!(suggest("item.created"), Some("webset.item.created"));
        assert_eq!(suggest("search.completed"), Some("webset.search.completed"));
        assert_eq!(
            suggest("webset-item-enriched"),
            Some("webset.item.enriched")
        );
        assert_eq!(suggest("enrichment.complete"), Some("webset.item.enriched"));
        assert_eq!(suggest("something.else.entirely"), None);
        assert_eq!(suggest(""), None);
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }
}
