//! The token authority of edugraph, its own crate so the Graph surface depends on one
//! narrow thing: [`auth::Authenticated`] (verify a bearer token into an
//! `edugraph_edu::Caller`). The modules, in dependency order:
//! - [`audit`]: the append-only audit log, written by everything below;
//! - [`auth`]: signing keys, minting, verification (ours and trusted external issuers'),
//!   password hashing, the `Authenticated` extractor;
//! - [`admin`]: tenants, app registrations, consent and key rotation, shared by the CLI
//!   and the operator API;
//! - [`authority`]: the Entra-shaped endpoints (token, authorize, admin consent,
//!   discovery, JWKS) and their pages;
//! - [`state`]: [`AppState`], the configuration, store, clock and keys every handler of
//!   the process shares.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod authority;
pub mod state;

pub use state::AppState;
