//! The edugraph server: the HTTP surfaces (Graph and operator, with the token
//! authority's routes merged in), start-up, and the command-line entry points. `main.rs`
//! only parses the command line and calls into here, so everything is testable
//! in-process.
//!
//! The configuration and the error envelope come from `edugraph-platform`, and the
//! token authority with the application state from `edugraph-identity`; they are
//! re-exported under their module names so the server and its tests address one tree.

pub mod banner;
pub mod cli;
pub mod http;
pub mod jobs;
pub mod sds;
pub mod serve;
pub mod startup;
pub mod telemetry;

pub use edugraph_identity::{admin, audit, auth, authority, state, AppState};
pub use edugraph_platform::{config, error};
pub use serve::serve;
