//! Reading the files strictly where serde alone is lenient: a date says it is a date and the
//! form it wants; a map names a duplicate key instead of silently keeping the last value.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserializer, Serializer};

/// `"2000-10-10"`: a date as YYYY-MM-DD.
pub mod date {
    use super::*;

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&d.format("%Y-%m-%d"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        parse(&text).map_err(de::Error::custom)
    }

    pub fn parse(text: &str) -> Result<NaiveDate, String> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| format!("expected a date as YYYY-MM-DD (e.g. \"2000-10-10\"), found \"{text}\""))
    }

    /// The same for an optional date.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_some(&d.format("%Y-%m-%d").to_string()),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
            let text: Option<String> = serde::Deserialize::deserialize(d)?;
            text.map(|t| parse(&t).map_err(de::Error::custom)).transpose()
        }
    }
}

/// A map whose keys must each appear once (`products: {"nt4": 5, "nt4": 6}` is refused).
pub fn unique_keys<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, u8>, D::Error> {
    struct Unique;
    impl<'de> Visitor<'de> for Unique {
        type Value = BTreeMap<String, u8>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of product ids to service-pack levels")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((key, value)) = map.next_entry::<String, u8>()? {
                if out.insert(key.clone(), value).is_some() {
                    return Err(de::Error::custom(format!("duplicate key \"{key}\": each product is listed once")));
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_date_says_what_form_it_wants() {
        assert_eq!(
            date::parse("2000-13-40"),
            Err("expected a date as YYYY-MM-DD (e.g. \"2000-10-10\"), found \"2000-13-40\"".to_string())
        );
        assert_eq!(date::parse("2000-10-10"), Ok(NaiveDate::from_ymd_opt(2000, 10, 10).expect("date")));
    }
}
