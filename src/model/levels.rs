//! A server's installed products and their service-pack levels: a handful each, so kept as a
//! small vector sorted by product id rather than a tree (a tree's node is 288 bytes; at
//! 100,000 servers that was 29 MB of the dashboard's memory for two products each).
//! It reads and writes as the map it always was: `products: {"ex55": 4, "nt4": 6}`.

use std::fmt;

use compact_str::CompactString;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;

/// Product id to service-pack level (0 = none), each product once, in product-id order. Two
/// products are kept inline with the server (no allocation each, at 100,000 servers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Levels(SmallVec<[(CompactString, u8); 2]>);

impl Levels {
    fn find(&self, product: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(product))
    }

    /// A look along the few entries: quicker than a binary search of string comparisons.
    pub fn get(&self, product: &str) -> Option<&u8> {
        self.0.iter().find(|(k, _)| k == product).map(|(_, v)| v)
    }

    pub fn contains_key(&self, product: &str) -> bool {
        self.get(product).is_some()
    }

    /// Set `product`'s level; the level it replaces, if it was there.
    pub fn insert(&mut self, product: String, level: u8) -> Option<u8> {
        match self.find(&product) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, level)),
            Err(i) => {
                self.0.insert(i, (CompactString::new(&product), level));
                None
            }
        }
    }

    pub fn remove(&mut self, product: &str) -> Option<u8> {
        self.find(product).ok().map(|i| self.0.remove(i).1)
    }

    /// In product-id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &u8)> + ExactSizeIterator {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Index<&str> for Levels {
    type Output = u8;

    /// The product's level; panics when the server does not run it, as a map's index does.
    fn index(&self, product: &str) -> &u8 {
        self.get(product).unwrap_or_else(|| panic!("the server does not run '{product}'"))
    }
}

impl FromIterator<(String, u8)> for Levels {
    /// A product named twice keeps its last level, as a map would.
    fn from_iter<I: IntoIterator<Item = (String, u8)>>(items: I) -> Self {
        let mut out = Levels::default();
        for (k, v) in items {
            out.insert(k, v);
        }
        out
    }
}

impl<const N: usize> From<[(String, u8); N]> for Levels {
    fn from(items: [(String, u8); N]) -> Self {
        items.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Levels {
    type Item = (&'a str, &'a u8);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (CompactString, u8)>, fn(&'a (CompactString, u8)) -> (&'a str, &'a u8)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl Serialize for Levels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Levels {
    /// Each product once: `products: {"nt4": 5, "nt4": 6}` is refused, not resolved silently.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Unique;
        impl<'de> Visitor<'de> for Unique {
            type Value = Levels;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of product ids to service-pack levels")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Levels, A::Error> {
                let mut out = Levels(SmallVec::with_capacity(map.size_hint().unwrap_or(0).min(16)));
                while let Some((key, value)) = map.next_entry::<String, u8>()? {
                    if out.contains_key(&key) {
                        return Err(de::Error::custom(format!("duplicate key \"{key}\": each product is listed once")));
                    }
                    out.insert(key, value);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Unique)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_as_the_map_it_was_in_product_order() {
        let levels: Levels = ron::from_str(r#"{"nt4": 6, "ex55": 4}"#).expect("levels");
        assert_eq!(levels.keys().collect::<Vec<_>>(), ["ex55", "nt4"]);
        assert_eq!((levels.get("nt4"), levels.get("sql")), (Some(&6), None));
        assert_eq!(ron::to_string(&levels).expect("ron"), r#"{"ex55":4,"nt4":6}"#);
        let old: std::collections::BTreeMap<String, u8> = [("ex55".into(), 4), ("nt4".into(), 6)].into();
        assert_eq!(postcard::to_stdvec(&levels).expect("new"), postcard::to_stdvec(&old).expect("old"));
        let err = ron::from_str::<Levels>(r#"{"nt4": 5, "nt4": 6}"#).expect_err("duplicate");
        assert!(err.to_string().contains("duplicate key \"nt4\""), "{err}");
    }

    #[test]
    fn insert_and_remove_keep_one_level_per_product() {
        let mut levels = Levels::from([("nt4".to_string(), 4)]);
        assert_eq!(levels.insert("ex55".into(), 3), None);
        assert_eq!(levels.insert("nt4".into(), 6), Some(4));
        assert_eq!(levels.iter().map(|(k, v)| (k, *v)).collect::<Vec<_>>(), [("ex55", 3), ("nt4", 6)]);
        assert_eq!(levels.remove("ex55"), Some(3));
        assert_eq!(levels.len(), 1);
    }
}
