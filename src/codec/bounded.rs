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
                return Err(A::Error::custom("map keys are not strictly increasing"));
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
    use serde::Deserialize;

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
        // A length prefix of 2^32 must fail without trying to reserve it.
        assert!(postcard::from_bytes::<Small>(&[0x80, 0x80, 0x80, 0x80, 0x10]).is_err());
    }
}
