//! Users, sessions and API tokens. Only hashes of secrets reach this module.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A stored user account.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub scope: Option<String>,
    /// When the account was disabled, if it is.
    pub disabled_at: Option<String>,
}

/// A live session: its account, its form token, and the Chinese and
/// English names of what the account is scoped to, when it is a unit, a
/// county or a program.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: UserRow,
    pub csrf_token: String,
    pub scope_name: Option<(String, Option<String>)>,
}

impl std::fmt::Debug for UserRow {
    // The hash stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// A new account to store.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub scope: Option<&'a str>,
}

const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.password_hash, u.role, u.scope, u.disabled_at";

fn user(row: &AnyRow) -> Result<UserRow, StoreError> {
    Ok(UserRow {
        id: row.try_get(0)?,
        username: row.try_get(1)?,
        display_name: row.try_get(2)?,
        password_hash: row.try_get(3)?,
        role: row.try_get(4)?,
        scope: row.try_get(5)?,
        disabled_at: row.try_get(6)?,
    })
}

impl Store {
    /// Adds a user, with its audit event; `None` when the username is taken.
    pub async fn insert_user(
        &self,
        new: &NewUser<'_>,
        actor: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query("SELECT 1 FROM app_user WHERE username = $1")
            .bind(new.username.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if taken {
            return Ok(None);
        }
        let at = audit::now();
        sqlx::query(
            "INSERT INTO app_user (username, display_name, password_hash, role, scope, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new.username.to_string())
        .bind(new.display_name.to_string())
        .bind(new.password_hash.to_string())
        .bind(new.role.to_string())
        .bind(new.scope.map(str::to_string))
        .bind(at.clone())
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM app_user WHERE username = $1")
            .bind(new.username.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let after = serde_json::json!({
            "username": new.username, "display_name": new.display_name, "role": new.role, "scope": new.scope,
        });
        audit::write(
            &mut tx,
            &at,
            AuditEvent {
                actor,
                action: "create",
                entity: "app_user",
                entity_key: new.username,
                program: None,
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// A user by username.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_user u WHERE u.username = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user).transpose()
    }

    /// All users, by username.
    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_user u ORDER BY u.username");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user).collect()
    }

    /// The names of what each account is scoped to (its unit, county or
    /// program), Chinese and English, by user name.
    pub async fn scope_names(
        &self,
    ) -> Result<std::collections::HashMap<String, (String, Option<String>)>, StoreError> {
        let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT u.username, COALESCE(su.name_zh, sp.name_zh, sr.name_zh), COALESCE(su.name_en, sp.name_en, sr.name_en) \
             FROM app_user u \
             LEFT JOIN unit su ON u.role = 'helper_unit' AND su.code = u.scope \
             LEFT JOIN program sp ON u.role = 'program_office' AND sp.code = u.scope \
             LEFT JOIN region sr ON u.role = 'helped_county' AND sr.code = u.scope \
               AND sr.valid_from = (SELECT MAX(x.valid_from) FROM region x WHERE x.code = u.scope) \
             WHERE u.scope IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(user, zh, en)| Some((user, (zh?, en))))
            .collect())
    }

    /// Stores a new session, with its sign-in event (who, from where).
    pub async fn insert_session(
        &self,
        id_hash: &str,
        user: &UserRow,
        csrf_token: &str,
        expires_at: &str,
        client: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        sqlx::query(
            "INSERT INTO user_session (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash.to_string())
        .bind(user.id)
        .bind(csrf_token.to_string())
        .bind(at.clone())
        .bind(expires_at.to_string())
        .execute(&mut *tx)
        .await?;
        access_event(&mut tx, &at, &user.username, "sign_in", client).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records who came or went, or tried to (a failed sign-in names the
    /// user name tried, never the password), and from where.
    pub async fn record_access(
        &self,
        username: &str,
        action: &str,
        client: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        access_event(&mut tx, &audit::now(), username, action, client).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts one more attempt under each key (`user:NAME`, `address:IP`,
    /// …) in one transaction, and gives, for each, the attempts since
    /// `fresh_since` (older counts start again) with this one, and the time
    /// it is locked until, if it is (a lock that has ended is lifted and
    /// the count starts again). One statement a key: attempts made at the
    /// same moment each count.
    pub async fn count_attempts(
        &self,
        keys: &[String],
        now: &str,
        fresh_since: &str,
    ) -> Result<Vec<(u32, Option<String>)>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let row = sqlx::query(
                "INSERT INTO signin_attempt (attempt_key, attempts, last_at) VALUES ($1, 1, $2) \
                 ON CONFLICT (attempt_key) DO UPDATE SET \
                 attempts = CASE WHEN signin_attempt.last_at < $3 OR signin_attempt.locked_until <= $2 \
                 THEN 1 ELSE signin_attempt.attempts + 1 END, \
                 locked_until = CASE WHEN signin_attempt.locked_until <= $2 THEN NULL ELSE signin_attempt.locked_until END, \
                 last_at = excluded.last_at \
                 RETURNING attempts, locked_until",
            )
            .bind(key.clone())
            .bind(now.to_string())
            .bind(fresh_since.to_string())
            .fetch_one(&mut *tx)
            .await?;
            let attempts: i64 = row.try_get(0)?;
            let locked: Option<String> = row.try_get(1)?;
            out.push((u32::try_from(attempts).unwrap_or(u32::MAX), locked));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Locks a key until a time, with an audit event of who (the name
    /// tried) and from where.
    pub async fn lock_attempts(
        &self,
        key: &str,
        until: &str,
        username: &str,
        client: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE signin_attempt SET locked_until = $2 WHERE attempt_key = $1")
            .bind(key.to_string())
            .bind(until.to_string())
            .execute(&mut *tx)
            .await?;
        access_event(&mut tx, &audit::now(), username, "sign_in_locked", client).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The keys locked at `now` that start with `prefix` (`user:` for
    /// names), with the time each lock ends.
    pub async fn locked_attempt_keys(
        &self,
        prefix: &str,
        now: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT attempt_key, locked_until FROM signin_attempt \
             WHERE substr(attempt_key, 1, length($1)) = $1 AND locked_until > $2 ORDER BY attempt_key",
        )
        .bind(prefix.to_string())
        .bind(now.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// An administrator lifts a lock before it ends: the key's attempts are
    /// forgotten, with an audit event of who lifted it and from where.
    pub async fn unlock_attempts(
        &self,
        key: &str,
        username: &str,
        actor: &str,
        client: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM signin_attempt WHERE attempt_key = $1")
            .bind(key.to_string())
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({ "client": client, "by": actor });
        audit::write_access(
            &mut tx,
            &audit::now(),
            AuditEvent {
                actor,
                action: "sign_in_unlocked",
                entity: "account",
                entity_key: username,
                program: None,
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// After a success: forgets the attempts under `forget` and takes this
    /// one back from `uncount` (an address is not cleared by one account
    /// signing in, but its own successful attempt does not count against it).
    pub async fn attempt_succeeded(&self, forget: &str, uncount: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM signin_attempt WHERE attempt_key = $1")
            .bind(forget.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE signin_attempt SET attempts = attempts - 1 WHERE attempt_key = $1 AND attempts > 0",
        )
        .bind(uncount.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user and CSRF token of a session that has not expired at `now`.
    pub async fn session(
        &self,
        id_hash: &str,
        now: &str,
    ) -> Result<Option<SessionRow>, StoreError> {
        // With the name of what the account is scoped to (its unit, county
        // or program), for the page header: in the same round trip.
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, \
               COALESCE(su.name_zh, sp.name_zh, sr.name_zh), COALESCE(su.name_en, sp.name_en, sr.name_en) \
             FROM user_session s JOIN app_user u ON u.id = s.user_id \
             LEFT JOIN unit su ON u.role = 'helper_unit' AND su.code = u.scope \
             LEFT JOIN program sp ON u.role = 'program_office' AND sp.code = u.scope \
             LEFT JOIN region sr ON u.role = 'helped_county' AND sr.code = u.scope \
               AND sr.valid_from = (SELECT MAX(x.valid_from) FROM region x WHERE x.code = u.scope) \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_hash.to_string())
            .bind(now.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(SessionRow {
                user: user(&r)?,
                csrf_token: r.try_get(7)?,
                scope_name: match r.try_get::<Option<String>, _>(8)? {
                    Some(zh) => Some((zh, r.try_get::<Option<String>, _>(9)?)),
                    None => None,
                },
            })),
        }
    }

    /// Ends a session (with its sign-out event), and any that have expired.
    pub async fn delete_session(
        &self,
        id_hash: &str,
        now: &str,
        client: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // The write first: on SQLite a transaction that read before writing
        // may find the database moved on and fail.
        let user_id: Option<i64> =
            sqlx::query_scalar("DELETE FROM user_session WHERE id_hash = $1 RETURNING user_id")
                .bind(id_hash.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query("DELETE FROM user_session WHERE expires_at <= $1")
            .bind(now.to_string())
            .execute(&mut *tx)
            .await?;
        let who: Option<String> = match user_id {
            Some(id) => {
                sqlx::query_scalar("SELECT username FROM app_user WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => None,
        };
        if let Some(who) = who {
            access_event(&mut tx, now, &who, "sign_out", client).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores an API token for a user, ending at `expires_at`, with its
    /// audit event (the name, never the token).
    pub async fn insert_api_token(
        &self,
        token_hash: &str,
        user_id: i64,
        name: &str,
        expires_at: &str,
        actor: &str,
        client: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        sqlx::query(
            "INSERT INTO api_token (token_hash, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash.to_string())
        .bind(user_id)
        .bind(name.to_string())
        .bind(at.clone())
        .bind(expires_at.to_string())
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({ "name": name, "user_id": user_id, "expires_at": expires_at, "client": client });
        audit::write_access(
            &mut tx,
            &at,
            AuditEvent {
                actor,
                action: "create",
                entity: "api_token",
                entity_key: name,
                program: None,
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user an API token belongs to, with the token as stored.
    pub async fn user_for_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(UserRow, TokenRow)>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, {TOKEN_COLUMNS} FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE t.token_hash = $1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((user(&r)?, token(&r, 7)?))),
        }
    }

    /// Notes that a token was used at `now`.
    pub async fn token_used(&self, id: i64, now: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_token SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now.to_string())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Tokens, newest first: one user's, or everyone's.
    pub async fn api_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenRow>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_token t JOIN app_user u ON u.id = t.user_id \
             WHERE ($1 = 0 OR t.user_id = $1) ORDER BY t.id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user_id.unwrap_or(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| token(r, 0)).collect()
    }

    /// Revokes a token (of `owner`, unless `None`: any), with its audit
    /// event; `false` when there is no such token still in force.
    pub async fn revoke_api_token(
        &self,
        id: i64,
        owner: Option<i64>,
        actor: &str,
        client: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        let done = sqlx::query(
            "UPDATE api_token SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL AND ($3 = 0 OR user_id = $3)",
        )
        .bind(id)
        .bind(at.clone())
        .bind(owner.unwrap_or(0))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        let key = id.to_string();
        let after = serde_json::json!({ "revoked_at": at, "client": client });
        audit::write_access(
            &mut tx,
            &at,
            AuditEvent {
                actor,
                action: "revoke",
                entity: "api_token",
                entity_key: &key,
                program: None,
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// What a role's scope names: a program, a unit or a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Program,
    Unit,
    Region,
    Group,
}

impl Store {
    /// Whether the program, unit or region a role is kept to exists.
    pub async fn scope_exists(&self, kind: ScopeKind, code: &str) -> Result<bool, StoreError> {
        let sql = match kind {
            ScopeKind::Program => "SELECT COUNT(*) FROM program WHERE code = $1",
            ScopeKind::Unit => "SELECT COUNT(*) FROM unit WHERE code = $1",
            ScopeKind::Region => "SELECT COUNT(*) FROM region WHERE code = $1",
            ScopeKind::Group => "SELECT COUNT(*) FROM program_group WHERE code = $1",
        };
        let n: i64 = sqlx::query_scalar(sql)
            .bind(code.to_string())
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Disables or enables an account, with its audit event. Disabling
    /// ends its sessions and revokes its tokens in the same transaction.
    /// `false` when there is no such user.
    pub async fn set_user_disabled(
        &self,
        username: &str,
        disabled: bool,
        actor: &str,
        client: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        let Some(id) = user_id(&mut tx, username).await? else {
            return Ok(false);
        };
        sqlx::query("UPDATE app_user SET disabled_at = $2 WHERE id = $1")
            .bind(id)
            .bind(disabled.then(|| at.clone()))
            .execute(&mut *tx)
            .await?;
        if disabled {
            end_access(&mut tx, id, &at).await?;
        }
        let after = serde_json::json!({ "disabled": disabled, "client": client });
        user_event(
            &mut tx,
            &at,
            actor,
            if disabled { "disable" } else { "enable" },
            username,
            None,
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Changes an account's role and scope, with its audit event (before
    /// and after). Its sessions end, so that no page goes on with the old role.
    pub async fn set_user_role(
        &self,
        username: &str,
        role: &str,
        scope: Option<&str>,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        let row: Option<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, role, scope FROM app_user WHERE username = $1")
                .bind(username.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some((id, old_role, old_scope)) = row else {
            return Ok(false);
        };
        sqlx::query("UPDATE app_user SET role = $2, scope = $3 WHERE id = $1")
            .bind(id)
            .bind(role.to_string())
            .bind(scope.map(str::to_string))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_session WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let before = serde_json::json!({ "role": old_role, "scope": old_scope });
        let after = serde_json::json!({ "role": role, "scope": scope });
        user_event(
            &mut tx,
            &at,
            actor,
            "set_role",
            username,
            Some(&before),
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sets an account's password hash, with its audit event (never the
    /// hash). Its sessions end but `keep` (the one changing its own password).
    pub async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        keep_session: Option<&str>,
        actor: &str,
        client: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        let Some(id) = user_id(&mut tx, username).await? else {
            return Ok(false);
        };
        sqlx::query("UPDATE app_user SET password_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(password_hash.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_session WHERE user_id = $1 AND id_hash <> $2")
            .bind(id)
            .bind(keep_session.unwrap_or_default().to_string())
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({ "password": "changed", "client": client });
        let action = if actor == username {
            "change_password"
        } else {
            "reset_password"
        };
        user_event(&mut tx, &at, actor, action, username, None, &after).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// An account's id, read within the write that changes it.
async fn user_id(
    conn: &mut sqlx::AnyConnection,
    username: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM app_user WHERE username = $1")
            .bind(username.to_string())
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Ends an account's sessions and revokes its tokens.
async fn end_access(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM user_session WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE api_token SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .bind(at.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An audit event on an account.
async fn user_event(
    conn: &mut sqlx::AnyConnection,
    at: &str,
    actor: &str,
    action: &str,
    username: &str,
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
) -> Result<(), StoreError> {
    audit::write_access(
        conn,
        at,
        AuditEvent {
            actor,
            action,
            entity: "app_user",
            entity_key: username,
            program: None,
            before,
            after: Some(after),
        },
    )
    .await
}

/// A token as stored (never the token itself), with its owner's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// Where a token stands at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStanding {
    InForce,
    Revoked,
    Expired,
}

impl TokenRow {
    /// Revoked, past its end at `now` (RFC 3339, UTC), or in force.
    pub fn standing(&self, now: &str) -> TokenStanding {
        if self.revoked_at.is_some() {
            TokenStanding::Revoked
        } else if self.expires_at.as_deref().is_some_and(|e| e <= now) {
            TokenStanding::Expired
        } else {
            TokenStanding::InForce
        }
    }
}

const TOKEN_COLUMNS: &str =
    "t.id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at";

fn token(row: &AnyRow, at: usize) -> Result<TokenRow, StoreError> {
    Ok(TokenRow {
        id: row.try_get(at)?,
        username: row.try_get(at + 1)?,
        name: row.try_get(at + 2)?,
        created_at: row.try_get(at + 3)?,
        expires_at: row.try_get(at + 4)?,
        revoked_at: row.try_get(at + 5)?,
        last_used_at: row.try_get(at + 6)?,
    })
}

/// One access event: `action` by `username` from `client`.
async fn access_event(
    conn: &mut sqlx::AnyConnection,
    at: &str,
    username: &str,
    action: &str,
    client: &str,
) -> Result<(), StoreError> {
    let after = serde_json::json!({ "client": client });
    audit::write_access(
        conn,
        at,
        AuditEvent {
            actor: username,
            action,
            entity: "account",
            entity_key: username,
            program: None,
            before: None,
            after: Some(&after),
        },
    )
    .await
}
