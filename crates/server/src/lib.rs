//! The edugraph server: configuration, the HTTP surfaces (Graph, identity, operator),
//! authentication of callers, and the command-line entry points. `main.rs` only parses
//! the command line and calls into here, so everything is testable in-process.

pub mod admin;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod http;
pub mod identity;
pub mod serve;
pub mod state;
pub mod telemetry;

pub use serve::serve;
pub use state::AppState;
