//! The start-of-year verification of a proposed project: is its county paired
//! with its helper, is its money within the helper's plan, is it not a
//! duplicate, is it complete. Pure: the app gathers what is compared.

use crate::lang::Lang;
use crate::money::format_money_for_table;
use crate::record::{FieldValue, Record, RecordKind};
use crate::region::RegionCode;

/// One check of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// The helper unit is paired with the project's county.
    Paired,
    /// The helper's projects of the year stay within its plan target for aid funds.
    WithinPlan,
    /// No other live project of the same category at the same place in the same year.
    NoDuplicate,
    /// The fields verification needs are filled in.
    Complete,
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub kind: CheckKind,
    pub passed: bool,
    /// A failed blocking check stops verification; others are warnings.
    pub blocking: bool,
    /// Codes or amounts (fen) the message names.
    pub detail: Vec<String>,
}

impl Check {
    /// The check's outcome as a sentence.
    pub fn message(&self, lang: Lang) -> String {
        let d = |i: usize| self.detail.get(i).cloned().unwrap_or_default();
        let money = |i: usize| {
            d(i).parse::<i64>()
                .map(|f| format_money_for_table(f, lang))
                .unwrap_or_default()
        };
        match (self.kind, self.passed, lang) {
            (CheckKind::Paired, true, Lang::Zh) => format!("帮扶单位与该县有结对关系（{}）", d(0)),
            (CheckKind::Paired, true, Lang::En) => format!("the helper unit is paired with the county ({})", d(0)),
            (CheckKind::Paired, false, Lang::Zh) => "帮扶单位与该县没有结对关系，请先登记结对或更正地区".into(),
            (CheckKind::Paired, false, Lang::En) => "the helper unit is not paired with this county; record the pairing or correct the place".into(),
            (CheckKind::WithinPlan, true, Lang::Zh) if d(1).is_empty() => "该单位本年度没有帮扶资金计划目标，未作比较".into(),
            (CheckKind::WithinPlan, true, Lang::En) if d(1).is_empty() => "the unit has no aid-funds target for the year; nothing to compare".into(),
            (CheckKind::WithinPlan, true, Lang::Zh) => format!("本年项目资金合计 {}，未超出计划 {}", money(0), money(1)),
            (CheckKind::WithinPlan, true, Lang::En) => format!("the year's projects total {}, within the plan's {}", money(0), money(1)),
            (CheckKind::WithinPlan, false, Lang::Zh) => format!("本年项目资金合计 {}，超出计划 {}，请调减资金或调整计划", money(0), money(1)),
            (CheckKind::WithinPlan, false, Lang::En) => format!("the year's projects total {}, above the plan's {}; reduce the amount or revise the plan", money(0), money(1)),
            (CheckKind::NoDuplicate, true, Lang::Zh) => "同一地点、同一类别、同一年度没有其他项目".into(),
            (CheckKind::NoDuplicate, true, Lang::En) => "no other project of this category at this place in this year".into(),
            (CheckKind::NoDuplicate, false, Lang::Zh) => format!("同一地点、同一类别本年度已有项目：{}，请确认不是重复申报", d(0)),
            (CheckKind::NoDuplicate, false, Lang::En) => format!("this place already has a project of this category this year: {}; make sure it is not the same", d(0)),
            (CheckKind::Complete, true, Lang::Zh) => "必填信息齐全".into(),
            (CheckKind::Complete, true, Lang::En) => "the required details are filled in".into(),
            (CheckKind::Complete, false, Lang::Zh) => format!("缺少：{}，请补充后再核查", d(0)),
            (CheckKind::Complete, false, Lang::En) => format!("missing: {}; fill them in and verify again", d(0)),
        }
    }
}

/// What a verification compares the project with.
pub struct VerificationInput<'a> {
    pub project: &'a Record,
    /// The program's pairings.
    pub pairings: &'a [Record],
    /// Other projects of the program in the same year.
    pub same_year: &'a [Record],
    /// The helper unit's aid-funds targets for the year: (county, target in fen); `None` county is unit-wide.
    pub targets: &'a [(Option<String>, i64)],
}

fn text(r: &Record, f: &str) -> String {
    r.get(f).as_text().unwrap_or_default().to_string()
}

fn live(r: &Record) -> bool {
    !matches!(
        r.get("status").as_text(),
        Some("cancelled" | "returned" | "proposed")
    )
}

/// The pairing under which `unit` helps the place `region` in `year`: the
/// helped region holds the place, and the year lies in the pairing's years
/// (an open end holds every year on that side).
pub fn pairing_for<'a>(
    pairings: &'a [Record],
    unit: &str,
    region: &str,
    year: Option<i32>,
) -> Option<&'a Record> {
    let place = RegionCode::parse(region).ok()?;
    let in_years = |pairing: &Record| {
        let bound = |f: &str| pairing.get(f).as_int().and_then(|y| i32::try_from(y).ok());
        year.is_none_or(|y| {
            bound("from_year").is_none_or(|from| from <= y)
                && bound("to_year").is_none_or(|to| y <= to)
        })
    };
    pairings.iter().find(|r| {
        text(r, "helper_unit") == unit
            && RegionCode::parse(&text(r, "helped_region")).is_ok_and(|h| h.contains(&place))
            && in_years(r)
    })
}

/// Runs every check; the project may be verified when no blocking check failed.
pub fn verify(input: &VerificationInput<'_>) -> Vec<Check> {
    let p = input.project;
    let unit = text(p, "helper_unit");
    let region = text(p, "region_code");
    let place = RegionCode::parse(&region).ok();
    let year = p.year();
    let pairing = pairing_for(input.pairings, &unit, &region, year);
    let mut checks = vec![Check {
        kind: CheckKind::Paired,
        passed: pairing.is_some(),
        blocking: true,
        detail: pairing
            .map(|r| vec![r.code().to_string()])
            .unwrap_or_default(),
    }];

    // Targets per county apply to that county's projects; a unit-wide target to all of them.
    let county = place.as_ref().map(|p| p.county().to_string());
    let target = input
        .targets
        .iter()
        .find(|(c, _)| c.is_some() && *c == county)
        .or_else(|| input.targets.iter().find(|(c, _)| c.is_none()));
    let amount = |r: &Record| r.get("amount").as_int().unwrap_or(0);
    let planned: i64 = input
        .same_year
        .iter()
        .filter(|r| r.code() != p.code() && text(r, "helper_unit") == unit && live(r))
        .filter(|r| match target {
            Some((Some(c), _)) => RegionCode::parse(&text(r, "region_code"))
                .is_ok_and(|x| x.county().to_string() == *c),
            _ => true,
        })
        .map(amount)
        .sum::<i64>()
        + amount(p);
    checks.push(Check {
        kind: CheckKind::WithinPlan,
        passed: target.is_none_or(|(_, t)| planned <= *t),
        blocking: true,
        detail: vec![
            planned.to_string(),
            target.map(|(_, t)| t.to_string()).unwrap_or_default(),
        ],
    });

    let category = text(p, "category");
    let others: Vec<&str> = input
        .same_year
        .iter()
        .filter(|r| {
            r.code() != p.code()
                && text(r, "region_code") == region
                && text(r, "category") == category
        })
        .filter(|r| r.get("status").as_text() != Some("cancelled"))
        .map(|r| r.code())
        .collect();
    // The same name at the same place is a duplicate; another project of the category is worth a look.
    let same_name = input.same_year.iter().any(|r| {
        r.code() != p.code()
            && text(r, "region_code") == region
            && text(r, "category") == category
            && text(r, "name_zh") == text(p, "name_zh")
    });
    checks.push(Check {
        kind: CheckKind::NoDuplicate,
        passed: others.is_empty(),
        blocking: same_name,
        detail: vec![others.join(", ")],
    });

    let missing: Vec<&str> = [
        "amount",
        "helper_unit",
        "region_code",
        "name_zh",
        "category",
    ]
    .into_iter()
    .filter(|f| matches!(p.get(f), FieldValue::Null))
    .filter_map(|f| RecordKind::Project.field(f).map(|s| s.name))
    .collect();
    checks.push(Check {
        kind: CheckKind::Complete,
        passed: missing.is_empty(),
        blocking: true,
        detail: vec![missing.join(", ")],
    });
    checks
}

/// Whether the checks allow verification.
pub fn passes(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.passed || !c.blocking)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: RecordKind, cells: &[(&str, &str)]) -> Record {
        Record::parse(kind, |n| {
            cells.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
        })
        .unwrap()
    }

    fn project(code: &str, amount: &str, name: &str) -> Record {
        record(
            RecordKind::Project,
            &[
                ("code", code),
                ("year", "2010"),
                ("helper_unit", "hz"),
                ("region_code", "510822"),
                ("category", "school"),
                ("name_zh", name),
                ("amount", amount),
                ("status", "registered"),
            ],
        )
    }

    fn pairing() -> Record {
        record(
            RecordKind::Pairing,
            &[
                ("code", "p1"),
                ("level", "city_county"),
                ("helper_unit", "hz"),
                ("helped_region", "510822"),
            ],
        )
    }

    #[test]
    fn a_paired_project_within_plan_passes() {
        let p = project("new", "300000", "新校");
        let others = [project("old", "1000000", "老校")];
        let checks = verify(&VerificationInput {
            project: &p,
            pairings: &[pairing()],
            same_year: &others,
            targets: &[(Some("510822".into()), 200_000_000)],
        });
        assert!(passes(&checks), "{checks:?}");
        assert!(
            !checks[2].passed && !checks[2].blocking,
            "another school there is a warning, not a stop"
        );
        assert!(checks[1].message(Lang::Zh).contains("130万元"));
    }

    #[test]
    fn unpaired_over_plan_or_duplicate_projects_fail() {
        let p = project("new", "1500000", "老校");
        let others = [project("old", "1000000", "老校")];
        let checks = verify(&VerificationInput {
            project: &p,
            pairings: &[],
            same_year: &others,
            targets: &[(None, 200_000_000)],
        });
        assert!(!passes(&checks));
        let failed: Vec<CheckKind> = checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.kind)
            .collect();
        assert_eq!(
            failed,
            vec![
                CheckKind::Paired,
                CheckKind::WithinPlan,
                CheckKind::NoDuplicate
            ]
        );
    }
}
