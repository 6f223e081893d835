//! Which records the official figures count: a project from the step its
//! year's guidance names (registered by default), and a record linked to a
//! project (a fund transaction) as its project does. Written as SQL once, so
//! the summary, the recomputation and the lists agree.

use crate::{Store, StoreError};
use sqlx::{AnyConnection, Row};
use twinaid_domain::guidance::Guidance;
use twinaid_domain::lifecycle::{CountingRule, DEFAULT_COUNTS_FROM, Standing, Status};
use twinaid_domain::record::RecordKind;

/// The program's counting rule, from its guidance versions.
pub(crate) async fn counting_rule(
    conn: &mut AnyConnection,
    program: &str,
) -> Result<CountingRule, StoreError> {
    let rows = sqlx::query("SELECT version, body FROM guidance WHERE program_code = $1")
        .bind(program.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let mut versions = Vec::with_capacity(rows.len());
    for r in rows {
        let version: i64 = r.try_get(0)?;
        let body: String = r.try_get(1)?;
        // A version that does not read says nothing on counting; the
        // guidance pages report it, and writes go on.
        match serde_json::from_str::<Guidance>(&body) {
            Ok(g) => versions.push((version, g)),
            Err(e) => tracing::warn!(program, version, error = %e, "guidance does not read"),
        }
    }
    Ok(Guidance::counting_rule(
        versions.iter().map(|(v, g)| (*v, g)),
    ))
}

/// Whether records of a kind can be anything but counted.
pub(crate) fn has_standing(kind: RecordKind) -> bool {
    matches!(kind, RecordKind::Project | RecordKind::FundTransaction)
}

/// The standing ([`Standing::code`]) of record `r` of a kind, as SQL; None
/// for kinds whose records always count. Codes and years are the domain's,
/// never input.
pub(crate) fn standing_sql(kind: RecordKind, rule: &CountingRule) -> Option<String> {
    match kind {
        RecordKind::Project => Some(project_case("r", rule)),
        RecordKind::FundTransaction => Some(format!(
            "(CASE WHEN r.project_code IS NULL THEN '{counted}' ELSE COALESCE(\
               (SELECT {case} FROM project p \
                WHERE p.program_code = r.program_code AND p.code = r.project_code), \
               '{counted}') END)",
            counted = Standing::Counted.code(),
            case = project_case("p", rule),
        )),
        _ => None,
    }
}

/// `standing = 'code'` for records `r` of a kind, or None where every record counts.
pub(crate) fn standing_is(kind: RecordKind, rule: &CountingRule, want: Standing) -> Option<String> {
    standing_sql(kind, rule).map(|s| format!("{s} = '{}'", want.code()))
}

/// The standing of project `alias` under the rule.
fn project_case(alias: &str, rule: &CountingRule) -> String {
    let by_status = |from: Status| {
        let whens: String = Status::ALL
            .iter()
            .map(|s| format!(" WHEN '{}' THEN '{}'", s.code(), s.standing(from).code()))
            .collect();
        format!(
            "(CASE COALESCE({alias}.status, '{}'){whens} ELSE '{}' END)",
            DEFAULT_COUNTS_FROM.code(),
            Standing::Excluded.code()
        )
    };
    let exceptions = rule.exceptions();
    if exceptions.is_empty() {
        return by_status(DEFAULT_COUNTS_FROM);
    }
    let whens: String = exceptions
        .into_iter()
        .map(|(from, years)| {
            let years: Vec<String> = years.iter().map(i32::to_string).collect();
            format!(
                " WHEN {alias}.year IN ({}) THEN {}",
                years.join(", "),
                by_status(from)
            )
        })
        .collect();
    format!("(CASE{whens} ELSE {} END)", by_status(DEFAULT_COUNTS_FROM))
}

impl Store {
    /// The program's counting rule: from which step each year's projects count.
    pub async fn counting_rule(&self, program: &str) -> Result<CountingRule, StoreError> {
        let mut conn = self.pool.acquire().await?;
        counting_rule(&mut conn, program).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_projects_and_their_money_have_a_standing() {
        let rule = CountingRule::default();
        assert!(standing_sql(RecordKind::Training, &rule).is_none());
        let p = standing_sql(RecordKind::Project, &rule).unwrap();
        assert!(p.contains("WHEN 'proposed' THEN 'pending'"), "{p}");
        assert!(p.contains("WHEN 'registered' THEN 'counted'"), "{p}");
        assert!(p.contains("WHEN 'cancelled' THEN 'excluded'"), "{p}");
        let f = standing_sql(RecordKind::FundTransaction, &rule).unwrap();
        assert!(f.contains("p.code = r.project_code"), "{f}");
    }

    #[test]
    fn a_year_with_another_step_gets_its_own_branch() {
        let mut rule = CountingRule::default();
        rule.by_year.insert(2011, Status::Completed);
        let p = standing_sql(RecordKind::Project, &rule).unwrap();
        assert!(p.starts_with("(CASE WHEN r.year IN (2011) THEN"), "{p}");
    }
}
