//! Reading programs, what a load may refer to, indicators and the audit log.

use crate::rows::columns;
use crate::{Store, StoreError};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use twinaid_domain::bundle::Stored;
use twinaid_domain::catalog::{AddedChoice, Catalog};
use twinaid_domain::custom::{CustomField, CustomKind, FieldRow};
use twinaid_domain::indicator::{IndicatorDefinition, Rule};
use twinaid_domain::program::{HelpedRegion, Program};
use twinaid_domain::quantity::UnitOfMeasure;
use twinaid_domain::record::{Record, RecordKind};
use twinaid_domain::region::{RegionCode, RegionName};
use twinaid_domain::unit::Side;

/// How many rows a table holds for a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: &'static str,
    pub rows: i64,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The event's place in the hash chain.
    pub seq: Option<i64>,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    /// The program the event belongs to, if any.
    pub program: Option<String>,
}

/// Which audit events to read: every field left empty takes all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// What changed: a kind of record or another table (`app_user`, …).
    pub entity: Option<String>,
    /// Which one of it, by its code.
    pub entity_key: Option<String>,
    pub program: Option<String>,
    /// From this moment on (RFC 3339, UTC, as events are stored).
    pub from: Option<String>,
    /// Before this moment.
    pub until: Option<String>,
}

const AUDIT_COLUMNS: &str =
    "at, actor, action, entity, entity_key, before_json, after_json, seq, program_code";

fn audit_entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: r.try_get(0)?,
        actor: r.try_get(1)?,
        action: r.try_get(2)?,
        entity: r.try_get(3)?,
        entity_key: r.try_get(4)?,
        before_json: r.try_get(5)?,
        after_json: r.try_get(6)?,
        seq: r.try_get(7)?,
        program: r.try_get(8)?,
    })
}

fn region(code: &str) -> Result<RegionCode, StoreError> {
    RegionCode::parse(code).map_err(|e| StoreError::Corrupt(format!("region {code}: {e}")))
}

fn year(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl Store {
    /// A program with its helped regions, if it exists.
    pub async fn program(&self, code: &str) -> Result<Option<Program>, StoreError> {
        self.program_in(code, None).await
    }

    /// A program with, when `provinces` are given (two-digit prefixes), only
    /// its helped regions in those provinces: enough to check records placed
    /// there, since a helped region and a place inside it or around it share
    /// a province. A national program helps 600 counties; a write needs a few.
    async fn program_in(
        &self,
        code: &str,
        provinces: Option<&std::collections::BTreeSet<String>>,
    ) -> Result<Option<Program>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT code, name_zh, name_en, start_year, end_year, helping_region FROM program WHERE code = $1",
        )
        .bind(code.to_string())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let helping: Option<String> = row.try_get(5)?;
        let mut program = Program {
            code: row.try_get(0)?,
            name_zh: row.try_get(1)?,
            name_en: row.try_get(2)?,
            start_year: year(row.try_get(3)?),
            end_year: row.try_get::<Option<i64>, _>(4)?.map(year),
            helping_region: helping.as_deref().map(region).transpose()?,
            helped: Vec::new(),
        };
        let mut within = String::new();
        let mut bounds = Vec::new();
        if let Some(provinces) = provinces {
            let ranges: Vec<String> = provinces
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    bounds.push(p.clone());
                    bounds.push(crate::summary::prefix_end(p));
                    format!(
                        "(region_code >= ${} AND region_code < ${})",
                        2 * i + 2,
                        2 * i + 3
                    )
                })
                .collect();
            within = if ranges.is_empty() {
                " AND 1 = 0".to_string()
            } else {
                format!(" AND ({})", ranges.join(" OR "))
            };
        }
        let sql = format!(
            "SELECT region_code, confirmed, note FROM program_region WHERE program_code = $1{within} ORDER BY region_code"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(code.to_string());
        for b in bounds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        for r in rows {
            program.helped.push(HelpedRegion {
                region: region(&r.try_get::<String, _>(0)?)?,
                confirmed: r.try_get::<i64, _>(1)? != 0,
                note: r.try_get(2)?,
            });
        }
        Ok(Some(program))
    }

    /// The codes of all programs.
    pub async fn program_codes(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT code FROM program ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// What a bundle for the program may refer to, limited to what it
    /// mentions when that is little (a form's record, a small file): a
    /// single write then reads a few rows, not every code of the program.
    pub async fn stored_for(
        &self,
        program_code: &str,
        mentions: &twinaid_domain::bundle::Mentions,
    ) -> Result<Stored, StoreError> {
        // Beyond this many codes, reading everything is the quicker way.
        const FEW: usize = 500;
        if mentions.len() > FEW {
            return self.stored(program_code).await;
        }
        let list = |codes: &std::collections::BTreeSet<String>, offset: usize| {
            crate::rows::placeholders(offset + 1, codes.len())
        };
        let strings = |rows: Vec<sqlx::any::AnyRow>| -> Result<HashSet<String>, StoreError> {
            rows.iter()
                .map(|r| Ok(r.try_get::<String, _>(0)?))
                .collect()
        };
        // Each read is independent: they go to the database together, so a
        // single write waits for one round trip here, not five.
        let regions = async {
            let mut regions = HashSet::new();
            if !mentions.regions.is_empty() {
                let sql = format!(
                    "SELECT DISTINCT code FROM region WHERE code IN ({})",
                    list(&mentions.regions, 0)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for c in &mentions.regions {
                    q = q.bind(c.clone());
                }
                for c in strings(q.fetch_all(&self.pool).await?)? {
                    regions.insert(region(&c)?);
                }
            }
            Ok::<_, StoreError>(regions)
        };
        let units = async {
            let mut units = HashMap::new();
            if !mentions.units.is_empty() {
                let sql = format!(
                    "SELECT u.code, pu.side FROM unit u \
                     LEFT JOIN program_unit pu ON pu.unit_code = u.code AND pu.program_code = $1 \
                     WHERE u.code IN ({})",
                    list(&mentions.units, 1)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_code.to_string());
                for c in &mentions.units {
                    q = q.bind(c.clone());
                }
                for r in q.fetch_all(&self.pool).await? {
                    let side: Option<String> = r.try_get(1)?;
                    units.insert(
                        r.try_get::<String, _>(0)?,
                        side.as_deref().and_then(Side::parse),
                    );
                }
            }
            Ok::<_, StoreError>(units)
        };
        let indicators = async {
            strings(
                sqlx::query("SELECT code FROM indicator")
                    .fetch_all(&self.pool)
                    .await?,
            )
        };
        let records = async {
            let mut records = HashMap::new();
            for (kind, codes) in &mentions.records {
                if codes.is_empty() {
                    continue;
                }
                let sql = format!(
                    "SELECT code FROM {} WHERE program_code = $1 AND code IN ({})",
                    kind.code(),
                    list(codes, 1)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_code.to_string());
                for c in codes {
                    q = q.bind(c.clone());
                }
                records.insert(*kind, strings(q.fetch_all(&self.pool).await?)?);
            }
            Ok::<_, StoreError>(records)
        };
        let provinces = mentions
            .regions
            .iter()
            .map(|r| r.chars().take(2).collect())
            .collect();
        let (program, regions, units, records, indicators, catalog) = tokio::try_join!(
            self.program_in(program_code, Some(&provinces)),
            regions,
            units,
            records,
            indicators,
            self.catalog(),
        )?;
        Ok(Stored {
            program,
            regions,
            units,
            records,
            indicators,
            catalog,
        })
    }

    /// What a bundle for the program may refer to.
    pub async fn stored(&self, program_code: &str) -> Result<Stored, StoreError> {
        let strings = |rows: Vec<sqlx::any::AnyRow>| -> Result<HashSet<String>, StoreError> {
            rows.iter()
                .map(|r| Ok(r.try_get::<String, _>(0)?))
                .collect()
        };
        let regions = strings(
            sqlx::query("SELECT DISTINCT code FROM region")
                .fetch_all(&self.pool)
                .await?,
        )?
        .iter()
        .map(|c| region(c))
        .collect::<Result<_, _>>()?;
        let mut units = HashMap::new();
        let rows = sqlx::query(
            "SELECT u.code, pu.side FROM unit u \
             LEFT JOIN program_unit pu ON pu.unit_code = u.code AND pu.program_code = $1",
        )
        .bind(program_code.to_string())
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let side: Option<String> = r.try_get(1)?;
            units.insert(
                r.try_get::<String, _>(0)?,
                side.as_deref().and_then(Side::parse),
            );
        }
        let indicators = strings(
            sqlx::query("SELECT code FROM indicator")
                .fetch_all(&self.pool)
                .await?,
        )?;
        let mut records = HashMap::new();
        for kind in RecordKind::ALL {
            let sql = format!("SELECT code FROM {} WHERE program_code = $1", kind.code());
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(program_code.to_string())
                .fetch_all(&self.pool)
                .await?;
            records.insert(kind, strings(rows)?);
        }
        Ok(Stored {
            program: self.program(program_code).await?,
            regions,
            units,
            records,
            indicators,
            catalog: self.catalog().await?,
        })
    }

    /// The installation's additions to the record kinds: the values added
    /// to built-in choice lists. A stored row that no longer reads (its
    /// field gone from the kind) is left out, not an error.
    pub async fn catalog(&self) -> Result<Catalog, StoreError> {
        let rows = sqlx::query("SELECT field, code, name_zh, name_en FROM choice_value")
            .fetch_all(&self.pool)
            .await?;
        let mut choices = Vec::with_capacity(rows.len());
        for r in rows {
            let (field, code): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            let (zh, en): (String, String) = (r.try_get(2)?, r.try_get(3)?);
            match AddedChoice::parse(&field, &code, &zh, Some(&en)) {
                Ok(c) => choices.push(c),
                Err(e) => {
                    tracing::warn!(field, code, error = ?e, "stored choice value does not read")
                }
            }
        }
        let rows = sqlx::query("SELECT code, name_zh, name_en FROM custom_kind ORDER BY code")
            .fetch_all(&self.pool)
            .await?;
        let mut kinds = Vec::with_capacity(rows.len());
        for r in rows {
            let (code, zh, en): (String, String, String) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            match CustomKind::parse(&code, &zh, Some(&en)) {
                Ok(k) => kinds.push(k),
                Err(e) => tracing::warn!(code, error = ?e, "stored record kind does not read"),
            }
        }
        let rows = sqlx::query(
            "SELECT kind, code, name_zh, name_en, type, choices, required, help_zh, help_en, hidden \
             FROM custom_field ORDER BY position, kind, code",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut fields = Vec::with_capacity(rows.len());
        for r in rows {
            let texts: Vec<String> = [0, 1, 2, 3, 4, 5, 7, 8]
                .iter()
                .map(|i| r.try_get::<String, _>(*i))
                .collect::<Result<_, _>>()?;
            let (required, hidden): (i64, i64) = (r.try_get(6)?, r.try_get(9)?);
            let row = FieldRow {
                kind: &texts[0],
                code: &texts[1],
                name_zh: &texts[2],
                name_en: Some(&texts[3]),
                ty: &texts[4],
                choices: Some(&texts[5]),
                required: required != 0,
                help_zh: Some(&texts[6]),
                help_en: Some(&texts[7]),
                hidden: hidden != 0,
            };
            match CustomField::parse(row, &|k| kinds.iter().any(|c| c.code == k)) {
                Ok(f) => fields.push(f),
                Err(e) => {
                    tracing::warn!(kind = %texts[0], code = %texts[1], error = ?e, "stored field does not read")
                }
            }
        }
        Ok(Catalog::new(choices).with_fields(fields).with_kinds(kinds))
    }

    /// All indicator definitions, in the order they were added.
    pub async fn indicators(&self) -> Result<Vec<IndicatorDefinition>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        read_indicators(&mut conn).await
    }

    /// Every name the registry holds for the given codes.
    pub async fn region_names(&self, codes: &[String]) -> Result<Vec<RegionName>, StoreError> {
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT code, name_zh, name_en, valid_from, valid_to FROM region WHERE code IN ({}) ORDER BY code, valid_from",
            crate::rows::placeholders(1, codes.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in codes {
            q = q.bind(c.clone());
        }
        let mut names = Vec::new();
        for r in q.fetch_all(&self.pool).await? {
            let from: i64 = r.try_get(3)?;
            names.push(RegionName {
                code: region(&r.try_get::<String, _>(0)?)?,
                name_zh: r.try_get(1)?,
                name_en: r.try_get(2)?,
                valid_from: (from != 0).then_some(year(from)),
                valid_to: r.try_get::<Option<i64>, _>(4)?.map(year),
            });
        }
        Ok(names)
    }

    /// A page of the region registry, newest name per code, with the count of all matches.
    pub async fn regions_page(
        &self,
        search: Option<&str>,
        level: Option<&str>,
        program: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<RegionName>), StoreError> {
        let mut conditions = vec!["1 = 1".to_string()];
        let mut binds = Vec::new();
        if let Some(p) = program {
            binds.push(p.to_string());
            let p = binds.len();
            // The program's helped regions, the prefectures and provinces
            // holding them, and the helping province.
            conditions.push(format!(
                "(EXISTS (SELECT 1 FROM program_region pr WHERE pr.program_code = ${p} \
                   AND (pr.region_code = r.code \
                     OR SUBSTR(pr.region_code, 1, 4) || '00' = r.code \
                     OR SUBSTR(pr.region_code, 1, 2) || '0000' = r.code)) \
                 OR r.code IN (SELECT helping_region FROM program WHERE code = ${p}))"
            ));
        }
        if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
            binds.push(crate::rows::contains_pattern(s));
            let p = binds.len();
            conditions.push(format!("(r.code LIKE ${p} ESCAPE '\\' OR LOWER(r.name_zh) LIKE ${p} ESCAPE '\\' OR LOWER(COALESCE(r.name_en, '')) LIKE ${p} ESCAPE '\\')"));
        }
        if let Some(l) = level.filter(|l| !l.is_empty()) {
            binds.push(l.to_string());
            conditions.push(format!("r.level = ${}", binds.len()));
        }
        let where_sql = conditions.join(" AND ");
        let count_sql = format!("SELECT COUNT(DISTINCT r.code) FROM region r WHERE {where_sql}");
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
        for b in &binds {
            q = q.bind(b.clone());
        }
        let total = q.fetch_one(&self.pool).await?;
        let sql = format!(
            "SELECT r.code, r.name_zh, r.name_en, r.valid_from, r.valid_to FROM region r WHERE {where_sql} \
             AND r.valid_from = (SELECT MAX(x.valid_from) FROM region x WHERE x.code = r.code) \
             ORDER BY r.code LIMIT {} OFFSET {}",
            limit.clamp(1, 500),
            offset.max(0)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(b.clone());
        }
        let mut names = Vec::new();
        for r in q.fetch_all(&self.pool).await? {
            let from: i64 = r.try_get(3)?;
            names.push(RegionName {
                code: region(&r.try_get::<String, _>(0)?)?,
                name_zh: r.try_get(1)?,
                name_en: r.try_get(2)?,
                valid_from: (from != 0).then_some(year(from)),
                valid_to: r.try_get::<Option<i64>, _>(4)?.map(year),
            });
        }
        Ok((total, names))
    }

    /// Row counts of every program table, for checks and summaries.
    pub async fn table_counts(&self, program_code: &str) -> Result<Vec<TableCount>, StoreError> {
        let mut tables: Vec<&'static str> = RecordKind::ALL.iter().map(|k| k.code()).collect();
        tables.extend([
            "aggregate_value",
            "plan_target",
            "program_region",
            "program_unit",
        ]);
        let mut counts = Vec::new();
        for table in tables {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE program_code = $1");
            let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(program_code.to_string())
                .fetch_one(&self.pool)
                .await?;
            counts.push(TableCount { table, rows });
        }
        Ok(counts)
    }

    /// The records of a kind in a program, ordered by year and code.
    pub async fn records(
        &self,
        program_code: &str,
        kind: RecordKind,
    ) -> Result<Vec<Record>, StoreError> {
        let order = if kind.is_yearly() {
            "year, code"
        } else {
            "code"
        };
        let sql = format!(
            "SELECT {} FROM {} WHERE program_code = $1 ORDER BY {order}",
            columns(kind),
            kind.code()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program_code.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| crate::rows::read_record(kind, r))
            .collect()
    }

    /// The records of a kind in a program with the given codes (those stored).
    pub async fn records_with_codes(
        &self,
        program_code: &str,
        kind: RecordKind,
        codes: &[String],
    ) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        for chunk in codes.chunks(500) {
            let sql = format!(
                "SELECT {} FROM {} WHERE program_code = $1 AND code IN ({})",
                columns(kind),
                kind.code(),
                crate::rows::placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_code.to_string());
            for c in chunk {
                q = q.bind(c.clone());
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push(crate::rows::read_record(kind, &r)?);
            }
        }
        Ok(out)
    }

    /// The regions named so in Chinese or in English (any case), for many
    /// names in one pass over the regions: (name as asked, code) pairs.
    pub async fn regions_named_among(
        &self,
        names: &[String],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut out = Vec::new();
        for chunk in names.chunks(400) {
            let asked: Vec<String> = chunk.iter().map(|n| n.trim().to_string()).collect();
            let lower: Vec<String> = asked.iter().map(|n| n.to_lowercase()).collect();
            let marks = |from: usize| {
                (from..from + asked.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let sql = format!(
                "SELECT DISTINCT name_zh, name_en, code FROM region WHERE name_zh IN ({}) OR LOWER(name_en) IN ({}) ORDER BY code",
                marks(1),
                marks(1 + asked.len())
            );
            // Only numbered placeholders are formatted in; the names are bound.
            let mut query =
                sqlx::query_as::<_, (String, Option<String>, String)>(sqlx::AssertSqlSafe(sql));
            for n in asked.iter().chain(&lower) {
                query = query.bind(n.clone());
            }
            for (zh, en, code) in query.fetch_all(&self.pool).await? {
                let en = en.map(|e| e.to_lowercase());
                for (a, l) in asked.iter().zip(&lower) {
                    if *a == zh || en.as_deref() == Some(l.as_str()) {
                        out.push((a.clone(), code.clone()));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The codes of a kind in a program that begin with `prefix`, for
    /// numbering a made code. The range keeps to the (program, code) index;
    /// under a collation that does not sort bytewise it may miss some, which
    /// the save then finds taken.
    pub async fn codes_starting(
        &self,
        program_code: &str,
        kind: RecordKind,
        prefix: &str,
    ) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT code FROM {} WHERE program_code = $1 AND code >= $2 AND code < $3",
            kind.code()
        );
        // The first string after every one that starts with the prefix.
        let mut end = prefix.to_string();
        end.push(char::MAX);
        let codes: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(program_code.to_string())
            .bind(prefix.to_string())
            .bind(end)
            .fetch_all(&self.pool)
            .await?;
        Ok(codes
            .into_iter()
            .filter(|c| c.starts_with(prefix))
            .collect())
    }

    /// As [`Store::codes_starting`], by a pattern that holds under any
    /// collation (and walks every code of the kind in the program): for
    /// when a made code was found taken.
    pub async fn codes_like(
        &self,
        program_code: &str,
        kind: RecordKind,
        prefix: &str,
    ) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT code FROM {} WHERE program_code = $1 AND code LIKE $2 ESCAPE '!'",
            kind.code()
        );
        let escaped: String = prefix
            .chars()
            .flat_map(|c| match c {
                '!' | '%' | '_' => vec!['!', c],
                c => vec![c],
            })
            .collect();
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(program_code.to_string())
            .bind(format!("{escaped}%"))
            .fetch_all(&self.pool)
            .await?)
    }

    /// The audit events of one entity, newest first.
    pub async fn audit_of(
        &self,
        program: &str,
        entity: &str,
        key: &str,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let filter = AuditFilter {
            entity: Some(entity.to_string()),
            entity_key: Some(key.to_string()),
            program: Some(program.to_string()),
            ..AuditFilter::default()
        };
        self.audit_page(&filter, 0, i64::MAX).await
    }

    /// The newest audit events, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit_page(&AuditFilter::default(), 0, limit).await
    }

    /// The audit events `filter` takes, newest first, `limit` of them after
    /// skipping `offset`.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let conditions = [
            ("actor = ", &filter.actor),
            ("entity = ", &filter.entity),
            ("entity_key = ", &filter.entity_key),
            ("program_code = ", &filter.program),
            ("at >= ", &filter.from),
            ("at < ", &filter.until),
        ];
        let mut sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_event");
        let mut values = Vec::new();
        for (condition, value) in conditions {
            if let Some(v) = value {
                values.push(v.clone());
                sql.push_str(if values.len() == 1 {
                    " WHERE "
                } else {
                    " AND "
                });
                sql.push_str(&format!("{condition}${}", values.len()));
            }
        }
        sql.push_str(&format!(
            // Every event is chained when written (and older ones when the
            // database is opened), so `seq` orders them all, along its index.
            " ORDER BY seq DESC LIMIT ${} OFFSET ${}",
            values.len() + 1,
            values.len() + 2
        ));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in values {
            q = q.bind(v);
        }
        let rows = q.bind(limit).bind(offset).fetch_all(&self.pool).await?;
        rows.iter().map(audit_entry).collect()
    }

    /// The display names of the given user names that are accounts.
    pub async fn display_names(
        &self,
        usernames: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut names = std::collections::HashMap::new();
        for chunk in usernames.chunks(500) {
            let sql = format!(
                "SELECT username, display_name FROM app_user WHERE username IN ({})",
                crate::rows::placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for u in chunk {
                q = q.bind(u.clone());
            }
            for r in q.fetch_all(&self.pool).await? {
                names.insert(r.try_get(0)?, r.try_get(1)?);
            }
        }
        Ok(names)
    }
}

/// All indicator definitions, in the order they were added, read on `conn`
/// (so inside a transaction when it is one).
pub(crate) async fn read_indicators(
    conn: &mut sqlx::AnyConnection,
) -> Result<Vec<IndicatorDefinition>, StoreError> {
    let rows = sqlx::query(
        "SELECT code, name_zh, name_en, unit, stock, definition FROM indicator ORDER BY position, code",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut defs = Vec::new();
    for r in rows {
        let code: String = r.try_get(0)?;
        let unit: String = r.try_get(3)?;
        let definition: String = r.try_get(5)?;
        let rule: Rule = serde_json::from_str(&definition)
            .map_err(|e| StoreError::Corrupt(format!("indicator {code}: {e}")))?;
        defs.push(IndicatorDefinition {
            unit: UnitOfMeasure::parse(&unit)
                .ok_or_else(|| StoreError::Corrupt(format!("indicator {code}: unit {unit}")))?,
            code,
            name_zh: r.try_get(1)?,
            name_en: r.try_get(2)?,
            stock: r.try_get::<i64, _>(4)? != 0,
            rule,
        });
    }
    Ok(defs)
}
