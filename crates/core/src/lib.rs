//! exa-webhooks' core, in plain Rust (no PyO3 anywhere in its dependency tree): validation,
//! models and their decoding, the HTTP transport and its retry policy, signatures, event
//! types, time formats, errors in words. `cargo test -p exa-webhooks-core` covers it.

pub mod cause;
pub mod decode;
pub mod dedupe;
pub mod error;
pub mod events;
pub mod fields;
pub mod fork;
pub mod models;
pub mod raw;
pub mod redact;
pub mod retry;
pub mod signature;
pub mod timefmt;
pub mod transport;
pub mod validation;
