//! `GET /common/oauth2/nativeclient`: where a browser flow ends for a client that has no
//! web page of its own, as Entra's page of the same path is. It shows what the flow's
//! redirect carried (admin consent given or refused, a sign-in code issued) and changes
//! nothing; the development client of `--dev` has it as its redirect URI, so the admin
//! consent link the dev banner prints completes in a browser.

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::Response;

use super::flow::{get, params};
use super::pages;

/// The path, appended to a server's origin to make the redirect URI.
pub const PATH: &str = "/common/oauth2/nativeclient";

pub async fn native_client(RawQuery(query): RawQuery) -> Response {
    let q = params(query.unwrap_or_default().as_bytes()).unwrap_or_default();
    let (title, message) = if let Some(error) = get(&q, "error") {
        let description = get(&q, "error_description").unwrap_or("");
        (
            "The flow ended with an error",
            format!("{error}: {description}"),
        )
    } else if get(&q, "admin_consent") == Some("True") {
        let tenant = get(&q, "tenant").unwrap_or("the tenant");
        (
            "Admin consent granted",
            format!("The app's permissions are granted for {tenant}."),
        )
    } else if get(&q, "code").is_some() {
        (
            "Signed in",
            "The app reads the authorization code from this page's address.".into(),
        )
    } else {
        (
            "Nothing to show",
            "This page ends sign-in and consent flows of native clients.".into(),
        )
    };
    pages::html(StatusCode::OK, pages::notice(title, &message), None)
}
