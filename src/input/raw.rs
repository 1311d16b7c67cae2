//! Raw shapes shared by the scenario's own tables and by product tables.

use serde::Deserialize;

/// A value per destination.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawByDestination<T> {
    pub domestic: T,
    pub international: T,
}
