//! The no-secrets-in-logs check runs in a process of its own: tracing caches each
//! callsite's interest process-wide, so tests on other threads without a subscriber could
//! otherwise switch off the very events this test must see.

#[path = "common/mod.rs"]
mod common;

#[path = "logs/check.rs"]
mod logs_check;
