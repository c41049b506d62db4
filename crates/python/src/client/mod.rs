//! The native client behind `Client` and `AsyncClient`, and its Events API calls.

pub mod cache_key;
pub mod events;
pub mod native;
