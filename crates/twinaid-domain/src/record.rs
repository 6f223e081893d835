//! Record kinds and their fields: one spec per kind drives reading files,
//! validating, storing and auditing, so a field has one name everywhere.

use crate::error::DomainError;
use crate::lang::Lang;
use crate::money::{format_decimal, parse_decimal};
use crate::program::Program;
use crate::region::RegionCode;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A kind of record a program keeps, each traced by a `code` unique in its program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    Pairing,
    Project,
    FundTransaction,
    CooperationAgreement,
    IndustrialPark,
    ParkEnterprise,
    Training,
    LabourTransfer,
    CadreExchange,
    StudentAid,
    ExchangeVisit,
}

/// One allowed value of a choice field, with its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn c(code: &'static str, zh: &'static str, en: &'static str) -> Choice {
    Choice { code, zh, en }
}

/// Project categories; the indicators count and sum projects by these.
pub const PROJECT_CATEGORIES: &[Choice] = &[
    c("new_village", "扶贫新村", "new anti-poverty village"),
    c("school", "学校", "school"),
    c("hospital", "医院（卫生院）", "hospital"),
    c("road", "道路", "road"),
    c("bridge", "桥梁", "bridge"),
    c("drinking_water", "饮水工程", "drinking water"),
    c("small_pond", "小水窖（小塘堰）", "small ponds"),
    c("agriculture", "农业示范", "agriculture"),
    c("industry", "产业发展", "industry"),
    c("other", "其他", "other"),
];

/// Project lifecycle states, from proposal to inspection.
pub const PROJECT_STATUSES: &[Choice] = &[
    c("proposed", "已申报", "proposed"),
    c("verified", "已核查", "verified"),
    c("registered", "已登记", "registered"),
    c("in_progress", "实施中", "in progress"),
    c("completed", "已完工", "completed"),
    c("inspected", "已验收", "inspected"),
    c("returned", "已退回", "returned"),
    c("cancelled", "已取消", "cancelled"),
];

/// What a fund transaction records.
pub const FUND_KINDS: &[Choice] = &[
    c("commitment", "承诺", "commitment"),
    c("disbursement", "拨付", "disbursement"),
    c("expenditure", "支出", "expenditure"),
];

/// Cash or in kind.
pub const FUND_FORMS: &[Choice] = &[c("cash", "资金", "cash"), c("in_kind", "实物", "in kind")];

/// Kinds of training the report names.
pub const TRAINING_KINDS: &[Choice] = &[
    c("practical", "实用技术培训", "practical technical training"),
    c("labour_skills", "劳动技能培训", "labour skills training"),
    c(
        "leaders",
        "致富带头人培训",
        "training of leaders for getting rich",
    ),
    c(
        "cadres_technicians",
        "干部、技术人员培训",
        "training of cadres and technicians",
    ),
];

/// Which way a cadre exchange goes.
pub const EXCHANGE_DIRECTIONS: &[Choice] = &[
    c("to_helped", "派往受帮扶地区", "to the helped region"),
    c("to_helper", "来帮扶方挂职学习", "to the helping region"),
];

/// Forms of cadre exchange.
pub const CADRE_EXCHANGE_KINDS: &[Choice] = &[
    c("secondment", "挂职", "secondment"),
    c("training", "培训", "training"),
    c("survey", "考察调研", "survey"),
];

/// Kinds of exchange visit.
pub const VISIT_KINDS: &[Choice] = &[
    c("leaders", "主要领导互访", "leaders' visit"),
    c("department", "部门互访", "department visit"),
    c("delegation", "代表团", "delegation"),
    c("investment_fair", "招商考察", "investment fair"),
    c("other", "其他", "other"),
];

/// Levels at which units pair.
pub const PAIRING_LEVELS: &[Choice] = &[
    c("province_cities", "省对市", "province–prefectures"),
    c("city_county", "市对县", "city–county"),
    c("department_county", "部门对县", "department–county"),
    c("enterprise_village", "企业对村", "enterprise–village"),
    c("school_school", "学校对学校", "school–school"),
    c("hospital_hospital", "医院对医院", "hospital–hospital"),
    c("donor_student", "“1+1”助学", "donor–student (1+1)"),
];

/// How a field's text is read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A record's key: letters, digits, `-`, `_`, `.`.
    Code,
    Text,
    /// A whole, non-negative number of things or people.
    Count,
    /// Yuan in files, fen in storage.
    Money,
    /// Kilometres in files, metres in storage.
    Km,
    /// A year that must fall within the program.
    ProgramYear,
    Date,
    Flag,
    /// A region the program helps, or one inside or above such a region.
    HelpedRegion,
    /// Any known region.
    Region,
    /// The code of a unit on the helping side of the program.
    HelperUnit,
    /// The code of a unit on the helped side of the program.
    HelpedUnit,
    /// The code of another record of the same program.
    Ref(RecordKind),
    Choice(&'static [Choice]),
    /// A pseudonymous reference to a person; masked in lists and exports.
    PersonRef,
    /// Money that may be negative: a fund transaction's amount, where a
    /// negative one is a reversal (as IATI files carry them); fen in storage.
    SignedMoney,
    /// An ISO 4217 currency code (three capital letters); empty is yuan.
    Currency,
    /// An amount in its own currency (the record's `currency`), which may
    /// be negative; hundredths of the currency in storage. Never summed
    /// across records, since the currencies differ.
    Foreign,
    /// A latitude or longitude in decimal degrees, at most this far from 0
    /// either way; millionths of a degree in storage.
    Degrees(i64),
}

impl FieldType {
    /// How many stored units make one written unit, for numeric fields.
    pub fn scale(self) -> Option<i64> {
        match self {
            FieldType::Count | FieldType::ProgramYear | FieldType::Flag => Some(1),
            FieldType::Money | FieldType::SignedMoney | FieldType::Foreign => Some(100),
            FieldType::Km => Some(1000),
            FieldType::Degrees(_) => Some(1_000_000),
            _ => None,
        }
    }

    /// Whether the stored value is an integer (else text).
    pub fn is_integer(self) -> bool {
        self.scale().is_some()
    }
}

/// One field of a record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// Written in place of an empty cell.
    pub default: Option<&'static str>,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn f(name: &'static str, ty: FieldType, zh: &'static str, en: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        required: false,
        default: None,
        zh,
        en,
    }
}

const fn req(name: &'static str, ty: FieldType, zh: &'static str, en: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        required: true,
        default: None,
        zh,
        en,
    }
}

const fn dflt(
    name: &'static str,
    ty: FieldType,
    default: &'static str,
    zh: &'static str,
    en: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        required: false,
        default: Some(default),
        zh,
        en,
    }
}

/// Fields every yearly record has: its key, year, the helper unit that did it and the helped place.
pub(crate) const BASE: &[FieldSpec] = &[
    req("code", FieldType::Code, "编号", "code"),
    req("year", FieldType::ProgramYear, "年度", "year"),
    req(
        "helper_unit",
        FieldType::HelperUnit,
        "帮扶单位",
        "helper unit",
    ),
    req(
        "region_code",
        FieldType::HelpedRegion,
        "受帮扶地区",
        "helped region",
    ),
];

/// Fields every record ends with.
pub(crate) const TAIL: &[FieldSpec] = &[
    dflt(
        "illustrative",
        FieldType::Flag,
        "no",
        "示意数据",
        "illustrative",
    ),
    f("note", FieldType::Text, "备注", "note"),
];

const PAIRING: &[FieldSpec] = &[
    req("code", FieldType::Code, "编号", "code"),
    req(
        "level",
        FieldType::Choice(PAIRING_LEVELS),
        "结对层级",
        "level",
    ),
    req(
        "helper_unit",
        FieldType::HelperUnit,
        "帮扶单位",
        "helper unit",
    ),
    f(
        "helped_region",
        FieldType::HelpedRegion,
        "受帮扶地区",
        "helped region",
    ),
    f(
        "helped_unit",
        FieldType::HelpedUnit,
        "受帮扶单位",
        "helped unit",
    ),
    f("from_year", FieldType::ProgramYear, "起始年份", "from year"),
    f("to_year", FieldType::ProgramYear, "截止年份", "to year"),
    dflt("confirmed", FieldType::Flag, "yes", "已核实", "confirmed"),
];

const PROJECT: &[FieldSpec] = &[
    req(
        "category",
        FieldType::Choice(PROJECT_CATEGORIES),
        "项目类别",
        "category",
    ),
    req("name_zh", FieldType::Text, "项目名称", "name (Chinese)"),
    f("name_en", FieldType::Text, "英文名称", "name (English)"),
    dflt(
        "status",
        FieldType::Choice(PROJECT_STATUSES),
        "registered",
        "状态",
        "status",
    ),
    f(
        "budget",
        FieldType::Money,
        "总投资（元）",
        "total investment (yuan)",
    ),
    f(
        "amount",
        FieldType::Money,
        "帮扶资金（元）",
        "aid funds (yuan)",
    ),
    f("length_km", FieldType::Km, "长度（公里）", "length (km)"),
    f("units_built", FieldType::Count, "建成数量", "units built"),
    f(
        "beneficiaries",
        FieldType::Count,
        "受益人数",
        "beneficiaries",
    ),
    f("latitude", FieldType::Degrees(90), "纬度", "latitude"),
    f("longitude", FieldType::Degrees(180), "经度", "longitude"),
];

const FUND_TRANSACTION: &[FieldSpec] = &[
    req("kind", FieldType::Choice(FUND_KINDS), "类型", "kind"),
    dflt(
        "form",
        FieldType::Choice(FUND_FORMS),
        "cash",
        "形式",
        "form",
    ),
    f(
        "amount",
        FieldType::SignedMoney,
        "金额（元）",
        "amount (yuan)",
    ),
    f("currency", FieldType::Currency, "原币种", "currency"),
    f(
        "original_amount",
        FieldType::Foreign,
        "原币金额",
        "original amount",
    ),
    f("date", FieldType::Date, "日期", "date"),
    f(
        "project_code",
        FieldType::Ref(RecordKind::Project),
        "项目编号",
        "project code",
    ),
];

const COOPERATION_AGREEMENT: &[FieldSpec] = &[
    req("name_zh", FieldType::Text, "协议名称", "name (Chinese)"),
    f("name_en", FieldType::Text, "英文名称", "name (English)"),
    f("enterprise", FieldType::Text, "帮扶方企业", "enterprise"),
    f("partner", FieldType::Text, "合作方", "partner"),
    f("sector", FieldType::Text, "行业", "sector"),
    req("value", FieldType::Money, "协议金额（元）", "value (yuan)"),
    f("date", FieldType::Date, "签约日期", "date signed"),
    f(
        "actual_investment",
        FieldType::Money,
        "实际到位投资（元）",
        "actual investment (yuan)",
    ),
    f("jobs", FieldType::Count, "提供就业", "jobs"),
    f(
        "profit_tax",
        FieldType::Money,
        "利税（元）",
        "profit tax (yuan)",
    ),
];

const INDUSTRIAL_PARK: &[FieldSpec] = &[
    req("name_zh", FieldType::Text, "园区名称", "name (Chinese)"),
    f("name_en", FieldType::Text, "英文名称", "name (English)"),
];

const PARK_ENTERPRISE: &[FieldSpec] = &[
    req(
        "park_code",
        FieldType::Ref(RecordKind::IndustrialPark),
        "园区编号",
        "park code",
    ),
    req("enterprise", FieldType::Text, "入园企业", "enterprise"),
    f("sector", FieldType::Text, "行业", "sector"),
    f(
        "investment",
        FieldType::Money,
        "投资（元）",
        "investment (yuan)",
    ),
];

const TRAINING: &[FieldSpec] = &[
    req(
        "kind",
        FieldType::Choice(TRAINING_KINDS),
        "培训类型",
        "kind",
    ),
    req("title_zh", FieldType::Text, "培训名称", "title (Chinese)"),
    f("title_en", FieldType::Text, "英文名称", "title (English)"),
    f("courses", FieldType::Count, "期数", "courses"),
    req("participants", FieldType::Count, "参训人数", "participants"),
    f("cost", FieldType::Money, "经费（元）", "cost (yuan)"),
];

const LABOUR_TRANSFER: &[FieldSpec] = &[
    dflt("people", FieldType::Count, "1", "人数", "people"),
    f(
        "destination_region",
        FieldType::Region,
        "输入地",
        "destination region",
    ),
    f("employer", FieldType::Text, "用工单位", "employer"),
    f("sector", FieldType::Text, "行业", "sector"),
    f(
        "worker_ref",
        FieldType::PersonRef,
        "劳动者编号（化名）",
        "worker reference (pseudonym)",
    ),
];

const CADRE_EXCHANGE: &[FieldSpec] = &[
    req(
        "direction",
        FieldType::Choice(EXCHANGE_DIRECTIONS),
        "方向",
        "direction",
    ),
    req(
        "kind",
        FieldType::Choice(CADRE_EXCHANGE_KINDS),
        "形式",
        "kind",
    ),
    req("person_times", FieldType::Count, "人次", "person-times"),
];

const STUDENT_AID: &[FieldSpec] = &[
    f("school", FieldType::Text, "学校", "school"),
    dflt("students", FieldType::Count, "1", "受助学生数", "students"),
    f(
        "amount",
        FieldType::Money,
        "资助金额（元）",
        "amount (yuan)",
    ),
    f(
        "student_ref",
        FieldType::PersonRef,
        "学生编号（化名）",
        "student reference (pseudonym)",
    ),
];

const EXCHANGE_VISIT: &[FieldSpec] = &[
    req("kind", FieldType::Choice(VISIT_KINDS), "互访类型", "kind"),
    req("title_zh", FieldType::Text, "活动名称", "title (Chinese)"),
    f("title_en", FieldType::Text, "英文名称", "title (English)"),
    f("date", FieldType::Date, "日期", "date"),
    f("people", FieldType::Count, "人数", "people"),
];

impl RecordKind {
    /// Every kind, pairings first so later kinds may refer to earlier ones.
    pub const ALL: [RecordKind; 11] = [
        RecordKind::Pairing,
        RecordKind::Project,
        RecordKind::FundTransaction,
        RecordKind::CooperationAgreement,
        RecordKind::IndustrialPark,
        RecordKind::ParkEnterprise,
        RecordKind::Training,
        RecordKind::LabourTransfer,
        RecordKind::CadreExchange,
        RecordKind::StudentAid,
        RecordKind::ExchangeVisit,
    ];

    /// The kind's stable code: its table, its API path segment.
    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Pairing => "pairing",
            RecordKind::Project => "project",
            RecordKind::FundTransaction => "fund_transaction",
            RecordKind::CooperationAgreement => "cooperation_agreement",
            RecordKind::IndustrialPark => "industrial_park",
            RecordKind::ParkEnterprise => "park_enterprise",
            RecordKind::Training => "training",
            RecordKind::LabourTransfer => "labour_transfer",
            RecordKind::CadreExchange => "cadre_exchange",
            RecordKind::StudentAid => "student_aid",
            RecordKind::ExchangeVisit => "exchange_visit",
        }
    }

    /// Reads a kind code.
    pub fn parse(code: &str) -> Option<RecordKind> {
        RecordKind::ALL
            .into_iter()
            .find(|k| k.code() == code.trim())
    }

    /// The file of a program folder that holds this kind.
    pub fn file(self) -> &'static str {
        match self {
            RecordKind::Pairing => "pairings.csv",
            RecordKind::Project => "projects.csv",
            RecordKind::FundTransaction => "fund_transactions.csv",
            RecordKind::CooperationAgreement => "cooperation_agreements.csv",
            RecordKind::IndustrialPark => "industrial_parks.csv",
            RecordKind::ParkEnterprise => "park_enterprises.csv",
            RecordKind::Training => "trainings.csv",
            RecordKind::LabourTransfer => "labour_transfers.csv",
            RecordKind::CadreExchange => "cadre_exchanges.csv",
            RecordKind::StudentAid => "student_aid.csv",
            RecordKind::ExchangeVisit => "exchange_visits.csv",
        }
    }

    /// The kind's name in a language.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            RecordKind::Pairing => lang.pick("结对关系", "pairing"),
            RecordKind::Project => lang.pick("帮扶项目", "project"),
            RecordKind::FundTransaction => lang.pick("帮扶资金", "fund transaction"),
            RecordKind::CooperationAgreement => lang.pick("经贸合作协议", "cooperation agreement"),
            RecordKind::IndustrialPark => lang.pick("产业园", "industrial park"),
            RecordKind::ParkEnterprise => lang.pick("入园企业", "park enterprise"),
            RecordKind::Training => lang.pick("培训", "training"),
            RecordKind::LabourTransfer => lang.pick("劳务输出", "labour transfer"),
            RecordKind::CadreExchange => lang.pick("干部交流", "cadre exchange"),
            RecordKind::StudentAid => lang.pick("“1+1”助学", "student aid"),
            RecordKind::ExchangeVisit => lang.pick("互访", "exchange visit"),
        }
    }

    /// Whether records of this kind belong to a year and a helped place.
    pub fn is_yearly(self) -> bool {
        self != RecordKind::Pairing
    }

    /// The fields of this kind, in file and table order.
    pub fn fields(self) -> Vec<FieldSpec> {
        let own: &[FieldSpec] = match self {
            RecordKind::Pairing => PAIRING,
            RecordKind::Project => PROJECT,
            RecordKind::FundTransaction => FUND_TRANSACTION,
            RecordKind::CooperationAgreement => COOPERATION_AGREEMENT,
            RecordKind::IndustrialPark => INDUSTRIAL_PARK,
            RecordKind::ParkEnterprise => PARK_ENTERPRISE,
            RecordKind::Training => TRAINING,
            RecordKind::LabourTransfer => LABOUR_TRANSFER,
            RecordKind::CadreExchange => CADRE_EXCHANGE,
            RecordKind::StudentAid => STUDENT_AID,
            RecordKind::ExchangeVisit => EXCHANGE_VISIT,
        };
        let base: &[FieldSpec] = if self.is_yearly() { BASE } else { &[] };
        base.iter().chain(own).chain(TAIL).copied().collect()
    }

    /// One field's spec by name.
    pub fn field(self, name: &str) -> Option<FieldSpec> {
        self.fields().into_iter().find(|f| f.name == name)
    }
}

/// A stored value: integers for numbers, years, flags, money (fen) and km (metres); text otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Null,
    Text(String),
    Int(i64),
}

impl FieldValue {
    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            FieldValue::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// Checks a record key.
/// Refuses text holding a control character other than tab and line
/// breaks: NUL and its kind, which no one types and some databases refuse.
pub fn refuse_control(text: &str) -> Result<(), DomainError> {
    match text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        Some(c) => Err(DomainError::ControlCharacter(u32::from(c))),
        None => Ok(()),
    }
}

pub fn parse_code(text: &str) -> Result<String, DomainError> {
    let t = text.trim();
    let ok = !t.is_empty()
        && t.len() <= 64
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(t.to_string())
    } else {
        Err(DomainError::BadCode(t.to_string()))
    }
}

/// The most a number field takes, in written units (yuan, km, things):
/// past any real figure, and far enough from `i64` that the sums of
/// millions of records cannot overflow.
pub const MOST_WRITTEN: i64 = 100_000_000_000;

/// The first and last year a record may have.
pub const FIRST_YEAR: i32 = 1949;
pub const LAST_YEAR: i32 = 2100;

/// Reads a year: four digits within what a program can span.
pub fn parse_year(text: &str) -> Result<i32, DomainError> {
    let t = text.trim();
    match t.parse::<i32>() {
        Ok(y) if (FIRST_YEAR..=LAST_YEAR).contains(&y) && t.len() == 4 => Ok(y),
        _ => Err(DomainError::BadYear(t.to_string())),
    }
}

/// Reads a yes/no cell in either language.
pub fn parse_flag(text: &str) -> Result<bool, DomainError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "是" => Ok(true),
        "no" | "n" | "false" | "0" | "否" => Ok(false),
        _ => Err(DomainError::BadFlag(text.trim().to_string())),
    }
}

/// Reads an ISO date (`2009-10-18`) and checks the calendar.
pub fn parse_date(text: &str) -> Result<(i32, u32, u32), DomainError> {
    let t = text.trim();
    let bad = || DomainError::BadDate(t.to_string());
    let parts: Vec<&str> = t.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(bad());
    }
    let y: i32 = parts[0].parse().map_err(|_| bad())?;
    let m: u32 = parts[1].parse().map_err(|_| bad())?;
    let d: u32 = parts[2].parse().map_err(|_| bad())?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d == 0 || d > days {
        return Err(bad());
    }
    Ok((y, m, d))
}

impl FieldSpec {
    /// Reads one cell by this field's type; only the shape is checked here,
    /// what it refers to is checked against the program by [`Record::check`].
    pub fn parse(&self, text: Option<&str>) -> Result<FieldValue, DomainError> {
        if let Some(t) = text {
            refuse_control(t)?;
        }
        let given = text.map(str::trim).filter(|t| !t.is_empty());
        let Some(t) = given.or(self.default) else {
            return if self.required {
                Err(DomainError::Required)
            } else {
                Ok(FieldValue::Null)
            };
        };
        Ok(match self.ty {
            FieldType::Code => FieldValue::Text(parse_code(t)?),
            FieldType::Text | FieldType::PersonRef => FieldValue::Text(t.to_string()),
            FieldType::Currency => FieldValue::Text(crate::currency::parse_currency(t)?),
            FieldType::Count
            | FieldType::Money
            | FieldType::SignedMoney
            | FieldType::Foreign
            | FieldType::Km => {
                let scale = self.ty.scale().unwrap_or(1);
                let raw = parse_decimal(t, scale).map_err(|e| match e {
                    DomainError::TooLarge { value, .. } => DomainError::TooLarge {
                        value,
                        most: MOST_WRITTEN,
                    },
                    e => e,
                })?;
                if raw < 0 && !matches!(self.ty, FieldType::SignedMoney | FieldType::Foreign) {
                    return Err(DomainError::NegativeAmount(t.to_string()));
                }
                if raw.saturating_abs() > MOST_WRITTEN.saturating_mul(scale) {
                    return Err(DomainError::TooLarge {
                        value: t.to_string(),
                        most: MOST_WRITTEN,
                    });
                }
                FieldValue::Int(raw)
            }
            FieldType::Degrees(most) => {
                let raw = parse_decimal(t, 1_000_000)?;
                if raw.abs() > most.saturating_mul(1_000_000) {
                    return Err(DomainError::OutOfRange {
                        value: t.to_string(),
                        least: -most,
                        most,
                    });
                }
                FieldValue::Int(raw)
            }
            FieldType::ProgramYear => FieldValue::Int(i64::from(parse_year(t)?)),
            FieldType::Date => {
                parse_date(t)?;
                FieldValue::Text(t.to_string())
            }
            FieldType::Flag => FieldValue::Int(i64::from(parse_flag(t)?)),
            FieldType::HelpedRegion | FieldType::Region => {
                FieldValue::Text(RegionCode::parse(t)?.to_string())
            }
            FieldType::HelperUnit | FieldType::HelpedUnit | FieldType::Ref(_) => {
                FieldValue::Text(parse_code(t)?)
            }
            FieldType::Choice(choices) => {
                match choices
                    .iter()
                    .find(|ch| ch.code == t || ch.zh == t || ch.en == t)
                {
                    Some(ch) => FieldValue::Text(ch.code.to_string()),
                    None => {
                        return Err(DomainError::UnknownChoice {
                            value: t.to_string(),
                            allowed: choices.iter().map(|ch| ch.code).collect(),
                        });
                    }
                }
            }
        })
    }

    /// Writes a stored value back as a file holds it (yuan, km), the inverse of [`FieldSpec::parse`].
    pub fn write(&self, value: &FieldValue) -> String {
        match value {
            FieldValue::Null => String::new(),
            FieldValue::Text(t) => t.clone(),
            FieldValue::Int(i) => match self.ty {
                FieldType::Flag => if *i != 0 { "yes" } else { "no" }.to_string(),
                ty => format_decimal(*i, ty.scale().unwrap_or(1)),
            },
        }
    }

    /// A stored value as JSON in written units (money in yuan).
    pub fn to_json(&self, value: &FieldValue) -> Value {
        match value {
            FieldValue::Null => Value::Null,
            FieldValue::Text(t) => Value::from(t.clone()),
            FieldValue::Int(i) => match self.ty {
                FieldType::Flag => Value::from(*i != 0),
                ty => {
                    let scale = ty.scale().unwrap_or(1);
                    if i % scale == 0 {
                        Value::from(i / scale)
                    } else {
                        Value::from(*i as f64 / scale as f64)
                    }
                }
            },
        }
    }
}

/// What a record is checked against: the program and what already exists.
pub trait RecordContext {
    /// The program the record belongs to.
    fn program(&self) -> &Program;
    /// Whether the region is in the registry.
    fn region_known(&self, code: &RegionCode) -> bool;
    /// Whether the unit is known, and on which side of the program it stands.
    fn unit_standing(&self, code: &str) -> UnitStanding;
    /// Whether a record of the kind with the code exists in the program (stored or being loaded).
    fn record_known(&self, kind: RecordKind, code: &str) -> bool;
}

/// Where a unit stands with respect to a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitStanding {
    Unknown,
    /// Known, but not a member of this program.
    Outside,
    Member(crate::unit::Side),
}

impl UnitStanding {
    /// Checks that the unit is a member on the given side.
    pub fn require(
        self,
        code: &str,
        side: crate::unit::Side,
        program: &str,
    ) -> Result<(), DomainError> {
        match self {
            UnitStanding::Unknown => Err(DomainError::UnknownUnit(code.to_string())),
            UnitStanding::Member(s) if s == side => Ok(()),
            _ => Err(DomainError::WrongSide {
                unit: code.to_string(),
                side: side.code(),
                program: program.to_string(),
            }),
        }
    }
}

/// One record of a kind: values in the order of [`RecordKind::fields`],
/// and the values of the fields the installation added to the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: RecordKind,
    pub values: Vec<FieldValue>,
    /// Added fields' values by field code, as stored (fen, metres); an
    /// empty one is left out.
    pub custom: BTreeMap<String, FieldValue>,
}

/// Whether a text is a masked one, as [`mask`] writes it.
pub fn is_masked(text: &str) -> bool {
    text.starts_with("•••")
}

/// Hides all but the last two characters of a person reference.
pub fn mask(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let keep = chars.len().min(2);
    let hidden = chars.len() - keep;
    format!(
        "{}{}",
        "•".repeat(hidden.max(3)),
        chars[hidden..].iter().collect::<String>()
    )
}

impl Record {
    /// The record with its person references (students, workers) masked,
    /// for those whose role does not need them.
    pub fn masked(mut self) -> Record {
        for (spec, value) in self.kind.fields().iter().zip(self.values.iter_mut()) {
            if let (FieldType::PersonRef, FieldValue::Text(t)) = (spec.ty, &*value) {
                *value = FieldValue::Text(mask(t));
            }
        }
        self
    }

    /// Reads a record from cells looked up by field name; every bad field is reported.
    pub fn parse<'a>(
        kind: RecordKind,
        cell: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<Record, Vec<(&'static str, DomainError)>> {
        Record::parse_in(kind, &kind.fields(), cell)
    }

    /// Reads a record with the kind's fields as an installation's catalog
    /// gives them ([`crate::catalog::Catalog::fields`]: its added choice
    /// values accepted).
    pub fn parse_in<'a>(
        kind: RecordKind,
        fields: &[FieldSpec],
        cell: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<Record, Vec<(&'static str, DomainError)>> {
        let mut values = Vec::new();
        let mut custom = BTreeMap::new();
        let mut errors = Vec::new();
        for spec in fields {
            let built_in = kind.field(spec.name).is_some();
            match spec.parse(cell(spec.name)) {
                Ok(v) if built_in => values.push(v),
                Ok(FieldValue::Null) => {}
                Ok(v) => {
                    custom.insert(spec.name.to_string(), v);
                }
                Err(e) => {
                    errors.push((spec.name, e));
                    if built_in {
                        values.push(FieldValue::Null);
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(Record {
                kind,
                values,
                custom,
            })
        } else {
            Err(errors)
        }
    }

    /// A field's value by name.
    pub fn get(&self, name: &str) -> &FieldValue {
        self.kind
            .fields()
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| self.values.get(i))
            .or_else(|| self.custom.get(name))
            .unwrap_or(&FieldValue::Null)
    }

    /// Replaces a field's value; a name the kind has no built-in field of
    /// is an added field's.
    pub fn set(&mut self, name: &str, value: FieldValue) {
        match self
            .kind
            .fields()
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| self.values.get_mut(i))
        {
            Some(slot) => *slot = value,
            None if value == FieldValue::Null => {
                self.custom.remove(name);
            }
            None => {
                self.custom.insert(name.to_string(), value);
            }
        }
    }

    /// The added fields' values as the store keeps them: a JSON object
    /// (numbers as stored, text as text), or None when there are none.
    pub fn custom_json(&self) -> Option<String> {
        custom_json(&self.custom)
    }

    /// Reads the added fields' values as [`Record::custom_json`] writes them.
    pub fn read_custom(text: &str) -> Result<BTreeMap<String, FieldValue>, DomainError> {
        let bad = || DomainError::BadDefinition(format!("stored added fields {text:?}"));
        let Value::Object(map) = serde_json::from_str::<Value>(text).map_err(|_| bad())? else {
            return Err(bad());
        };
        map.into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                Value::Number(n) => n.as_i64().map(|i| (k, FieldValue::Int(i))).ok_or_else(bad),
                Value::String(t) => Ok((k, FieldValue::Text(t))),
                _ => Err(bad()),
            })
            .collect()
    }

    /// The record's key within its program.
    pub fn code(&self) -> &str {
        self.get("code").as_text().unwrap_or_default()
    }

    /// The record's year, for yearly kinds.
    pub fn year(&self) -> Option<i32> {
        self.get("year")
            .as_int()
            .and_then(|y| i32::try_from(y).ok())
    }

    /// Checks what the fields refer to: years within the program, places the
    /// program helps, known units and records, dates within the record's year.
    pub fn check(&self, ctx: &dyn RecordContext) -> Vec<(&'static str, DomainError)> {
        let mut errors = Vec::new();
        let program = ctx.program();
        let year = self.year();
        for (spec, value) in self.kind.fields().iter().zip(&self.values) {
            let result = match (spec.ty, value) {
                (_, FieldValue::Null) => Ok(()),
                (FieldType::ProgramYear, FieldValue::Int(y)) => {
                    program.check_year(i32::try_from(*y).unwrap_or(i32::MAX))
                }
                (FieldType::HelpedRegion, FieldValue::Text(code)) => check_region(ctx, code, true),
                (FieldType::Region, FieldValue::Text(code)) => check_region(ctx, code, false),
                (FieldType::HelperUnit, FieldValue::Text(code)) => {
                    ctx.unit_standing(code)
                        .require(code, crate::unit::Side::Helping, &program.code)
                }
                (FieldType::HelpedUnit, FieldValue::Text(code)) => {
                    ctx.unit_standing(code)
                        .require(code, crate::unit::Side::Helped, &program.code)
                }
                (FieldType::Ref(kind), FieldValue::Text(code)) => {
                    if ctx.record_known(kind, code) {
                        Ok(())
                    } else {
                        Err(DomainError::UnknownReference {
                            kind: kind.code(),
                            code: code.clone(),
                        })
                    }
                }
                (FieldType::Date, FieldValue::Text(date)) => match (year, parse_date(date)) {
                    (Some(y), Ok((dy, _, _))) if dy != y => Err(DomainError::DateOutsideYear {
                        date: date.clone(),
                        year: y,
                    }),
                    _ => Ok(()),
                },
                _ => Ok(()),
            };
            if let Err(e) = result {
                errors.push((spec.name, e));
            }
        }
        if self.kind == RecordKind::FundTransaction {
            errors.extend(crate::currency::check_amounts(self));
        }
        if self.kind == RecordKind::Pairing
            && let (Some(from), Some(to)) =
                (self.get("from_year").as_int(), self.get("to_year").as_int())
            && from > to
        {
            errors.push((
                "to_year",
                DomainError::ReversedYears {
                    from: from as i32,
                    to: to as i32,
                },
            ));
        }
        errors
    }

    /// The record as JSON in written units, for the audit log and the API.
    pub fn to_json(&self) -> Value {
        self.to_json_in(&self.kind.fields())
    }

    /// The record as JSON with the fields given (an installation's catalog
    /// adds fields): each in written units.
    pub fn to_json_in(&self, fields: &[FieldSpec]) -> Value {
        let mut map = Map::new();
        for spec in fields {
            map.insert(spec.name.to_string(), spec.to_json(self.get(spec.name)));
        }
        Value::Object(map)
    }
}

/// Added fields' values as the store keeps them: a JSON object (numbers
/// as stored, text as text), or None when there are none.
pub fn custom_json(custom: &BTreeMap<String, FieldValue>) -> Option<String> {
    if custom.is_empty() {
        return None;
    }
    let map: Map<String, Value> = custom
        .iter()
        .map(|(k, v)| {
            let v = match v {
                FieldValue::Int(i) => Value::from(*i),
                FieldValue::Text(t) => Value::from(t.clone()),
                FieldValue::Null => Value::Null,
            };
            (k.clone(), v)
        })
        .collect();
    Some(Value::Object(map).to_string())
}

fn check_region(
    ctx: &dyn RecordContext,
    code: &str,
    must_be_helped: bool,
) -> Result<(), DomainError> {
    let region = RegionCode::parse(code)?;
    // Townships and villages are checked through their county: the registry holds counties and up.
    if !ctx.region_known(&region.county()) {
        return Err(DomainError::UnknownRegion(code.to_string()));
    }
    if must_be_helped && !ctx.program().helps(&region) {
        return Err(DomainError::RegionNotHelped {
            region: code.to_string(),
            program: ctx.program().code.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_number_past_what_any_field_takes_is_refused_as_too_large() {
        let amount = RecordKind::FundTransaction.field("amount").unwrap();
        assert_eq!(
            amount.parse(Some("100000000000")),
            Ok(FieldValue::Int(10_000_000_000_000))
        );
        for huge in [
            "100000000000.01",
            "92233720368547758",
            "99999999999999999999999",
        ] {
            assert!(
                matches!(amount.parse(Some(huge)), Err(DomainError::TooLarge { most, .. }) if most == MOST_WRITTEN),
                "{huge}"
            );
        }
    }

    #[test]
    fn person_references_are_masked_and_nothing_else() {
        assert_eq!(mask("GY-2009-0042"), "••••••••••42");
        assert_eq!(mask("a"), "•••a");
        let r = Record::parse(RecordKind::StudentAid, |n| match n {
            "code" => Some("s1"),
            "year" => Some("2009"),
            "helper_unit" => Some("hz"),
            "region_code" => Some("510822"),
            "school" => Some("青川中学"),
            "student_ref" => Some("GY-2009-0042"),
            _ => None,
        })
        .unwrap()
        .masked();
        assert_eq!(r.get("student_ref").as_text(), Some("••••••••••42"));
        assert_eq!(r.get("school").as_text(), Some("青川中学"));
    }

    use super::*;

    #[test]
    fn field_names_are_unique_in_every_kind() {
        for kind in RecordKind::ALL {
            let mut names: Vec<_> = kind.fields().iter().map(|f| f.name).collect();
            let before = names.len();
            names.sort();
            names.dedup();
            assert_eq!(before, names.len(), "{kind:?}");
        }
    }

    #[test]
    fn a_nul_or_other_control_character_is_refused_in_any_field() {
        let spec = RecordKind::Project
            .fields()
            .into_iter()
            .find(|f| f.name == "name_zh")
            .unwrap();
        assert_eq!(
            spec.parse(Some("学校\u{0}")),
            Err(DomainError::ControlCharacter(0))
        );
        assert_eq!(
            spec.parse(Some("a\u{1b}[31m")),
            Err(DomainError::ControlCharacter(0x1b))
        );
        assert!(spec.parse(Some("两行\n文字\t")).is_ok());
    }

    #[test]
    fn parse_reports_every_bad_field() {
        let cells = [
            ("code", "p1"),
            ("year", "20x9"),
            ("helper_unit", "u1"),
            ("region_code", "510822"),
            ("category", "castle"),
            ("name_zh", "桥"),
            ("budget", "-3"),
        ];
        let errors = Record::parse(RecordKind::Project, |name| {
            cells.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        })
        .unwrap_err();
        let names: Vec<_> = errors.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, vec!["year", "category", "budget"]);
    }

    #[test]
    fn choices_accept_codes_and_names_and_defaults_fill_blanks() {
        let spec = RecordKind::Project.field("category").unwrap();
        assert_eq!(
            spec.parse(Some("学校")).unwrap(),
            FieldValue::Text("school".into())
        );
        let status = RecordKind::Project.field("status").unwrap();
        assert_eq!(
            status.parse(Some("")).unwrap(),
            FieldValue::Text("registered".into())
        );
    }

    #[test]
    fn money_round_trips_between_yuan_and_fen() {
        let spec = RecordKind::FundTransaction.field("amount").unwrap();
        let v = spec.parse(Some("1,300,000.5")).unwrap();
        assert_eq!(v, FieldValue::Int(130_000_050));
        assert_eq!(spec.write(&v), "1300000.5");
    }

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert!(parse_date("2009-10-18").is_ok());
        assert!(parse_date("2009-02-29").is_err());
        assert!(parse_date("2008-02-29").is_ok());
        assert!(parse_date("18/10/2009").is_err());
    }
}
