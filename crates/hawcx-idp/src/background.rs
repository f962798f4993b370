//! The emulator on its own thread, for callers without a tokio runtime: the Python test
//! fixture (through the PyO3 module), blocking tests, other languages' harnesses.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::{Config, IdpState, StartError};

/// An emulator running on a dedicated thread with its own runtime. Dropping it (or
/// [`Background::stop`]) shuts the server down and joins the thread.
#[derive(Debug)]
pub struct Background {
    /// The issuer / base URL.
    pub url: String,
    /// The env-file variables (endpoints, client ids, keys).
    pub env: BTreeMap<String, String>,
    /// The state, for inspection.
    pub state: Arc<IdpState>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the emulator on a new thread and returns once it accepts connections.
///
/// # Errors
/// Whatever [`crate::start`] refuses, or a runtime that cannot be built.
pub fn spawn(config: Config) -> Result<Background, StartError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("hawcx-idp".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(StartError::Runtime(e)));
                    return;
                }
            };
            runtime.block_on(async move {
                let running = match crate::start(config).await {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let env = running.env_vars();
                let _ =
                    ready_tx.send(env.map(|env| (running.url.clone(), env, running.state.clone())));
                // Serve until asked to stop (or the handle is dropped).
                let _ = stop_rx.await;
                running.handle.abort();
            });
        })
        .map_err(StartError::Thread)?;
    match ready_rx.recv() {
        Ok(Ok((url, env, state))) => Ok(Background {
            url,
            env,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(StartError::ThreadStopped)
        }
    }
}

impl Background {
    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn serves_without_a_caller_runtime_and_stops() {
        let bg = super::spawn(crate::Config::default()).unwrap();
        assert!(bg.env["OAUTH_TOKEN_ENDPOINT"].starts_with(&bg.url));
        let addr = bg.url.trim_start_matches("http://").to_owned();
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        use std::io::{Read as _, Write as _};
        stream
            .write_all(b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        bg.stop();
        assert!(std::net::TcpStream::connect(&addr).is_err());
    }
}
