//! The store's clock high-water mark (`<store>/clock`): the highest time a
//! check has validated for the active activation, MAC'd with its secret, so a
//! clock set back is noticed and deleting or forging the file is reported.
//!
//! The file has two slots of [`CLOCK_SLOT_LEN`] bytes, each a
//! `nodelock/clock/v1` frame padded with zeros (`docs/FORMAT.md` §11.3). The
//! mark is the higher of the valid slots. Installing a certificate writes the
//! file whole, atomically and durably (one frame, no padding: the layout
//! every build reads). A check advances the mark at most once per
//! [`CLOCK_GRANULE_SECS`] by overwriting the *older* slot in place, without
//! `fsync` — no flush wait on the start-up path. The other slot's bytes are
//! not written, so a crash (or a torn write) can cost only the slot being
//! written: the mark falls back to the previous one and is never lost.

use std::fs;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::state::Active;
use super::store::{Store, io_err};
use super::{ActivationError, ActivationId};
use crate::codec::frame::{self, read_len_prefixed};
use crate::codec::{CodecError, Framed, Message, tag};
use crate::fsio;
use crate::timestamp::Timestamp;

/// File name of the clock high-water mark.
pub const CLOCK_FILE: &str = "clock";
/// The clock mark is rewritten only when time has advanced this far past it,
/// so a normal start-up does not write to disk.
pub const CLOCK_GRANULE_SECS: u64 = 3600;
/// The size of one slot of the clock file; slot 1 starts at this offset.
pub const CLOCK_SLOT_LEN: usize = 128;
/// The largest clock file read: two slots.
const MAX_CLOCK_LEN: usize = 2 * CLOCK_SLOT_LEN;

/// One slot's record: the validated time and its MAC (unverified until
/// checked against the activation secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockMark {
    /// The highest validated time this slot records.
    pub seen: Timestamp,
    /// HMAC-SHA-256 of it under the activation secret (§11.3).
    pub mac: [u8; 32],
}

impl Message for ClockMark {
    const TAG: tag::Tag = tag::CLOCK;
    const MAX_LEN: usize = CLOCK_SLOT_LEN;
}

impl Framed for ClockMark {}

/// The verified marks of the two slots (`None`: empty, damaged or foreign).
type Slots = [Option<Timestamp>; 2];

impl Store {
    fn clock_path(&self) -> PathBuf {
        self.dir().join(CLOCK_FILE)
    }

    /// Forgets the clock mark (it belongs to an activation that is gone).
    pub(crate) fn remove_clock(&self) {
        let _ = fs::remove_file(self.clock_path());
    }

    /// The highest validated time recorded for `active`: the higher of the
    /// file's slots whose frame is exact and whose MAC is intact (a damaged or
    /// foreign slot is ignored), `None` when neither is.
    pub fn clock_mark(&self, active: &Active, activation_id: &ActivationId) -> Option<Timestamp> {
        let [a, b] = self.clock_slots(active, activation_id)?;
        a.max(b)
    }

    fn clock_slots(&self, active: &Active, activation_id: &ActivationId) -> Option<Slots> {
        let bytes = fsio::read_store_file(&self.clock_path(), MAX_CLOCK_LEN as u64).ok()?;
        Some(verified_slots(&bytes, |seen| clock_mac(active, activation_id, seen)))
    }

    /// Records `now` as validated time if it is at least
    /// [`CLOCK_GRANULE_SECS`] past the current mark: the older slot is
    /// overwritten in place, without waiting for the disk (see the module
    /// docs for what a crash can cost). A file with no valid slot is
    /// rewritten whole, durably.
    pub fn advance_clock(
        &self,
        active: &Active,
        activation_id: &ActivationId,
        mark: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), ActivationError> {
        if mark.is_some_and(|m| now < m.plus_secs(CLOCK_GRANULE_SECS)) {
            return Ok(());
        }
        let slot = match self.clock_slots(active, activation_id) {
            Some([Some(a), Some(b)]) => usize::from(b < a),
            Some([Some(_), None]) => 1,
            Some([None, Some(_)]) => 0,
            Some([None, None]) | None => return self.write_clock(active, activation_id, now),
        };
        let record = ClockMark { seen: now, mac: clock_mac(active, activation_id, now) }.encode();
        let path = self.clock_path();
        overwrite_slot(&path, slot, &record).map_err(io_err(&path))
    }

    /// Records `seen` as the mark of `active` (unconditionally), replacing
    /// the whole file atomically and durably.
    pub(crate) fn write_clock(
        &self,
        active: &Active,
        activation_id: &ActivationId,
        seen: Timestamp,
    ) -> Result<(), ActivationError> {
        let record = ClockMark { seen, mac: clock_mac(active, activation_id, seen) };
        let path = self.clock_path();
        fsio::write_atomic(&path, &record.encode(), true).map_err(io_err(&path))
    }
}

/// The marks of the file's two slots whose MAC (`mac_of`) verifies.
fn verified_slots(bytes: &[u8], mac_of: impl Fn(Timestamp) -> [u8; 32]) -> Slots {
    decode_clock_slots(bytes).map(|slot| {
        let mark = slot.ok()?;
        (mac_of(mark.seen) == mark.mac).then_some(mark.seen)
    })
}

/// The two slots of a clock file's `bytes` (the first [`CLOCK_SLOT_LEN`]
/// bytes, then the rest), each decoded on its own and not yet verified: the
/// slot parser of FORMAT §11.3, public for the fuzz target. A file that is
/// one unpadded frame (the layout an install writes) has an empty second
/// slot ([`CodecError::Truncated`]).
pub fn decode_clock_slots(bytes: &[u8]) -> [Result<ClockMark, CodecError>; 2] {
    let (first, second) = bytes.split_at(bytes.len().min(CLOCK_SLOT_LEN));
    [first, second].map(decode_slot)
}

/// One slot: an exact clock frame, then only zero bytes to the slot's end
/// (or the end of the file). An empty slot is [`CodecError::Truncated`].
fn decode_slot(slot: &[u8]) -> Result<ClockMark, CodecError> {
    let rest = frame::head::<ClockMark>(slot)?;
    let (_, padding) = read_len_prefixed(rest, tag::CLOCK)?;
    if padding.iter().any(|&b| b != 0) {
        return Err(CodecError::TrailingBytes { what: tag::CLOCK.name, count: padding.len() });
    }
    ClockMark::decode_exact(&slot[..slot.len() - padding.len()])
}

/// Writes `record`, zero-padded to a whole slot, over slot `index` of the
/// existing regular file `path`; no other byte of the file is written, and
/// nothing waits for the disk.
fn overwrite_slot(path: &std::path::Path, index: usize, record: &[u8]) -> io::Result<()> {
    let mut slot = [0u8; CLOCK_SLOT_LEN];
    slot.get_mut(..record.len())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "clock record longer than a slot"))?
        .copy_from_slice(record);
    let not_regular = || io::Error::new(io::ErrorKind::InvalidInput, "the clock mark is not a regular file");
    // Never through a link, never into a device or FIFO: only the store's own
    // file, which install created.
    if !fs::symlink_metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let mut file = fsio::open_store_file_for_write(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    file.seek(SeekFrom::Start((index * CLOCK_SLOT_LEN) as u64))?;
    file.write_all(&slot)
}

/// HMAC-SHA-256 under a key derived from the activation secret.
fn clock_mac(active: &Active, activation_id: &ActivationId, seen: Timestamp) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(active.secret.bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(tag::CLOCK.tag.as_bytes());
    mac.update(&activation_id.0);
    mac.update(&seen.0.to_le_bytes());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seen: u64, mac: [u8; 32]) -> Vec<u8> {
        ClockMark { seen: Timestamp(seen), mac }.encode()
    }

    fn slot(bytes: &[u8]) -> Vec<u8> {
        let mut s = bytes.to_vec();
        s.resize(CLOCK_SLOT_LEN, 0);
        s
    }

    /// The MAC of this test: `[seen as u8; 32]`.
    fn mac_of(seen: Timestamp) -> [u8; 32] {
        [seen.0 as u8; 32]
    }

    #[test]
    fn clock_mark_refuses_trailing_bytes() {
        let record = ClockMark { seen: Timestamp(5), mac: [7; 32] };
        let mut payload = postcard::to_allocvec(&record).unwrap();
        let good = frame::encode(tag::CLOCK, &payload);
        assert_eq!(decode_slot(&good).unwrap().seen, Timestamp(5));
        payload.push(0);
        let long = frame::encode(tag::CLOCK, &payload);
        assert!(matches!(decode_slot(&long), Err(CodecError::TrailingBytes { count: 1, .. })));
    }

    #[test]
    fn a_slot_is_a_frame_then_zeros_only() {
        let good = slot(&record(5, [5; 32]));
        assert_eq!(decode_slot(&good).unwrap().seen, Timestamp(5));
        let mut dirty = good.clone();
        dirty[CLOCK_SLOT_LEN - 1] = 1;
        assert!(matches!(decode_slot(&dirty), Err(CodecError::TrailingBytes { .. })));
        assert!(decode_slot(&[0; CLOCK_SLOT_LEN]).is_err(), "a zeroed slot holds no mark");
        assert!(decode_slot(&[]).is_err());
    }

    #[test]
    fn the_mark_is_the_higher_valid_slot_and_survives_a_torn_one() {
        // The layout an install writes: one frame, no padding.
        let one = record(5, [5; 32]);
        assert_eq!(verified_slots(&one, mac_of), [Some(Timestamp(5)), None]);
        // After a check wrote slot 1.
        let mut two = slot(&one);
        two.extend(slot(&record(9, [9; 32])));
        assert_eq!(verified_slots(&two, mac_of), [Some(Timestamp(5)), Some(Timestamp(9))]);
        // A torn or zeroed write of either slot leaves the other.
        for (at, survivor) in
            [(CLOCK_SLOT_LEN + 20, [Some(Timestamp(5)), None]), (20, [None, Some(Timestamp(9))])]
        {
            let mut torn = two.clone();
            torn[at..at + 30].fill(0);
            assert_eq!(verified_slots(&torn, mac_of), survivor);
        }
        // Slot 1 cut short by a crash that kept the size but not the data.
        assert_eq!(verified_slots(&two[..CLOCK_SLOT_LEN + 10], mac_of), [Some(Timestamp(5)), None]);
        // A foreign MAC is no mark.
        let mut forged = slot(&one);
        forged.extend(slot(&record(200, [1; 32])));
        assert_eq!(verified_slots(&forged, mac_of), [Some(Timestamp(5)), None]);
    }

    #[test]
    fn overwriting_a_slot_leaves_the_other_bytes_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CLOCK_FILE);
        let install = record(5, [5; 32]);
        fs::write(&path, &install).unwrap();
        overwrite_slot(&path, 1, &record(9, [9; 32])).unwrap();
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.len(), MAX_CLOCK_LEN);
        assert_eq!(&bytes[..install.len()], &install[..], "slot 0 untouched");
        overwrite_slot(&path, 0, &record(12, [12; 32])).unwrap();
        let bytes = fs::read(&path).unwrap();
        assert_eq!(verified_slots(&bytes, mac_of), [Some(Timestamp(12)), Some(Timestamp(9))]);
        assert!(overwrite_slot(&dir.path().join("absent"), 0, &install).is_err(), "never creates the file");
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert!(overwrite_slot(&link, 0, &install).is_err(), "never through a symbolic link");
        }
    }
}
