//! Accounts: adding users, signing in and out, sessions and API tokens.
//! Passwords are argon2id-hashed off the async workers; session ids and
//! tokens are random and only their SHA-256 hashes are stored.

use crate::App;
use crate::access::{Actor, Role};
use crate::error::AppError;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;
use twinaid_domain::DomainError;
use twinaid_store::{NewUser, TokenRow, TokenStanding, UserRow};

/// How long a session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;

/// A secret handed to the user once (a session id or an API token); never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A signed-in session: who, and the token forms must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf_token: String,
    /// The account's display name.
    pub display_name: String,
    /// What the account is scoped to, by name (Chinese, English), if anything.
    pub scope_name: Option<(String, Option<String>)>,
}

/// How long an API token lasts unless its maker says otherwise.
pub const TOKEN_DAYS: i64 = 90;

/// What a bearer token turned out to be.
#[derive(Debug, Clone)]
pub enum TokenCheck {
    Valid(Actor),
    /// No such token.
    Unknown,
    Revoked,
    Expired,
}

/// When sign-in attempts (and bad API tokens) are refused for a while:
/// settings of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigninLimits {
    /// Failures under one user name before it is locked.
    pub per_user: u32,
    /// Failures from one address (any names, and bad tokens) before it is locked.
    pub per_address: u32,
    /// How long a lock lasts, and how long failures are remembered.
    pub lock_minutes: u32,
}

impl Default for SigninLimits {
    fn default() -> Self {
        SigninLimits {
            per_user: 10,
            per_address: 30,
            lock_minutes: 15,
        }
    }
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// How long an attempt waits, `attempts` being those since the last
/// success with this one: no wait for the first three, then half a second
/// more each time, up to five.
fn delay_after(attempts: u32) -> Duration {
    Duration::from_millis(
        u64::from(attempts.saturating_sub(3))
            .saturating_mul(500)
            .min(5_000),
    )
}

fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `token` is shaped as the tokens made here: `twa_` and 32
/// random bytes in hex.
fn is_token_shape(token: &str) -> bool {
    token.strip_prefix("twa_").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A token's name is given (at most 100 characters, no control
/// characters) and it ends within ten years.
fn check_token_request(name: &str, days: i64) -> Result<(), AppError> {
    if !(1..=3650).contains(&days) {
        return Err(AppError::Field(
            "days",
            DomainError::UnknownChoice {
                value: days.to_string(),
                allowed: vec!["1 – 3650"],
            },
        ));
    }
    let name = name.trim();
    twinaid_domain::record::refuse_control(name).map_err(|e| AppError::Field("name", e))?;
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Field("name", DomainError::Required));
    }
    Ok(())
}

/// The stored form of a session id or token.
pub(crate) fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn actor_of(row: &UserRow) -> Result<Actor, AppError> {
    let role = Role::from_stored(&row.role, row.scope.as_deref()).ok_or_else(|| {
        AppError::Internal(format!(
            "user {} has unknown role {}",
            row.username, row.role
        ))
    })?;
    Ok(Actor {
        name: row.username.clone(),
        role,
    })
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl App {
    /// Adds a user with a password (at least 10 characters); only administrators may.
    pub async fn add_user(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        password: &str,
        role: &Role,
    ) -> Result<(), AppError> {
        actor.require_admin()?;
        self.check_scope(role).await?;
        let username = twinaid_domain::record::parse_code(username)
            .map_err(|e| AppError::Field("username", e))?;
        if password.chars().count() < 10 {
            return Err(AppError::Field(
                "password",
                DomainError::PasswordTooShort(10),
            ));
        }
        let password = password.to_string();
        let hash = tokio::task::spawn_blocking(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("cannot hash password: {e}")))?;
        let (role_code, scope) = role.to_stored();
        let new = NewUser {
            username: &username,
            display_name,
            password_hash: &hash,
            role: role_code,
            scope: scope.as_deref(),
        };
        match self.store.insert_user(&new, &actor.name).await? {
            Some(_) => Ok(()),
            None => Err(AppError::Field(
                "username",
                DomainError::DuplicateKey(username),
            )),
        }
    }

    /// Checks a password and opens a session; a wrong name or password gives
    /// the same answer, later each time it is repeated.
    /// Every attempt is an audit event with the client's address: the name
    /// tried on failure, never the password.
    #[tracing::instrument(level = "info", skip_all, fields(client))]
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<(Secret, Session), AppError> {
        // What was typed as a name, cut to a sane length.
        let tried: String = username.trim().chars().take(100).collect();
        let (user_key, address_key) = (
            format!("user:{}", tried.to_lowercase()),
            format!("address:{client}"),
        );
        // Counted in the database before the password is checked, so that
        // attempts in parallel, or on another server, wait and are locked
        // as their count says; a locked name or address is refused even
        // with the right password.
        let attempts = self
            .guard(
                &[
                    (user_key.clone(), self.signin.per_user),
                    (address_key.clone(), self.signin.per_address),
                ],
                &tried,
                client,
            )
            .await?;
        tokio::time::sleep(delay_after(attempts)).await;
        let user = self.store.user_by_username(username.trim()).await?;
        let password = password.to_string();
        let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
        let verified = tokio::task::spawn_blocking(move || match stored_hash {
            Some(h) => PasswordHash::new(&h).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            }),
            None => {
                // Spend the same work on an unknown name, so timing does not tell which names exist.
                let _ = Argon2::default().hash_password(password.as_bytes());
                false
            }
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        // A disabled account is refused as a wrong password is: nothing told.
        let user = user.filter(|u| u.disabled_at.is_none());
        let (true, Some(user)) = (verified, user) else {
            self.store
                .record_access(&tried, "sign_in_failed", client)
                .await?;
            return Err(AppError::BadCredentials);
        };
        self.store
            .attempt_succeeded(&user_key, &address_key)
            .await?;
        let actor = self.with_members(actor_of(&user)?).await?;
        let token = random_hex(32)?;
        let csrf_token = random_hex(32)?;
        let expires = (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.store
            .insert_session(&hash_secret(&token), &user, &csrf_token, &expires, client)
            .await?;
        tracing::info!(user = %user.username, "signed in");
        Ok((
            Secret(token),
            Session {
                actor,
                csrf_token,
                display_name: user.display_name,
                // The pages read it with the session on the next request.
                scope_name: None,
            },
        ))
    }

    /// The session a cookie names, if it is still open.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, AppError> {
        match self.store.session(&hash_secret(token), &now()).await? {
            None => Ok(None),
            Some(row) => Ok(Some(Session {
                actor: self.with_members(actor_of(&row.user)?).await?,
                csrf_token: row.csrf_token,
                display_name: row.user.display_name,
                scope_name: row.scope_name,
            })),
        }
    }

    /// Ends a session; the sign-out is an audit event with the client's address.
    pub async fn sign_out(&self, token: &str, client: &str) -> Result<(), AppError> {
        Ok(self
            .store
            .delete_session(&hash_secret(token), &now(), client)
            .await?)
    }

    /// Creates an API token for the acting user; the token is shown once.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        client: &str,
    ) -> Result<Secret, AppError> {
        self.create_api_token_for(actor, name, TOKEN_DAYS, client)
            .await
    }

    /// Creates an API token that ends after `days` (1 to 3,650); it acts as
    /// its owner, so it can do no more than they can.
    pub async fn create_api_token_for(
        &self,
        actor: &Actor,
        name: &str,
        days: i64,
        client: &str,
    ) -> Result<Secret, AppError> {
        check_token_request(name, days)?;
        let name = name.trim();
        let user = self
            .store
            .user_by_username(&actor.name)
            .await?
            .ok_or(AppError::Forbidden)?;
        self.make_api_token(&user, name, days, &actor.name, client)
            .await
    }

    /// An administrator makes a token for an account (a script's own, say),
    /// shown once; it acts as that account.
    pub async fn create_api_token_for_user(
        &self,
        actor: &Actor,
        username: &str,
        name: &str,
        days: i64,
        client: &str,
    ) -> Result<Secret, AppError> {
        actor.require_admin()?;
        let user = self
            .store
            .user_by_username(username)
            .await?
            .ok_or_else(|| {
                AppError::NotFound(DomainError::UnknownReference {
                    kind: "user",
                    code: username.to_string(),
                })
            })?;
        if user.disabled_at.is_some() {
            return Err(AppError::Field(
                "username",
                DomainError::UnknownReference {
                    kind: "user",
                    code: username.to_string(),
                },
            ));
        }
        check_token_request(name, days)?;
        self.make_api_token(&user, name.trim(), days, &actor.name, client)
            .await
    }

    async fn make_api_token(
        &self,
        user: &UserRow,
        name: &str,
        days: i64,
        by: &str,
        client: &str,
    ) -> Result<Secret, AppError> {
        let token = format!("twa_{}", random_hex(32)?);
        let expires = stamp(chrono::Utc::now() + chrono::Duration::days(days));
        self.store
            .insert_api_token(&hash_secret(&token), user.id, name, &expires, by, client)
            .await?;
        Ok(Secret(token))
    }

    /// The tokens an actor may see: their own, or everyone's for an administrator.
    pub async fn api_tokens(&self, actor: &Actor) -> Result<Vec<TokenRow>, AppError> {
        let owner = self.token_owner(actor).await?;
        Ok(self.store.api_tokens(owner).await?)
    }

    /// Revokes a token: one's own, or any for an administrator. It answers
    /// 401 "revoked" from its next use on.
    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        id: i64,
        client: &str,
    ) -> Result<(), AppError> {
        let owner = self.token_owner(actor).await?;
        if self
            .store
            .revoke_api_token(id, owner, &actor.name, client)
            .await?
        {
            Ok(())
        } else {
            Err(AppError::NotFound(DomainError::UnknownReference {
                kind: "api_token",
                code: id.to_string(),
            }))
        }
    }

    /// Whose tokens an actor deals with: `None` for an administrator (all).
    async fn token_owner(&self, actor: &Actor) -> Result<Option<i64>, AppError> {
        if matches!(actor.role, Role::Administrator) {
            return Ok(None);
        }
        let user = self
            .store
            .user_by_username(&actor.name)
            .await?
            .ok_or(AppError::Forbidden)?;
        Ok(Some(user.id))
    }

    /// The user a bearer token stands for.
    /// The user an API token is for; a bad token counts against the
    /// address it came from, which is locked as sign-ins are.
    pub async fn actor_for_token(&self, token: &str, client: &str) -> Result<TokenCheck, AppError> {
        let now = chrono::Utc::now();
        // Not even the shape of a token: it can be no one's, so it is not
        // looked up and not counted as a guess (garbage is not a step
        // towards a token; the limiter slows guesses that could be right).
        if !is_token_shape(token) {
            return Ok(TokenCheck::Unknown);
        }
        match self.store.user_for_token(&hash_secret(token)).await? {
            None => {
                let key = format!("token:{client}");
                self.guard(&[(key, self.signin.per_address)], "(token)", client)
                    .await?;
                Ok(TokenCheck::Unknown)
            }
            Some((u, t))
                if u.disabled_at.is_some() || t.standing(&stamp(now)) == TokenStanding::Revoked =>
            {
                Ok(TokenCheck::Revoked)
            }
            Some((_, t)) if t.standing(&stamp(now)) == TokenStanding::Expired => {
                Ok(TokenCheck::Expired)
            }
            Some((user, t)) => {
                // Noted to the hour: most uses read, and only a few write.
                let hour_ago = stamp(now - chrono::Duration::hours(1));
                if t.last_used_at
                    .as_deref()
                    .is_none_or(|u| u < hour_ago.as_str())
                {
                    self.store.token_used(t.id, &stamp(now)).await?;
                }
                Ok(TokenCheck::Valid(
                    self.with_members(actor_of(&user)?).await?,
                ))
            }
        }
    }

    /// Counts an attempt under each key and refuses it while any is locked,
    /// locking a key (with an audit event) once its attempts pass its
    /// limit. The first key's attempts, for the delay: an address shared
    /// by a whole office is locked past its limit, not slowed for everyone.
    async fn guard(
        &self,
        keys: &[(String, u32)],
        tried: &str,
        client: &str,
    ) -> Result<u32, AppError> {
        let now = chrono::Utc::now();
        let lock = chrono::Duration::minutes(i64::from(self.signin.lock_minutes));
        let names: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
        let counts = self
            .store
            .count_attempts(&names, &stamp(now), &stamp(now - lock))
            .await?;
        let locked = |until: &str| {
            let left = chrono::DateTime::parse_from_rfc3339(until)
                .map(|u| (u.with_timezone(&chrono::Utc) - now).num_minutes() + 1)
                .unwrap_or(lock.num_minutes());
            AppError::Busy(DomainError::SigninLocked {
                minutes: left.max(1),
            })
        };
        if let Some(until) = counts.iter().filter_map(|(_, u)| u.as_deref()).max() {
            return Err(locked(until));
        }
        for ((key, limit), (attempts, _)) in keys.iter().zip(&counts) {
            if *attempts > *limit {
                let until = stamp(now + lock);
                self.store.lock_attempts(key, &until, tried, client).await?;
                tracing::warn!(key, attempts, "sign-in attempts locked");
                return Err(locked(&until));
            }
        }
        Ok(counts.first().map_or(0, |(n, _)| *n))
    }

    /// Whether the database answers within two seconds: what a load
    /// balancer asks before it sends a server requests.
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(self.store.ping(std::time::Duration::from_secs(2)).await?)
    }

    /// Whether any account exists yet (a fresh installation has none).
    pub async fn has_users(&self) -> Result<bool, AppError> {
        Ok(!self.store.users().await?.is_empty())
    }

    /// Adds an account with a password made up here, to be passed on once.
    pub async fn add_user_made_up(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        role: &Role,
    ) -> Result<Secret, AppError> {
        let password = one_time_password()?;
        self.add_user(actor, username, display_name, &password, role)
            .await?;
        Ok(Secret(password))
    }

    /// A national office's actor with its group's programs as they are now
    /// (a group changed reaches its office at its next request); others as given.
    async fn with_members(&self, mut actor: Actor) -> Result<Actor, AppError> {
        if let Role::NationalOffice { group, programs } = &mut actor.role {
            *programs = match self.store.group(group).await? {
                Some(g) => g.programs.clone(),
                None => Vec::new(),
            };
        }
        Ok(actor)
    }

    /// Refuses a role kept to a program, unit or county that does not exist.
    async fn check_scope(&self, role: &Role) -> Result<(), AppError> {
        use twinaid_store::ScopeKind;
        let (kind, code, what) = match role {
            Role::ProgramOffice { program } => (ScopeKind::Program, program.clone(), "program"),
            Role::HelperUnit { unit } => (ScopeKind::Unit, unit.clone(), "unit"),
            Role::HelpedCounty { region } => (ScopeKind::Region, region.to_string(), "region"),
            Role::NationalOffice { group, .. } => (ScopeKind::Group, group.clone(), "group"),
            _ => return Ok(()),
        };
        if self.store.scope_exists(kind, &code).await? {
            Ok(())
        } else {
            Err(AppError::Field(
                "scope",
                DomainError::UnknownReference { kind: what, code },
            ))
        }
    }

    /// The experts an office may assign (user name, display name): the
    /// accounts with the expert role that are not disabled.
    pub async fn expert_accounts(
        &self,
        actor: &Actor,
        program: &str,
    ) -> Result<Vec<(String, String)>, AppError> {
        if !actor.is_office(program) {
            return Err(AppError::Forbidden);
        }
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| u.role == "expert" && u.disabled_at.is_none())
            .map(|u| (u.username, u.display_name))
            .collect())
    }

    /// Every account, for an administrator.
    pub async fn users(&self, actor: &Actor) -> Result<Vec<UserRow>, AppError> {
        actor.require_admin()?;
        Ok(self.store.users().await?)
    }

    /// The names of what each account is scoped to, by user name (Chinese,
    /// English if any), for an administrator.
    pub async fn user_scope_names(
        &self,
        actor: &Actor,
    ) -> Result<std::collections::HashMap<String, (String, Option<String>)>, AppError> {
        actor.require_admin()?;
        Ok(self.store.scope_names().await?)
    }

    /// The user names locked by failed sign-ins now, each with when its
    /// lock ends (lower case, as the attempts are counted).
    pub async fn user_locks(&self, actor: &Actor) -> Result<BTreeMap<String, String>, AppError> {
        actor.require_admin()?;
        Ok(self
            .store
            .locked_attempt_keys("user:", &now())
            .await?
            .into_iter()
            .filter_map(|(key, until)| key.strip_prefix("user:").map(|n| (n.to_string(), until)))
            .collect())
    }

    /// Lifts the lock failed sign-ins put on a user name before it ends
    /// (the person called the office); audited.
    pub async fn unlock_user(
        &self,
        actor: &Actor,
        username: &str,
        client: &str,
    ) -> Result<(), AppError> {
        actor.require_admin()?;
        found(
            username,
            self.store.user_by_username(username).await?.is_some(),
        )?;
        self.store
            .unlock_attempts(
                &format!("user:{}", username.to_lowercase()),
                username,
                &actor.name,
                client,
            )
            .await?;
        Ok(())
    }

    /// Disables an account (its sessions end and its tokens are revoked at
    /// once) or enables it again; an administrator's, never their own.
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        username: &str,
        disabled: bool,
        client: &str,
    ) -> Result<(), AppError> {
        actor.require_admin()?;
        if disabled && username == actor.name {
            return Err(AppError::Field("username", DomainError::OwnAccount));
        }
        found(
            username,
            self.store
                .set_user_disabled(username, disabled, &actor.name, client)
                .await?,
        )?;
        if !disabled {
            // Enabled again: the name starts with a clean slate.
            self.store
                .attempt_succeeded(&format!("user:{}", username.to_lowercase()), "")
                .await?;
        }
        Ok(())
    }

    /// Gives an account another role (and scope); its sessions end.
    pub async fn set_user_role(
        &self,
        actor: &Actor,
        username: &str,
        role: &Role,
    ) -> Result<(), AppError> {
        actor.require_admin()?;
        if username == actor.name && !matches!(role, Role::Administrator) {
            return Err(AppError::Field("role", DomainError::OwnAccount));
        }
        self.check_scope(role).await?;
        let (code, scope) = role.to_stored();
        found(
            username,
            self.store
                .set_user_role(username, code, scope.as_deref(), &actor.name)
                .await?,
        )
    }

    /// Gives an account a new password made up here, shown once to the
    /// administrator to pass on; its sessions end.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        username: &str,
        client: &str,
    ) -> Result<Secret, AppError> {
        actor.require_admin()?;
        let password = one_time_password()?;
        let hash = hash_password(&password).await?;
        found(
            username,
            self.store
                .set_password(username, &hash, None, &actor.name, client)
                .await?,
        )?;
        // A new password ends the name's lock: the clerk was told to ask for one.
        self.store
            .attempt_succeeded(&format!("user:{}", username.to_lowercase()), "")
            .await?;
        Ok(Secret(password))
    }

    /// Changes one's own password: the current one first; the new one at
    /// least 10 characters, not the user name, not a common password.
    /// Other sessions end; `session` (this one) goes on.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        session: Option<&str>,
        client: &str,
    ) -> Result<(), AppError> {
        let user = self
            .store
            .user_by_username(&actor.name)
            .await?
            .ok_or(AppError::Forbidden)?;
        let stored = user.password_hash.clone();
        let current = current.to_string();
        let right = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&stored).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(current.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        if !right {
            return Err(AppError::Field("current", DomainError::WrongPassword));
        }
        acceptable_password(new, &actor.name).map_err(|e| AppError::Field("password", e))?;
        let hash = hash_password(new).await?;
        self.store
            .set_password(
                &actor.name,
                &hash,
                session.map(hash_secret).as_deref(),
                &actor.name,
                client,
            )
            .await?;
        Ok(())
    }
}

/// Passwords people choose most that are long enough to pass the length
/// rule (the short ones fail it anyway), lower-cased.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "0123456789",
    "0987654321",
    "1111111111",
    "0000000000",
    "8888888888",
    "1234512345",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "qwerty1234",
    "qwerty123456",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "iloveyou12",
    "iloveyou123",
    "abcd123456",
    "abc1234567",
    "a123456789",
    "123456789a",
    "aa123456789",
    "asdfghjkl1",
    "zxcvbnm123",
    "qwe123qwe123",
    "admin12345",
    "admin123456",
    "administrator",
    "woaini1314",
    "woaini520",
    "5201314520",
    "1314520520",
    "qq123456789",
    "abc123456789",
    "123qweasdzxc",
    "1qaz2wsx",
    "welcome123",
    "changeme123",
    "twinaid123",
    "twinaid2026",
];

/// Whether a new password will do: long enough, not the user's name, not common.
fn acceptable_password(password: &str, username: &str) -> Result<(), DomainError> {
    if password.chars().count() < 10 {
        return Err(DomainError::PasswordTooShort(10));
    }
    let lower = password.to_lowercase();
    let one_char = lower.chars().all(|c| lower.starts_with(c));
    if one_char
        || lower.contains(&username.to_lowercase())
        || COMMON_PASSWORDS.contains(&lower.as_str())
    {
        return Err(DomainError::CommonPassword);
    }
    Ok(())
}

/// A password of 16 letters and digits that cannot be misread (no 0/O, 1/l).
fn one_time_password() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(buf
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// The argon2id hash of a password, worked out off the async workers.
async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(format!("cannot hash password: {e}")))
}

/// `Ok` when the store found the account, else "no such user".
fn found(username: &str, done: bool) -> Result<(), AppError> {
    if done {
        Ok(())
    } else {
        Err(AppError::NotFound(DomainError::UnknownReference {
            kind: "user",
            code: username.to_string(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_is_long_not_common_and_not_the_name() {
        assert!(acceptable_password("short", "clerk").is_err());
        assert!(acceptable_password("1234567890", "clerk").is_err());
        assert!(acceptable_password("WoAiNi1314", "clerk").is_err());
        assert!(acceptable_password("aaaaaaaaaaaa", "clerk").is_err());
        assert!(acceptable_password("clerk-2026-x", "clerk").is_err());
        assert!(acceptable_password("blue kettle on the hill", "clerk").is_ok());
        assert_eq!(one_time_password().unwrap().len(), 16);
    }

    #[test]
    fn attempts_wait_longer_after_the_third_up_to_five_seconds() {
        assert_eq!(delay_after(1), Duration::ZERO);
        assert_eq!(delay_after(3), Duration::ZERO);
        assert_eq!(delay_after(5), Duration::from_millis(1_000));
        assert_eq!(delay_after(100), Duration::from_secs(5));
    }

    #[test]
    fn only_what_could_be_a_token_is_looked_up() {
        let made = format!("twa_{}", random_hex(32).unwrap());
        assert!(is_token_shape(&made));
        assert!(!is_token_shape("SCHEMATHESIS-INVALID-VALUE"));
        assert!(!is_token_shape("twa_0000"));
        assert!(!is_token_shape(&made.to_uppercase()));
        assert!(!is_token_shape(&format!("{made}0")));
    }

    #[test]
    fn secrets_hash_to_hex_and_never_print() {
        assert_eq!(hash_secret("x").len(), 64);
        assert_eq!(format!("{:?}", Secret("abc".into())), "Secret(…)");
    }
}
