//! Single-use authorization codes and rotating refresh tokens.

use std::sync::Arc;

use crate::support::{id, tenant};
use edugraph_store::{AuthCodeRecord, RefreshTokenRecord, Store};
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
    let takes = (0..8).map(|_| s.take_refresh_token(&r.token_hash));
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
        s.take_refresh_token(&a1.token_hash).await.unwrap(),
        Some(a1.clone())
    );
    assert_eq!(s.take_refresh_token(&a1.token_hash).await.unwrap(), None);

    s.revoke_refresh_tokens(t, &ada).await.unwrap();
    assert_eq!(s.take_refresh_token(&a2.token_hash).await.unwrap(), None);
    assert_eq!(
        s.take_refresh_token(&b1.token_hash).await.unwrap(),
        Some(b1)
    );
    assert_eq!(
        s.take_refresh_token(&x1.token_hash).await.unwrap(),
        Some(x1)
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
    assert_eq!(s.take_refresh_token(&old.token_hash).await.unwrap(), None);
    assert_eq!(
        s.take_refresh_token(&live.token_hash).await.unwrap(),
        Some(live)
    );
    assert_eq!(
        s.take_refresh_token(&new.token_hash).await.unwrap(),
        Some(new)
    );
}
