//! What can be wrong with input, said in a way a person can act on, in both languages.

use crate::lang::Lang;
use std::fmt;

/// A code with its Chinese and English names, for messages that name it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Named {
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl Named {
    /// "name (code)" in a language; the code alone when there is no name.
    pub fn show(&self, lang: Lang) -> String {
        let name = lang.pick(&self.zh, &self.en);
        match (name.is_empty(), lang) {
            (true, _) => self.code.clone(),
            (false, Lang::Zh) => format!("{name}（{}）", self.code),
            (false, Lang::En) => format!("{name} ({})", self.code),
        }
    }
}

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)
    }
}

/// A pairing a record would need and does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingGap {
    pub unit: Named,
    pub region: Named,
    pub year: i32,
}

/// A rule of the domain that a value breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("negative amount {0}")]
    NegativeAmount(String),
    #[error("not a number: {0:?}")]
    NotANumber(String),
    /// A number past what any field takes (`most`, in written units).
    #[error("too large: {value}")]
    TooLarge { value: String, most: i64 },
    /// A number outside what the field takes (a latitude past 90°).
    #[error("{value} is not between {least} and {most}")]
    OutOfRange {
        value: String,
        least: i64,
        most: i64,
    },
    /// A list or an object where one value (text, number, yes/no) belongs.
    #[error("not a single value")]
    NotSingleValue,
    /// A field the record's kind does not have (a misspelt name would
    /// otherwise be dropped without a word).
    #[error("unknown field {0}")]
    UnknownField(String),
    #[error("{value:?} has more than {decimals} decimals")]
    TooManyDecimals { value: String, decimals: usize },
    #[error("not a year: {0:?}")]
    BadYear(String),
    #[error("year {year} is outside the program ({start}–{end:?})")]
    YearOutsideProgram {
        year: i32,
        start: i32,
        end: Option<i32>,
    },
    #[error("year range {from}–{to} is reversed")]
    ReversedYears { from: i32, to: i32 },
    #[error("not a date: {0:?}")]
    BadDate(String),
    #[error("date {date} is not in year {year}")]
    DateOutsideYear { date: String, year: i32 },
    #[error("not a yes/no value: {0:?}")]
    BadFlag(String),
    #[error("not a region code: {0:?}")]
    BadRegionCode(String),
    #[error("unknown region {0}")]
    UnknownRegion(String),
    #[error("region {region} is not helped by program {program}")]
    RegionNotHelped { region: String, program: String },
    #[error("unknown unit {0}")]
    UnknownUnit(String),
    #[error("not a currency code: {0:?}")]
    BadCurrency(String),
    #[error("not a DAC sector or purpose code: {0:?}")]
    BadSector(String),
    #[error("not a day or a year: {0:?}")]
    BadRateDate(String),
    #[error("not a rate: {0:?}")]
    BadRate(String),
    #[error("in yuan the original amount is the amount")]
    OriginalNotYuan,
    #[error("the amount and the original amount have different signs")]
    SignsDiffer,
    /// A person's reference as a list shows it masked, which cannot be stored.
    #[error("{0:?} is a masked value")]
    MaskedValue(String),
    /// A reference cell holding a name that fits no unit or place of the
    /// program, or more than one.
    #[error("no single {} named {value:?}", if *.unit { "unit" } else { "region" })]
    UnknownName { value: String, unit: bool },
    #[error("unknown {kind} {code}")]
    UnknownReference { kind: &'static str, code: String },
    #[error("not a valid code: {0:?}")]
    BadCode(String),
    #[error("{value:?} is not one of {allowed:?}")]
    UnknownChoice {
        value: String,
        allowed: Vec<&'static str>,
    },
    #[error("value is required")]
    Required,
    #[error("unknown column {0}")]
    UnknownColumn(String),
    #[error("unknown indicator {0}")]
    UnknownIndicator(String),
    #[error("{0} appears twice")]
    DuplicateKey(String),
    #[error("program code {found} does not match {expected}")]
    ProgramMismatch { expected: String, found: String },
    #[error("unknown program {0}")]
    UnknownProgram(String),
    #[error("unknown program group {0}")]
    UnknownGroup(String),
    #[error("program group {0} names no program")]
    EmptyGroup(String),
    #[error("group.toml cannot be read: {0}")]
    BadGroupFile(String),
    #[error("program {0} exists already")]
    ProgramExists(String),
    #[error("invalid indicator definition: {0}")]
    BadDefinition(String),
    /// A `fields.csv` code that is not lower-case letters, digits and `_`.
    #[error("{0:?} is not a field code")]
    BadFieldCode(String),
    /// A `fields.csv` code a built-in field of the kind already has.
    #[error("{kind} already has a field {field}")]
    FieldTaken { kind: String, field: String },
    /// A `fields.csv` row giving a stored field another type.
    #[error("field {field} is {from}, not {to}")]
    FieldTypeFixed {
        field: String,
        from: &'static str,
        to: &'static str,
    },
    /// A `kinds.csv` code a built-in kind already has.
    #[error("{0} is a built-in record kind")]
    KindTaken(String),
    /// A `choices.csv` row naming something other than `kind.field` of a choice field.
    #[error("{0} is not a field with a list of values")]
    NotAChoiceField(String),
    /// An added choice value whose code or name a built-in value has.
    #[error("{value} is already a value of {field}")]
    ChoiceTaken { field: String, value: String },
    #[error("unit {unit} is not on the {side} side of program {program}")]
    WrongSide {
        unit: String,
        side: &'static str,
        program: String,
    },
    #[error("no step from {from} to {to}")]
    NoSuchStep {
        from: &'static str,
        to: &'static str,
    },
    #[error("not yours to move to {to}")]
    StepNotYours { to: &'static str },
    #[error("a reason is required")]
    ReasonRequired,
    #[error("verification failed: {0}")]
    VerificationFailed(String),
    #[error("{unit} is not paired with {region}")]
    NotPaired { unit: String, region: String },
    #[error("the plan is {0}")]
    PlanLocked(String),
    #[error("a load cannot change published year {0}")]
    PublishedYearLoad(i32),
    #[error("the assessment of {0} is published")]
    YearPublished(i32),
    #[error("no guidance covers {0}")]
    NoGuidance(i32),
    #[error("scores for {0} are submitted and locked")]
    ScoresLocked(String),
    #[error("score {0:?} is not between 0 and 100")]
    ScoreOutOfRange(String),
    #[error("not a `name = weight` line: {0}")]
    BadWeightLine(String),
    #[error("three numbers needed: {0}")]
    NeedThreeNumbers(String),
    #[error("no team may inspect {0}")]
    NoInspector(String),
    #[error("inspections of {0} were drawn already")]
    AlreadyDrawn(i32),
    #[error("inspection of {0} is closed")]
    InspectionClosed(String),
    #[error("nothing to answer for {0}")]
    NothingToAnswer(String),
    #[error("inspection of {0} is not ready to close")]
    NotReadyToClose(String),
    #[error("{0} is still referred to")]
    StillReferenced(String),
    #[error("group {group} is still the scope of {users:?}")]
    GroupHasUsers { group: String, users: Vec<String> },
    #[error("password shorter than {0} characters")]
    PasswordTooShort(usize),
    #[error("no program.toml in {0}")]
    NotAProgramFolder(String),
    #[error("file type of {0} not accepted")]
    AttachmentType(String),
    #[error("record {0} is not yours to write")]
    RowNotYours(String),
    #[error("{} is not paired with {} in {}", .0.unit, .0.region, .0.year)]
    OutsidePairing(Box<PairingGap>),
    #[error("the audit log did not verify")]
    AuditBroken,
    #[error("the {0} assessment is published: its counting step stays")]
    CountingFixed(i32),
    #[error("a reason is needed to record work outside the pairings")]
    UnpairedReasonRequired(Box<PairingGap>),
    #[error("destination has {rows} rows in {table}")]
    DestinationNotEmpty { table: String, rows: i64 },
    #[error("the copy of {0} differs from its source")]
    CopyDiffers(String),
    #[error("{0} is not a spreadsheet")]
    SheetFormat(String),
    #[error("cannot read the file: {0}")]
    Unreadable(String),
    #[error("not an IATI activity file twinaid reads: {0}")]
    BadIati(String),
    #[error("not on one's own account")]
    OwnAccount,
    #[error("the current password is not right")]
    WrongPassword,
    #[error("a password too common")]
    CommonPassword,
    #[error("too many failed attempts: locked for {minutes} minutes")]
    SigninLocked { minutes: i64 },
    #[error("a control character (U+{0:04X}) is in the text")]
    ControlCharacter(u32),
    #[error("no file {0}")]
    NoSuchFile(String),
    #[error("file {0} exists already")]
    FileExists(String),
    #[error("{0} is not a SQLite database file")]
    NotABackup(String),
    /// A setting (flag, `TWINAID_…` variable or `twinaid.toml` key) that cannot be used.
    #[error("setting {key} = {value}: {}", expected.0)]
    BadSetting {
        key: String,
        value: String,
        /// What would do, in English and Chinese.
        expected: (String, String),
    },
    #[error("cannot make the document: {0}")]
    Document(String),
    #[error("which kind of record the sheet holds is not known")]
    UnknownSheetKind(String),
    #[error("file of {size} bytes is larger than {max}")]
    AttachmentTooLarge { size: usize, max: usize },
    #[error("the workbook unpacks to {unpacked} bytes, more than {max}")]
    WorkbookTooLarge { unpacked: u64, max: u64 },
    #[error("the sheet has more than {max} rows")]
    TooManyRows { max: usize },
    #[error("the sheet has {found} columns, more than {max}")]
    TooManyColumns { found: usize, max: usize },
    #[error("a cell of {chars} characters, more than {max}")]
    CellTooLong { chars: usize, max: usize },
    #[error("the upload is larger than {max} bytes")]
    UploadTooLarge { max: usize },
    #[error("{max} imports are running already")]
    ImportsBusy { max: usize },
    #[error("deleting {0} was not confirmed")]
    NotConfirmed(String),
}

impl DomainError {
    /// Whether the input was well formed but what is stored does not allow
    /// it now (a closed inspection, a published year, a locked plan, a
    /// lifecycle step not open): the state's refusal, not the input's
    /// fault, and the same input may do later.
    pub fn is_state_conflict(&self) -> bool {
        use DomainError::*;
        matches!(
            self,
            ProgramExists(_)
                | NoSuchStep { .. }
                | VerificationFailed(_)
                | PlanLocked(_)
                | YearPublished(_)
                | NoGuidance(_)
                | ScoresLocked(_)
                | AlreadyDrawn(_)
                | InspectionClosed(_)
                | NothingToAnswer(_)
                | NotReadyToClose(_)
                | StillReferenced(_)
                | GroupHasUsers { .. }
        )
    }

    /// The error as a person reads it, with what to do about it.
    pub fn message(&self, lang: Lang) -> String {
        use DomainError::*;
        match (self, lang) {
            (NegativeAmount(v), Lang::Zh) => {
                format!("金额或数量不能为负数（{v}），请填写 0 或正数")
            }
            (NegativeAmount(v), Lang::En) => {
                format!("amounts cannot be negative ({v}); enter 0 or a positive number")
            }
            (TooLarge { value, most }, Lang::Zh) => format!(
                "“{value}”过大：此项最多 {}，请检查是否多写了位数或单位",
                crate::money::group_thousands(&most.to_string())
            ),
            (TooLarge { value, most }, Lang::En) => format!(
                "\"{value}\" is too large: this field takes at most {}; check for extra digits or the wrong unit",
                crate::money::group_thousands(&most.to_string())
            ),
            (OutOfRange { value, least, most }, Lang::Zh) => {
                format!("“{value}”超出范围：此项应在 {least} 到 {most} 之间（十进制度数）")
            }
            (OutOfRange { value, least, most }, Lang::En) => format!(
                "\"{value}\" is out of range: this field takes {least} to {most} (decimal degrees)"
            ),
            (NotSingleValue, Lang::Zh) => {
                "此项应为一个值（文字、数字或是/否），不能是列表或对象".to_string()
            }
            (NotSingleValue, Lang::En) => {
                "give one value here (text, a number or yes/no), not a list or an object".to_string()
            }
            (UnknownField(f), Lang::Zh) => format!(
                "无法识别的字段“{f}”：该类记录没有此字段，请对照接口说明（/api/v1/openapi.json）更正字段名或删除该字段"
            ),
            (UnknownField(f), Lang::En) => format!(
                "unknown field \"{f}\": records of this kind have no such field; correct its name from the API description (/api/v1/openapi.json) or remove it"
            ),
            (NotANumber(v), Lang::Zh) => {
                format!("“{v}”不是数字，请填写如 1300000 或 1,300,000.50 的数字")
            }
            (NotANumber(v), Lang::En) => {
                format!("\"{v}\" is not a number; write a number such as 1300000 or 1,300,000.50")
            }
            (TooManyDecimals { value, decimals }, Lang::Zh) => {
                format!("“{value}”的小数位超过 {decimals} 位，请保留至多 {decimals} 位小数")
            }
            (TooManyDecimals { value, decimals }, Lang::En) => {
                format!("\"{value}\" has more than {decimals} decimals; keep at most {decimals}")
            }
            (BadYear(v), Lang::Zh) => format!("“{v}”不是有效年份，请填写四位数年份，如 2009"),
            (BadYear(v), Lang::En) => {
                format!("\"{v}\" is not a year; write four digits, e.g. 2009")
            }
            (YearOutsideProgram { year, start, end }, Lang::Zh) => format!(
                "{year} 年不在本帮扶协作期限内（{start} 年{}），请检查年份",
                end.map(|e| format!("至 {e} 年"))
                    .unwrap_or_else(|| "起".to_string())
            ),
            (YearOutsideProgram { year, start, end }, Lang::En) => format!(
                "year {year} is outside the program, which runs from {start}{}; check the year",
                end.map(|e| format!(" to {e}")).unwrap_or_default()
            ),
            (ReversedYears { from, to }, Lang::Zh) => {
                format!("起始年份 {from} 晚于截止年份 {to}，请对调或更正")
            }
            (ReversedYears { from, to }, Lang::En) => {
                format!("start year {from} is after end year {to}; swap or correct them")
            }
            (BadDate(v), Lang::Zh) => format!("“{v}”不是有效日期，请按 2009-10-18 的格式填写"),
            (BadDate(v), Lang::En) => format!("\"{v}\" is not a date; write it as 2009-10-18"),
            (DateOutsideYear { date, year }, Lang::Zh) => {
                format!("日期 {date} 不在 {year} 年内，请更正日期或年份")
            }
            (DateOutsideYear { date, year }, Lang::En) => {
                format!("date {date} is not in year {year}; correct the date or the year")
            }
            (BadFlag(v), Lang::Zh) => format!("“{v}”不是“是/否”，请填写 是、否、yes、no、1 或 0"),
            (BadFlag(v), Lang::En) => {
                format!("\"{v}\" is not yes or no; write yes, no, 1, 0, 是 or 否")
            }
            (BadRegionCode(v), Lang::Zh) => {
                format!("“{v}”不是行政区划代码，请填写 6 位（或 9、12 位）数字代码，如 510822")
            }
            (BadRegionCode(v), Lang::En) => format!(
                "\"{v}\" is not a division code; write the 6-digit (or 9- or 12-digit) code, e.g. 510822"
            ),
            (UnknownRegion(v), Lang::Zh) => {
                format!(
                    "行政区划代码 {v} 不存在，请核对 GB/T 2260 代码，或先在 regions.csv 中登记该地区"
                )
            }
            (UnknownRegion(v), Lang::En) => format!(
                "region code {v} is unknown; check the GB/T 2260 code or add the region to regions.csv first"
            ),
            (RegionNotHelped { region, program }, Lang::Zh) => format!(
                "地区 {region} 不是帮扶协作 {program} 的受帮扶地区，请填写受帮扶县（区、市）的代码，或先在 helped_regions.csv 中加入"
            ),
            (RegionNotHelped { region, program }, Lang::En) => format!(
                "region {region} is not a helped region of program {program}; use a helped county's code or add it to helped_regions.csv first"
            ),
            (BadCurrency(v), Lang::Zh) => format!(
                "“{v}”不是币种代码，请填写 ISO 4217 三位字母代码，如 USD、EUR；人民币可留空或填 CNY"
            ),
            (BadCurrency(v), Lang::En) => format!(
                "\"{v}\" is not a currency code; write the three-letter ISO 4217 code such as USD or EUR, or leave it empty for yuan"
            ),
            (BadSector(v), Lang::Zh) => format!(
                "“{v}”不是 DAC 行业代码，请填写 5 位用途代码（如 12220）或其前 3 位的行业（如 122）"
            ),
            (BadSector(v), Lang::En) => format!(
                "\"{v}\" is not a DAC code; write a five-digit purpose code (such as 12220) or its three-digit sector (such as 122)"
            ),
            (BadRateDate(v), Lang::Zh) => format!(
                "“{v}”不是日期或年份；汇率适用于某一天（如 2015-06-30）或一整年（如 2015）"
            ),
            (BadRateDate(v), Lang::En) => format!(
                "\"{v}\" is not a day or a year; a rate is for a day (2015-06-30) or a whole year (2015)"
            ),
            (BadRate(v), Lang::Zh) => format!(
                "汇率“{v}”不是正数；请填写 1 单位外币折合多少元人民币，如 6.8"
            ),
            (BadRate(v), Lang::En) => format!(
                "the rate \"{v}\" is not a positive number; write how many yuan one unit is worth, e.g. 6.8"
            ),
            (OriginalNotYuan, Lang::Zh) => {
                "币种为人民币时，原币金额应与金额相同；请改为相同的数，或留空".to_string()
            }
            (OriginalNotYuan, Lang::En) => {
                "in yuan the original amount is the amount; make them the same or leave it empty".to_string()
            }
            (SignsDiffer, Lang::Zh) => {
                "金额与原币金额一正一负；冲回（负数）两者都应为负数，请核对".to_string()
            }
            (SignsDiffer, Lang::En) => {
                "the amount and the original amount differ in sign; a reversal is negative in both".to_string()
            }
            (MaskedValue(v), Lang::Zh) => format!(
                "“{v}”是列表为保护个人信息而遮蔽的显示值，与已存的内容不符，不能导入；请填写完整内容，或删去此行"
            ),
            (MaskedValue(v), Lang::En) => format!(
                "\"{v}\" is a value a list masked to protect a person and does not match what is stored; write it in full or leave the row out"
            ),
            (UnknownName { value, unit: true }, Lang::Zh) => format!(
                "找不到名为“{value}”的单位（或同名单位不止一个），请按单位名称表照写全称，或填写单位编号"
            ),
            (UnknownName { value, unit: true }, Lang::En) => format!(
                "no single unit is named \"{value}\"; write the unit's full name as the unit list gives it, or its code"
            ),
            (UnknownName { value, unit: false }, Lang::Zh) => format!(
                "找不到名为“{value}”的地区（或同名地区不止一个），请填写 6 位行政区划代码，或写成“名称 代码”，如 青川县 510822"
            ),
            (UnknownName { value, unit: false }, Lang::En) => format!(
                "no single region is named \"{value}\"; write its 6-digit division code, or \"name code\" such as 青川县 510822"
            ),
            (UnknownUnit(v), Lang::Zh) => format!("单位 {v} 不存在，请先在 units.csv 中登记该单位"),
            (UnknownUnit(v), Lang::En) => format!("unit {v} is unknown; add it to units.csv first"),
            (UnknownReference { kind, code }, Lang::Zh) => {
                format!("找不到编号为 {code} 的{kind}，请检查编号或先登记该记录")
            }
            (UnknownReference { kind, code }, Lang::En) => {
                format!("no {kind} with code {code}; check the code or add that record first")
            }
            (BadCode(v), Lang::Zh) => {
                format!("编号“{v}”无效，请只用字母、数字、“-”“_”“.”，长度 1–64")
            }
            (BadCode(v), Lang::En) => {
                format!("code \"{v}\" is not valid; use 1–64 letters, digits, '-', '_' or '.'")
            }
            (UnknownChoice { value, allowed }, Lang::Zh) => {
                format!(
                    "“{value}”不是可选值，请填写其中之一：{}",
                    allowed.join("、")
                )
            }
            (UnknownChoice { value, allowed }, Lang::En) => {
                format!(
                    "\"{value}\" is not allowed; write one of: {}",
                    allowed.join(", ")
                )
            }
            (Required, Lang::Zh) => "此项必填，请填写".to_string(),
            (Required, Lang::En) => "this value is required; fill it in".to_string(),
            (UnknownColumn(c), Lang::Zh) => {
                format!("无法识别的列“{c}”，请对照 docs/data-format.md 更正列名或删除该列")
            }
            (UnknownColumn(c), Lang::En) => format!(
                "unknown column \"{c}\"; correct its name from docs/data-format.md or remove it"
            ),
            (UnknownIndicator(c), Lang::Zh) => {
                format!("指标“{c}”不存在，请运行 twinaid indicators 查看可用指标")
            }
            (UnknownIndicator(c), Lang::En) => {
                format!("indicator \"{c}\" is unknown; run twinaid indicators to list them")
            }
            (DuplicateKey(k), Lang::Zh) => {
                format!("“{k}”重复出现，每条记录的编号须唯一，请删除或更改重复行")
            }
            (DuplicateKey(k), Lang::En) => {
                format!(
                    "\"{k}\" appears twice; each record's key must be unique, remove or rename one"
                )
            }
            (ProgramMismatch { expected, found }, Lang::Zh) => {
                format!("帮扶协作编号 {found} 与 {expected} 不一致，请更正")
            }
            (ProgramMismatch { expected, found }, Lang::En) => {
                format!("program code {found} does not match {expected}; correct it")
            }
            (ProgramExists(p), Lang::Zh) => format!(
                "帮扶协作 {p} 已经存在：合成数据只能生成到没有该协作的数据库中，请换一个数据库文件（--database-url）"
            ),
            (ProgramExists(p), Lang::En) => format!(
                "program {p} exists already: synthetic data is generated only into a database without it; use another database (--database-url)"
            ),
            (UnknownGroup(g), Lang::Zh) => format!(
                "帮扶协作组 {g} 不存在：“帮扶协作组”页面（或 twinaid groups）列出已有的组；新组由管理员在该页面定义，或载入含 group.toml 的文件夹（twinaid load）"
            ),
            (UnknownGroup(g), Lang::En) => format!(
                "program group {g} does not exist: the Program groups page (or twinaid groups) lists those there are; the administrator defines a new one on that page or loads a folder with its group.toml (twinaid load)"
            ),
            (BadGroupFile(why), Lang::Zh) => format!(
                "group.toml 无法读取：{why}；格式见 docs/data-format.md（帮扶协作组）"
            ),
            (BadGroupFile(why), Lang::En) => format!(
                "group.toml cannot be read: {why}; see docs/data-format.md (Program groups)"
            ),
            (EmptyGroup(g), Lang::Zh) => format!(
                "帮扶协作组 {g} 未列出任何帮扶协作，请在 group.toml 的 programs 中写明成员编号，如 programs = [\"zj-sc\"]"
            ),
            (EmptyGroup(g), Lang::En) => format!(
                "program group {g} names no program; list its members' codes in group.toml, e.g. programs = [\"zj-sc\"]"
            ),
            (UnknownProgram(p), Lang::Zh) => format!(
                "帮扶协作 {p} 不存在，请先载入其 program.toml（含名称与起始年份），或运行 twinaid demo"
            ),
            (UnknownProgram(p), Lang::En) => format!(
                "program {p} does not exist; load its program.toml (with names and start year) first, or run twinaid demo"
            ),
            (
                WrongSide {
                    unit,
                    side,
                    program,
                },
                Lang::Zh,
            ) => {
                let side_zh = if *side == "helping" {
                    "帮扶方"
                } else {
                    "受帮扶方"
                };
                format!(
                    "单位 {unit} 不是帮扶协作 {program} 的{side_zh}单位，请在 units.csv 中登记其 side 为 {side}，或改填{side_zh}单位"
                )
            }
            (
                WrongSide {
                    unit,
                    side,
                    program,
                },
                Lang::En,
            ) => format!(
                "unit {unit} is not a {side} unit of program {program}; list it in units.csv with side {side}, or name a {side} unit"
            ),
            (NoSuchStep { from, to }, Lang::Zh) => {
                format!(
                    "项目不能从“{from}”直接转为“{to}”，请按 申报→核查→登记→实施→完工→验收 的顺序办理"
                )
            }
            (NoSuchStep { from, to }, Lang::En) => format!(
                "a project cannot go from {from} to {to}; follow proposed → verified → registered → in progress → completed → inspected"
            ),
            (StepNotYours { to }, Lang::Zh) => {
                format!("您的角色不能把项目转为“{to}”，请由负责该步骤的单位办理")
            }
            (StepNotYours { to }, Lang::En) => {
                format!(
                    "your role may not move the project to {to}; the party that owns that step must"
                )
            }
            (ReasonRequired, Lang::Zh) => "退回或取消须填写原因".to_string(),
            (ReasonRequired, Lang::En) => {
                "returning or cancelling needs a reason; write one".to_string()
            }
            (VerificationFailed(why), Lang::Zh) => format!("核查未通过：{why}"),
            (VerificationFailed(why), Lang::En) => format!("verification failed: {why}"),
            (NotPaired { unit, region }, Lang::Zh) => {
                format!("{unit} 与 {region} 没有结对关系，只能为结对的县设定目标")
            }
            (NotPaired { unit, region }, Lang::En) => {
                format!("{unit} is not paired with {region}; set targets for paired counties only")
            }
            (PlanLocked(s), Lang::Zh) => format!(
                "年度计划当前状态为“{s}”，不能进行此操作（已批准的计划须先提出修订并说明原因）"
            ),
            (PlanLocked(s), Lang::En) => format!(
                "the plan is {s}; this step is not open (an approved plan needs a revision with a reason first)"
            ),
            (YearPublished(y), Lang::Zh) => format!(
                "{y} 年的考核结果已公布：修改该年度的记录须填写更正原因（记入审计日志，已公布的考核得分不变）；删除和状态变更不再允许"
            ),
            (YearPublished(y), Lang::En) => format!(
                "the {y} assessment is published: a change to that year's records needs a correction reason (kept in the audit log; the published scores stay); deletions and status steps are refused"
            ),
            (PublishedYearLoad(y), Lang::Zh) => format!(
                "{y} 年的考核结果已公布，不能通过导入新增或修改该年度的记录；请在网页上逐条更正并填写更正原因"
            ),
            (PublishedYearLoad(y), Lang::En) => format!(
                "the {y} assessment is published: a load cannot add or change that year's records; correct them one by one on the web pages, with a reason"
            ),
            (NoGuidance(y), Lang::Zh) => {
                format!("{y} 年尚未印发指导意见（含考核指标和权重），请先在“指导意见”页印发")
            }
            (NoGuidance(y), Lang::En) => format!(
                "no guidance (with the assessment's indicators and weights) covers {y}; issue one on the guidance page first"
            ),
            (ScoresLocked(u), Lang::Zh) => format!("对 {u} 的评分已提交并锁定，不能再修改"),
            (ScoresLocked(u), Lang::En) => format!("the scores for {u} are submitted and locked"),
            (ScoreOutOfRange(v), Lang::Zh) => format!("评分“{v}”须为 0 到 100 之间的数字"),
            (ScoreOutOfRange(v), Lang::En) => {
                format!("score \"{v}\" must be a number from 0 to 100")
            }
            (BadWeightLine(l), Lang::Zh) => {
                format!("“{l}”不是“名称 = 权重”格式，权重须为正数，每行一项")
            }
            (BadWeightLine(l), Lang::En) => format!(
                "\"{l}\" is not a `name = weight` line; one per line, the weight a positive number"
            ),
            (NeedThreeNumbers(t), Lang::Zh) => {
                format!("“{t}”须为三个数字，用逗号分隔（等次分数线须从高到低）")
            }
            (NeedThreeNumbers(t), Lang::En) => format!(
                "\"{t}\" must be three numbers separated by commas (grade bands from high to low)"
            ),
            (NoInspector(u), Lang::Zh) => format!(
                "没有可检查单位 {u} 的检查组（其他单位都与其结对同一县），请调整结对或由专家检查"
            ),
            (NoInspector(u), Lang::En) => format!(
                "no team may inspect {u}: every other unit shares a county with it; adjust the pairings or use experts"
            ),
            (AlreadyDrawn(y), Lang::Zh) => format!("{y} 年的交叉检查已经抽签，每年只抽一次"),
            (AlreadyDrawn(y), Lang::En) => {
                format!("the {y} cross-examination has been drawn already; it is drawn once a year")
            }
            (InspectionClosed(p), Lang::Zh) => format!("项目 {p} 的检查已结束，不能再修改"),
            (InspectionClosed(p), Lang::En) => {
                format!("the inspection of {p} is closed and cannot change")
            }
            (DestinationNotEmpty { table, rows }, Lang::Zh) => format!(
                "目标数据库不是空的（表 {table} 已有 {rows} 行），未复制任何数据：请指定一个新建的空数据库（SQLite 用新文件名，PostgreSQL 先 CREATE DATABASE）"
            ),
            (DestinationNotEmpty { table, rows }, Lang::En) => format!(
                "the destination is not empty ({table} has {rows} rows) and nothing was copied: name a new, empty database (a new file for SQLite, CREATE DATABASE first for PostgreSQL)"
            ),
            (CopyDiffers(t), Lang::Zh) => format!(
                "复制后表 {t} 的行数或合计与源数据库不一致，已撤销复制：请保留两边数据库并报告此问题"
            ),
            (CopyDiffers(t), Lang::En) => format!(
                "after copying, table {t} does not match its source in rows or totals; the copy was undone: keep both databases and report this"
            ),
            (RowNotYours(c), Lang::Zh) => format!(
                "记录 {c} 不在您的权限范围内（只能导入本单位的记录）：请删除此行或请帮扶协作办公室导入"
            ),
            (RowNotYours(c), Lang::En) => format!(
                "record {c} is not yours to write (you may import your own unit's records): remove the row or ask the program office"
            ),
            (CountingFixed(y), Lang::Zh) => format!(
                "{y} 年的考核结果已公布，该年项目的计入起点不能再改：请保持原来的状态，或只对以后的年份发布新的指导意见"
            ),
            (CountingFixed(y), Lang::En) => format!(
                "the {y} assessment is published, so the step its projects count from stays: keep it, or issue the new guidance for later years only"
            ),
            (AuditBroken, Lang::Zh) => "审计日志校验未通过（见上）：请保留数据库的副本，并把上面所列的问题交给审计人员".to_string(),
            (AuditBroken, Lang::En) => "the audit log did not verify (see above): keep a copy of the database and give the findings above to the auditor".to_string(),
            (OutsidePairing(g), Lang::Zh) => format!(
                "{}年没有 {} 与 {} 的结对关系：帮扶单位只能为与其结对的县（市、区）填报；请改正县或年份，或请帮扶协作办公室先登记结对",
                g.year,
                g.unit.show(Lang::Zh),
                g.region.show(Lang::Zh)
            ),
            (OutsidePairing(g), Lang::En) => format!(
                "there is no pairing of {} with {} in {}: a helper unit records work only for the counties it is paired with; correct the county or the year, or ask the program office to record the pairing first",
                g.unit.show(Lang::En),
                g.region.show(Lang::En),
                g.year
            ),
            (UnpairedReasonRequired(g), Lang::Zh) => format!(
                "{}年没有 {} 与 {} 的结对关系：如确需记录，请在“不在结对范围内的理由”中写明原因（将记入审计日志）",
                g.year,
                g.unit.show(Lang::Zh),
                g.region.show(Lang::Zh)
            ),
            (UnpairedReasonRequired(g), Lang::En) => format!(
                "there is no pairing of {} with {} in {}: to record it all the same, give a reason under \"reason outside the pairings\" (kept in the audit log)",
                g.unit.show(Lang::En),
                g.region.show(Lang::En),
                g.year
            ),
            (SheetFormat(f), Lang::Zh) => {
                format!("“{f}”不是可导入的表格：请上传 .xlsx、.xls、.ods 或 .csv 文件")
            }
            (SheetFormat(f), Lang::En) => format!(
                "{f:?} is not a spreadsheet twinaid reads: upload an .xlsx, .xls, .ods or .csv file"
            ),
            (Unreadable(e), Lang::Zh) => {
                format!("无法读取文件（{e}）：请用 Excel 或 WPS 重新保存为 .xlsx 后再试")
            }
            (Unreadable(e), Lang::En) => format!(
                "the file cannot be read ({e}): save it again as .xlsx from Excel or LibreOffice and retry"
            ),
            (BadIati(e), Lang::Zh) => format!(
                "无法读取 IATI 文件（{e}）：请上传 UTF-8 编码的 IATI 活动文件（XML，版本 1.0x 或 2.0x），可先用 IATI 校验工具检查"
            ),
            (BadIati(e), Lang::En) => format!(
                "the IATI file cannot be read ({e}): upload an IATI activity file (XML in UTF-8, version 1.0x or 2.0x); the IATI validator can check it first"
            ),
            (OwnAccount, Lang::Zh) => {
                "不能对自己的账号这样做：请由另一位管理员操作".to_string()
            }
            (OwnAccount, Lang::En) => {
                "not on your own account: ask another administrator".to_string()
            }
            (WrongPassword, Lang::Zh) => "当前密码不正确，请重新输入".to_string(),
            (WrongPassword, Lang::En) => "the current password is not right; type it again".to_string(),
            (CommonPassword, Lang::Zh) => {
                "这个密码太常见或含有用户名，容易被猜到：请换一个（可用几个词组成的长句）".to_string()
            }
            (CommonPassword, Lang::En) => {
                "this password is too common or holds the user name, so it is easy to guess: choose another (a few words make a good one)".to_string()
            }
            (SigninLocked { minutes }, Lang::Zh) => format!(
                "失败次数过多，已暂时锁定：请在 {minutes} 分钟后再试；忘记密码请联系管理员"
            ),
            (SigninLocked { minutes }, Lang::En) => format!(
                "too many failed attempts: locked for now; try again in {minutes} minutes, or ask an administrator if the password is lost"
            ),
            (ControlCharacter(c), Lang::Zh) => format!(
                "文字中有不可见的控制字符（U+{c:04X}），通常是从别处复制带来的：请删去后重新输入"
            ),
            (ControlCharacter(c), Lang::En) => format!(
                "the text holds an invisible control character (U+{c:04X}), usually brought in by copying; delete it and type the text again"
            ),
            (NoSuchFile(f), Lang::Zh) => format!("没有文件 {f}：请检查路径"),
            (NoSuchFile(f), Lang::En) => format!("there is no file {f}; check the path"),
            (FileExists(f), Lang::Zh) => {
                format!("文件 {f} 已存在：备份不会覆盖已有文件，请换一个新文件名")
            }
            (FileExists(f), Lang::En) => format!(
                "{f} exists already: a backup never overwrites a file; give a new file name"
            ),
            (NotABackup(f), Lang::Zh) => {
                format!("{f} 不是 SQLite 数据库文件（twinaid backup 写出的备份是）：请检查文件")
            }
            (NotABackup(f), Lang::En) => format!(
                "{f} is not a SQLite database file (a backup twinaid backup wrote is one); check the file"
            ),
            (BadSetting { key, value, expected }, Lang::Zh) => {
                format!("设置 {key} 的值“{value}”不可用：{}", expected.1)
            }
            (BadSetting { key, value, expected }, Lang::En) => {
                format!("setting {key} = {value:?} cannot be used: {}", expected.0)
            }
            (Document(e), Lang::Zh) => format!("无法生成文档：{e}"),
            (Document(e), Lang::En) => format!("the document cannot be made: {e}"),
            (UnknownSheetKind(s), Lang::Zh) => format!(
                "不知道工作表“{s}”是哪类记录：请使用 twinaid 下载的模板，或指定记录类别（--kind）"
            ),
            (UnknownSheetKind(s), Lang::En) => format!(
                "which kind of record sheet {s:?} holds is not known: use a template from twinaid, or name the kind (--kind)"
            ),
            (AttachmentType(f), Lang::Zh) => format!(
                "不接受文件“{f}”的类型：请上传照片（jpg、png、webp）或文档（pdf、doc、docx、xls、xlsx、odt、ods）"
            ),
            (AttachmentType(f), Lang::En) => format!(
                "the file {f:?} is not of an accepted type: upload a photo (jpg, png, webp) or a document (pdf, doc, docx, xls, xlsx, odt, ods)"
            ),
            (AttachmentTooLarge { size, max }, Lang::Zh) => format!(
                "文件大小 {:.1} MB，超过上限 {} MB：请压缩照片或拆分文档后再上传",
                *size as f64 / 1_048_576.0,
                max / 1_048_576
            ),
            (AttachmentTooLarge { size, max }, Lang::En) => format!(
                "the file is {:.1} MB, more than the {} MB allowed: shrink the photo or split the document",
                *size as f64 / 1_048_576.0,
                max / 1_048_576
            ),
            (WorkbookTooLarge { unpacked, max }, Lang::Zh) => format!(
                "表格解压后有 {:.0} MB，超过上限 {} MB（填报表格远小于此）：请只保留要导入的工作表和行，或拆成几个文件分别导入",
                *unpacked as f64 / 1_048_576.0,
                max / 1_048_576
            ),
            (WorkbookTooLarge { unpacked, max }, Lang::En) => format!(
                "the workbook unpacks to {:.0} MB, more than the {} MB allowed (a filled-in template is far smaller): keep only the sheet and rows to import, or split it into several files",
                *unpacked as f64 / 1_048_576.0,
                max / 1_048_576
            ),
            (TooManyRows { max }, Lang::Zh) => format!(
                "表格超过 {max} 行（上限，设置 --max-rows）：请拆成几个文件分别导入"
            ),
            (TooManyRows { max }, Lang::En) => format!(
                "the sheet has more than {max} rows (the limit, setting --max-rows): split it into several files"
            ),
            (TooManyColumns { found, max }, Lang::Zh) => format!(
                "表格有 {found} 列，超过上限 {max} 列（设置 --max-columns）：请删去模板以外的列"
            ),
            (TooManyColumns { found, max }, Lang::En) => format!(
                "the sheet has {found} columns, more than the {max} allowed (setting --max-columns): delete the columns the template does not have"
            ),
            (CellTooLong { chars, max }, Lang::Zh) => format!(
                "单元格有 {chars} 个字符，超过上限 {max} 个（设置 --max-cell-chars）：请缩短内容"
            ),
            (CellTooLong { chars, max }, Lang::En) => format!(
                "the cell holds {chars} characters, more than the {max} allowed (setting --max-cell-chars): shorten it"
            ),
            (UploadTooLarge { max }, Lang::Zh) => format!(
                "上传的文件超过上限 {} MB（设置 --max-upload-mb）：请拆成几个文件分别导入",
                max / 1_048_576
            ),
            (UploadTooLarge { max }, Lang::En) => format!(
                "the upload is larger than the {} MB allowed (setting --max-upload-mb): split it into several files",
                max / 1_048_576
            ),
            (NotConfirmed(p), Lang::Zh) => format!(
                "未删除 {p}：请在终端输入编号 {p} 确认，或加 --yes"
            ),
            (NotConfirmed(p), Lang::En) => format!(
                "{p} was not deleted: type its code on the terminal to confirm, or add --yes"
            ),
            (ImportsBusy { max }, Lang::Zh) => format!(
                "已有 {max} 个导入正在进行，排队等候已超时（同时导入上限，设置 --imports-at-once），未写入任何数据：请稍候片刻再试"
            ),
            (ImportsBusy { max }, Lang::En) => format!(
                "{max} imports are running and the wait for a turn ran out (the limit of imports at once, setting --imports-at-once); nothing was written: try again in a moment"
            ),
            (NothingToAnswer(p), Lang::Zh) => format!("项目 {p} 没有待答复的整改要求"),
            (NothingToAnswer(p), Lang::En) => {
                format!("there is no demand for rectification of {p} to answer")
            }
            (NotReadyToClose(p), Lang::Zh) => {
                format!("项目 {p} 尚未填写检查结论或尚未答复整改，不能结束")
            }
            (NotReadyToClose(p), Lang::En) => format!(
                "{p} has no finding yet, or its rectification is not answered; it cannot be closed"
            ),
            (StillReferenced(c), Lang::Zh) => {
                format!("{c} 仍被其他记录引用（如资金拨付或入园企业），请先删除或改动那些记录")
            }
            (StillReferenced(c), Lang::En) => format!(
                "{c} is still referred to by other records (fund transactions, park enterprises); delete or change those first"
            ),
            (GroupHasUsers { group, users }, Lang::Zh) => format!(
                "帮扶协作组 {group} 仍是用户 {} 的角色范围，请先更改或停用这些用户",
                users.join("、")
            ),
            (GroupHasUsers { group, users }, Lang::En) => format!(
                "group {group} is still the scope of the users {}; change their role or disable them first",
                users.join(", ")
            ),
            (PasswordTooShort(n), Lang::Zh) => format!("密码至少 {n} 个字符，请设置更长的密码"),
            (PasswordTooShort(n), Lang::En) => {
                format!("the password needs at least {n} characters; choose a longer one")
            }
            (NotAProgramFolder(p), Lang::Zh) => format!(
                "{p} 不是帮扶协作数据文件夹：缺少 program.toml（或帮扶协作组的 group.toml），请检查路径（格式见 docs/data-format.md）"
            ),
            (NotAProgramFolder(p), Lang::En) => format!(
                "{p} is not a program folder: it has no program.toml (nor a group's group.toml); check the path (format: docs/data-format.md)"
            ),
            (BadFieldCode(c), Lang::Zh) => format!(
                "字段编号“{c}”无效，请用小写字母开头，只含小写字母、数字和“_”，最长 40 个字符"
            ),
            (BadFieldCode(c), Lang::En) => format!(
                "field code \"{c}\" is not valid; begin with a lower-case letter and use only lower-case letters, digits and '_', at most 40"
            ),
            (FieldTaken { kind, field }, Lang::Zh) => {
                format!("{kind} 已有字段“{field}”（内置或保留），请换一个编号")
            }
            (FieldTaken { kind, field }, Lang::En) => format!(
                "{kind} already has a field \"{field}\" (built in or reserved); choose another code"
            ),
            (FieldTypeFixed { field, from, to }, Lang::Zh) => format!(
                "字段 {field} 已定义为 {from}，不能改为 {to}（已存的值会读错）；请另建一个字段，并把原字段设为隐藏"
            ),
            (FieldTypeFixed { field, from, to }, Lang::En) => format!(
                "field {field} is {from} and cannot become {to} (its stored values would read wrong); add another field and hide this one"
            ),
            (KindTaken(k), Lang::Zh) => {
                format!("“{k}”已是内置的记录类型，请换一个编号")
            }
            (KindTaken(k), Lang::En) => {
                format!("\"{k}\" is a built-in record kind; choose another code")
            }
            (NotAChoiceField(f), Lang::Zh) => format!(
                "“{f}”不是有可选值的字段，请写成“记录类型.字段”，如 project.category、training.kind"
            ),
            (NotAChoiceField(f), Lang::En) => format!(
                "\"{f}\" is not a field with a list of values; write kind.field, e.g. project.category or training.kind"
            ),
            (ChoiceTaken { field, value }, Lang::Zh) => format!(
                "“{value}”已是 {field} 的内置可选值，请换一个编号和名称，或直接使用内置值"
            ),
            (ChoiceTaken { field, value }, Lang::En) => format!(
                "\"{value}\" is already a built-in value of {field}; choose another code and name, or use the built-in value"
            ),
            (BadDefinition(d), Lang::Zh) => format!("指标定义无效：{d}"),
            (BadDefinition(d), Lang::En) => format!("invalid indicator definition: {d}"),
        }
    }
}

/// Where in the input a problem sits: a file, a row, a column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub file: Option<String>,
    /// The line number as a spreadsheet shows it (the header is row 1).
    pub row: Option<usize>,
    pub column: Option<String>,
    pub value: Option<String>,
}

/// One problem found in input, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Boxed: problems travel in `Result`s and should stay small.
    pub location: Box<Location>,
    pub error: DomainError,
}

impl Problem {
    /// A problem at a place.
    pub fn at(location: Location, error: DomainError) -> Problem {
        Problem {
            location: Box::new(location),
            error,
        }
    }

    /// The problem as one line a person can act on.
    pub fn message(&self, lang: Lang) -> String {
        let mut place = Vec::new();
        let l = &self.location;
        if let Some(file) = &l.file {
            place.push(file.clone());
        }
        if let Some(row) = l.row {
            place.push(match lang {
                Lang::Zh => format!("第 {row} 行"),
                Lang::En => format!("row {row}"),
            });
        }
        if let Some(col) = &l.column {
            place.push(match lang {
                Lang::Zh => format!("列 {col}"),
                Lang::En => format!("column {col}"),
            });
        }
        if let Some(value) = &l.value {
            place.push(match lang {
                Lang::Zh => format!("值“{value}”"),
                Lang::En => format!("value {value:?}"),
            });
        }
        let sep = lang.pick("，", ", ");
        if place.is_empty() {
            self.error.message(lang)
        } else {
            format!(
                "{}{}{}",
                place.join(sep),
                lang.pick("：", ": "),
                self.error.message(lang)
            )
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_names_file_row_and_column_in_both_languages() {
        let p = Problem::at(
            Location {
                file: Some("projects.csv".into()),
                row: Some(37),
                column: Some("region_code".into()),
                value: Some("999999".into()),
            },
            DomainError::UnknownRegion("999999".into()),
        );
        let zh = p.message(Lang::Zh);
        assert!(zh.contains("projects.csv") && zh.contains("第 37 行") && zh.contains("999999"));
        let en = p.message(Lang::En);
        assert!(en.contains("row 37") && en.contains("column region_code"));
    }
}
