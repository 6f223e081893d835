//! The use cases of twinaid: the only door to the data. Every adapter (CLI,
//! web, importers) calls these with an [`Actor`]; permission is checked here,
//! once, and every write is one store transaction with its audit events.

mod access;
mod accounts;
mod assessment;
mod audit;
pub mod cache;
mod custom_records;
mod error;
mod factsheet;
mod groups;
mod imports;
mod inspections;
mod lifecycle;
mod pairing_scope;
mod pickers;
mod plans;
mod rates;
mod records;
mod satisfaction;
mod sectors;
mod synthetic;
mod views;

pub use access::{Actor, Permissions, Role};
pub use accounts::{SESSION_HOURS, Secret, Session, SigninLimits, TOKEN_DAYS, TokenCheck};
pub use assessment::{AssessedUnit, Assessment, ExpertRow, GuidanceRow, UnitReport};
pub use audit::AuditVerification;
pub use error::AppError;
pub use factsheet::{CountySheet, SHEET_PROJECTS};
pub use groups::GroupReport;
pub use imports::{ImportWindow, TemplateChoices};
pub use inspections::{ATTACHMENT_MAX_BYTES, AttachmentRow, Finding, InspectionRow, RoundRow};
pub use lifecycle::{ProjectSteps, Transition};
pub use pairing_scope::EditTerms;
pub use pickers::{PickOption, Picker};
pub use plans::{PlanView, Progress, TargetInput, Task};
pub use records::{DrillDown, ListRequest};
pub use satisfaction::SatisfactionRow;
pub use synthetic::Generated;

use std::collections::{BTreeMap, BTreeSet};
use twinaid_domain::bundle::ProgramBundle;
use twinaid_domain::indicator::{IndicatorDefinition, built_in};
use twinaid_domain::quantity::UnitOfMeasure;
use twinaid_domain::region::{RegionCode, RegionName, name_in_year};
use twinaid_domain::yearbook::{Yearbook, YearbookInput, assemble};
use twinaid_store::Store;
pub use twinaid_store::{
    AggregateRow, AuditEntry, AuditFilter, ChainCheck, CurrencySum, LoadSummary, RecordPage,
    SavedView, TableCount, TokenRow, TokenStanding, Unexplained, UnitRow, UserRow, Why,
};

/// The application: use cases over one store.
#[derive(Clone, Debug)]
pub struct App {
    store: Store,
    /// The exchange rates money in other currencies is counted in yuan at.
    rates: std::sync::Arc<twinaid_domain::currency::Rates>,
    /// When sign-ins and bad tokens are refused for a while.
    signin: accounts::SigninLimits,
    /// Yearbooks by program and year, at the data version they were computed at.
    yearbooks: std::sync::Arc<cache::VersionedCache<(String, i32), std::sync::Arc<Yearbook>>>,
    /// Group yearbooks by group and year, at their members' versions added up.
    group_yearbooks: std::sync::Arc<
        cache::VersionedCache<groups::GroupKey, std::sync::Arc<groups::GroupReport>>,
    >,
    /// One computation at a time of each program's yearbook of a year: the
    /// requests that miss together after a write wait for the first and take
    /// what it made, rather than each making it again.
    making: std::sync::Arc<std::sync::Mutex<Making>>,
    /// The years each program has data for, at its data version.
    covered: std::sync::Arc<cache::VersionedCache<String, BTreeSet<i32>>>,
    /// The registry's names by region code, at the shared data version: a
    /// national yearbook names 600 counties, and a record write leaves them be.
    region_names: std::sync::Arc<cache::KeptAt<Vec<RegionName>>>,
    /// A list's totals by program, kind and filters: paging through a list
    /// counts its rows once, and again only after a write.
    list_totals: std::sync::Arc<cache::VersionedCache<(String, String), twinaid_store::ListTotals>>,
}

/// The gates of yearbooks being made, by program and year.
type Making = std::collections::HashMap<(String, i32), std::sync::Arc<tokio::sync::Mutex<()>>>;

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitSummary {
    pub regions_added: usize,
    pub indicators_added: usize,
}

impl App {
    /// Opens the database at `url`, creating and migrating it if need be.
    pub async fn open(url: &str) -> Result<App, AppError> {
        Self::open_with(url, None).await
    }

    /// Opens the database at `url` with `pool_size` connections (`None`: the
    /// engine's default), creating and migrating it if need be.
    pub async fn open_with(url: &str, pool_size: Option<u32>) -> Result<App, AppError> {
        Ok(App {
            store: Store::open_with(url, pool_size).await?,
            rates: Default::default(),
            signin: Default::default(),
            yearbooks: std::sync::Arc::new(cache::VersionedCache::new(64)),
            group_yearbooks: std::sync::Arc::new(cache::VersionedCache::new(16)),
            covered: std::sync::Arc::new(cache::VersionedCache::new(64)),
            making: Default::default(),
            region_names: Default::default(),
            list_totals: std::sync::Arc::new(cache::VersionedCache::new(256)),
        })
    }

    /// The same application converting other currencies with these rates
    /// (the bank's that twinaid ships; none by default).
    pub fn with_rates(mut self, rates: twinaid_domain::currency::Rates) -> App {
        self.rates = std::sync::Arc::new(rates);
        self
    }

    /// The same application with other sign-in limits (a setting).
    pub fn with_signin_limits(mut self, limits: accounts::SigninLimits) -> App {
        self.signin = limits;
        self
    }

    /// Lookups of each kept result (cache) that found it and that did not.
    pub fn kept_counts(&self) -> [(&'static str, (u64, u64)); 4] {
        [
            ("yearbook", self.yearbooks.counts()),
            ("group_yearbook", self.group_yearbooks.counts()),
            ("years_covered", self.covered.counts()),
            ("list_totals", self.list_totals.counts()),
        ]
    }

    /// The database connections: (pool, in use, idle) for each pool.
    pub fn connections(&self) -> Vec<(&'static str, u32, u32)> {
        self.store.connections()
    }

    /// The store's engine, for messages.
    pub fn engine(&self) -> twinaid_store::Engine {
        self.store.engine()
    }

    /// Prepares an empty database: the national region registry and the built-in indicators.
    pub async fn init(
        &self,
        actor: &Actor,
        regions: &[RegionName],
    ) -> Result<InitSummary, AppError> {
        actor.require_admin()?;
        let regions_added = self.store.seed_regions(regions, &actor.name).await?;
        let indicators_added = self
            .store
            .ensure_indicators(&built_in(), &actor.name)
            .await?;
        Ok(InitSummary {
            regions_added,
            indicators_added,
        })
    }

    /// The installation's additions to the record kinds (values added to
    /// choice lists): what forms offer, imports and saves accept and lists name.
    pub async fn catalog(&self) -> Result<twinaid_domain::catalog::Catalog, AppError> {
        Ok(self.store.catalog().await?)
    }

    /// The unit of each stored indicator, for reading values written in files.
    pub async fn indicator_units(&self) -> Result<BTreeMap<String, UnitOfMeasure>, AppError> {
        Ok(self
            .store
            .indicators()
            .await?
            .into_iter()
            .map(|d| (d.code, d.unit))
            .collect())
    }

    /// Checks a bundle as a whole and writes it in one transaction; on any
    /// problem nothing is written and every problem is returned.
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program = %bundle.program_code))]
    pub async fn load(
        &self,
        actor: &Actor,
        bundle: &ProgramBundle,
    ) -> Result<LoadSummary, AppError> {
        actor.require_program_office(&bundle.program_code)?;
        // Money in another currency written without yuan counts at its
        // date's rate: the folder's own rates first, then the bank's.
        let converted;
        let bundle = if bundle
            .records
            .iter()
            .any(|r| twinaid_domain::currency::needs_rate(&r.item))
        {
            let mut copy = bundle.clone();
            self.convert_money_with(
                &bundle.program_code,
                &mut copy.records,
                &bundle.exchange_rates,
            )
            .await?;
            converted = copy;
            &converted
        } else {
            bundle
        };
        let stored = self
            .store
            .stored_for(&bundle.program_code, &bundle.mentions())
            .await?;
        let mut problems = bundle.check(&stored);
        problems.extend(self.published_year_changes(bundle).await?);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        tracing::info!(program = %bundle.program_code, actor = %actor.name, "loading program bundle");
        Ok(self.store.apply_bundle(bundle, &actor.name).await?)
    }

    /// Whether a year's assessment of the program is published, asked once
    /// per year of a load (kept in `known`).
    async fn year_published(
        &self,
        program: &str,
        year: i32,
        known: &mut BTreeMap<i32, bool>,
    ) -> Result<bool, AppError> {
        if let Some(is) = known.get(&year) {
            return Ok(*is);
        }
        let is = self.store.publication(program, year).await?.is_some();
        known.insert(year, is);
        Ok(is)
    }

    /// Records of a bundle that would add to or change a year whose assessment
    /// is published: a load may repeat such records, not change them.
    async fn published_year_changes(
        &self,
        bundle: &ProgramBundle,
    ) -> Result<Vec<twinaid_domain::Problem>, AppError> {
        let mut published = BTreeMap::new();
        let mut problems = Vec::new();
        let refused = |location: &twinaid_domain::error::Location, year: i32| {
            let mut location = location.clone();
            location.column = Some("year".into());
            twinaid_domain::Problem::at(
                location,
                twinaid_domain::DomainError::PublishedYearLoad(year),
            )
        };
        for located in &bundle.records {
            let record = &located.item;
            let Some(year) = record.year() else { continue };
            if !self
                .year_published(&bundle.program_code, year, &mut published)
                .await?
            {
                continue;
            }
            let stored = self
                .store
                .record(&bundle.program_code, record.kind, record.code())
                .await?;
            if stored.as_ref() != Some(record) {
                problems.push(refused(&located.location, year));
            }
        }
        // Records of added kinds are held to the same rule.
        for located in &bundle.custom_records {
            let record = &located.item;
            let Some(year) = record
                .get("year")
                .as_int()
                .and_then(|y| i32::try_from(y).ok())
            else {
                continue;
            };
            if !self
                .year_published(&bundle.program_code, year, &mut published)
                .await?
            {
                continue;
            }
            let stored = self
                .store
                .custom_record(&bundle.program_code, &record.kind, record.code())
                .await?;
            if stored.as_ref() != Some(record) {
                problems.push(refused(&located.location, year));
            }
        }
        Ok(problems)
    }

    /// The indicator definitions.
    pub async fn indicators(&self, actor: &Actor) -> Result<Vec<IndicatorDefinition>, AppError> {
        actor.require_reader()?;
        Ok(self.store.indicators().await?)
    }

    /// An indicator's figure by county and year, from the figure summary; with
    /// `from_records`, recomputed by one statement over the records (one-part
    /// indicators only, else None) for the benchmark's comparison.
    pub async fn pivot(
        &self,
        actor: &Actor,
        program_code: &str,
        indicator: &str,
        from_records: bool,
    ) -> Result<Option<(IndicatorDefinition, Vec<(String, i32, i64)>)>, AppError> {
        actor.require_reader()?;
        if self.store.program(program_code).await?.is_none() {
            return Err(AppError::NotFound(
                twinaid_domain::DomainError::UnknownProgram(program_code.to_string()),
            ));
        }
        let def = self.indicator(indicator).await?;
        let cells = if from_records {
            self.store.pivot_from_records(program_code, &def).await?
        } else {
            Some(self.store.pivot(program_code, &def).await?)
        };
        Ok(cells.map(|c| (def, c)))
    }

    /// The records part of an indicator's figure in a year (or up to it)
    /// split by a field of its records: `helper_unit` or `category`.
    pub async fn figure_by_field(
        &self,
        actor: &Actor,
        program_code: &str,
        indicator: &str,
        field: &str,
        year: i32,
        cumulative: bool,
    ) -> Result<Vec<(String, i64)>, AppError> {
        actor.require_reader()?;
        if !matches!(field, "helper_unit" | "category") {
            return Err(AppError::BadRequest(
                twinaid_domain::DomainError::UnknownColumn(field.to_string()),
            ));
        }
        let def = self.indicator(indicator).await?;
        Ok(self
            .store
            .figure_by_field(program_code, &def, field, year, cumulative)
            .await?)
    }

    /// Each named indicator's figure for each year (all counties), as the
    /// yearbook of that year gives it; formulas and unknown codes have none.
    pub async fn series(
        &self,
        actor: &Actor,
        program_code: &str,
        indicators: &[&str],
    ) -> Result<BTreeMap<String, BTreeMap<i32, i64>>, AppError> {
        actor.require_reader()?;
        let definitions = self.store.indicators().await?;
        let asked: Vec<&IndicatorDefinition> = definitions
            .iter()
            .filter(|d| indicators.contains(&d.code.as_str()))
            .collect();
        Ok(self.store.series(program_code, &asked).await?)
    }

    /// The yearbook of a program for a year, computed from current data
    /// (the figure summary every write keeps current).
    #[tracing::instrument(level = "info", skip_all, fields(actor = %actor.name, program = program_code, year))]
    pub async fn yearbook(
        &self,
        actor: &Actor,
        program_code: &str,
        year: i32,
    ) -> Result<std::sync::Arc<Yearbook>, AppError> {
        self.yearbook_from(actor, program_code, year, false, false)
            .await
    }

    /// The same yearbook recomputed from every record, bypassing the
    /// summary: what the summary is checked and measured against.
    pub async fn yearbook_recomputed(
        &self,
        actor: &Actor,
        program_code: &str,
        year: i32,
    ) -> Result<std::sync::Arc<Yearbook>, AppError> {
        self.yearbook_from(actor, program_code, year, true, false)
            .await
    }

    /// The program's data version and the shared one: raised by every write,
    /// so whatever was made from the data at one version is current while it holds.
    pub async fn data_version(
        &self,
        actor: &Actor,
        program_code: &str,
    ) -> Result<cache::Version, AppError> {
        actor.require_reader()?;
        Ok(self.store.data_version(program_code).await?)
    }

    /// With `any_year`, a year before the program began or after it ended
    /// gives its figures as they stand then (nothing, or all it did), as a
    /// group of programs of different spans needs.
    async fn yearbook_from(
        &self,
        actor: &Actor,
        program_code: &str,
        year: i32,
        from_records: bool,
        any_year: bool,
    ) -> Result<std::sync::Arc<Yearbook>, AppError> {
        actor.require_reader()?;
        let key = (program_code.to_string(), year);
        // The version is read before the data, so a kept yearbook holds every write up to it.
        let version = if from_records {
            None
        } else {
            Some(self.store.data_version(program_code).await?)
        };
        if let Some(yb) = version.and_then(|v| self.yearbooks.get(&key, v)) {
            return Ok(yb);
        }
        // The turn is held until the yearbook is made and kept.
        let (version, _turn) = match version {
            None => (None, None),
            Some(v) => {
                let gate = self.gate(&key);
                match gate.clone().try_lock_owned() {
                    Ok(turn) => {
                        // One made just before this turn was taken.
                        if let Some(yb) = self.yearbooks.get(&key, v) {
                            return Ok(yb);
                        }
                        (Some(v), Some(turn))
                    }
                    Err(_) => {
                        // Another request is making it: wait, then take it
                        // if it was made at the version that holds now.
                        let turn = gate.lock_owned().await;
                        let now = self.store.data_version(program_code).await?;
                        if let Some(yb) = self.yearbooks.get(&key, now) {
                            return Ok(yb);
                        }
                        (Some(now), Some(turn))
                    }
                }
            }
        };
        let (program, definitions) =
            tokio::try_join!(self.store.program(program_code), self.store.indicators())?;
        let program = program.ok_or_else(|| {
            AppError::NotFound(twinaid_domain::DomainError::UnknownProgram(
                program_code.to_string(),
            ))
        })?;
        let in_span = program.check_year(year).is_ok();
        if !any_year {
            program.check_year(year).map_err(AppError::BadRequest)?;
        }
        let contributions = async {
            Ok::<_, AppError>(if from_records {
                self.store
                    .contributions_from_records(program_code, year, &definitions)
                    .await?
            } else {
                self.store
                    .contributions(program_code, year, &definitions)
                    .await?
            })
        };
        let pending = async {
            Ok::<_, AppError>(if from_records {
                self.store
                    .pending_from_records(program_code, year, &definitions)
                    .await?
            } else {
                self.store.pending(program_code, year, &definitions).await?
            })
        };
        let programs = [program_code.to_string()];
        let distinct = self.store.distinct_counts(&programs, year, &definitions);
        // Records of added kinds are counted from themselves, as built-in ones are summed.
        let added = self
            .store
            .custom_contributions(program_code, year, &definitions);
        let (mut contributions, covered, pending, distinct, added) = tokio::try_join!(
            contributions,
            self.covered(program_code, version),
            pending,
            async { Ok(distinct.await?) },
            async { Ok(added.await?) }
        )?;
        contributions.extend(added);
        // Borrowed while gathered: a national yearbook has 30,000 pieces over 600 counties.
        let mut codes: std::collections::HashSet<&str> =
            program.helped.iter().map(|h| h.region.as_str()).collect();
        codes.extend(
            contributions
                .iter()
                .filter_map(|c| c.region.as_ref().map(RegionCode::county_code)),
        );
        let codes = codes.into_iter().map(str::to_string).collect();
        let region_names = self
            .names_in_year(codes, year, version.map(|v| v.1))
            .await?;
        let yb = assemble(YearbookInput {
            program: &program,
            year,
            definitions: &definitions,
            contributions: &contributions,
            covered_years: &covered,
            region_names,
            pending: &pending,
            distinct: &distinct,
        });
        let yb = std::sync::Arc::new(yb);
        // Only a year of the program is kept: a program's own request for
        // another year is refused, never answered from a group's.
        if let (Some(v), true) = (version, in_span) {
            self.yearbooks.put(key, v, yb.clone());
        }
        Ok(yb)
    }

    /// The gate the making of a program's yearbook of a year goes through.
    fn gate(&self, key: &(String, i32)) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        match self.making.lock() {
            Ok(mut making) => making.entry(key.clone()).or_default().clone(),
            // A poisoned map only loses the sharing, not the yearbook.
            Err(_) => Default::default(),
        }
    }

    /// The latest year the program has data for (its start year when it has none).
    pub async fn latest_year(&self, actor: &Actor, program_code: &str) -> Result<i32, AppError> {
        // Every role finds its way in by the latest year, an expert too; the
        // office of another program does not.
        if matches!(&actor.role, Role::ProgramOffice { program } if program != program_code) {
            return Err(AppError::Forbidden);
        }
        let program = self.store.program(program_code).await?.ok_or_else(|| {
            AppError::NotFound(twinaid_domain::DomainError::UnknownProgram(
                program_code.to_string(),
            ))
        })?;
        let covered = self.store.covered_years(program_code).await?;
        Ok(covered.last().copied().unwrap_or(program.start_year))
    }

    /// The year a program's reports open on: the latest year the office
    /// closed by publishing its assessment; until one is, the year before
    /// the latest with data (the latest is still being filled in), or the
    /// only year there is. One record entered for a new year then does not
    /// turn every figure into a fall of 100 %.
    pub async fn closed_year(&self, actor: &Actor, program_code: &str) -> Result<i32, AppError> {
        if matches!(&actor.role, Role::ProgramOffice { program } if program != program_code) {
            return Err(AppError::Forbidden);
        }
        self.closed_year_of(program_code).await
    }

    /// [`App::closed_year`] once the actor may ask.
    pub(crate) async fn closed_year_of(&self, program_code: &str) -> Result<i32, AppError> {
        if let Some(published) = self.store.latest_published_year(program_code).await? {
            return Ok(published);
        }
        // Read before the years, as for any kept result.
        let version = self.store.data_version(program_code).await?;
        let covered = self.covered(program_code, Some(version)).await?;
        let mut newest = covered.iter().rev().copied();
        match (newest.next(), newest.next()) {
            (Some(_), Some(before)) => Ok(before),
            (Some(only), None) => Ok(only),
            _ => Ok(self
                .store
                .program(program_code)
                .await?
                .ok_or_else(|| {
                    AppError::NotFound(twinaid_domain::DomainError::UnknownProgram(
                        program_code.to_string(),
                    ))
                })?
                .start_year),
        }
    }

    /// Every year the program has data for, oldest first.
    pub async fn covered_years(
        &self,
        actor: &Actor,
        program_code: &str,
    ) -> Result<Vec<i32>, AppError> {
        actor.require_reader()?;
        let version = self.store.data_version(program_code).await?;
        Ok(self
            .covered(program_code, Some(version))
            .await?
            .into_iter()
            .collect())
    }

    /// The years a program has data for, kept at `version` when given (read
    /// before the data): the dashboard asks once for itself and once for its yearbook.
    async fn covered(
        &self,
        program_code: &str,
        version: Option<cache::Version>,
    ) -> Result<BTreeSet<i32>, AppError> {
        let key = program_code.to_string();
        if let Some(years) = version.and_then(|v| self.covered.get(&key, v)) {
            return Ok(years);
        }
        let years = self.store.covered_years(program_code).await?;
        if let Some(v) = version {
            self.covered.put(key, v, years.clone());
        }
        Ok(years)
    }

    /// Names, in a year, of the regions a program helps and the prefectures holding them.
    pub async fn place_names(
        &self,
        actor: &Actor,
        program_code: &str,
        year: i32,
    ) -> Result<BTreeMap<String, (String, String)>, AppError> {
        actor.require_reader()?;
        let Some(program) = self.store.program(program_code).await? else {
            return Ok(BTreeMap::new());
        };
        let mut codes: Vec<String> = program
            .helped
            .iter()
            .map(|h| h.region.to_string())
            .collect();
        codes.extend(
            program
                .helped
                .iter()
                .filter_map(|h| h.region.parent().map(|p| p.to_string())),
        );
        let shared = self.store.data_version(program_code).await?.1;
        self.names_in_year(codes, year, Some(shared)).await
    }

    /// The Chinese and English names the given regions had in a year, by
    /// code: places shown by name wherever a code would be.
    pub async fn region_names(
        &self,
        actor: &Actor,
        codes: Vec<String>,
        year: i32,
    ) -> Result<BTreeMap<String, (String, String)>, AppError> {
        actor.require_reader()?;
        let shared = self.store.data_version("").await?.1;
        self.names_in_year(codes, year, Some(shared)).await
    }

    /// The Chinese and English names regions had in a year, by code; the
    /// registry's names are kept at the `shared` data version when given
    /// (read before the names).
    async fn names_in_year(
        &self,
        mut codes: Vec<String>,
        year: i32,
        shared: Option<i64>,
    ) -> Result<BTreeMap<String, (String, String)>, AppError> {
        codes.sort();
        codes.dedup();
        let (mut held, missing) = match shared {
            Some(v) => self.region_names.get_many(v, &codes),
            None => (Vec::new(), codes.iter().collect()),
        };
        if !missing.is_empty() {
            let missing: Vec<String> = missing.into_iter().cloned().collect();
            let names = self.store.region_names(&missing).await?;
            // The store gives each code's names together (ordered by code);
            // a code without names is kept too, so it is not asked again.
            let mut read: BTreeMap<String, Vec<RegionName>> =
                missing.into_iter().map(|c| (c, Vec::new())).collect();
            for mine in names.chunk_by(|a, b| a.code == b.code) {
                read.insert(mine[0].code.to_string(), mine.to_vec());
            }
            if let Some(v) = shared {
                self.region_names.put_many(v, read.clone());
            }
            held.extend(read);
        }
        let mut out = BTreeMap::new();
        for (code, names) in held {
            if let Some(n) = name_in_year(&names, year) {
                let en = n.name_en.clone().unwrap_or_else(|| n.name_zh.clone());
                out.insert(code, (n.name_zh.clone(), en));
            }
        }
        Ok(out)
    }

    /// A page of the national region registry (today's names), with the
    /// number of all matches; with `program`, only the regions of that
    /// program (its helped regions, the prefectures and provinces holding
    /// them, its helping province).
    pub async fn regions(
        &self,
        actor: &Actor,
        search: Option<&str>,
        level: Option<&str>,
        program: Option<&str>,
        page: i64,
        per_page: i64,
    ) -> Result<(i64, Vec<RegionName>), AppError> {
        actor.require_reader()?;
        if let Some(s) = search {
            twinaid_domain::record::refuse_control(s).map_err(|e| AppError::Field("q", e))?;
        }
        let per_page = per_page.clamp(1, 500);
        Ok(self
            .store
            .regions_page(
                search,
                level,
                program,
                (page.max(1) - 1) * per_page,
                per_page,
            )
            .await?)
    }

    /// The audit events of one entity, newest first.
    pub async fn history(
        &self,
        actor: &Actor,
        program: &str,
        entity: &str,
        key: &str,
    ) -> Result<Vec<AuditEntry>, AppError> {
        if actor.is_office(program) {
            Ok(self.store.audit_of(program, entity, key).await?)
        } else {
            Ok(Vec::new())
        }
    }

    /// Row counts of a program's tables.
    pub async fn table_counts(
        &self,
        actor: &Actor,
        program_code: &str,
    ) -> Result<Vec<TableCount>, AppError> {
        actor.require_reader()?;
        Ok(self.store.table_counts(program_code).await?)
    }

    /// The newest audit events.
    pub async fn audit_log(&self, actor: &Actor, limit: i64) -> Result<Vec<AuditEntry>, AppError> {
        actor.require_admin()?;
        Ok(self.store.audit_log(limit).await?)
    }

    /// Page `page` (from 1) of the audit events `filter` takes, newest
    /// first, `per_page` to a page; and whether a later page has any.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        filter: &twinaid_store::AuditFilter,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<AuditEntry>, bool), AppError> {
        actor.require_admin()?;
        let per_page = per_page.clamp(1, 500);
        let offset = (page.max(1) - 1).saturating_mul(per_page);
        let mut events = self.store.audit_page(filter, offset, per_page + 1).await?;
        let more = events.len() > usize::try_from(per_page).unwrap_or(usize::MAX);
        events.truncate(usize::try_from(per_page).unwrap_or(usize::MAX));
        Ok((events, more))
    }

    /// The display names of the accounts among `usernames`, for who did
    /// what in a program's history: its office (and administrators) read
    /// those, as they read the history; anyone else gets none.
    pub async fn display_names(
        &self,
        actor: &Actor,
        program: &str,
        usernames: &[String],
    ) -> Result<std::collections::HashMap<String, String>, AppError> {
        if !actor.is_office(program) {
            return Ok(Default::default());
        }
        Ok(self.store.display_names(usernames).await?)
    }

    /// Closes the database.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Closes the database leaving it as one self-contained file (SQLite):
    /// what a backup must be.
    pub async fn close_as_one_file(&self) -> Result<(), AppError> {
        Ok(self.store.close_as_one_file().await?)
    }
}

impl App {
    /// Copies this whole database into `to` (which must be empty), checking
    /// rows and totals of every table on both sides; the operator's job.
    pub async fn copy_to(
        &self,
        actor: &Actor,
        to: &App,
    ) -> Result<Vec<twinaid_store::TableCopy>, AppError> {
        actor.require_admin()?;
        self.store.copy_to(&to.store).await.map_err(|e| match e {
            twinaid_store::CopyError::NotEmpty { table, rows } => {
                AppError::BadRequest(twinaid_domain::DomainError::DestinationNotEmpty {
                    table: table.to_string(),
                    rows,
                })
            }
            twinaid_store::CopyError::Differs(table) => {
                AppError::BadRequest(twinaid_domain::DomainError::CopyDiffers(table.to_string()))
            }
            twinaid_store::CopyError::Store(e) => AppError::Store(e),
        })
    }
}

/// What the yearbook's text quotes besides the figures.
#[derive(Debug, Clone, Default)]
pub struct YearbookText {
    /// Projects of the year the sources name (not illustrative): name, place, fen.
    pub named_projects: Vec<(String, String, i64)>,
    /// The year's guidance: title, priorities, tasks.
    pub guidance: Option<(String, Vec<String>, Vec<String>)>,
    /// Who the document is by: the program's cooperation office, else the program.
    pub author: String,
}

impl App {
    /// The named projects and the guidance the yearbook's text quotes, in a language.
    pub async fn yearbook_text(
        &self,
        actor: &Actor,
        program: &str,
        year: i32,
        lang: twinaid_domain::Lang,
    ) -> Result<YearbookText, AppError> {
        let request = ListRequest {
            year: Some(year),
            // What the figures count: a proposed or cancelled project is not named as done.
            standing: Some(twinaid_domain::lifecycle::Standing::Counted),
            unpaged: true,
            page: 1,
            per_page: 1,
            ..ListRequest::default()
        };
        let projects = self
            .list_records(
                actor,
                program,
                twinaid_domain::record::RecordKind::Project,
                &request,
            )
            .await?
            .records;
        let places = self.place_names(actor, program, year).await?;
        let named_projects = projects
            .iter()
            .filter(|p| p.get("illustrative").as_int() == Some(0))
            .map(|p| {
                let text = |f: &str| p.get(f).as_text().unwrap_or_default().to_string();
                let name = match lang {
                    twinaid_domain::Lang::En if !text("name_en").is_empty() => text("name_en"),
                    _ => text("name_zh"),
                };
                let region = text("region_code");
                let place = places
                    .get(&region)
                    .map_or(region.clone(), |(zh, en)| lang.pick(zh, en).to_string());
                (name, place, p.get("amount").as_int().unwrap_or(0))
            })
            .collect();
        let guidance = match self.guidance_for(actor, program, year).await {
            Ok(g) => g.map(|(_, g)| (g.title, g.priorities, g.tasks)),
            Err(AppError::Forbidden) => None,
            Err(e) => return Err(e),
        };
        Ok(YearbookText {
            named_projects,
            guidance,
            author: self.document_author(program, lang).await?,
        })
    }

    /// Who a program's documents are by: its cooperation office, else the program.
    pub(crate) async fn document_author(
        &self,
        program: &str,
        lang: twinaid_domain::Lang,
    ) -> Result<String, AppError> {
        let office = self
            .store
            .units(program)
            .await?
            .into_iter()
            .find(|u| u.kind == "cooperation_office" && u.side == "helping")
            .map(|u| u.name(lang).to_string());
        Ok(match office {
            Some(name) => name,
            None => self
                .store
                .program(program)
                .await?
                .map(|p| lang.pick(&p.name_zh, &p.name_en).to_string())
                .unwrap_or_else(|| program.to_string()),
        })
    }
}
