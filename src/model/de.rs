//! Reading the files strictly where serde alone is lenient: a date says it is a date and the
//! form it wants. (A server's products name a duplicate key: `model::levels`.)

use chrono::NaiveDate;
use serde::de;
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
