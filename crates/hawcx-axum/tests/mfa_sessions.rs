//! The in-memory `MfaSessionStore`: the guide's `cache.set(…, 600)` expiry, with short TTLs.

use std::time::Duration;

use hawcx_axum::{MemoryMfaSessions, MfaSessionStore};
use tokio::time::sleep;

const MS: Duration = Duration::from_millis(1);

#[tokio::test]
async fn pending_session_expires_after_its_ttl() {
    let store = MemoryMfaSessions::default();
    store
        .put("a@example.com", "sess-1", MS * 300)
        .await
        .unwrap();
    store
        .put("b@example.com", "sess-2", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        store.get("a@example.com").await.unwrap().as_deref(),
        Some("sess-1")
    );

    sleep(MS * 400).await;
    assert_eq!(store.get("a@example.com").await.unwrap(), None);
    assert_eq!(
        store.get("b@example.com").await.unwrap().as_deref(),
        Some("sess-2")
    );
}

#[tokio::test]
async fn a_new_change_replaces_the_pending_one_and_remove_forgets_it() {
    let store = MemoryMfaSessions::default();
    store.put("u", "old", MS * 300).await.unwrap();
    store
        .put("u", "new", Duration::from_secs(60))
        .await
        .unwrap();
    sleep(MS * 400).await;
    // The replacement has its own, later expiry.
    assert_eq!(store.get("u").await.unwrap().as_deref(), Some("new"));
    store.remove("u").await.unwrap();
    assert_eq!(store.get("u").await.unwrap(), None);
    assert_eq!(store.get("nobody").await.unwrap(), None);
}
