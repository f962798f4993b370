//! HTTP tests of the emulator over real sockets on 127.0.0.1: one binary, one module per
//! endpoint family. Every refusal the emulator promises has a test here.

#[path = "../common/mod.rs"]
mod common;

mod delegation;
mod dev;
mod management;
mod oidc;
mod our_clients;
mod peers;
