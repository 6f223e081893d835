//! The only place with SQL. One [`Store`] over SQLite (the default, a file
//! created and migrated on first use) or PostgreSQL, chosen by the URL.
//!
//! The same `$1`-placeholder SQL runs on both engines through sqlx's `Any`
//! driver; where the engines differ (schema types), each has its own migrations.

mod accounts;
mod assessment;
mod attachment;
mod audit;
mod copy;
mod custom_records;
mod distinct;
mod figures;
mod generate;
mod groups;
mod inspection;
mod lifecycle;
mod listing;
mod load;
mod plans;
mod rates;
mod reads;
mod regions;
mod removal;
mod rows;
mod satisfaction;
mod saves;
mod sectors;
mod standing;
mod summary;
mod through;
mod verify;
mod views;

pub use accounts::{NewUser, ScopeKind, SessionRow, TokenRow, TokenStanding, UserRow};
pub use assessment::{ExpertRow, GuidanceRow};
pub use attachment::{AttachmentRow, NewAttachment};
pub use copy::{CopyError, TABLES, TableCopy};
pub use custom_records::{CustomPage, CustomQuery};
pub use inspection::{FindingChange, InspectionRow, RoundRow};
pub use lifecycle::Transition;
pub use listing::{
    AggregateQuery, AggregateRow, CurrencySum, ListTotals, RecordPage, RecordQuery, UnitRow,
};
pub use load::{LoadSummary, RecordImport, RecordsDone, WriteNotes};
pub use plans::PlanRow;
pub use reads::{AuditEntry, AuditFilter, TableCount};
pub use satisfaction::SatisfactionRow;
pub use verify::{ChainCheck, Unexplained, Why};
pub use views::SavedView;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Connection, Executor};
use std::time::Duration;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine's name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one twinaid understands.
    #[error("malformed database URL {0:?}")]
    BadUrl(String),
    /// The database could not be reached or opened.
    #[error("cannot connect to {engine} database at {location}")]
    Unreachable {
        engine: &'static str,
        location: String,
        #[source]
        source: sqlx::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot migrate the database schema")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// The database could not be reached in the middle of work (it was
    /// restarted, the network dropped): nothing was written, and the same
    /// request may succeed in a moment.
    #[error("the database is unavailable for the moment")]
    Unavailable(#[source] sqlx::Error),
    /// Text the database cannot hold (PostgreSQL refuses a NUL character).
    #[error("text the database cannot store")]
    Unstorable(#[source] sqlx::Error),
    /// A record meant to be new has a code another record took first.
    #[error("code {0} is taken")]
    Duplicate(String),
    /// A stored value does not read back as the domain expects.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        let gone = match &e {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
            sqlx::Error::Database(d) => d.code().is_some_and(|c| out_of_reach(&c)),
            _ => false,
        };
        let unstorable = match &e {
            sqlx::Error::Database(d) => d.code().is_some_and(|c| c == "22021" || c == "22P05"),
            _ => false,
        };
        if gone {
            StoreError::Unavailable(e)
        } else if unstorable {
            StoreError::Unstorable(e)
        } else {
            StoreError::Database(e)
        }
    }
}

/// Whether a database error code says the database cannot be reached or
/// used for now (try again later), not that a statement was wrong.
/// PostgreSQL: classes 08 (connection exception), 53 (out of disk, memory
/// or connections), 57P (shut down, restarting, cannot connect now), 28
/// (the login refused), 3D000 (no such database) and 55000 (among others:
/// the database does not accept connections now). SQLite (numeric codes,
/// the primary code in the low byte): busy and locked past the wait, read
/// only, I/O error, disk full, cannot open the file.
fn out_of_reach(code: &str) -> bool {
    // PostgreSQL's codes are five characters (some all digits); SQLite's
    // are numbers of at most four digits.
    if code.len() == 5 {
        return ["08", "53", "57P", "28"]
            .iter()
            .any(|c| code.starts_with(c))
            || code == "3D000"
            || code == "55000";
    }
    code.parse::<u32>()
        .is_ok_and(|sqlite| matches!(sqlite & 0xff, 5 | 6 | 8 | 10 | 13 | 14))
}

/// A handle on the database: a connection pool and its engine.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where writes begin. On SQLite one connection: writers queue for it in
    /// order, without holding a reader's connection or polling the file's
    /// lock; on PostgreSQL the same pool as reads.
    writer: AnyPool,
    engine: Engine,
    /// How many events written before the audit chain existed opening the
    /// database chained (a person should hear of it once).
    chained_on_open: u64,
    /// Where the database is, as the driver takes it (to reopen it alone).
    sqlx_url: String,
    /// Saves waiting to be written together, per program.
    saves: std::sync::Arc<saves::Saves>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.engine)
            .finish()
    }
}

/// Where a URL points, without any password, for messages.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://…@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Reads the engine from a URL and normalises it for sqlx.
pub fn parse_url(url: &str) -> Result<(Engine, String), StoreError> {
    let bad = || StoreError::BadUrl(redact_url(url));
    let url = url.trim();
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        if path.is_empty() {
            return Err(bad());
        }
        if path == ":memory:" {
            return Ok((Engine::Sqlite, "sqlite::memory:".to_string()));
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        let with_mode = if path.contains("mode=") {
            format!("sqlite://{path}")
        } else {
            format!("sqlite://{path}{sep}mode=rwc")
        };
        return Ok((Engine::Sqlite, with_mode));
    }
    for scheme in ["postgres://", "postgresql://"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            if host.is_empty() || host.starts_with('/') || host.starts_with(':') {
                return Err(bad());
            }
            return Ok((Engine::Postgres, url.to_string()));
        }
    }
    Err(bad())
}

impl Store {
    /// Opens (creating a SQLite file if need be) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Self::open_with(url, None).await
    }

    /// Opens and migrates the database at `url` with `pool_size` reading
    /// connections (`None`: 4 on SQLite, 8 on PostgreSQL, where writes share them).
    pub async fn open_with(url: &str, pool_size: Option<u32>) -> Result<Store, StoreError> {
        let (engine, sqlx_url) = parse_url(url)?;
        install_default_drivers();
        let unreachable = |source| StoreError::Unreachable {
            engine: engine.name(),
            location: redact_url(url),
            source,
        };
        // One direct attempt first: a pool would retry until its timeout, keeping a person waiting for a "no".
        let probe = sqlx::AnyConnection::connect(&sqlx_url)
            .await
            .map_err(unreachable)?;
        probe.close().await.map_err(unreachable)?;
        let options = AnyPoolOptions::new()
            .max_connections(pool_size.unwrap_or(match engine {
                Engine::Sqlite => 4,
                Engine::Postgres => 8,
            }))
            .acquire_timeout(Duration::from_secs(10));
        let options = if engine == Engine::Sqlite {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    // A writer waits this long for its turn before giving up.
                    conn.execute("PRAGMA busy_timeout = 30000").await?;
                    // With WAL, NORMAL never corrupts the file; a power cut may
                    // lose the last commits, not more. Commits stop waiting on fsync.
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            })
        } else {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // Compiling a plan costs tens of ms (46 for a year's fund
                    // totals at national size): more than such a query gains.
                    conn.execute("SET jit = off").await?;
                    Ok(())
                })
            })
        };
        let writer_options = options
            .clone()
            .max_connections(1)
            // As long as SQLite's own wait for another process's write.
            .acquire_timeout(Duration::from_secs(30));
        let pool = options.connect(&sqlx_url).await.map_err(unreachable)?;
        // Each connection to an in-memory database is a database of its own.
        let in_memory = sqlx_url.contains(":memory:") || sqlx_url.contains("mode=memory");
        let writer = match engine {
            Engine::Sqlite if !in_memory => writer_options
                .connect(&sqlx_url)
                .await
                .map_err(unreachable)?,
            _ => pool.clone(),
        };
        let mut store = Store {
            pool,
            writer,
            engine,
            chained_on_open: 0,
            sqlx_url: sqlx_url.clone(),
            saves: Default::default(),
        };
        store.chained_on_open = store.migrate().await?;
        Ok(store)
    }

    /// Brings the schema and what is derived from it up to date; the number
    /// of events it chained.
    async fn migrate(&self) -> Result<u64, StoreError> {
        let migrator = match self.engine {
            Engine::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Engine::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(StoreError::Migrate)?;
        // A database from before the figure summary existed gets it filled once.
        let mut tx = self.begin_write().await?;
        let kinds: Vec<String> = twinaid_domain::record::RecordKind::ALL
            .iter()
            .filter(|k| k.is_yearly())
            .map(|k| format!("EXISTS (SELECT 1 FROM {})", k.code()))
            .collect();
        let sql = format!(
            "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM figure_source) THEN 0 WHEN {} THEN 1 ELSE 0 END AS BIGINT)",
            kinds.join(" OR ")
        );
        let unfilled: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *tx)
            .await?;
        if unfilled == 1 {
            summary::rebuild_all(&mut tx).await?;
        }
        // A database from before the audit chain gets its events chained once.
        let chained = audit::chain_existing(&mut tx).await?;
        tx.commit().await?;
        Ok(chained)
    }

    /// How many events written before the audit chain existed were chained
    /// when this store opened the database: 0 but once in its life.
    pub fn chained_on_open(&self) -> u64 {
        self.chained_on_open
    }

    /// Begins a write. On SQLite the write lock is taken at once
    /// (`BEGIN IMMEDIATE`): writers then wait their turn (up to the busy
    /// timeout) instead of failing when a transaction that read first finds
    /// another writer ahead of it.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.engine {
            Engine::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => self.writer.begin().await?,
        })
    }

    /// Asks the database one question (`SELECT 1`) within `wait`: whether
    /// it answers now, for a readiness check.
    pub async fn ping(&self, wait: Duration) -> Result<(), StoreError> {
        let ask = sqlx::query("SELECT 1").execute(&self.pool);
        match tokio::time::timeout(wait, ask).await {
            Ok(done) => done.map(|_| ()).map_err(StoreError::from),
            Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
        }
    }

    /// Each pool's connections in use and idle: `main` (reads, and on
    /// PostgreSQL writes too) and, on SQLite, `writer`, the one connection
    /// writes queue for.
    pub fn connections(&self) -> Vec<(&'static str, u32, u32)> {
        let state = |p: &AnyPool| {
            let idle = u32::try_from(p.num_idle()).unwrap_or(u32::MAX);
            (p.size().saturating_sub(idle), idle)
        };
        let (busy, idle) = state(&self.pool);
        let mut out = vec![("main", busy, idle)];
        if self.engine == Engine::Sqlite {
            let (busy, idle) = state(&self.writer);
            out.push(("writer", busy, idle));
        }
        out
    }

    /// The engine this store runs on.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Closes the pool and, on SQLite, leaves the database as one file:
    /// its write-ahead log folded in and switched off, so a copy of the file
    /// alone is the whole database (a backup). Opening it again turns the
    /// log back on.
    pub async fn close_as_one_file(&self) -> Result<(), StoreError> {
        self.pool.close().await;
        self.writer.close().await;
        if self.engine == Engine::Sqlite {
            let mut conn = sqlx::AnyConnection::connect(&self.sqlx_url).await?;
            conn.execute("PRAGMA journal_mode = DELETE").await?;
            conn.close().await?;
        }
        Ok(())
    }

    /// Closes the pools, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_out_of_reach_is_told_apart_from_a_failed_query() {
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::Database(_)
        ));
        // Not accepting connections, too many of them, no such database;
        // SQLite's disk full and I/O error (extended code 266).
        for code in ["55000", "53300", "3D000", "57P03", "08006", "13", "266"] {
            assert!(out_of_reach(code), "{code}");
        }
        // A duplicate key, a bad value, a constraint: the statement was wrong.
        for code in ["23505", "22P02", "2067", "19", "1"] {
            assert!(!out_of_reach(code), "{code}");
        }
    }

    #[test]
    fn urls_choose_the_engine_and_hide_passwords() {
        assert_eq!(parse_url("sqlite://twinaid.db").unwrap().0, Engine::Sqlite);
        assert_eq!(
            parse_url("sqlite://twinaid.db").unwrap().1,
            "sqlite://twinaid.db?mode=rwc"
        );
        assert_eq!(
            parse_url("postgres://u:secret@localhost/db").unwrap().0,
            Engine::Postgres
        );
        assert!(parse_url("mysql://x").is_err());
        assert!(parse_url("twinaid.db").is_err());
        assert!(parse_url("postgres://").is_err());
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://…@h/db");
        let err = parse_url("postgre://u:secret@h/db").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }
}

/// Helpers for test suites that run on both engines.
#[doc(hidden)]
pub mod testing {
    use super::*;
    use sqlx::Row;
    use std::sync::atomic::{AtomicU32, Ordering};

    static COUNTER: AtomicU32 = AtomicU32::new(0);

    /// The PostgreSQL server to test against, from `TWINAID_TEST_POSTGRES_URL`, if set.
    pub fn postgres_admin_url() -> Option<String> {
        std::env::var("TWINAID_TEST_POSTGRES_URL")
            .ok()
            .filter(|s| !s.trim().is_empty())
    }

    /// Runs one statement on a database directly, as someone going around
    /// the system would (tests of what the audit log catches).
    pub async fn execute(url: &str, sql: &str) -> Result<u64, StoreError> {
        let store = Store::open(url).await?;
        let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&store.pool)
            .await?
            .rows_affected();
        store.close().await;
        Ok(n)
    }

    /// Runs one statement on a server's database as it is, without opening
    /// it as a store (no migrations): administration such as refusing
    /// connections to another database.
    pub async fn execute_as_admin(admin_url: &str, sql: &str) -> Result<(), StoreError> {
        install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(admin_url).await?;
        conn.execute(sqlx::AssertSqlSafe(sql.to_string())).await?;
        conn.close().await?;
        Ok(())
    }

    /// Creates an empty database on the server at `admin_url` and returns its URL.
    pub async fn fresh_postgres_database(admin_url: &str) -> Result<String, StoreError> {
        let name = format!(
            "twinaid_test_{}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        named_postgres_database(admin_url, &name).await
    }

    /// Drops a database `fresh_postgres_database` made (its name is the
    /// last part of `url`), from the server at `admin_url`: what a
    /// benchmark leaves behind on an operator's server is nothing.
    pub async fn drop_postgres_database(admin_url: &str, url: &str) -> Result<(), StoreError> {
        let name = url
            .split('?')
            .next()
            .and_then(|base| base.rsplit('/').next())
            .unwrap_or_default();
        // Only what this module names: no other database is dropped.
        if !name.starts_with("twinaid_test_")
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Ok(());
        }
        install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(admin_url).await?;
        conn.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .await?;
        conn.close().await?;
        Ok(())
    }

    /// Every row of the figure summary's tables for a program, as text, in order.
    pub async fn summary_rows(url: &str, program: &str) -> Result<Vec<String>, StoreError> {
        let store = Store::open(url).await?;
        let mut rows = Vec::new();
        for (table, columns) in [
            ("figure_summary", "part, year, county, source, value"),
            ("figure_county", "part, year, county, value"),
            (
                "figure_county_total",
                "part, county, value, years, last_year",
            ),
            ("figure_county_through", "part, county, year, value, years"),
            ("figure_source", "part, year, source, value"),
        ] {
            let sql =
                format!("SELECT {columns} FROM {table} WHERE program_code = $1 ORDER BY {columns}");
            for r in sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(program.to_string())
                .fetch_all(&store.pool)
                .await?
            {
                let mut line = table.to_string();
                for i in 0..r.columns().len() {
                    let cell = r
                        .try_get::<String, _>(i)
                        .or_else(|_| r.try_get::<i64, _>(i).map(|v| v.to_string()))?;
                    line.push_str(&format!(" {cell}"));
                }
                rows.push(line);
            }
        }
        store.close().await;
        Ok(rows)
    }

    /// Recomputes the whole figure summary from the records.
    pub async fn rebuild_summary(url: &str) -> Result<(), StoreError> {
        let store = Store::open(url).await?;
        let mut tx = store.pool.begin().await?;
        summary::rebuild_all(&mut tx).await?;
        tx.commit().await?;
        store.close().await;
        Ok(())
    }

    /// The URL of database `name` on the server at `admin_url`, created if it is not there.
    pub async fn named_postgres_database(
        admin_url: &str,
        name: &str,
    ) -> Result<String, StoreError> {
        install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(admin_url).await?;
        let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_optional(&mut conn)
            .await?;
        if exists.is_none() {
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await?;
        }
        conn.close().await?;
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (admin_url, String::new()),
        };
        let server = match base.rsplit_once('/') {
            Some((server, _db))
                if server.contains("//") && server.len() > "postgres://".len() - 1 =>
            {
                server.to_string()
            }
            _ => base.to_string(),
        };
        Ok(format!("{server}/{name}{query}"))
    }
}
