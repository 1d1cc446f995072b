//! The dev banner's admin-consent link works as printed: opened, signed in with the
//! administrator and password the banner names, approved, it ends on the server's own
//! `/common/oauth2/nativeclient` page with the grant recorded. The banner's token lines are
//! `export` lines, the same ones `dev-tokens.env` gets.

mod common;
mod identity_support;

use common::TestApp;
use edugraph_edu::demo::DemoSize;
use edugraph_server::config::Config;
use identity_support::*;

/// The first word of `text` after `marker`, up to the next blank or `)`.
fn word_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let rest = &text[text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"))
        + marker.len()..];
    rest.split([' ', ')', '\n']).next().unwrap()
}

fn as_refs(fields: &std::collections::HashMap<String, String>) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn the_printed_admin_consent_link_completes() {
    let config = Config {
        dev: true,
        ..Config::default()
    };
    let t = TestApp::with_config(config.clone()).await;
    let store = t.state.store();
    let summary = edugraph_server::startup::seed_demo(store, config.seed, DemoSize::Small, false)
        .await
        .unwrap();
    let origin = config.issuer_base();
    let now = time::OffsetDateTime::now_utc();
    let client =
        edugraph_server::startup::register_consent_client(store, &summary.tenant, &origin, now)
            .await
            .unwrap();
    // Registering again (the next start on the same origin) finds the same app.
    assert_eq!(
        edugraph_server::startup::register_consent_client(store, &summary.tenant, &origin, now)
            .await
            .unwrap(),
        client
    );
    let banner = edugraph_server::banner::dev_banner(&t.state, &summary, &client)
        .await
        .unwrap();

    // Tokens are export lines, and the same lines are what the token file gets.
    for var in edugraph_server::banner::TOKEN_VARIABLES {
        let line = format!("export {var}=");
        assert!(banner.text.contains(&line), "{}", banner.text);
        assert!(banner.exports.contains(&line), "{}", banner.exports);
    }
    assert!(banner.text.contains("$APP_TOKEN"), "{}", banner.text);

    let admin_line = banner
        .text
        .lines()
        .find(|l| l.starts_with("Administrator "))
        .expect("an administrator line");
    let admin = word_after(admin_line, "Administrator ");
    let password = word_after(admin_line, "(password ");
    let link = admin_line.rsplit(' ').next().unwrap();
    let path = link
        .strip_prefix(&origin)
        .unwrap_or_else(|| panic!("{link} is not on {origin}"));
    assert!(path.contains(&format!("client_id={client}")), "{link}");

    // 1. The link opens the administrator's sign-in.
    let page = get_page(&t, path, None).await.expect(200);
    let cookie = flow_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    fields.insert("username".into(), admin.into());
    fields.insert("password".into(), password.into());
    let form_path = path.split('?').next().unwrap();
    let decision = post_form(&t, form_path, &as_refs(&fields), &[("cookie", &cookie)])
        .await
        .expect(200);
    assert!(
        decision.text().contains("EduRoster.Read.All"),
        "{}",
        decision.text()
    );

    // 2. Approving lands on the server's own page with the grant recorded.
    let mut fields = hidden_fields(&decision.text());
    fields.insert("decision".into(), "approve".into());
    let done = post_form(&t, form_path, &as_refs(&fields), &[("cookie", &cookie)])
        .await
        .expect(302);
    let location = done.header("location");
    assert!(
        location.starts_with(&format!("{origin}/common/oauth2/nativeclient?")),
        "{location}"
    );
    assert_eq!(location_params(&done)["admin_consent"], "True");
    let grant = store
        .grant(&summary.tenant, &client)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.permissions, ["EduRoster.Read.All"]);
    let landing = get_page(&t, location.strip_prefix(&origin).unwrap(), None)
        .await
        .expect(200);
    assert!(
        landing.text().contains("Admin consent granted"),
        "{}",
        landing.text()
    );
    assert!(
        landing.text().contains(&summary.tenant),
        "{}",
        landing.text()
    );
}

#[tokio::test]
async fn the_native_client_page_escapes_what_it_shows() {
    let t = TestApp::new().await;
    let page = get_page(
        &t,
        "/common/oauth2/nativeclient?error=access_denied&error_description=%3Cscript%3E",
        None,
    )
    .await
    .expect(200);
    assert!(page.text().contains("access_denied"), "{}", page.text());
    assert!(!page.text().contains("<script>"), "{}", page.text());
}
