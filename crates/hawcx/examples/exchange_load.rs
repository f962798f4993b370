//! Load driver for the code-exchange benchmark (`scripts/bench-exchange.py`).
//!
//! ```text
//! exchange_load serve                      # start the scripted token server, print one JSON line
//! exchange_load load URL PEM_FILE SECS [CONCURRENCY] [blocking]
//!                                          # run exchanges, print {"rps","p50_ms","p99_ms","n"}
//! ```
//!
//! `load` uses the public API exactly as an application would: one `ExchangeRequest` with a
//! static PEM key (parsed once, cached), the shared pooled client, full id_token checks.

#[path = "../benches/support/token_server.rs"]
mod token_server;

use std::time::{Duration, Instant};

use hawcx::oidc::{self, ExchangeRequest};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("load") if args.len() >= 4 => {
            let secs: f64 = args[3].parse().expect("SECS is a number");
            let concurrency: usize = args.get(4).map_or(1, |c| c.parse().expect("CONCURRENCY"));
            let blocking = args.get(5).is_some_and(|m| m == "blocking");
            load(
                &args[1],
                &args[2],
                Duration::from_secs_f64(secs),
                concurrency,
                blocking,
            );
        }
        _ => {
            eprintln!(
                "usage: exchange_load serve | load URL PEM_FILE SECS [CONCURRENCY] [blocking]"
            );
            std::process::exit(2);
        }
    }
}

fn serve() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = token_server::start(0).await;
        let pem_path = std::env::temp_dir().join(format!("hawcx-bench-{}.pem", std::process::id()));
        std::fs::write(&pem_path, &server.public_pem).unwrap();
        println!(
            "{}",
            serde_json::json!({
                "token_url": server.token_url,
                "pem_path": pem_path,
                "client_id": token_server::CLIENT_ID,
                "issuer": token_server::ISSUER,
            })
        );
        // Run until stdin closes (the driving script exits or closes the pipe).
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin()
                .read_line(&mut sink)
                .map(|n| n > 0)
                .unwrap_or(false)
            {}
        })
        .await;
        let _ = std::fs::remove_file(pem_path);
    });
}

fn request(url: &str, pem: String) -> ExchangeRequest {
    ExchangeRequest::new("bench-code", url, token_server::CLIENT_ID)
        .with_public_key(pem)
        .with_issuer(token_server::ISSUER)
        .with_code_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
}

fn load(url: &str, pem_file: &str, duration: Duration, concurrency: usize, blocking: bool) {
    let pem = std::fs::read_to_string(pem_file).expect("PEM file readable");
    let req = request(url, pem);
    let mut latencies: Vec<Duration> = if blocking {
        // The synchronous facade, one caller thread per unit of concurrency (Flask-style).
        hawcx::blocking::block_on(hawcx::oidc::exchange_code(&req)).expect("warm-up exchange");
        let deadline = Instant::now() + duration;
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..concurrency)
                .map(|_| {
                    let req = req.clone();
                    s.spawn(move || {
                        let mut lat = Vec::new();
                        while Instant::now() < deadline {
                            let t = Instant::now();
                            hawcx::blocking::block_on(hawcx::oidc::exchange_code(&req))
                                .expect("exchange");
                            lat.push(t.elapsed());
                        }
                        lat
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        })
    } else {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            oidc::exchange_code(&req).await.expect("warm-up exchange");
            let deadline = Instant::now() + duration;
            let tasks: Vec<_> = (0..concurrency)
                .map(|_| {
                    let req = req.clone();
                    tokio::spawn(async move {
                        let mut lat = Vec::new();
                        while Instant::now() < deadline {
                            let t = Instant::now();
                            oidc::exchange_code(&req).await.expect("exchange");
                            lat.push(t.elapsed());
                        }
                        lat
                    })
                })
                .collect();
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.unwrap());
            }
            all
        })
    };
    latencies.sort();
    let n = latencies.len();
    let pct = |p: f64| latencies[((n as f64 * p) as usize).min(n - 1)].as_secs_f64() * 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "rps": n as f64 / duration.as_secs_f64(),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "n": n,
        })
    );
}
