//! Code-exchange round trips against a local scripted token endpoint: pooled connection,
//! cached static key, full id_token verification (ES256). Compare with
//! `scripts/bench-exchange.py`, which runs the official 1.0.0 Python package against the
//! same kind of server.

#[path = "support/token_server.rs"]
mod token_server;

use criterion::{Criterion, criterion_group, criterion_main};
use hawcx::oidc::{self, ExchangeRequest};

fn exchange(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(token_server::start(0));
    let request = ExchangeRequest::new("bench-code", &server.token_url, token_server::CLIENT_ID)
        .with_public_key(server.public_pem.clone())
        .with_issuer(token_server::ISSUER)
        .with_code_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    // Warm the pool and the key cache once.
    rt.block_on(oidc::exchange_code(&request)).unwrap();

    let mut group = c.benchmark_group("exchange");
    group.bench_function("async_static_pem_es256", |b| {
        b.iter(|| rt.block_on(oidc::exchange_code(&request)).unwrap())
    });
    group.bench_function("blocking_static_pem_es256", |b| {
        b.iter(|| hawcx::blocking::block_on(oidc::exchange_code(&request)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, exchange);
criterion_main!(benches);
