//! Blocking facade over the async API.
