//! Runs the emulator from the command line: `cargo run -p hawcx-idp --example idp -- --help`.

use clap::Parser as _;

#[tokio::main]
async fn main() {
    let args = hawcx_idp::cli::IdpArgs::parse();
    if let Err(e) = hawcx_idp::cli::run(args).await {
        eprintln!("error: {}", hawcx_idp::error::report(&e));
        std::process::exit(1);
    }
}
