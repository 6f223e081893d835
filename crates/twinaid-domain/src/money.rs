//! Money: an integer count of fen (0.01 yuan), never negative.

use crate::error::DomainError;
use crate::lang::Lang;
use std::fmt;

/// An amount of money in fen. Built only through [`Money::from_fen`] or
/// [`Money::parse_yuan`], both of which refuse negative amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Money(i64);

impl Money {
    /// Fen in one yuan.
    pub const FEN_PER_YUAN: i64 = 100;

    /// Wraps a fen count; negative amounts are refused.
    pub fn from_fen(fen: i64) -> Result<Money, DomainError> {
        if fen < 0 {
            return Err(DomainError::NegativeAmount(format_decimal(fen, 100)));
        }
        Ok(Money(fen))
    }

    /// Parses a yuan amount as people write it: `1300000`, `1,300,000`, `1300000.50`.
    pub fn parse_yuan(text: &str) -> Result<Money, DomainError> {
        let fen = parse_decimal(text, 100)?;
        Money::from_fen(fen)
    }

    /// The amount in fen.
    pub fn fen(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", format_decimal(self.0, 100))
    }
}

/// Parses a decimal number written with optional thousands separators into an
/// integer count of `1/scale` units; more decimals than the scale holds are refused
/// rather than rounded, so no figure silently changes.
pub fn parse_decimal(text: &str, scale: i64) -> Result<i64, DomainError> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，' && *c != ' ' && *c != '_')
        .collect();
    let bad = || DomainError::NotANumber(text.trim().to_string());
    if cleaned.is_empty() {
        return Err(bad());
    }
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let decimals = scale.to_string().len() - 1;
    let frac_trimmed = frac.trim_end_matches('0');
    if frac_trimmed.len() > decimals {
        return Err(DomainError::TooManyDecimals {
            value: text.trim().to_string(),
            decimals,
        });
    }
    // Past i64, a string of digits is a number too large, not a non-number.
    let too_large = || DomainError::TooLarge {
        value: text.trim().to_string(),
        most: i64::MAX / scale,
    };
    let whole_value: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let mut frac_value: i64 = 0;
    for (i, c) in frac_trimmed.chars().enumerate() {
        let digit = i64::from(c.to_digit(10).unwrap_or(0));
        frac_value += digit * 10_i64.pow((decimals - 1 - i) as u32);
    }
    let value = whole_value
        .checked_mul(scale)
        .and_then(|v| v.checked_add(frac_value))
        .ok_or_else(too_large)?;
    Ok(if negative { -value } else { value })
}

/// Writes `raw / scale` exactly, without trailing zeros: 130000000/100 → `1300000`.
pub fn format_decimal(raw: i64, scale: i64) -> String {
    let sign = if raw < 0 { "-" } else { "" };
    let abs = raw.unsigned_abs();
    let scale_u = scale.unsigned_abs();
    let whole = abs / scale_u;
    let frac = abs % scale_u;
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let decimals = scale.to_string().len() - 1;
    let frac_text = format!("{frac:0decimals$}");
    format!("{sign}{whole}.{}", frac_text.trim_end_matches('0'))
}

/// Writes hundredths (fen, or cents of another currency) to the cent,
/// grouped as a statement writes them: 123450 → `1,234.50`.
pub fn format_cents(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    group_thousands(&format!("{sign}{}.{:02}", abs / 100, abs % 100))
}

/// Groups the whole part in threes: 36200000 → `36,200,000`.
pub fn group_thousands(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", number),
    };
    let (whole, frac) = match rest.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (rest, None),
    };
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// Shows a fen amount the way an official table in the given language does:
/// 万元 with up to two decimals in Chinese, whole yuan with separators in English.
pub fn format_money_for_table(fen: i64, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            // 1 万元 = 1,000,000 fen; two decimals (百元) is the usual precision.
            let hundred_yuan = round_div(fen, 10_000);
            format!(
                "{}万元",
                group_thousands(&format_decimal(hundred_yuan, 100))
            )
        }
        Lang::En => {
            let yuan = round_div(fen, 100);
            format!("{} yuan", group_thousands(&yuan.to_string()))
        }
    }
}

/// Shows a fen amount in 亿元 when it is that large, else 万元; for prose.
pub fn format_money_prose_zh(fen: i64) -> String {
    if fen.abs() >= 100_000_000 * 100 {
        format!(
            "{}亿元",
            format_decimal(round_div(fen, 1_000_000 * 100), 100)
        )
    } else {
        format!("{}万元", format_decimal(round_div(fen, 10_000), 100))
    }
}

fn round_div(value: i64, divisor: i64) -> i64 {
    let half = divisor / 2;
    if value >= 0 {
        (value + half) / divisor
    } else {
        (value - half) / divisor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yuan_with_separators_and_decimals() {
        assert_eq!(Money::parse_yuan("1,300,000").unwrap().fen(), 130_000_000);
        assert_eq!(Money::parse_yuan("0.5").unwrap().fen(), 50);
        assert_eq!(Money::parse_yuan(" 12.30 ").unwrap().fen(), 1230);
    }

    #[test]
    fn refuses_negative_money() {
        assert!(matches!(
            Money::parse_yuan("-5"),
            Err(DomainError::NegativeAmount(_))
        ));
        assert!(Money::from_fen(-1).is_err());
    }

    #[test]
    fn refuses_garbage_and_fractions_of_a_fen() {
        assert!(matches!(
            Money::parse_yuan("12a"),
            Err(DomainError::NotANumber(_))
        ));
        assert!(matches!(
            Money::parse_yuan("1.005"),
            Err(DomainError::TooManyDecimals { .. })
        ));
        assert!(Money::parse_yuan("").is_err());
    }

    #[test]
    fn formats_like_official_tables() {
        assert_eq!(format_money_for_table(3_620_000_000, Lang::Zh), "3,620万元");
        assert_eq!(format_money_for_table(57_400_000, Lang::Zh), "57.4万元");
        assert_eq!(
            format_money_for_table(3_620_000_000, Lang::En),
            "36,200,000 yuan"
        );
        assert_eq!(format_money_prose_zh(41_600_000_000), "4.16亿元");
    }

    #[test]
    fn formats_decimals_exactly() {
        assert_eq!(format_decimal(79_500, 1000), "79.5");
        assert_eq!(format_decimal(-150, 100), "-1.5");
        assert_eq!(group_thousands("1261000000"), "1,261,000,000");
    }
}
