//! `identity_store_impl!`, the one implementation of [`IdentityStore`] both backends
//! expand, over the SQL of `identity::sql`. A backend supplies only how it opens a write
//! transaction: `global_write()` for identity rows (none feeds `delta()`, so no tenant
//! lock), and `audit_write()` for audit appends, which must commit in the order of their
//! sequence numbers so that a reader paging with `after` never skips one that commits late
//! (SQLite's one writer orders them already; PostgreSQL takes a server-wide lock). Each
//! returns `(guard, transaction)`, the guard held until the transaction ends.
//!
//! The single-use takes are one statement each (`DELETE ... RETURNING` for a code,
//! `UPDATE ... WHERE spent_at IS NULL RETURNING` for a refresh token): of two concurrent
//! takes, the second finds nothing, on either backend and across processes.
//!
//! [`IdentityStore`]: crate::identity::IdentityStore

/// Implements `IdentityStore` for a backend type with a `pool`, `global_write()` and
/// `audit_write()` (see the module documentation).
macro_rules! identity_store_impl {
    ($store:ty) => {
        // A block of its own, so that the imports stay out of the backend's module.
        const _: () = {
            use $crate::identity::sql::{self, list_text};
            use $crate::identity::{
                AppRecord, AppSecretRecord, AuditRecord, AuthCodeRecord, GrantRecord,
                IdentityStore, RefreshTokenRecord, UserConsentRecord,
            };
            use $crate::{Result, StoreError};

            #[async_trait::async_trait]
            impl IdentityStore for $store {
                async fn put_app(&self, app: &AppRecord) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    let done = sqlx::query(sql::INSERT_APP)
                        .bind(&app.client_id)
                        .bind(&app.home_tenant)
                        .bind(&app.display_name)
                        .bind(list_text(&app.redirect_uris))
                        .bind(list_text(&app.app_permissions))
                        .bind(list_text(&app.delegated_permissions))
                        .bind(&app.created_at)
                        .bind(app.public_client)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict("clientId".into()));
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn app(&self, client_id: &str) -> Result<Option<AppRecord>> {
                    let row: Option<sql::AppRow> = sqlx::query_as(&sql::app_sql())
                        .bind(client_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(sql::app_from).transpose()
                }

                async fn apps(&self, home_tenant: Option<&str>) -> Result<Vec<AppRecord>> {
                    let rows: Vec<sql::AppRow> = match home_tenant {
                        Some(t) => {
                            sqlx::query_as(&sql::tenant_apps_sql())
                                .bind(t)
                                .fetch_all(&self.pool)
                                .await?
                        }
                        None => {
                            sqlx::query_as(&sql::all_apps_sql())
                                .fetch_all(&self.pool)
                                .await?
                        }
                    };
                    rows.into_iter().map(sql::app_from).collect()
                }

                async fn add_app_secret(&self, s: &AppSecretRecord) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    let app: Option<i32> = sqlx::query_scalar(sql::APP_EXISTS)
                        .bind(&s.client_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if app.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    let done = sqlx::query(sql::INSERT_SECRET)
                        .bind(&s.client_id)
                        .bind(&s.secret_id)
                        .bind(&s.hash)
                        .bind(&s.hint)
                        .bind(&s.created_at)
                        .bind(&s.expires_at)
                        .bind(&s.revoked_at)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict("secretId".into()));
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn app_secrets(&self, client_id: &str) -> Result<Vec<AppSecretRecord>> {
                    let rows: Vec<sql::SecretRow> = sqlx::query_as(sql::SECRETS)
                        .bind(client_id)
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(rows.into_iter().map(sql::secret_from).collect())
                }

                async fn revoke_app_secret(
                    &self,
                    client_id: &str,
                    secret_id: &str,
                    at: &str,
                ) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    let done = sqlx::query(sql::REVOKE_SECRET)
                        .bind(client_id)
                        .bind(secret_id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn put_grant(&self, g: &GrantRecord) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    sqlx::query(sql::PUT_GRANT)
                        .bind(&g.tenant)
                        .bind(&g.client_id)
                        .bind(list_text(&g.permissions))
                        .bind(&g.granted_by)
                        .bind(&g.granted_at)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn grant(
                    &self,
                    tenant: &str,
                    client_id: &str,
                ) -> Result<Option<GrantRecord>> {
                    let row: Option<sql::GrantRow> = sqlx::query_as(sql::GRANT)
                        .bind(tenant)
                        .bind(client_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(sql::grant_from).transpose()
                }

                async fn delete_grant(&self, tenant: &str, client_id: &str) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    sqlx::query(sql::DELETE_GRANT)
                        .bind(tenant)
                        .bind(client_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn put_user_consent(&self, c: &UserConsentRecord) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    sqlx::query(sql::PUT_CONSENT)
                        .bind(&c.tenant)
                        .bind(&c.user_id)
                        .bind(&c.client_id)
                        .bind(list_text(&c.scopes))
                        .bind(&c.granted_at)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn user_consent(
                    &self,
                    tenant: &str,
                    user_id: &str,
                    client_id: &str,
                ) -> Result<Option<UserConsentRecord>> {
                    let row: Option<sql::ConsentRow> = sqlx::query_as(sql::CONSENT)
                        .bind(tenant)
                        .bind(user_id)
                        .bind(client_id)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(sql::consent_from).transpose()
                }

                async fn put_auth_code(&self, c: &AuthCodeRecord) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    sqlx::query(sql::PUT_CODE)
                        .bind(&c.code_hash)
                        .bind(&c.tenant)
                        .bind(&c.client_id)
                        .bind(&c.user_id)
                        .bind(&c.redirect_uri)
                        .bind(list_text(&c.scopes))
                        .bind(&c.code_challenge)
                        .bind(&c.challenge_method)
                        .bind(&c.nonce)
                        .bind(&c.expires_at)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn take_auth_code(&self, code_hash: &str) -> Result<Option<AuthCodeRecord>> {
                    let (_turn, mut tx) = self.global_write().await?;
                    let row: Option<sql::CodeRow> = sqlx::query_as(sql::TAKE_CODE)
                        .bind(code_hash)
                        .fetch_optional(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    row.map(sql::code_from).transpose()
                }

                async fn put_refresh_token(&self, t: &RefreshTokenRecord) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    sqlx::query(sql::PURGE_REFRESH)
                        .bind(&t.issued_at)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sql::PUT_REFRESH)
                        .bind(&t.token_hash)
                        .bind(&t.tenant)
                        .bind(&t.client_id)
                        .bind(&t.user_id)
                        .bind(list_text(&t.scopes))
                        .bind(&t.issued_at)
                        .bind(&t.expires_at)
                        .bind(&t.family_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn refresh_token(
                    &self,
                    token_hash: &str,
                ) -> Result<Option<RefreshTokenRecord>> {
                    let row: Option<sql::RefreshRow> = sqlx::query_as(&sql::refresh_sql())
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(sql::refresh_from).transpose()
                }

                async fn take_refresh_token(
                    &self,
                    token_hash: &str,
                    at: &str,
                ) -> Result<Option<RefreshTokenRecord>> {
                    let (_turn, mut tx) = self.global_write().await?;
                    let row: Option<sql::RefreshRow> = sqlx::query_as(&sql::take_refresh_sql())
                        .bind(token_hash)
                        .bind(at)
                        .fetch_optional(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    row.map(sql::refresh_from).transpose()
                }

                async fn revoke_refresh_family(&self, family_id: &str) -> Result<u64> {
                    let (_turn, mut tx) = self.global_write().await?;
                    let done = sqlx::query(sql::REVOKE_FAMILY)
                        .bind(family_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected())
                }

                async fn revoke_refresh_tokens(&self, tenant: &str, user_id: &str) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    sqlx::query(sql::REVOKE_REFRESH)
                        .bind(tenant)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn append_audit(&self, r: &AuditRecord) -> Result<i64> {
                    let (_turn, mut tx) = self.audit_write().await?;
                    let seq: i64 = sqlx::query_scalar(sql::APPEND_AUDIT)
                        .bind(&r.tenant)
                        .bind(&r.at)
                        .bind(&r.actor)
                        .bind(&r.action)
                        .bind(&r.target)
                        .bind(&r.outcome)
                        .bind(&r.client_ip)
                        .bind(r.detail.to_string())
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(seq)
                }

                async fn audit(
                    &self,
                    tenant: Option<&str>,
                    after_seq: i64,
                    limit: u32,
                ) -> Result<Vec<AuditRecord>> {
                    let rows: Vec<sql::AuditRow> = match tenant {
                        Some(t) => {
                            sqlx::query_as(&sql::audit_tenant_sql())
                                .bind(after_seq)
                                .bind(i64::from(limit))
                                .bind(t)
                                .fetch_all(&self.pool)
                                .await?
                        }
                        None => {
                            sqlx::query_as(&sql::audit_all_sql())
                                .bind(after_seq)
                                .bind(i64::from(limit))
                                .fetch_all(&self.pool)
                                .await?
                        }
                    };
                    rows.into_iter().map(sql::audit_from).collect()
                }

                async fn retire_signing_key(&self, kid: &str, at: &str) -> Result<()> {
                    let (_turn, mut tx) = self.global_write().await?;
                    let done = sqlx::query(sql::RETIRE_KEY)
                        .bind(kid)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    tx.commit().await?;
                    Ok(())
                }
            }
        };
    };
}
pub(crate) use identity_store_impl;
