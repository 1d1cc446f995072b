//! The housekeeping purge: expired codes and refresh tokens (spent markers too) and old
//! finished jobs go; everything live stays.

use crate::cases::{claim, kind, new_job, success, T0};
use crate::support::{id, tenant};
use edugraph_store::{AuthCodeRecord, JobState, RefreshTokenRecord, Store};
use time::{Duration, OffsetDateTime};

/// The identity records' time shape (seven fraction digits).
fn stamp(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z"
    );
    at.format(&format).unwrap()
}

fn code(t: &str, expires: OffsetDateTime) -> AuthCodeRecord {
    AuthCodeRecord {
        code_hash: id(),
        tenant: t.into(),
        client_id: id(),
        user_id: id(),
        redirect_uri: "http://localhost/cb".into(),
        scopes: vec![],
        code_challenge: None,
        challenge_method: None,
        nonce: None,
        expires_at: stamp(expires),
    }
}

fn refresh(t: &str, issued: OffsetDateTime, expires: OffsetDateTime) -> RefreshTokenRecord {
    RefreshTokenRecord {
        token_hash: id(),
        tenant: t.into(),
        client_id: id(),
        user_id: id(),
        scopes: vec![],
        issued_at: stamp(issued),
        expires_at: stamp(expires),
        family_id: id(),
        spent_at: None,
    }
}

pub async fn purge_deletes_expired_codes_tokens_and_old_jobs(s: &dyn Store) {
    let t = tenant();
    // "Now" for the purge lies in the far future of every other case's records except
    // the live ones made here, which expire later still.
    let now = T0 + Duration::days(3650);
    let (past, future) = (now - Duration::seconds(1), now + Duration::hours(1));
    let (old_code, live_code) = (code(&t, past), code(&t, future));
    s.put_auth_code(&old_code).await.unwrap();
    s.put_auth_code(&live_code).await.unwrap();
    let issued = now - Duration::days(1);
    let (old_token, spent_token, live_token) = (
        refresh(&t, issued, past),
        refresh(&t, issued, past),
        refresh(&t, issued, future),
    );
    for r in [&old_token, &spent_token, &live_token] {
        s.put_refresh_token(r).await.unwrap();
    }
    s.take_refresh_token(&spent_token.token_hash, &stamp(issued))
        .await
        .unwrap()
        .unwrap();

    // Finished jobs: one old, one recent; an old queued one is pending and stays.
    // The retention bound lies before every other case's jobs (they run from T0 on, in
    // parallel on a shared PostgreSQL database), so this purge removes only its own.
    let k = kind();
    let retention = T0 - Duration::days(7);
    let mut ids = Vec::new();
    for at in [retention - Duration::seconds(1), retention] {
        let id = s.enqueue(&new_job(&k, at), at).await.unwrap().unwrap();
        let job = claim(s, &k, at, 1).await.remove(0);
        s.finish_job(&success(&job, at)).await.unwrap();
        ids.push(id);
    }
    let pending = s
        .enqueue(&new_job(&k, now + Duration::days(1)), T0)
        .await
        .unwrap()
        .unwrap();

    let purged = s.purge_expired(now, retention).await.unwrap();
    // Other cases (sharing a PostgreSQL database) may have had expired records too.
    assert!(purged.auth_codes >= 1, "{purged:?}");
    assert!(purged.refresh_tokens >= 2, "{purged:?}");
    assert!(purged.jobs >= 1, "{purged:?}");

    assert_eq!(s.take_auth_code(&old_code.code_hash).await.unwrap(), None);
    assert!(s
        .take_auth_code(&live_code.code_hash)
        .await
        .unwrap()
        .is_some());
    for gone in [&old_token, &spent_token] {
        assert_eq!(s.refresh_token(&gone.token_hash).await.unwrap(), None);
    }
    assert!(s
        .refresh_token(&live_token.token_hash)
        .await
        .unwrap()
        .is_some());
    assert_eq!(s.job(ids[0]).await.unwrap(), None);
    assert_eq!(
        s.job(ids[1]).await.unwrap().map(|j| j.state),
        Some(JobState::Succeeded)
    );
    assert_eq!(
        s.job(pending).await.unwrap().map(|j| j.state),
        Some(JobState::Queued)
    );
}
