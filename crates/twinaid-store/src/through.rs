//! The cumulative county roll-up (`figure_county_through`): each county's
//! figure of a part summed over the years up to each year, one row per year
//! from the county's first year with the part to its last. A report of any
//! year finds the years before it in one year of rows; each write carries
//! its difference into the rows from its year on.

use crate::StoreError;
use crate::rows::placeholders;
use sqlx::{AnyConnection, Row};

/// A county's part changed in one year: by how much, and whether the year
/// now has it where it had not (+1) or has lost it (-1).
pub(crate) struct Change<'a> {
    pub program: &'a str,
    pub part: &'a str,
    pub county: &'a str,
    pub year: i64,
    pub delta: i64,
    pub years: i64,
    /// The county's value of the part in the year after the change.
    pub value: i64,
}

/// Carries a change into the county's rows, growing them to a year that
/// now has the part and trimming the years that no longer lead to any.
/// Then sets the county total's last year.
pub(crate) async fn carry(conn: &mut AnyConnection, c: &Change<'_>) -> Result<(), StoreError> {
    let key = |sql: &'static str| {
        sqlx::query(sql)
            .bind(c.program.to_string())
            .bind(c.part.to_string())
            .bind(c.county.to_string())
    };
    key(
        "UPDATE figure_county_through SET value = value + $4, years = years + $5 \
         WHERE program_code = $1 AND part = $2 AND county = $3 AND year >= $6",
    )
    .bind(c.delta)
    .bind(c.years)
    .bind(c.year)
    .execute(&mut *conn)
    .await?;
    if c.years == 0 {
        return Ok(());
    }
    if c.years > 0 {
        let bounds = key(
            "SELECT CAST(MIN(year) AS BIGINT), CAST(MAX(year) AS BIGINT) FROM figure_county_through \
             WHERE program_code = $1 AND part = $2 AND county = $3",
        )
        .fetch_one(&mut *conn)
        .await?;
        let (first, last): (Option<i64>, Option<i64>) = (bounds.try_get(0)?, bounds.try_get(1)?);
        match (first, last) {
            (Some(_), Some(last)) if c.year > last => {
                // The rows before the new year carry the old last row on.
                let row = key("SELECT value, years FROM figure_county_through \
                     WHERE program_code = $1 AND part = $2 AND county = $3 AND year = $4")
                .bind(last)
                .fetch_one(&mut *conn)
                .await?;
                let (value, years): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
                insert_span(conn, c, last + 1, c.year - 1, value, years).await?;
                insert_span(conn, c, c.year, c.year, value + c.value, years + 1).await?;
            }
            // The rows from the old first year on were raised above.
            (Some(first), Some(_)) if c.year < first => {
                insert_span(conn, c, c.year, first - 1, c.value, 1).await?;
            }
            (None, _) | (_, None) => insert_span(conn, c, c.year, c.year, c.value, 1).await?,
            _ => {}
        }
    } else {
        // Years before the county's (new) first year, and after its last:
        // the first row that has all its years is the last one needed.
        key("DELETE FROM figure_county_through \
             WHERE program_code = $1 AND part = $2 AND county = $3 AND years <= 0")
        .execute(&mut *conn)
        .await?;
        key("DELETE FROM figure_county_through \
             WHERE program_code = $1 AND part = $2 AND county = $3 AND year > ( \
               SELECT MIN(t.year) FROM figure_county_through t \
               WHERE t.program_code = $1 AND t.part = $2 AND t.county = $3 AND t.years = ( \
                 SELECT MAX(m.years) FROM figure_county_through m \
                 WHERE m.program_code = $1 AND m.part = $2 AND m.county = $3))")
        .execute(&mut *conn)
        .await?;
    }
    key("UPDATE figure_county_total SET last_year = ( \
           SELECT MAX(t.year) FROM figure_county_through t \
           WHERE t.program_code = $1 AND t.part = $2 AND t.county = $3) \
         WHERE program_code = $1 AND part = $2 AND county = $3")
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Carries changes of parts whose years stay as they were (the common
/// write) into the county's rows from `year` on, all parts in one statement.
pub(crate) async fn carry_deltas(
    conn: &mut AnyConnection,
    program: &str,
    county: &str,
    year: i64,
    deltas: &[(&str, i64)],
) -> Result<(), StoreError> {
    if deltas.is_empty() {
        return Ok(());
    }
    let whens: String = (0..deltas.len())
        .map(|i| format!(" WHEN ${} THEN ${}", 4 + 2 * i, 5 + 2 * i))
        .collect();
    let parts = (0..deltas.len())
        .map(|i| format!("${}", 4 + 2 * i))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE figure_county_through SET value = value + CASE part{whens} ELSE 0 END \
         WHERE program_code = $1 AND county = $2 AND year >= $3 AND part IN ({parts})"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.to_string())
        .bind(county.to_string())
        .bind(year);
    for (part, delta) in deltas {
        q = q.bind(part.to_string()).bind(*delta);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Rows for the years `from` to `to` (none when `to` is before `from`),
/// each with the same value and count of years.
async fn insert_span(
    conn: &mut AnyConnection,
    c: &Change<'_>,
    from: i64,
    to: i64,
    value: i64,
    years: i64,
) -> Result<(), StoreError> {
    if to < from {
        return Ok(());
    }
    sqlx::query(
        "WITH RECURSIVE span (year) AS ( \
           SELECT CAST($4 AS BIGINT) UNION ALL SELECT year + 1 FROM span WHERE year < $5) \
         INSERT INTO figure_county_through (program_code, part, county, year, value, years) \
         SELECT $1, $2, $3, year, $6, $7 FROM span",
    )
    .bind(c.program.to_string())
    .bind(c.part.to_string())
    .bind(c.county.to_string())
    .bind(from)
    .bind(to)
    .bind(value)
    .bind(years)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes the rows of the given parts of a program again from the county
/// roll-up, for every county and year.
pub(crate) async fn rebuild(
    conn: &mut AnyConnection,
    program: &str,
    parts: &[&String],
) -> Result<(), StoreError> {
    if parts.is_empty() {
        return Ok(());
    }
    let parts_in = format!("part IN ({})", placeholders(2, parts.len()));
    let delete =
        format!("DELETE FROM figure_county_through WHERE program_code = $1 AND {parts_in}");
    // Every year from each county's first to its last, and the sums up to it.
    let insert = format!(
        "WITH RECURSIVE span (part, county, year, last) AS ( \
           SELECT part, county, MIN(year), MAX(year) FROM figure_county \
           WHERE program_code = $1 AND {parts_in} GROUP BY part, county \
           UNION ALL SELECT part, county, year + 1, last FROM span WHERE year < last) \
         INSERT INTO figure_county_through (program_code, part, county, year, value, years) \
         SELECT $1, s.part, s.county, s.year, \
           CAST(SUM(COALESCE(f.value, 0)) OVER w AS BIGINT), CAST(COUNT(f.value) OVER w AS BIGINT) \
         FROM span s LEFT JOIN figure_county f ON f.program_code = $1 AND f.part = s.part \
           AND f.year = s.year AND f.county = s.county \
         WINDOW w AS (PARTITION BY s.part, s.county ORDER BY s.year)"
    );
    for sql in [delete, insert] {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program.to_string());
        for p in parts {
            q = q.bind((*p).clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::carry_to_county_total;
    use std::collections::BTreeMap;

    /// Rows of a table, as (county, three numbers).
    async fn kept(conn: &mut AnyConnection, sql: &str) -> Vec<(String, [i64; 3])> {
        let mut out = Vec::new();
        for r in sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(&mut *conn)
            .await
            .unwrap()
        {
            let cell = |i| r.try_get::<i64, _>(i).unwrap();
            out.push((r.try_get(0).unwrap(), [cell(1), cell(2), cell(3)]));
        }
        out
    }

    const THROUGH: &str =
        "SELECT county, year, value, years FROM figure_county_through ORDER BY county, year";

    /// Years gained and lost at either end, inside and alone, one county at
    /// a time as writes carry them: the rows are always those a rebuild
    /// from the county roll-up makes.
    async fn carried_rows_match_a_rebuild(url: &str) {
        let store = crate::Store::open(url).await.unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        let part = "aid_funds#0".to_string();
        // (county, year) → value where the year has the part.
        let mut model: BTreeMap<(String, i64), i64> = BTreeMap::new();
        let mut seed: u64 = 7;
        for step in 0..120 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let county = ["510822", "510823"][(seed >> 33) as usize % 2].to_string();
            let year = 2008 + (seed >> 40) as i64 % 10;
            // Removals now and then, so that counties empty out too.
            let value = match (seed >> 50) % 3 {
                0 => None,
                _ => Some((seed >> 20) as i64 % 1000 - 100),
            };
            let key = (county.clone(), year);
            let detail = |v: Option<&i64>| {
                v.map(|v| ((part.clone(), String::new()), *v))
                    .into_iter()
                    .collect::<crate::summary::Detail>()
            };
            let before = detail(model.get(&key));
            match value {
                Some(v) => model.insert(key.clone(), v),
                None => model.remove(&key),
            };
            let after = detail(model.get(&key));
            sqlx::query("DELETE FROM figure_county WHERE county = $1 AND year = $2")
                .bind(county.clone())
                .bind(year)
                .execute(&mut *conn)
                .await
                .unwrap();
            if let Some(v) = value {
                sqlx::query(
                    "INSERT INTO figure_county (program_code, part, year, county, value) \
                     VALUES ('p', $1, $2, $3, $4)",
                )
                .bind(part.clone())
                .bind(year)
                .bind(county.clone())
                .bind(v)
                .execute(&mut *conn)
                .await
                .unwrap();
            }
            carry_to_county_total(&mut conn, "p", year, &county, &before, &after)
                .await
                .unwrap();
            let carried = kept(&mut conn, THROUGH).await;
            rebuild(&mut conn, "p", &[&part]).await.unwrap();
            assert_eq!(carried, kept(&mut conn, THROUGH).await, "step {step}");
            // Each county's total: its last year, value and years.
            let mut totals: BTreeMap<String, [i64; 3]> = BTreeMap::new();
            for ((c, y), v) in &model {
                let t = totals.entry(c.clone()).or_insert([0; 3]);
                *t = [t[0].max(*y), t[1] + v, t[2] + 1];
            }
            let sql =
                "SELECT county, last_year, value, years FROM figure_county_total ORDER BY county";
            let totals: Vec<_> = totals.into_iter().collect();
            assert_eq!(kept(&mut conn, sql).await, totals, "step {step}");
        }
        // Both ends were grown and trimmed on the way.
        assert!(model.keys().any(|(_, y)| *y == 2008));
        drop(conn);
        store.close().await;
    }

    #[tokio::test]
    async fn carried_rows_match_a_rebuild_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        carried_rows_match_a_rebuild(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await;
    }

    #[tokio::test]
    async fn carried_rows_match_a_rebuild_on_postgresql() {
        let Ok(admin) = std::env::var("TWINAID_TEST_POSTGRES_URL") else {
            eprintln!("skipped: TWINAID_TEST_POSTGRES_URL is not set");
            return;
        };
        let url = crate::testing::fresh_postgres_database(&admin)
            .await
            .unwrap();
        carried_rows_match_a_rebuild(&url).await;
    }
}
