//! The office's exchange rates, per program, each change with its audit
//! event; and the fund transactions still waiting for a rate.

use crate::audit::{self, AuditEvent};
use crate::{Store, StoreError};
use serde_json::json;
use sqlx::Row;
use twinaid_domain::currency::ExchangeRate;

impl Store {
    /// The program's rates, by currency and day or year.
    pub async fn exchange_rates(&self, program: &str) -> Result<Vec<ExchangeRate>, StoreError> {
        let rows = sqlx::query(
            "SELECT currency, on_date, rate, source FROM exchange_rate WHERE program_code = $1 ORDER BY currency, on_date",
        )
        .bind(program.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ExchangeRate {
                    currency: r.try_get(0)?,
                    on: r.try_get(1)?,
                    rate: r.try_get(2)?,
                    source: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Keeps the office's rates (replacing those of the same currency and
    /// day or year) in one transaction, an audit event each.
    pub async fn put_exchange_rates(
        &self,
        program: &str,
        rates: &[ExchangeRate],
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let at = audit::now();
        for rate in rates {
            let before: Option<(String, String)> = sqlx::query_as(
                "SELECT rate, source FROM exchange_rate WHERE program_code = $1 AND currency = $2 AND on_date = $3",
            )
            .bind(program.to_string())
            .bind(rate.currency.clone())
            .bind(rate.on.clone())
            .fetch_optional(&mut *tx)
            .await?;
            if before
                .as_ref()
                .is_some_and(|(r, s)| *r == rate.rate && *s == rate.source)
            {
                continue;
            }
            // One statement: two offices entering the same rate at once
            // update it, never collide on its key.
            sqlx::query(
                "INSERT INTO exchange_rate (program_code, currency, on_date, rate, source) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (program_code, currency, on_date) DO UPDATE SET rate = excluded.rate, source = excluded.source",
            )
            .bind(program.to_string())
            .bind(rate.currency.clone())
            .bind(rate.on.clone())
            .bind(rate.rate.clone())
            .bind(rate.source.clone())
            .execute(&mut *tx)
            .await?;
            let before = before.map(|(r, s)| json!({ "rate": r, "source": s }));
            let after = json!({ "rate": rate.rate, "source": rate.source });
            audit::write(
                &mut tx,
                &at,
                AuditEvent {
                    actor,
                    action: if before.is_some() { "update" } else { "create" },
                    entity: "exchange_rate",
                    entity_key: &format!("{}/{}", rate.currency, rate.on),
                    program: Some(program),
                    before: before.as_ref(),
                    after: Some(&after),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The codes of the program's fund transactions in another currency
    /// that have no yuan amount yet.
    pub async fn unconverted_codes(&self, program: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT code FROM fund_transaction WHERE program_code = $1 AND amount IS NULL \
             AND currency IS NOT NULL AND currency <> '' AND currency <> 'CNY' ORDER BY code",
        )
        .bind(program.to_string())
        .fetch_all(&self.pool)
        .await?)
    }
}
