//! The closed vocabularies of an order: product category, destination and sales channel.
//!
//! Categories are a fixed list so that exclusions and value caps in contract wordings can name
//! them, and so that a typo in a scenario (`jewelery`) is an error rather than a silent new
//! category. Names are the snake_case strings written in scenario files.

use std::fmt;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order (the order of output columns and indices).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name written in scenario files and output tables.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a scenario name; `None` if it is not in the vocabulary.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// Position in [`Self::ALL`], for table lookups in the hot loop.
            pub fn index(self) -> usize { self as usize }

            /// All names, comma-separated, for error messages that say what is allowed.
            pub fn allowed() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

vocabulary! {
    /// What an order contains, as a contract wording would classify it. The second group are the
    /// goods parcel protection usually excludes (see `buyer_protection`'s default exclusions).
    Category {
        Fashion = "fashion",
        Electronics = "electronics",
        HomeGarden = "home_garden",
        Furniture = "furniture",
        BeautyHealth = "beauty_health",
        BooksMedia = "books_media",
        ToysGames = "toys_games",
        SportsLeisure = "sports_leisure",
        DiyTools = "diy_tools",
        Grocery = "grocery",
        AutoParts = "auto_parts",
        Jewellery = "jewellery",
        FineArt = "fine_art",
        Other = "other",
        CarsMotorbikes = "cars_motorbikes",
        Boats = "boats",
        LiveAnimals = "live_animals",
        Cash = "cash",
        Securities = "securities",
        Lumber = "lumber",
        TilesSlabsStatues = "tiles_slabs_statues",
        Tobacco = "tobacco",
        Perishables = "perishables",
        RawCotton = "raw_cotton",
        Pharmaceuticals = "pharmaceuticals",
        PreciousStonesMetals = "precious_stones_metals",
        Flowers = "flowers",
        ScrapMetalUsedCarParts = "scrap_metal_used_car_parts",
        FlatGlass = "flat_glass",
        /// Intangible or regulated purchases (appended, so earlier categories keep their
        /// indices and existing scenarios their random streams). Purchase-protection covers of
        /// physical goods and the BNPL wording exclude them.
        DigitalGoods = "digital_goods",
        Services = "services",
        Subscriptions = "subscriptions",
        GiftCards = "gift_cards",
        Alcohol = "alcohol",
        AdultEntertainment = "adult_entertainment",
        Gambling = "gambling",
        FinancialInstruments = "financial_instruments",
        Crowdfunding = "crowdfunding",
        /// A travel booking (appended likewise): no parcel; legal protection covers it only
        /// under its travel extension.
        Travel = "travel",
    }
}

/// Category groups: the coarser split pricing tables use (`pricing_views`).
pub const CATEGORY_GROUPS: &[&str] = &[
    "fashion_beauty",
    "electronics",
    "home",
    "leisure_media",
    "high_value",
    "other",
];

impl Category {
    /// The category group, an index into [`CATEGORY_GROUPS`]: goods with similar baskets and
    /// incident profiles priced together.
    pub fn group(self) -> usize {
        use Category::*;
        match self {
            Fashion | BeautyHealth => 0,
            Electronics => 1,
            HomeGarden | Furniture | DiyTools | TilesSlabsStatues | FlatGlass | Lumber => 2,
            BooksMedia | ToysGames | SportsLeisure | DigitalGoods | Subscriptions | Gambling => 3,
            Jewellery | FineArt | PreciousStonesMetals => 4,
            _ => 5,
        }
    }

    /// Whether the order ships physical goods (a parcel exists). Gift cards count as
    /// intangible: what they buy is a stored value, not the card.
    pub fn is_physical(self) -> bool {
        !matches!(
            self,
            Category::DigitalGoods
                | Category::Services
                | Category::Subscriptions
                | Category::GiftCards
                | Category::Gambling
                | Category::FinancialInstruments
                | Category::Crowdfunding
                | Category::Travel
        )
    }
}

vocabulary! {
    /// Where a parcel goes, which sets its delivery time, its loss rate and the claim thresholds.
    Destination {
        Domestic = "domestic",
        International = "international",
    }
}

vocabulary! {
    /// Where the buyer placed the order. Checkout-sold covers are only offered on the channels a
    /// product lists (a widget on the merchant's own site is not shown on a marketplace).
    Channel {
        Web = "web",
        MobileApp = "mobile_app",
        Marketplace = "marketplace",
    }
}

vocabulary! {
    /// The kind of site a shop sells through. Payment-protection wordings exclude sales on sites
    /// the payment provider has not referenced and between private persons.
    Site {
        Referenced = "referenced",
        Unreferenced = "unreferenced",
        PeerToPeer = "peer_to_peer",
    }
}

vocabulary! {
    /// The card scheme a buyer pays with. The BNPL wording covers Carte Bancaire, Visa and
    /// MasterCard only.
    CardNetwork {
        Cb = "cb",
        Visa = "visa",
        Mastercard = "mastercard",
        Amex = "amex",
        Other = "other",
    }
}

vocabulary! {
    /// The kind of card a buyer pays with. The BNPL wording excludes prepaid cards, virtual
    /// (single-use) cards and cards with systematic authorisation (Visa Electron / Maestro-type
    /// cards checked against the balance on every payment).
    CardType {
        Debit = "debit",
        Credit = "credit",
        Prepaid = "prepaid",
        Virtual = "virtual",
        SystematicAuthorisation = "systematic_authorisation",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
            assert_eq!(Category::ALL[c.index()], *c);
        }
        assert_eq!(Category::parse("jewelery"), None);
        assert_eq!(Channel::parse("mobile_app"), Some(Channel::MobileApp));
    }
}
