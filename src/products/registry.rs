//! The registry: the one place that lists the products, one line each.
//!
//! The [`registry!`] invocation in `src/products/mod.rs` has one line per product:
//!
//! ```text
//! buyer_protection: BuyerProtection(BuyerProtection, raw::RawBuyerProtection) = "buyer_protection",
//! ```
//!
//! that is, the product's folder (its module), the variant, the value validation builds
//! (which implements [`super::ProductSpec`]) and the scenario table serde reads (both paths
//! within the folder), and the `kind` a scenario writes. From the lines the macro writes what
//! every product needs once: the module declarations, the `Product` and `RawProduct` enums,
//! the dispatch to each product's `validate` and `ProductSpec`, the list of kinds for messages,
//! and the span-keeping reread of a product table for precise errors. Adding a product is its
//! folder and its line; nothing else lists products.
//!
//! An enum rather than a `Box<dyn ProductSpec>`: scenarios compare and clone their products,
//! and the few per-product models the trait does not carry yet match on the variants.

/// Writes the products' modules, enums and dispatch from the registry's lines (see the module
/// documentation).
macro_rules! registry {
    ($( $(#[$attr:meta])* $module:ident:
        $variant:ident($($ty:ident)::+, $($raw:ident)::+) = $kind:literal, )*) => {
        $( $(#[$attr])* pub mod $module; )*

        /// A product of the scenario, by `kind`. Few per scenario, so variants are not boxed.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Product {
            $( $(#[$attr])* $variant($module::$($ty)::+), )*
        }

        /// A product's table as the scenario writes it, by `kind`.
        #[derive(Debug, serde::Deserialize)]
        #[serde(tag = "kind")]
        #[allow(clippy::large_enum_variant)] // read once per scenario
        pub enum RawProduct {
            $( $(#[$attr])* #[serde(rename = $kind)] $variant($module::$($raw)::+), )*
        }

        impl Product {
            /// What the product tells the engine about itself.
            pub fn spec(&self) -> &dyn $crate::products::ProductSpec {
                match self {
                    $( $(#[$attr])* Product::$variant(p) => p, )*
                }
            }

            /// [`Product::spec`], to set what the engine derives for the product.
            pub fn spec_mut(&mut self) -> &mut dyn $crate::products::ProductSpec {
                match self {
                    $( $(#[$attr])* Product::$variant(p) => p, )*
                }
            }

            /// The scenario `kind`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $( $(#[$attr])* Product::$variant(_) => $kind, )*
                }
            }
        }

        impl RawProduct {
            /// The product's name as written.
            pub fn name(&self) -> &str {
                match self {
                    $( $(#[$attr])* RawProduct::$variant(p) => &p.name, )*
                }
            }

            /// Validates the table at `path` (`products[0]`) into the product, recording every
            /// problem in `v`.
            pub fn validate(&self, path: &str, v: &mut $crate::input::validate::Validator) -> Product {
                match self {
                    $( $(#[$attr])* RawProduct::$variant(p) => {
                        Product::$variant($module::$($ty)::+::validate(p, path, v))
                    } )*
                }
            }
        }

        /// The `kind` values of products, as the scenario writes them, in registry order.
        #[allow(clippy::vec_init_then_push)] // a line may be compiled out (`#[cfg(test)]`)
        pub fn kinds() -> Vec<&'static str> {
            let mut kinds = Vec::new();
            $( $(#[$attr])* kinds.push($kind); )*
            kinds
        }

        /// Reads a product table (without its `kind`) as the table of `kind`, for the error
        /// with its span; `None` for an unknown kind or a table that reads cleanly.
        pub fn read_error<'de, D>(kind: &str, table: D) -> Option<D::Error>
        where
            D: serde::Deserializer<'de>,
        {
            use serde::Deserialize;
            match kind {
                $( $(#[$attr])* $kind => <$module::$($raw)::+>::deserialize(table).err(), )*
                _ => None,
            }
        }
    };
}

pub(super) use registry;
