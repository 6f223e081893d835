//! What a clerk picks from instead of typing codes: for each reference
//! field of a record, the units, places and records the actor may choose,
//! by name; and the way back from a typed name to its code.

use crate::App;
use crate::access::{Actor, Permissions, Role};
use crate::error::AppError;
use crate::records::ListRequest;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use twinaid_domain::record::{FieldType, RecordKind};
use twinaid_domain::region::RegionLevel;
use twinaid_domain::verification::pairing_for;

/// The most records a record picker offers; past it the clerk types (a
/// code or a name), with the newest offered as suggestions.
const MOST_RECORDS: i64 = 300;

/// One thing to pick: its code and its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickOption {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl PickOption {
    /// The name in a language.
    pub fn name(&self, lang: twinaid_domain::Lang) -> &str {
        lang.pick(&self.name_zh, &self.name_en)
    }
}

/// What a reference field offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picker {
    pub options: Vec<PickOption>,
    /// Whether a value outside the options may be typed (they are then
    /// suggestions); else the field is a closed list.
    pub open: bool,
}

impl App {
    /// The pickers of a kind's reference fields, by field name, for a
    /// record of `year`: each limited to what the actor may choose.
    pub async fn pickers(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        year: i32,
    ) -> Result<BTreeMap<&'static str, Picker>, AppError> {
        actor.require_program_reader(program)?;
        let perms = Permissions::of(actor, program);
        let mut out = BTreeMap::new();
        let mut units = None;
        for f in kind.fields() {
            let picker = match f.ty {
                FieldType::HelperUnit | FieldType::HelpedUnit => {
                    if units.is_none() {
                        units = Some(self.store.units(program).await?);
                    }
                    let side = if f.ty == FieldType::HelperUnit {
                        "helping"
                    } else {
                        "helped"
                    };
                    let options = units
                        .iter()
                        .flatten()
                        .filter(|u| u.side == side)
                        .filter(|u| {
                            side != "helping"
                                || perms.own_unit.as_ref().is_none_or(|o| *o == u.code)
                        })
                        .map(|u| PickOption {
                            code: u.code.clone(),
                            name_zh: u.name_zh.clone(),
                            name_en: u.name(twinaid_domain::Lang::En).to_string(),
                        })
                        .collect();
                    Picker {
                        options,
                        open: false,
                    }
                }
                FieldType::HelpedRegion => self.helped_places(actor, program, year).await?,
                FieldType::Region => self.wide_places(year).await?,
                FieldType::Ref(target) => self.records_to_pick(actor, program, target).await?,
                _ => continue,
            };
            out.insert(f.name, picker);
        }
        Ok(out)
    }

    /// The helped places the actor may record work in, in a year: a
    /// county's own county; a helper unit's places paired with it that
    /// year; the office's every helped place and the prefectures holding them.
    async fn helped_places(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
    ) -> Result<Picker, AppError> {
        let names = self.place_names(actor, program, year).await?;
        let pairings = match &actor.role {
            Role::HelperUnit { .. } => self.store.records(program, RecordKind::Pairing).await?,
            _ => Vec::new(),
        };
        let options = names
            .into_iter()
            .filter(|(code, _)| match &actor.role {
                Role::HelpedCounty { region } => code == region,
                Role::HelperUnit { unit } => {
                    pairing_for(&pairings, unit, code, Some(year)).is_some()
                }
                _ => true,
            })
            .map(|(code, (zh, en))| PickOption {
                code,
                name_zh: zh,
                name_en: en,
            })
            .collect();
        Ok(Picker {
            options,
            open: false,
        })
    }

    /// Provinces and prefectures of the whole country, for a field that
    /// may name any region (a stored county stays as it is).
    async fn wide_places(&self, year: i32) -> Result<Picker, AppError> {
        let mut options = Vec::new();
        for level in [RegionLevel::Province, RegionLevel::Prefecture] {
            let (_, names) = self
                .store
                .regions_page(None, Some(level.code()), None, 0, 500)
                .await?;
            let codes: Vec<String> = names.iter().map(|n| n.code.to_string()).collect();
            let named = self.names_in_year(codes, year, None).await?;
            // The registry's placeholders ("市辖区", "县") name no place a person would pick.
            let named = named.into_iter().filter(|(_, (zh, _))| {
                !matches!(
                    zh.as_str(),
                    "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划"
                )
            });
            options.extend(named.map(|(code, (zh, en))| PickOption {
                code,
                name_zh: zh,
                name_en: en,
            }));
        }
        options.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(Picker {
            options,
            open: false,
        })
    }

    /// Records of a kind the actor sees, newest codes first, as a list to
    /// pick from (or, when there are more, suggestions).
    async fn records_to_pick(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
    ) -> Result<Picker, AppError> {
        let page = self
            .list_records(
                actor,
                program,
                kind,
                &ListRequest {
                    sort: Some("code".into()),
                    descending: true,
                    page: 1,
                    per_page: MOST_RECORDS,
                    ..ListRequest::default()
                },
            )
            .await?;
        let text = |r: &twinaid_domain::record::Record, f: &str| {
            r.get(f).as_text().unwrap_or_default().to_string()
        };
        let options = page
            .records
            .iter()
            .map(|r| {
                let zh = text(r, "name_zh");
                let en = Some(text(r, "name_en"))
                    .filter(|e| !e.is_empty())
                    .unwrap_or_else(|| zh.clone());
                PickOption {
                    code: r.code().to_string(),
                    name_zh: zh,
                    name_en: en,
                }
            })
            .collect();
        Ok(Picker {
            options,
            open: page.total_rows > MOST_RECORDS,
        })
    }

    /// Reads the reference cells of a record as codes where they hold a
    /// name (杭州市人民政府, 青川县) or a name with its code ("青川县 510822",
    /// as lists export them): see [`App::codes_of_names`]. A name that fits
    /// none, or more than one, is left as typed, for the check to refuse by
    /// its field.
    pub(crate) async fn codes_for_names(
        &self,
        program: &str,
        kind: RecordKind,
        cells: &mut BTreeMap<String, String>,
    ) -> Result<(), AppError> {
        let wanted: BTreeSet<(String, String)> = kind
            .fields()
            .iter()
            .filter_map(|f| {
                let text = cells.get(f.name)?.trim();
                let named = !text.is_empty() && twinaid_domain::record::parse_code(text).is_err();
                named.then(|| (f.name.to_string(), text.to_string()))
            })
            .collect();
        let found = self.find_codes(program, kind, &wanted).await?;
        for (field, text) in wanted {
            // Else "name code", as lists export it: the code at the end decides.
            let code = found
                .get(&(field.clone(), text.clone()))
                .cloned()
                .or_else(|| {
                    let (_, last) = text.rsplit_once(char::is_whitespace)?;
                    let reference = kind.field(&field).is_some_and(|f| is_reference(f.ty));
                    (reference && twinaid_domain::record::parse_code(last).is_ok())
                        .then(|| last.to_string())
                });
            if let Some(code) = code {
                cells.insert(field, code);
            }
        }
        Ok(())
    }

    /// The codes of units and places a file names instead of giving their
    /// codes, by (field, text) as read: a unit of the program by its Chinese
    /// or English name (any case); a region by its name, preferring the
    /// program's places and then one of that name anywhere. Names that fit
    /// none, or more than one, are left out, for the import's check to
    /// refuse by row and column.
    pub async fn codes_of_names(
        &self,
        actor: &Actor,
        program: &str,
        kind: RecordKind,
        names: &BTreeSet<(String, String)>,
    ) -> Result<HashMap<(String, String), String>, AppError> {
        actor.require_reader()?;
        self.find_codes(program, kind, names).await
    }

    async fn find_codes(
        &self,
        program: &str,
        kind: RecordKind,
        names: &BTreeSet<(String, String)>,
    ) -> Result<HashMap<(String, String), String>, AppError> {
        let mut units = None;
        let mut places: Option<Vec<String>> = None;
        let mut found = HashMap::new();
        // Every region name in one pass over the regions.
        let region_names: Vec<String> = names
            .iter()
            .filter(|(field, _)| {
                kind.field(field)
                    .is_some_and(|f| matches!(f.ty, FieldType::HelpedRegion | FieldType::Region))
            })
            .map(|(_, text)| text.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut regions: HashMap<String, Vec<String>> = HashMap::new();
        if !region_names.is_empty() {
            for (name, code) in self.store.regions_named_among(&region_names).await? {
                regions.entry(name).or_default().push(code);
            }
            for codes in regions.values_mut() {
                codes.sort_unstable();
                codes.dedup();
            }
        }
        for (field, text) in names {
            let Some(f) = kind.field(field) else {
                continue;
            };
            let code = match f.ty {
                FieldType::HelperUnit | FieldType::HelpedUnit => {
                    if units.is_none() {
                        units = Some(self.store.units(program).await?);
                    }
                    let matching: Vec<&str> = units
                        .iter()
                        .flatten()
                        .filter(|u| {
                            u.name_zh == *text
                                || u.name_en
                                    .as_deref()
                                    .is_some_and(|e| e.eq_ignore_ascii_case(text))
                        })
                        .map(|u| u.code.as_str())
                        .collect();
                    single(&matching)
                }
                FieldType::HelpedRegion | FieldType::Region => {
                    let codes = regions.get(text.trim()).cloned().unwrap_or_default();
                    if places.is_none() {
                        places = Some(match self.store.program(program).await? {
                            Some(p) => p.helped.iter().map(|h| h.region.to_string()).collect(),
                            None => Vec::new(),
                        });
                    }
                    let mine: Vec<&str> = codes
                        .iter()
                        .filter(|c| {
                            places
                                .iter()
                                .flatten()
                                .any(|p| p == *c || p.starts_with(c.trim_end_matches("00")))
                        })
                        .map(String::as_str)
                        .collect();
                    let all: Vec<&str> = codes.iter().map(String::as_str).collect();
                    single(&mine).or_else(|| single(&all))
                }
                _ => None,
            };
            if let Some(code) = code {
                found.insert((field.clone(), text.clone()), code);
            }
        }
        Ok(found)
    }
}

/// Whether a field names another thing by its code.
fn is_reference(ty: FieldType) -> bool {
    matches!(
        ty,
        FieldType::HelperUnit
            | FieldType::HelpedUnit
            | FieldType::HelpedRegion
            | FieldType::Region
            | FieldType::Ref(_)
    )
}

/// The one code among matches, if there is exactly one.
fn single(codes: &[&str]) -> Option<String> {
    match codes {
        [one] => Some((*one).to_string()),
        _ => None,
    }
}
