//! Reading scenario values into domain types, below both `scenario/` and `products/`: the
//! [`validate::Validator`] that collects every issue with its field path, the field-path
//! writer ([`keys`]), closed-vocabulary shares ([`mix`]) and the raw shapes that more than one
//! table uses ([`raw`]). A product reads its own table with these; `scenario/` assembles the
//! products, the calendar and the portfolio, and turns issues into located errors.

pub mod keys;
pub mod mix;
pub mod raw;
pub mod validate;
