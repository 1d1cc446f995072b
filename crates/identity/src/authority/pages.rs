//! The HTML of the browser flows: a sign-in form, the admin-consent form and an error
//! page. Plain forms that work without JavaScript; every value that reaches the page is
//! HTML-escaped, and the pages forbid framing and scripts through their headers.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::ticket::COOKIE;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f3f3f3;margin:0}\
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;box-shadow:0 2px 6px #0003}\
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem}\
input[type=text],input[type=password],input[type=email]{width:100%;padding:.5rem;box-sizing:border-box}\
button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#a4262c;border-left:3px solid #a4262c;padding-left:.6rem}\
.muted{color:#555;font-size:.9rem}ul{padding-left:1.2rem}code{font-size:.85rem}";

fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>\n",
        escape(title)
    )
}

/// An HTML response that may not be framed or cached, optionally setting the flow cookie.
pub fn html(status: StatusCode, body: String, cookie: Option<(&str, bool)>) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Some((value, secure)) = cookie {
        let secure = if secure { "; Secure" } else { "" };
        let cookie =
            format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=900{secure}");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.insert(header::SET_COOKIE, v);
        }
    }
    resp
}

fn hidden(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect()
}

fn error_line(error: Option<&str>) -> String {
    error.map_or(String::new(), |e| {
        format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))
    })
}

/// What a sign-in page says.
pub struct SignIn<'a> {
    pub heading: &'a str,
    /// One line under the heading (which app, which tenant).
    pub subtitle: String,
    pub action: &'a str,
    pub hidden: &'a [(&'a str, &'a str)],
    pub username: &'a str,
    pub error: Option<&'a str>,
}

pub fn sign_in(page: &SignIn<'_>) -> String {
    let body = format!(
        "<h1>{}</h1><p class=\"muted\">{}</p>{}\
<form method=\"post\" action=\"{}\">{}\
<label for=\"username\">Email or user principal name</label>\
<input type=\"email\" id=\"username\" name=\"username\" value=\"{}\" autocomplete=\"username\" required autofocus>\
<label for=\"password\">Password</label>\
<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Sign in</button></form>",
        escape(page.heading),
        escape(&page.subtitle),
        error_line(page.error),
        escape(page.action),
        hidden(page.hidden),
        escape(page.username),
    );
    document(page.heading, &body)
}

/// What the consent page lists.
pub struct Consent<'a> {
    pub app_name: &'a str,
    pub client_id: &'a str,
    pub tenant_name: &'a str,
    pub admin: &'a str,
    pub app_permissions: &'a [String],
    pub delegated_permissions: &'a [String],
    pub redirect_host: &'a str,
    pub action: &'a str,
    pub hidden: &'a [(&'a str, &'a str)],
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "<p class=\"muted\">none</p>".into();
    }
    let li: String = items
        .iter()
        .map(|p| format!("<li><code>{}</code></li>", escape(p)))
        .collect();
    format!("<ul>{li}</ul>")
}

pub fn consent(page: &Consent<'_>) -> String {
    let body = format!(
        "<h1>Permissions requested</h1>\
<p><strong>{}</strong> <span class=\"muted\">({})</span> asks for access to the data of <strong>{}</strong>.</p>\
<p class=\"muted\">Signed in as {}. Approving grants these permissions for the whole organization; \
afterwards you will be sent to {}.</p>\
<h2>Application permissions (granted by this consent)</h2>{}\
<h2>Delegated permissions (used when a user signs in to the app)</h2>{}\
<form method=\"post\" action=\"{}\">{}\
<button type=\"submit\" name=\"decision\" value=\"approve\">Accept</button> \
<button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button></form>",
        escape(page.app_name),
        escape(page.client_id),
        escape(page.tenant_name),
        escape(page.admin),
        escape(page.redirect_host),
        list(page.app_permissions),
        list(page.delegated_permissions),
        escape(page.action),
        hidden(page.hidden),
    );
    document("Permissions requested", &body)
}

/// A page that only tells the outcome of a flow, with the hint to close the window.
pub fn notice(title: &str, message: &str) -> String {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p class=\"muted\">You can close this window.</p>",
        escape(title),
        escape(message)
    );
    document(title, &body)
}

/// An error page: the flow stops here, nothing is redirected.
pub fn error(title: &str, message: &str, code: Option<u32>) -> String {
    let code = code.map_or(String::new(), |c| {
        format!("<p class=\"muted\">AADSTS{c}</p>")
    });
    let body = format!(
        "<h1>{}</h1>{}{code}",
        escape(title),
        error_line(Some(message))
    );
    document(title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let page = sign_in(&SignIn {
            heading: "Sign in",
            subtitle: "<script>".into(),
            action: "/t/oauth2/v2.0/authorize",
            hidden: &[("state", "\"><script>alert(1)</script>")],
            username: "a@b\"",
            error: Some("<b>"),
        });
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
        assert!(page.contains("&lt;b&gt;"));
    }
}
