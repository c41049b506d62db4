//! The frozen Python models (`Webhook`, `WebhookAttempt`, `WebhookEvent`), what they share,
//! and the receiving side's functions (`construct_event`, `verify_signature`, ...).

pub mod attempt;
pub mod common;
pub mod event;
pub mod event_types;
pub mod webhook;
