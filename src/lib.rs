//! exa-webhooks' Rust core. This file only says what the Python module exports.

pub mod error;
pub mod events;
pub mod models;
pub mod timefmt;
pub mod transport;
pub mod validation;
