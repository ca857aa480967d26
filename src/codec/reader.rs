//! The one postcard reader of every payload: postcard 1.x's wire format
//! (`docs/FORMAT.md` §1), with one rule postcard itself does not enforce —
//! every varint must be in its shortest form.
//!
//! Postcard accepts `85 00` as 5, so one value would have several accepted
//! encodings and a signed or fingerprinted message several byte strings.
//! This reader refuses a varint whose last byte is `00` after a continuation
//! byte *while it reads* (integers, string and sequence lengths, map sizes,
//! enum variants alike), through [`canonical::reject`], so the exact decoder
//! reports [`CodecError::NotCanonical`](super::CodecError::NotCanonical).
//! Every other error is postcard's own [`postcard::Error`], so callers see
//! the same refusals as before.

use postcard::Error;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::canonical;

/// The rule a non-minimal varint breaks.
pub const NON_MINIMAL_VARINT: &str = "a number is not written in its shortest form";

/// Reads postcard from a byte slice, shortest varints only.
pub struct Reader<'de> {
    input: &'de [u8],
}

impl<'de> Reader<'de> {
    /// A reader of `input`.
    pub fn new(input: &'de [u8]) -> Self {
        Reader { input }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'de [u8] {
        self.input
    }

    fn pop(&mut self) -> Result<u8, Error> {
        let (&b, rest) = self.input.split_first().ok_or(Error::DeserializeUnexpectedEnd)?;
        self.input = rest;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'de [u8], Error> {
        if self.input.len() < n {
            return Err(Error::DeserializeUnexpectedEnd);
        }
        let (head, rest) = self.input.split_at(n);
        self.input = rest;
        Ok(head)
    }

    /// A varint of at most `bits` bits, refused unless in its shortest form.
    fn varint(&mut self, bits: u32) -> Result<u64, Error> {
        let max_bytes = bits.div_ceil(7);
        let mut out: u64 = 0;
        for i in 0..max_bytes {
            let byte = self.pop()?;
            out |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                if i > 0 && byte == 0 {
                    return Err(canonical::reject(NON_MINIMAL_VARINT));
                }
                if i == max_bytes - 1 && u32::from(byte) >= 1 << (bits - 7 * i) {
                    return Err(Error::DeserializeBadVarint);
                }
                return Ok(out);
            }
        }
        Err(Error::DeserializeBadVarint)
    }

    fn len(&mut self) -> Result<usize, Error> {
        usize::try_from(self.varint(64)?).map_err(|_| Error::DeserializeBadVarint)
    }

    fn u32(&mut self) -> Result<u32, Error> {
        u32::try_from(self.varint(32)?).map_err(|_| Error::DeserializeBadVarint)
    }
}

macro_rules! unsupported {
    ($($name:ident),*) => {
        $(fn $name<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
            Err(Error::WontImplement)
        })*
    };
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    unsupported!(
        deserialize_any,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pop()? {
            0 => visitor.visit_bool(false),
            1 => visitor.visit_bool(true),
            _ => Err(Error::DeserializeBadBool),
        }
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u8(self.pop()?)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let v = u16::try_from(self.varint(16)?).map_err(|_| Error::DeserializeBadVarint)?;
        visitor.visit_u16(v)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let v = self.u32()?;
        visitor.visit_u32(v)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let v = self.varint(64)?;
        visitor.visit_u64(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let len = self.len()?;
        let bytes = self.take(len)?;
        visitor.visit_borrowed_str(std::str::from_utf8(bytes).map_err(|_| Error::DeserializeBadUtf8)?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let len = self.len()?;
        visitor.visit_borrowed_bytes(self.take(len)?)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pop()? {
            0 => visitor.visit_none(),
            1 => visitor.visit_some(self),
            _ => Err(Error::DeserializeBadOption),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let len = self.len()?;
        visitor.visit_seq(Elements { reader: self, len })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(Elements { reader: self, len })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let len = self.len()?;
        visitor.visit_map(Elements { reader: self, len })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(fields.len(), visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self)
    }
}

/// The elements of a sequence, tuple or map of known length.
struct Elements<'a, 'de> {
    reader: &'a mut Reader<'de>,
    len: usize,
}

impl<'de> de::SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        if self.len == 0 {
            return Ok(None);
        }
        self.len -= 1;
        seed.deserialize(&mut *self.reader).map(Some)
    }

    /// The announced length, unless fewer bytes remain than that (every
    /// element takes at least one byte): a hostile length reserves nothing.
    fn size_hint(&self) -> Option<usize> {
        (self.len <= self.reader.input.len()).then_some(self.len)
    }
}

impl<'de> de::MapAccess<'de> for Elements<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        de::SeqAccess::next_element_seed(self, seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.reader)
    }

    fn size_hint(&self) -> Option<usize> {
        de::SeqAccess::size_hint(self)
    }
}

impl<'de> de::EnumAccess<'de> for &mut Reader<'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let index = self.u32()?;
        let value = seed.deserialize(index.into_deserializer())?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Reader<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple(self, fields.len(), visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize, de::DeserializeOwned};

    use super::*;

    fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, usize), Error> {
        canonical::clear();
        let mut reader = Reader::new(bytes);
        let value = T::deserialize(&mut reader)?;
        Ok((value, reader.rest().len()))
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Kind {
        A,
        B(u16),
        C { x: u8, y: Option<u64> },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct All {
        flag: bool,
        byte: u8,
        small: u16,
        mid: u32,
        big: u64,
        fixed: [u8; 3],
        text: String,
        list: Vec<u32>,
        map: BTreeMap<String, String>,
        kinds: Vec<Kind>,
        maybe: Option<u32>,
    }

    #[test]
    fn reads_what_postcard_writes() {
        let value = All {
            flag: true,
            byte: 0x80,
            small: u16::MAX,
            mid: 300,
            big: u64::MAX,
            fixed: [1, 2, 3],
            text: "héllo".into(),
            list: vec![0, 127, 128, u32::MAX],
            map: [("k".to_string(), "v".to_string())].into(),
            kinds: vec![Kind::A, Kind::B(7), Kind::C { x: 1, y: Some(1 << 40) }],
            maybe: None,
        };
        let bytes = postcard::to_allocvec(&value).unwrap();
        assert_eq!(read::<All>(&bytes).unwrap(), (value, 0));
    }

    #[test]
    fn refuses_every_non_minimal_varint_postcard_accepts() {
        for (bytes, what) in [
            (&[0x85, 0x00][..], "u32 5 as 85 00"),
            (&[0x80, 0x00], "u32 0 as 80 00"),
            (&[0xff, 0x80, 0x00], "u32 127 in three bytes"),
        ] {
            assert!(postcard::take_from_bytes::<u32>(bytes).is_ok(), "postcard accepts {what}");
            assert_eq!(read::<u32>(bytes), Err(Error::SerdeDeCustom), "{what}");
            assert_eq!(canonical::take(), Some(NON_MINIMAL_VARINT), "{what}");
        }
        // Lengths and variant indexes too.
        assert_eq!(read::<String>(&[0x81, 0x00, b'a']), Err(Error::SerdeDeCustom));
        assert_eq!(read::<Vec<u8>>(&[0x80, 0x00]), Err(Error::SerdeDeCustom));
        assert_eq!(read::<Kind>(&[0x80, 0x00]), Err(Error::SerdeDeCustom));
        assert_eq!(read::<u64>(&[0x80, 0x80, 0x00]), Err(Error::SerdeDeCustom));
        // The same values in their shortest form read.
        assert_eq!(read::<u32>(&[0x05]).unwrap(), (5, 0));
        assert_eq!(read::<u32>(&[0x00]).unwrap(), (0, 0));
    }

    #[test]
    fn refuses_what_postcard_refuses() {
        assert_eq!(read::<u32>(&[0xff, 0xff, 0xff, 0xff, 0x10]), Err(Error::DeserializeBadVarint));
        assert_eq!(read::<u32>(&[0xff, 0xff, 0xff, 0xff, 0x0f]).unwrap(), (u32::MAX, 0));
        assert_eq!(read::<u16>(&[0xff, 0xff, 0x04]), Err(Error::DeserializeBadVarint));
        assert_eq!(read::<u16>(&[0xff, 0xff, 0x03]).unwrap(), (u16::MAX, 0));
        assert_eq!(
            read::<u64>(&[0xff; 9].iter().copied().chain([0x02]).collect::<Vec<_>>()),
            Err(Error::DeserializeBadVarint)
        );
        assert_eq!(read::<u32>(&[0x80]), Err(Error::DeserializeUnexpectedEnd));
        assert_eq!(read::<bool>(&[2]), Err(Error::DeserializeBadBool));
        assert_eq!(read::<Option<u8>>(&[2]), Err(Error::DeserializeBadOption));
        assert_eq!(read::<String>(&[1, 0xff]), Err(Error::DeserializeBadUtf8));
        assert_eq!(read::<String>(&[5, b'a']), Err(Error::DeserializeUnexpectedEnd));
    }
}
