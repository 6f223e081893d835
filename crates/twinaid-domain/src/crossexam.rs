//! The year-end cross-examination draw: each helper unit's registered projects
//! are inspected by another unit's team — never its own, never a unit paired
//! with one of the same counties — with the load spread evenly, and the same
//! draw again for the same seed.

use std::collections::{BTreeMap, BTreeSet};

/// A helper unit taking part in the draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub unit: String,
    /// The counties the unit is paired with.
    pub counties: BTreeSet<String>,
}

/// A project to be inspected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspectable {
    pub project: String,
    pub unit: String,
}

/// One assignment: a project and the unit whose team inspects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub project: String,
    pub inspected_unit: String,
    pub inspector: String,
}

/// Why a draw cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrawError {
    /// No team may inspect this unit's projects (every other unit shares a county with it).
    NoEligibleInspector(String),
}

/// A small, fixed pseudo-random generator (SplitMix64): the draw (and the
/// synthetic programs) must be the same on every machine and version for a
/// recorded seed.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// A number in `[0, 1)`.
    pub fn fraction(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Fisher–Yates with this generator.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Whether `inspector` may inspect `unit`'s projects.
fn eligible(inspector: &Team, unit: &Team) -> bool {
    inspector.unit != unit.unit && inspector.counties.is_disjoint(&unit.counties)
}

/// Draws inspectors for every project. Projects are taken in an order shuffled
/// by the seed; each goes to the eligible team with the lightest load so far
/// (ties broken by the seed's order of teams), so loads differ by at most one
/// where the pairings allow it.
pub fn draw(
    teams: &[Team],
    projects: &[Inspectable],
    seed: u64,
) -> Result<Vec<Assignment>, DrawError> {
    let mut rng = SplitMix64(seed);
    let by_unit: BTreeMap<&str, &Team> = teams.iter().map(|t| (t.unit.as_str(), t)).collect();
    let mut team_order: Vec<&Team> = teams.iter().collect();
    team_order.sort_by(|a, b| a.unit.cmp(&b.unit));
    rng.shuffle(&mut team_order);
    let mut order: Vec<&Inspectable> = projects.iter().collect();
    order.sort_by(|a, b| (&a.unit, &a.project).cmp(&(&b.unit, &b.project)));
    rng.shuffle(&mut order);
    // The most constrained units go first, so they still find a team.
    let eligible_count = |unit: &str| match by_unit.get(unit) {
        Some(u) => team_order.iter().filter(|t| eligible(t, u)).count(),
        None => team_order.iter().filter(|t| t.unit != unit).count(),
    };
    order.sort_by_key(|p| eligible_count(&p.unit));
    let mut load: BTreeMap<&str, usize> = team_order.iter().map(|t| (t.unit.as_str(), 0)).collect();
    let mut out = Vec::with_capacity(order.len());
    for p in order {
        let unit_team = by_unit.get(p.unit.as_str()).copied();
        let chosen = team_order
            .iter()
            .filter(|t| match unit_team {
                Some(u) => eligible(t, u),
                None => t.unit != p.unit,
            })
            .min_by_key(|t| load[t.unit.as_str()])
            .ok_or_else(|| DrawError::NoEligibleInspector(p.unit.clone()))?;
        *load.entry(chosen.unit.as_str()).or_default() += 1;
        out.push(Assignment {
            project: p.project.clone(),
            inspected_unit: p.unit.clone(),
            inspector: chosen.unit.clone(),
        });
    }
    out.sort_by(|a, b| a.project.cmp(&b.project));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight cities, twelve counties, two of them with two counties each, as in the demo.
    fn teams() -> Vec<Team> {
        let pairs: &[(&str, &[&str])] = &[
            ("hangzhou", &["510822", "510812"]),
            ("wenzhou", &["511321", "511324"]),
            ("huzhou", &["510821", "510811"]),
            ("jinhua", &["511381", "511304"]),
            ("jiaxing", &["510824"]),
            ("shaoxing", &["510823"]),
            ("taizhou", &["511322"]),
            ("quzhou", &["511323"]),
        ];
        pairs
            .iter()
            .map(|(u, cs)| Team {
                unit: u.to_string(),
                counties: cs.iter().map(|c| c.to_string()).collect(),
            })
            .collect()
    }

    fn projects(teams: &[Team]) -> Vec<Inspectable> {
        teams
            .iter()
            .flat_map(|t| {
                (0..t.counties.len() * 6).map(move |i| Inspectable {
                    project: format!("{}-{i}", t.unit),
                    unit: t.unit.clone(),
                })
            })
            .collect()
    }

    #[test]
    fn nobody_inspects_itself_or_a_unit_sharing_a_county() {
        let teams = teams();
        let projects = projects(&teams);
        for seed in 0..50 {
            let draw = draw(&teams, &projects, seed).unwrap();
            assert_eq!(draw.len(), projects.len());
            for a in &draw {
                let inspected = teams.iter().find(|t| t.unit == a.inspected_unit).unwrap();
                let inspector = teams.iter().find(|t| t.unit == a.inspector).unwrap();
                assert!(eligible(inspector, inspected), "{a:?}");
            }
        }
    }

    #[test]
    fn the_load_is_even_and_the_seed_decides_the_draw() {
        let teams = teams();
        let projects = projects(&teams);
        let first = draw(&teams, &projects, 2009).unwrap();
        assert_eq!(
            first,
            draw(&teams, &projects, 2009).unwrap(),
            "same seed, same draw"
        );
        assert_ne!(
            first,
            draw(&teams, &projects, 2010).unwrap(),
            "another seed, another draw"
        );
        let mut load: BTreeMap<&str, usize> = BTreeMap::new();
        for a in &first {
            *load.entry(a.inspector.as_str()).or_default() += 1;
        }
        let (min, max) = (load.values().min().unwrap(), load.values().max().unwrap());
        assert!(max - min <= 1, "loads {load:?}");
    }

    #[test]
    fn a_unit_nobody_may_inspect_is_reported() {
        let teams = vec![
            Team {
                unit: "a".into(),
                counties: ["1".to_string()].into(),
            },
            Team {
                unit: "b".into(),
                counties: ["1".to_string()].into(),
            },
        ];
        let projects = vec![Inspectable {
            project: "p".into(),
            unit: "a".into(),
        }];
        assert_eq!(
            draw(&teams, &projects, 1),
            Err(DrawError::NoEligibleInspector("a".into()))
        );
    }
}
