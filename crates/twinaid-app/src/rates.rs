//! Exchange rates the office controls, over the bank's rates twinaid ships;
//! and the money in other currencies still waiting for a rate.

use crate::App;
use crate::access::Actor;
use crate::error::AppError;
use twinaid_domain::bundle::{Located, ProgramBundle};
use twinaid_domain::currency::{ExchangeRate, Layered, Rates, needs_rate};
use twinaid_domain::error::Location;
use twinaid_domain::record::{Record, RecordKind};

impl App {
    /// The program's own rates.
    pub async fn exchange_rates(
        &self,
        actor: &Actor,
        program: &str,
    ) -> Result<Vec<ExchangeRate>, AppError> {
        actor.require_program_reader(program)?;
        Ok(self.store.exchange_rates(program).await?)
    }

    /// Keeps the office's rates, then counts in yuan every amount that was
    /// waiting for one of them; how many were converted.
    pub async fn set_exchange_rates(
        &self,
        actor: &Actor,
        program: &str,
        rates: &[ExchangeRate],
    ) -> Result<usize, AppError> {
        actor.require_program_office(program)?;
        self.store
            .put_exchange_rates(program, rates, &actor.name)
            .await?;
        self.convert_waiting(actor, program).await
    }

    /// Reads a rate as a person typed it and keeps it (see
    /// [`App::set_exchange_rates`]); a bad cell is refused by its field.
    pub async fn enter_exchange_rate(
        &self,
        actor: &Actor,
        program: &str,
        currency: &str,
        on: &str,
        rate: &str,
        source: &str,
    ) -> Result<usize, AppError> {
        actor.require_program_office(program)?;
        let rate = ExchangeRate::parse(currency, on, rate, source).map_err(|errors| {
            AppError::Invalid(
                errors
                    .into_iter()
                    .map(|(column, e)| {
                        twinaid_domain::Problem::at(
                            Location {
                                column: Some(column.to_string()),
                                ..Location::default()
                            },
                            e,
                        )
                    })
                    .collect(),
            )
        })?;
        self.set_exchange_rates(actor, program, &[rate]).await
    }

    /// The fund transactions in another currency that count nothing in yuan
    /// for want of a rate.
    pub async fn unconverted(&self, actor: &Actor, program: &str) -> Result<Vec<Record>, AppError> {
        actor.require_program_reader(program)?;
        let codes = self.store.unconverted_codes(program).await?;
        Ok(self
            .store
            .records_with_codes(program, RecordKind::FundTransaction, &codes)
            .await?)
    }

    /// The office's rates of a program, ready to convert with (over the
    /// bank's), for an importer that converts as it reads.
    pub async fn office_rates_of(&self, actor: &Actor, program: &str) -> Result<Rates, AppError> {
        actor.require_program_reader(program)?;
        self.office_rates(program).await
    }

    /// The office's rates of a program, ready to convert with.
    pub(crate) async fn office_rates(&self, program: &str) -> Result<Rates, AppError> {
        let mut rates = Rates::default();
        for r in self.store.exchange_rates(program).await? {
            rates.add_office(&r.currency, &r.on, r.yuan_per_unit(), &r.source);
        }
        Ok(rates)
    }

    /// Converts a program's records that need it with its rates over the bank's.
    pub(crate) async fn convert_money(
        &self,
        program: &str,
        records: &mut [Located<Record>],
    ) -> Result<(), AppError> {
        self.convert_money_with(program, records, &[]).await
    }

    /// [`App::convert_money`], with rates of the office's not stored yet
    /// (a folder's, loaded with its records) before the stored ones.
    pub(crate) async fn convert_money_with(
        &self,
        program: &str,
        records: &mut [Located<Record>],
        more: &[Located<ExchangeRate>],
    ) -> Result<(), AppError> {
        if !records.iter().any(|r| needs_rate(&r.item)) {
            return Ok(());
        }
        let mut office = self.office_rates(program).await?;
        for r in more {
            let r = &r.item;
            office.add_office(&r.currency, &r.on, r.yuan_per_unit(), &r.source);
        }
        let rates = Layered {
            office: &office,
            bank: &self.rates,
        };
        for r in records.iter_mut().filter(|r| needs_rate(&r.item)) {
            twinaid_domain::currency::convert(&mut r.item, &rates);
        }
        Ok(())
    }

    /// Counts in yuan the program's amounts that now have a rate.
    async fn convert_waiting(&self, actor: &Actor, program: &str) -> Result<usize, AppError> {
        let mut records: Vec<Located<Record>> = self
            .unconverted(actor, program)
            .await?
            .into_iter()
            .map(|r| Located::new(Location::default(), r))
            .collect();
        self.convert_money(program, &mut records).await?;
        records.retain(|r| r.item.get("amount").as_int().is_some());
        if records.is_empty() {
            return Ok(0);
        }
        let converted = records.len();
        let bundle = ProgramBundle {
            program_code: program.to_string(),
            records,
            ..ProgramBundle::default()
        };
        self.store.apply_bundle(&bundle, &actor.name).await?;
        Ok(converted)
    }
}
