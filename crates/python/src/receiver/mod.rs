//! The receiving side's hot path (`exa_webhooks.receiver`): the in-memory dedupe table, the
//! answer given to Exa, and the common delivery (verified, parsed, claimed, run, committed)
//! in one call. Everything else stays in Python (`receiver/_receiver.py`), which this hands
//! back to at the first unusual turn.

pub mod memory;
pub mod reception;
pub mod response;
