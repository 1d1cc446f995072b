//! Single-use authorization codes and rotating refresh tokens.

use std::sync::Arc;

use crate::support::{id, tenant};
use edugraph_store::{AuthCodeRecord, RefreshTokenRecord, Store, UserConsentRecord};
use futures::future::join_all;

fn code(tenant: &str) -> AuthCodeRecord {
    AuthCodeRecord {
        code_hash: id(),
        tenant: tenant.into(),
        client_id: id(),
        user_id: id(),
        redirect_uri: "http://localhost:8400/cb?x=1".into(),
        scopes: vec!["openid".into(), "EduRoster.ReadBasic".into()],
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        challenge_method: Some("S256".into()),
        nonce: None,
        expires_at: "2099-01-01T00:00:00Z".into(),
    }
}

fn refresh(tenant: &str, user: &str, issued_at: &str, expires_at: &str) -> RefreshTokenRecord {
    RefreshTokenRecord {
        token_hash: id(),
        tenant: tenant.into(),
        client_id: id(),
        user_id: user.into(),
        scopes: vec!["offline_access".into(), "EduRoster.ReadBasic".into()],
        issued_at: issued_at.into(),
        expires_at: expires_at.into(),
        family_id: id(),
        spent_at: None,
    }
}

const NOW: &str = "2025-06-01T00:00:00Z";

/// The record as a take returns it: spent at `NOW`.
fn spent(r: &RefreshTokenRecord) -> RefreshTokenRecord {
    RefreshTokenRecord {
        spent_at: Some(NOW.into()),
        ..r.clone()
    }
}

pub async fn auth_codes_work_once(s: &dyn Store, t: &str) {
    let c = code(t);
    s.put_auth_code(&c).await.unwrap();
    let mut plain = code(t);
    plain.code_challenge = None;
    plain.challenge_method = None;
    plain.nonce = Some("n-0S6_WzA2Mj".into());
    plain.scopes.clear();
    s.put_auth_code(&plain).await.unwrap();

    assert_eq!(
        s.take_auth_code(&c.code_hash).await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(s.take_auth_code(&c.code_hash).await.unwrap(), None);
    assert_eq!(s.take_auth_code(&id()).await.unwrap(), None);
    // Taking one code leaves the others.
    assert_eq!(
        s.take_auth_code(&plain.code_hash).await.unwrap(),
        Some(plain)
    );
}

pub async fn concurrent_takes_hand_out_a_code_once(s: &dyn Store, t: &str) {
    // Eight redemptions race; exactly one may win.
    let c = code(t);
    s.put_auth_code(&c).await.unwrap();
    let r = refresh(t, &id(), "2025-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    s.put_refresh_token(&r).await.unwrap();
    let hash = Arc::new(c.code_hash.clone());
    let takes = (0..8).map(|_| {
        let hash = hash.clone();
        async move { s.take_auth_code(&hash).await.unwrap() }
    });
    let got = join_all(takes).await;
    assert_eq!(got.iter().filter(|x| x.is_some()).count(), 1);
    let takes = (0..8).map(|_| s.take_refresh_token(&r.token_hash, NOW));
    let got = join_all(takes).await;
    assert_eq!(
        got.into_iter()
            .filter(|x| x.as_ref().unwrap().is_some())
            .count(),
        1
    );
}

pub async fn refresh_tokens_rotate_and_revoke_per_user(s: &dyn Store, t: &str) {
    let other = tenant();
    let (ada, bob) = (id(), id());
    let a1 = refresh(t, &ada, "2025-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    let a2 = refresh(t, &ada, "2025-01-01T00:00:01Z", "2099-01-01T00:00:00Z");
    let b1 = refresh(t, &bob, "2025-01-01T00:00:02Z", "2099-01-01T00:00:00Z");
    // The same user id in another tenant is another user.
    let x1 = refresh(&other, &ada, "2025-01-01T00:00:03Z", "2099-01-01T00:00:00Z");
    for r in [&a1, &a2, &b1, &x1] {
        s.put_refresh_token(r).await.unwrap();
    }
    // Rotation: a token is handed out once.
    assert_eq!(
        s.take_refresh_token(&a1.token_hash, NOW).await.unwrap(),
        Some(spent(&a1))
    );
    assert_eq!(
        s.take_refresh_token(&a1.token_hash, NOW).await.unwrap(),
        None
    );

    s.revoke_refresh_tokens(t, &ada).await.unwrap();
    assert_eq!(
        s.take_refresh_token(&a2.token_hash, NOW).await.unwrap(),
        None
    );
    assert_eq!(
        s.take_refresh_token(&b1.token_hash, NOW).await.unwrap(),
        Some(spent(&b1))
    );
    assert_eq!(
        s.take_refresh_token(&x1.token_hash, NOW).await.unwrap(),
        Some(spent(&x1))
    );
    // Revoking a user without tokens is fine.
    s.revoke_refresh_tokens(t, &id()).await.unwrap();
}

pub async fn expired_refresh_tokens_are_purged(s: &dyn Store, t: &str) {
    let user = id();
    let old = refresh(t, &user, "2000-01-01T00:00:00Z", "2000-01-02T00:00:00Z");
    let live = refresh(t, &user, "2000-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    s.put_refresh_token(&old).await.unwrap();
    s.put_refresh_token(&live).await.unwrap();
    // Storing a token issued after `old` expired drops `old`, not the live one.
    let new = refresh(t, &user, "2001-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    s.put_refresh_token(&new).await.unwrap();
    assert_eq!(
        s.take_refresh_token(&old.token_hash, NOW).await.unwrap(),
        None
    );
    assert_eq!(
        s.take_refresh_token(&live.token_hash, NOW).await.unwrap(),
        Some(spent(&live))
    );
    assert_eq!(
        s.take_refresh_token(&new.token_hash, NOW).await.unwrap(),
        Some(spent(&new))
    );
}

pub async fn reuse_of_a_spent_token_can_revoke_its_family(s: &dyn Store, t: &str) {
    let user = id();
    // A grant's first token starts a family; rotation hands the family on.
    // (`first` expires early, so a later put can purge its spent marker without purging
    // the tokens of cases running at the same time on a shared database.)
    let first = refresh(t, &user, "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z");
    let mut second = refresh(t, &user, "2025-01-01T00:00:01Z", "2099-01-01T00:00:00Z");
    second.family_id = first.family_id.clone();
    let mut third = refresh(t, &user, "2025-01-01T00:00:02Z", "2099-01-01T00:00:00Z");
    third.family_id = first.family_id.clone();
    // Another grant of the same user and client is another family.
    let mut other = refresh(t, &user, "2025-01-01T00:00:03Z", "2099-01-01T00:00:00Z");
    other.client_id = first.client_id.clone();
    for r in [&first, &second, &third, &other] {
        s.put_refresh_token(r).await.unwrap();
    }
    assert_eq!(
        s.refresh_token(&first.token_hash).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        s.take_refresh_token(&first.token_hash, NOW).await.unwrap(),
        Some(spent(&first))
    );
    // A spent token is still known, as spent, so reuse can be told from a made-up token.
    assert_eq!(
        s.refresh_token(&first.token_hash).await.unwrap(),
        Some(spent(&first))
    );
    assert_eq!(s.refresh_token(&id()).await.unwrap(), None);
    // A second take finds nothing and keeps the first spending time.
    assert_eq!(
        s.take_refresh_token(&first.token_hash, "2025-07-01T00:00:00Z")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.refresh_token(&first.token_hash).await.unwrap(),
        Some(spent(&first))
    );

    // Revoking the family deletes its live tokens only, and no other family's.
    assert_eq!(s.revoke_refresh_family(&first.family_id).await.unwrap(), 2);
    assert_eq!(s.refresh_token(&second.token_hash).await.unwrap(), None);
    assert_eq!(s.refresh_token(&third.token_hash).await.unwrap(), None);
    assert_eq!(
        s.take_refresh_token(&second.token_hash, NOW).await.unwrap(),
        None
    );
    assert_eq!(
        s.refresh_token(&first.token_hash).await.unwrap(),
        Some(spent(&first))
    );
    assert_eq!(
        s.refresh_token(&other.token_hash).await.unwrap(),
        Some(other.clone())
    );
    assert_eq!(s.revoke_refresh_family(&first.family_id).await.unwrap(), 0);
    assert_eq!(s.revoke_refresh_family(&id()).await.unwrap(), 0);

    // Spent markers expire like live tokens.
    let late = refresh(t, &user, "2031-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    s.put_refresh_token(&late).await.unwrap();
    assert_eq!(s.refresh_token(&first.token_hash).await.unwrap(), None);
}

pub async fn user_consents_are_per_tenant_user_and_app(s: &dyn Store, t: &str) {
    let (user, app) = (id(), id());
    assert_eq!(s.user_consent(t, &user, &app).await.unwrap(), None);
    let mut c = UserConsentRecord {
        tenant: t.into(),
        user_id: user.clone(),
        client_id: app.clone(),
        scopes: vec!["EduRoster.ReadBasic".into()],
        granted_at: "2025-01-01T00:00:00Z".into(),
    };
    s.put_user_consent(&c).await.unwrap();
    assert_eq!(
        s.user_consent(t, &user, &app).await.unwrap(),
        Some(c.clone())
    );
    // Replaced, not added to.
    c.scopes = vec!["EduRoster.ReadBasic".into(), "User.Read".into()];
    c.granted_at = "2025-01-02T00:00:00Z".into();
    s.put_user_consent(&c).await.unwrap();
    assert_eq!(s.user_consent(t, &user, &app).await.unwrap(), Some(c));
    // Another tenant, user or app has its own consent.
    assert_eq!(s.user_consent(&tenant(), &user, &app).await.unwrap(), None);
    assert_eq!(s.user_consent(t, &id(), &app).await.unwrap(), None);
    assert_eq!(s.user_consent(t, &user, &id()).await.unwrap(), None);
}
