//! One Redis connection for the Redis-backed stores: reconnects by itself, and bounds every
//! command so an unreachable server is a quick [`StoreError::unavailable`], not a hang.

use std::time::Duration;

use crate::store::StoreError;

/// Timeouts of the Redis-backed stores.
///
/// ```
/// let options = hawcx_axum::RedisOptions::default();
/// assert_eq!(options.command_timeout, std::time::Duration::from_secs(2));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RedisOptions {
    /// Each connection attempt gives up after this long. Default 2 s.
    pub connect_timeout: Duration,
    /// Each command (including any reconnect it waits for) gives up after this long.
    /// Default 2 s.
    pub command_timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            connect_timeout: Duration::from_secs(2),
            command_timeout: Duration::from_secs(2),
        }
    }
}

/// A shared, self-reconnecting Redis connection with bounded commands. Cheap to clone.
#[derive(Clone)]
pub struct Redis {
    conn: redis::aio::ConnectionManager,
    command_timeout: Duration,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

fn classify(e: redis::RedisError) -> StoreError {
    if e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
    {
        StoreError::unavailable("redis", e)
    } else {
        StoreError::new(e)
    }
}

impl Redis {
    /// Connects to `url` (the URL is never logged: it may hold a password).
    ///
    /// # Errors
    /// A bad URL or an unreachable server.
    pub async fn connect(url: &str, options: &RedisOptions) -> Result<Redis, StoreError> {
        let client = redis::Client::open(url).map_err(StoreError::new)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.command_timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = tokio::time::timeout(
            options.connect_timeout + options.command_timeout,
            redis::aio::ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| StoreError::unavailable("redis", "connection timed out"))?
        .map_err(classify)?;
        Ok(Redis {
            conn,
            command_timeout: options.command_timeout,
        })
    }

    /// Runs `cmd`, within the command timeout.
    ///
    /// # Errors
    /// [`StoreError::unavailable`] when Redis is unreachable or slow; other Redis errors as
    /// [`StoreError::new`].
    pub async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.command_timeout, cmd.query_async::<T>(&mut conn)).await {
            Ok(result) => result.map_err(classify),
            Err(_) => Err(StoreError::unavailable("redis", "command timed out")),
        }
    }
}

/// `SET key value PX ttl`: a value that expires by itself (at least 1 ms, since Redis
/// refuses `PX 0`).
pub(crate) fn set_with_ttl(key: String, value: &str, ttl: Duration) -> redis::Cmd {
    let mut cmd = redis::cmd("SET");
    cmd.arg(key)
        .arg(value)
        .arg("PX")
        .arg(ttl.as_millis().max(1));
    cmd
}
