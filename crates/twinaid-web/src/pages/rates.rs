//! Exchange rates: the office's own (which come before the bank's reference
//! rates twinaid ships), a form to enter one, and the money in other
//! currencies that counts nothing in yuan until a rate is entered.

use super::{Scope, render, resolve};
use crate::AppState;
use crate::error::WebError;
use crate::extract::Query;
use crate::session::SignedIn;
use crate::view::{Page, url_encode};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use twinaid_domain::record::RecordKind;

#[derive(Deserialize, Default)]
pub struct RatesQuery {
    program: Option<String>,
    year: Option<i32>,
    error: Option<String>,
    converted: Option<usize>,
}

/// A transaction waiting for a rate, as listed.
pub struct Waiting {
    pub code: String,
    pub href: String,
    pub currency: String,
    pub original: String,
    pub date: String,
}

#[derive(Template)]
#[template(path = "rates.html")]
struct RatesPage {
    page: Page,
    /// (currency, day or year, yuan for one unit, source)
    rates: Vec<(String, String, String, String)>,
    waiting: Vec<Waiting>,
    may_set: bool,
    error: String,
    notice: String,
}

/// The rates page.
pub async fn page(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<RatesQuery>,
) -> Result<Response, WebError> {
    let lang = user.lang;
    let t = crate::i18n::Tr { lang };
    let (program, year) = resolve(
        &state,
        &user,
        &Scope {
            program: q.program,
            year: q.year,
        },
    )
    .await?;
    let rates = state
        .app
        .exchange_rates(&user.actor, &program)
        .await?
        .into_iter()
        .map(|r| (r.currency, r.on, r.rate, r.source))
        .collect();
    let fields = RecordKind::FundTransaction.fields();
    let field = |name: &str| fields.iter().find(|f| f.name == name).copied();
    let waiting = state
        .app
        .unconverted(&user.actor, &program)
        .await?
        .into_iter()
        .map(|r| Waiting {
            href: format!(
                "/records/fund_transaction/{}?program={}",
                url_encode(r.code()),
                url_encode(&program)
            ),
            code: r.code().to_string(),
            currency: r.get("currency").as_text().unwrap_or_default().to_string(),
            original: field("original_amount")
                .map(|f| crate::view::cell(&f, r.get("original_amount"), lang))
                .unwrap_or_default(),
            date: r
                .get("date")
                .as_text()
                .map(str::to_string)
                .or_else(|| r.year().map(|y| y.to_string()))
                .unwrap_or_default(),
        })
        .collect();
    let here = format!("/rates?program={}", url_encode(&program));
    let notice = q
        .converted
        .map(|n| t.s("rates_converted").replace("{n}", &n.to_string()))
        .unwrap_or_default();
    let page = RatesPage {
        page: Page::new(&user, t.s("rates"), &here, &program, year),
        rates,
        waiting,
        may_set: state.app.permissions(&user.actor, &program).office,
        error: q.error.unwrap_or_default(),
        notice,
    };
    Ok(render(&page, lang))
}

#[derive(Deserialize)]
pub struct RateForm {
    csrf: Option<String>,
    currency: String,
    date: String,
    rate: String,
    #[serde(default)]
    source: String,
}

/// Enters a rate; the amounts it converts are counted at once.
pub async fn set(
    State(state): State<AppState>,
    user: SignedIn,
    Query(scope): Query<Scope>,
    axum::Form(form): axum::Form<RateForm>,
) -> Result<Response, WebError> {
    user.check_csrf(form.csrf.as_ref())?;
    let (program, _) = resolve(&state, &user, &scope).await?;
    let back = format!("/rates?program={}", url_encode(&program));
    let result = state
        .app
        .enter_exchange_rate(
            &user.actor,
            &program,
            &form.currency,
            &form.date,
            &form.rate,
            &form.source,
        )
        .await;
    match result {
        Ok(n) => super::back_to(&format!("{back}&converted={n}"), Ok(()), user.lang),
        Err(e) => super::back_to(&back, Err(e), user.lang),
    }
}
