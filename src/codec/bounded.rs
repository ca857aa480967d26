//! Serde helpers that cap collection sizes *before* allocating.
//!
//! Postcard announces a sequence's length up front; a hostile length must not
//! make us reserve memory for it. These visitors reserve at most the cap and
//! fail as soon as one element more than the cap arrives.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};

struct BoundedVec<T, const N: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for BoundedVec<T, N> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a sequence of at most {N} elements")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        if seq.size_hint().is_some_and(|n| n > N) {
            return Err(A::Error::custom(format_args!("more than {N} elements")));
        }
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(N));
        while let Some(item) = seq.next_element()? {
            if out.len() == N {
                return Err(A::Error::custom(format_args!("more than {N} elements")));
            }
            out.push(item);
        }
        Ok(out)
    }
}

/// Deserializes a `Vec<T>` of at most `N` elements.
pub fn vec<'de, D: Deserializer<'de>, T: Deserialize<'de>, const N: usize>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_seq(BoundedVec::<T, N>(PhantomData))
}

/// Deserializes an `Option<Vec<u8>>` of at most `N` bytes.
pub fn opt_bytes<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Inner<const M: usize>(#[serde(deserialize_with = "vec::<_, u8, M>")] Vec<u8>);
    Ok(Option::<Inner<N>>::deserialize(d)?.map(|i| i.0))
}

struct BoundedString<const N: usize>;

impl<'de, const N: usize> Visitor<'de> for BoundedString<N> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string of at most {N} bytes")
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<String, E> {
        if v.len() > N {
            return Err(E::custom(format_args!("a string longer than {N} bytes")));
        }
        Ok(v.to_owned())
    }

    fn visit_string<E: Error>(self, v: String) -> Result<String, E> {
        self.visit_str(&v)
    }
}

/// Deserializes a `String` of at most `N` bytes.
pub fn string<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<String, D::Error> {
    d.deserialize_str(BoundedString::<N>)
}

/// Deserializes an `Option<String>` whose string has at most `N` bytes.
pub fn opt_string<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Inner<const M: usize>(#[serde(deserialize_with = "string::<_, M>")] String);
    Ok(Option::<Inner<N>>::deserialize(d)?.map(|i| i.0))
}

struct BoundedMap<K, V, const N: usize>(PhantomData<(K, V)>);

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>, const N: usize> Visitor<'de>
    for BoundedMap<K, V, N>
{
    type Value = std::collections::BTreeMap<K, V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a map of at most {N} entries with strictly increasing keys")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if map.size_hint().is_some_and(|n| n > N) {
            return Err(A::Error::custom(format_args!("more than {N} entries")));
        }
        let mut out = std::collections::BTreeMap::new();
        while let Some((k, v)) = map.next_entry::<K, V>()? {
            if out.len() == N {
                return Err(A::Error::custom(format_args!("more than {N} entries")));
            }
            // Keys must arrive in strictly increasing order: one encoding per map.
            if out.last_key_value().is_some_and(|(last, _)| *last >= k) {
                return Err(super::canonical::reject("map keys are not strictly increasing"));
            }
            out.insert(k, v);
        }
        Ok(out)
    }
}

/// Deserializes a `BTreeMap` of at most `N` entries whose keys arrive in
/// strictly increasing order (the canonical encoding).
pub fn map<'de, D, K, V, const N: usize>(d: D) -> Result<std::collections::BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    d.deserialize_map(BoundedMap::<K, V, N>(PhantomData))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use serde::Deserialize;
    use serde::de::value::{Error as ValueError, SeqDeserializer};

    #[derive(Debug, Deserialize)]
    struct Small {
        #[serde(deserialize_with = "super::vec::<_, _, 3>")]
        items: Vec<u8>,
        #[serde(deserialize_with = "super::string::<_, 4>")]
        name: String,
    }

    #[test]
    fn caps_are_enforced() {
        // items: len 3, [1,2,3]; name: len 2 "ab"
        let ok: Small = postcard::from_bytes(&[3, 1, 2, 3, 2, b'a', b'b']).unwrap();
        assert_eq!(ok.items, vec![1, 2, 3]);
        assert_eq!(ok.name, "ab");
        assert!(postcard::from_bytes::<Small>(&[4, 1, 2, 3, 4, 0]).is_err());
        assert!(postcard::from_bytes::<Small>(&[0, 5, b'a', b'b', b'c', b'd', b'e']).is_err());
        // A length prefix of 2^32 is refused (what it reserves is observed below).
        assert!(postcard::from_bytes::<Small>(&[0x80, 0x80, 0x80, 0x80, 0x10]).is_err());
    }

    /// A sequence that announces `announced` elements, yields `actual`, and
    /// counts how many were asked for.
    struct Lying<'a> {
        announced: usize,
        actual: usize,
        asked: &'a Cell<usize>,
    }

    impl Iterator for Lying<'_> {
        type Item = u8;

        fn next(&mut self) -> Option<u8> {
            self.asked.set(self.asked.get() + 1);
            (self.asked.get() <= self.actual).then_some(7)
        }

        fn size_hint(&self) -> (usize, Option<usize>) {
            (self.announced, Some(self.announced))
        }
    }

    fn read(announced: usize, actual: usize) -> (Result<Vec<u8>, ValueError>, usize) {
        let asked = Cell::new(0);
        let seq = SeqDeserializer::<_, ValueError>::new(Lying { announced, actual, asked: &asked });
        (super::vec::<_, u8, 3>(seq), asked.get())
    }

    #[test]
    fn a_hostile_length_reserves_nothing_and_reads_nothing() {
        // Announcing 2^32 elements fails before one element is read or any
        // memory is reserved for them.
        let (result, asked) = read(1 << 32, 1 << 32);
        assert!(result.is_err());
        assert_eq!(asked, 0, "no element was read");
        // One more than the cap, announced: refused before reading too.
        let (result, asked) = read(4, 4);
        assert!(result.is_err());
        assert_eq!(asked, 0, "no element was read");
        // An honest length within the cap reserves exactly that much.
        let (result, _) = read(2, 2);
        let items = result.unwrap();
        assert_eq!((items.len(), items.capacity()), (2, 2));
        // A length that lies low (0) reserves nothing and still stops at the
        // first element past the cap.
        let (result, asked) = read(0, 1000);
        assert!(result.is_err());
        assert_eq!(asked, 4, "reading stopped at the fourth element");
    }
}
