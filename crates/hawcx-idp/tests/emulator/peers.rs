//! Placeholder for the official-SDK acceptance tests.
