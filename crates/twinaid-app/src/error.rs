//! Errors of the use cases, translated for the person who acts on them.

use twinaid_domain::{DomainError, Lang, Problem};
use twinaid_store::StoreError;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not allowed")]
    Forbidden,
    #[error("not found: {0}")]
    NotFound(DomainError),
    #[error("bad request: {0}")]
    BadRequest(DomainError),
    /// Input with problems; nothing was written.
    #[error("{} problems in the input", .0.len())]
    Invalid(Vec<Problem>),
    /// A single field of a form is wrong.
    #[error("{0}: {1}")]
    Field(&'static str, DomainError),
    /// Sign-in failed; which of name or password was wrong is not said.
    #[error("wrong username or password")]
    BadCredentials,
    #[error(transparent)]
    Store(StoreError),
    /// Too much at once (imports running, say): nothing was done, and the
    /// same request may succeed in a moment.
    #[error("busy: {0}")]
    Busy(DomainError),
    /// Something that should not happen; details go to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// Whether the database was out of reach for a moment: nothing was
    /// written and the same request may succeed soon.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, AppError::Store(StoreError::Unavailable(_)))
    }

    /// The error as the user reads it, with what to do.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Forbidden => lang
                .pick(
                    "您没有执行此操作的权限，请联系帮扶协作办公室",
                    "you are not allowed to do this; ask the program office",
                )
                .to_string(),
            AppError::NotFound(e) | AppError::BadRequest(e) | AppError::Busy(e) => e.message(lang),
            AppError::Invalid(problems) => {
                let head = match lang {
                    Lang::Zh => format!("输入有 {} 处问题，未写入任何数据：", problems.len()),
                    Lang::En => format!(
                        "{} problems in the input; nothing was written:",
                        problems.len()
                    ),
                };
                let lines: Vec<String> = problems
                    .iter()
                    .map(|p| format!("  - {}", p.message(lang)))
                    .collect();
                format!("{head}\n{}", lines.join("\n"))
            }
            AppError::Field(_, e) => e.message(lang),
            AppError::BadCredentials => lang
                .pick(
                    "用户名或密码不正确，请重新输入",
                    "wrong username or password; try again",
                )
                .to_string(),
            AppError::Store(e) => store_message(e, lang),
            AppError::Internal(_) => lang
                .pick(
                    "系统内部错误，未写入任何数据；详情见日志",
                    "an internal error occurred and nothing was written; see the log",
                )
                .to_string(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            // A code another writer took first is the input's problem, on its field.
            StoreError::Duplicate(code) => AppError::Field("code", DomainError::DuplicateKey(code)),
            // Text the database cannot hold (PostgreSQL refuses NUL) that
            // a check before it let through: the input's problem, not a 500.
            StoreError::Unstorable(_) => AppError::BadRequest(DomainError::ControlCharacter(0)),
            e => AppError::Store(e),
        }
    }
}

fn store_message(e: &StoreError, lang: Lang) -> String {
    match e {
        StoreError::BadUrl(url) => match lang {
            Lang::Zh => format!("数据库地址“{url}”格式不正确，请写成 sqlite://文件名.db 或 postgres://用户@主机/数据库"),
            Lang::En => format!("database URL \"{url}\" is malformed; write sqlite://FILE.db or postgres://USER@HOST/DATABASE"),
        },
        StoreError::Unreachable { engine, location, .. } => match lang {
            Lang::Zh => format!("无法连接 {engine} 数据库 {location}，请确认数据库服务已启动、地址和权限正确"),
            Lang::En => format!("cannot connect to the {engine} database at {location}; check that it is running and the URL and permissions are right"),
        },
        StoreError::Migrate(_) => lang
            .pick("无法更新数据库结构，请确认该数据库属于 twinaid 且当前用户有权限", "cannot update the database schema; check the database belongs to twinaid and you may change it")
            .to_string(),
        StoreError::Duplicate(code) => DomainError::DuplicateKey(code.clone()).message(lang),
        StoreError::Unstorable(_) => DomainError::ControlCharacter(0).message(lang),
        StoreError::Unavailable(_) => lang
            .pick("数据库暂时无法连接，本次未写入任何数据：请稍候片刻再试一次", "the database cannot be reached for the moment and nothing was written: wait a moment and try again")
            .to_string(),
        StoreError::Database(_) | StoreError::Corrupt(_) => lang
            .pick("数据库操作失败，未写入任何数据；详情见日志", "a database operation failed and nothing was written; see the log for details")
            .to_string(),
    }
}

/// Refuses text with control characters (tab and line breaks allowed) on
/// the field it was given in: nothing a person types holds them, and
/// PostgreSQL cannot store a NUL.
/// Problems on named fields (a form's or a body's), as one refusal.
pub(crate) fn on_fields<'a>(errors: impl IntoIterator<Item = (&'a str, DomainError)>) -> AppError {
    AppError::Invalid(
        errors
            .into_iter()
            .map(|(field, e)| {
                Problem::at(
                    twinaid_domain::error::Location {
                        column: Some(field.to_string()),
                        ..Default::default()
                    },
                    e,
                )
            })
            .collect(),
    )
}

pub(crate) fn plain_text(fields: &[(&'static str, &str)]) -> Result<(), AppError> {
    for (field, text) in fields {
        twinaid_domain::record::refuse_control(text).map_err(|e| AppError::Field(field, e))?;
    }
    Ok(())
}
