//! The pure domain of twinaid: the words of `DOMAIN.md` as types.
//!
//! Nothing here touches a database, a file or the network; every value that
//! can be wrong is checked when it is built, so holding one means it is valid.

pub mod aggregate;
pub mod assessment;
pub mod audit_chain;
pub mod bundle;
pub mod catalog;
pub mod crossexam;
pub mod currency;
pub mod custom;
pub mod error;
pub mod group;
pub mod guidance;
pub mod indicator;
pub mod lang;
pub mod lifecycle;
pub mod money;
pub mod program;
pub mod quantity;
pub mod record;
pub mod record_code;
pub mod record_help;
pub mod region;
pub mod sector;
pub mod unit;
pub mod verification;
pub mod yearbook;

pub use error::{DomainError, Problem};
pub use lang::Lang;
pub use money::Money;
pub use quantity::{Quantity, UnitOfMeasure};
pub use region::RegionCode;
