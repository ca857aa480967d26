//! Which recorded activations may be the machine behind a request — found
//! without reading every activation of the license.
//!
//! Every ledger keeps an index from the **first four bytes of each digest**
//! of an activation's certified profile (as a big-endian 32-bit key,
//! [`digest_prefixes`]) to the activation, filled when the activation is
//! written with a profile and dropped when the profile is erased
//! (anonymising). A request can only be within tolerance of a certified
//! profile it shares a digest with — unless the policy's tolerance accepts a
//! comparison in which **nothing** matches ([`index_complete`]); then, and
//! only then, the candidates are every activation (the scan). Four bytes
//! because a request may carry digests shortened to no fewer than four
//! bytes: a prefix key serves full and short digests alike.
//!
//! The candidates are then compared exactly as before (`rules::same_machine`),
//! in the same order, so the outcome is the scan's.

use super::error::AuthorityError;
use super::ledger::{LedgerTx, Which};
use super::record::ActivationRecord;
use crate::hardware::ComponentKind;
use crate::policy::Policy;
use crate::profile::Profile;

/// The index keys of `profile`: the first four bytes (big-endian) of each
/// of its digests, sorted, without repeats.
pub fn digest_prefixes(profile: &Profile) -> Vec<u32> {
    let mut keys: Vec<u32> = ComponentKind::ALL
        .iter()
        .flat_map(|&kind| profile.digests(kind))
        .map(|d| u32::from_be_bytes([d.0[0], d.0[1], d.0[2], d.0[3]]))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The index keys of an encoded certified profile; `None` when the bytes are
/// not a profile (a damaged ledger: such an activation stays a candidate for
/// every request, so the damage is reported rather than hidden).
pub(crate) fn prefixes_of_bytes(bytes: &[u8]) -> Option<Vec<u32>> {
    Profile::from_bytes(bytes).ok().map(|p| digest_prefixes(&p))
}

/// The lowest score `profile` (a request's) can reach against a certified
/// profile it shares no digest with (normal weights, not moved): every kind
/// the request has then differs, at its default weight, whatever the
/// certified profile holds.
fn zero_overlap_floor(profile: &Profile, policy: &Policy) -> u32 {
    ComponentKind::ALL
        .iter()
        .filter(|&&kind| !profile.digests(kind).is_empty())
        .map(|&kind| u32::from(policy.weights(kind).default))
        .sum()
}

/// Whether the digest index finds every activation the machine with
/// `profile` can be within tolerance of under `policy`: true unless a
/// comparison sharing no digest could still be accepted (a very large
/// tolerance, or a request of a few light kinds).
pub(super) fn index_complete(profile: &Profile, policy: &Policy) -> bool {
    zero_overlap_floor(profile, policy) > policy.tolerance
}

/// The activations of the request's license (active ones, or all) that may
/// be the machine whose profile is `profile` under `policy`, in the ledger's
/// order (by `since`, then id): those sharing a digest prefix with it, or
/// every one when the policy makes the index incomplete.
pub(super) fn candidates(
    tx: &mut dyn LedgerTx,
    license: &crate::license::LicenseId,
    profile: &Profile,
    policy: &Policy,
    which: Which,
) -> Result<Vec<ActivationRecord>, AuthorityError> {
    if index_complete(profile, policy) {
        tx.activations_sharing(license, which, &digest_prefixes(profile))
    } else {
        tx.activations(license, which)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Digest;

    #[test]
    fn prefixes_are_the_first_four_bytes_big_endian_sorted_once() {
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[0x01, 0x02, 0x03, 0x04]);
        let mut b = a;
        b[15] = 9; // same prefix, another digest
        let c = [0xff; 16];
        let p = Profile::from_digests([
            (ComponentKind::Cpu, Digest(c)),
            (ComponentKind::Mac, Digest(a)),
            (ComponentKind::Mac, Digest(b)),
        ])
        .unwrap();
        assert_eq!(digest_prefixes(&p), vec![0x0102_0304, 0xffff_ffff]);
        assert_eq!(prefixes_of_bytes(&p.to_bytes()), Some(vec![0x0102_0304, 0xffff_ffff]));
        assert_eq!(prefixes_of_bytes(&[0xff, 0xff]), None);
    }

    #[test]
    fn the_index_is_complete_only_while_a_comparison_sharing_nothing_is_refused() {
        let d = |b: u8| Digest([b; 16]);
        let full = Profile::from_digests([
            (ComponentKind::Mac, d(1)),
            (ComponentKind::Cpu, d(2)),
            (ComponentKind::SystemDrive, d(3)),
            (ComponentKind::Memory, d(4)),
        ])
        .unwrap();
        let light = Profile::from_digests([
            (ComponentKind::Memory, d(4)),
            (ComponentKind::Video, d(5)),
            (ComponentKind::Cpu, d(2)),
        ])
        .unwrap();
        let policy = Policy::default();
        // 3 + 1 + 3 + 1 = 8 > 3: a machine sharing nothing is refused.
        assert_eq!(zero_overlap_floor(&full, &policy), 8);
        assert!(index_complete(&full, &policy));
        // 1 + 1 + 1 = 3 <= 3: three light kinds, all replaced, are still accepted.
        assert_eq!(zero_overlap_floor(&light, &policy), 3);
        assert!(!index_complete(&light, &policy));
        assert!(index_complete(&full, &policy.clone().with_tolerance(7)));
        assert!(!index_complete(&full, &policy.with_tolerance(8)));
    }
}
