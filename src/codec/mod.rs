//! Wire-format building blocks shared by every message: size-capped serde
//! helpers and the human-typable base32 alphabet. The signed envelope and the
//! armour live here too, parameterised by each message's domain tag.

pub mod base32;
pub mod bounded;
