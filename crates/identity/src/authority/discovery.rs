//! Discovery documents: the OpenID Connect configuration of a tenant (what MSAL reads to
//! find the authorize and token endpoints when instance discovery is off), the tenant's
//! JWKS, and the user-realm answer MSAL asks for before a username/password sign-in.
//!
//! The endpoint URLs start with `edugraph_platform::forwarded::base_url` (the public URL when
//! configured, never a header an untrusted peer sent), so a client reaches them where it
//! reached the document. `issuer` is the tenant's recorded issuer (`auth::issuers`), the
//! one its tokens carry, so MSAL's issuer comparisons hold.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::error::OAuthResult;
use super::tenant::{self, TenantRef};
use crate::auth::issuer;
use crate::AppState;
use edugraph_platform::forwarded::base_url;

/// Grants the token endpoint serves.
pub const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "client_credentials",
    "password",
    "refresh_token",
];

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> OAuthResult<Response> {
    let target = tenant::resolve(&state, &segment).await?;
    // For the multi-tenant aliases the issuer carries Entra's `{tenantid}` placeholder,
    // since the tenant is only known from the token; its base is this server's own.
    let issuer = match &target {
        TenantRef::One(t) => {
            let base = crate::auth::issuers::of_tenant(&state, &t.id)
                .await?
                .ok_or_else(|| tenant::not_found(&segment))?;
            issuer(&base, &t.id)
        }
        TenantRef::Any(_) => format!(
            "{}/{{tenantid}}/v2.0",
            state.config().issuer_base().trim_end_matches('/')
        ),
    };
    let base = base_url(&headers, state.config());
    Ok(json_response(document(&base, &issuer, &target)))
}

/// The document for a resolved tenant: endpoints under `base`, and `issuer`.
pub fn document(base: &str, issuer: &str, target: &TenantRef) -> Value {
    let base = base.trim_end_matches('/');
    let seg = target.segment();
    let host = url::Url::parse(base)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
        })
        .unwrap_or_default();
    json!({
        "token_endpoint": format!("{base}/{seg}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": format!("{base}/{seg}/discovery/v2.0/keys"),
        "response_modes_supported": ["query"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{base}/{seg}/oauth2/v2.0/authorize"),
        "http_logout_supported": false,
        "frontchannel_logout_supported": false,
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "nbf", "nonce", "name", "preferred_username",
            "oid", "tid", "ver", "roles", "scp", "idtyp", "azp", "appid"
        ],
        "grant_types_supported": GRANT_TYPES,
        "code_challenge_methods_supported": ["S256", "plain"],
        "tenant_region_scope": "WW",
        "cloud_instance_name": host,
        "cloud_graph_host_name": host,
        "msgraph_host": host,
        "admin_consent_endpoint": format!("{base}/{seg}/adminconsent"),
    })
}

/// `GET /{tenant}/discovery/v2.0/keys`: every key that still verifies tokens, the
/// signing key first.
pub async fn keys(
    State(state): State<AppState>,
    Path(segment): Path<String>,
) -> OAuthResult<Response> {
    tenant::resolve(&state, &segment).await?;
    Ok(json_response(state.keys().jwks_at(state.clock().now())))
}

/// `GET /common/userrealm/{username}`: MSAL asks this before a password grant to learn
/// whether the account is federated. Ours never are.
pub async fn user_realm(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> OAuthResult<Response> {
    let found = tenant::by_upn(&state, &username).await?;
    let body = match found {
        // The account's own verified domain, which need not be the tenant's primary one.
        Some(_) => json!({
            "ver": "1.0",
            "account_type": "Managed",
            "domain_name": username.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()),
            "cloud_instance_name": "edugraph",
            "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }),
        None => json!({"ver": "1.0", "account_type": "Unknown", "cloud_instance_name": "edugraph"}),
    };
    Ok(json_response(body))
}

fn json_response(body: Value) -> Response {
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=86400, private"),
    );
    resp
}
