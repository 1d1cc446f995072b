//! Authentication of callers. Tokens are RS256 JWTs shaped like Entra ID v2 access tokens
//! for Microsoft Graph, signed with keys kept in the store. The pieces:
//! - `keys`: the signing keys (load or create, sign, verification lookup, JWKS);
//! - `token`: the claims and `mint`;
//! - `verify`: signature and claim checks, the verified-token cache, `authenticate`;
//! - `accounts`: whether the user behind a delegated token is still present and enabled;
//! - `extract`: the `Authenticated` extractor handlers use;
//! - `issue`: tenant and user resolution for `edugraph token` and the dev token endpoint;
//! - `issuers`: each tenant's recorded issuer, which minting and verification both use;
//! - `password`: Argon2 hashing on the blocking pool.
//!
//! The caller model (`edugraph_edu::Caller`) is built only from verified claims, so later
//! issuers (the OAuth2 token endpoint, trusted external tenants) plug in by producing the
//! same claims.

pub mod accounts;
pub mod external;
mod extract;
pub mod issue;
pub mod issuers;
mod keys;
pub mod password;
pub mod permission_names;
mod token;
pub mod upload_grant;
mod verify;

pub use extract::Authenticated;
pub use issue::{issue, IssueError, IssueRequest, IssueSubject, Issued};
pub use keys::{Keys, RELOAD_INTERVAL, RETIRED_KEY_GRACE};
pub use token::{
    build_claims, issuer, mint, Claims, TokenRequest, TokenSubject, DEV_CLIENT_ID, GRAPH_APP_ID,
    GRAPH_AUDIENCE,
};
pub use verify::{authenticate, bearer_token, verify_token, AuthError, LEEWAY_SECS};
