//! `Profile::from_bytes`: never panics, and a profile has exactly one
//! encoding (docs/FORMAT.md §8.3) — whatever decodes re-encodes to the very
//! same bytes, so the fingerprint of a decoded profile is that of its bytes;
//! short profiles' stored form (§8.6) included.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nodelock::ComponentKind;
use nodelock::profile::{MAX_INSTANCES, Profile};

fuzz_target!(|data: &[u8]| {
    let Ok(profile) = Profile::from_bytes(data) else { return };
    assert_eq!(profile.to_bytes(), data, "a decoded profile re-encodes to other bytes");
    assert_eq!(Profile::from_bytes(&profile.to_bytes()).as_ref(), Ok(&profile));
    let mut kinds = 0;
    for kind in ComponentKind::ALL {
        let digests = profile.digests(kind);
        assert!(digests.len() <= MAX_INSTANCES);
        assert!(digests.windows(2).all(|w| w[0] < w[1]), "digests sorted and distinct");
        kinds += usize::from(!digests.is_empty());
    }
    assert_eq!(profile.kind_count(), kinds);
    // A short profile (its stored form, §8.6) is its digests cut to its width.
    let rebuilt = Profile::from_digests(
        ComponentKind::ALL.into_iter().flat_map(|k| profile.digests(k).iter().map(move |d| (k, *d))),
    )
    .map(|p| p.shortened(profile.width()));
    assert_eq!(rebuilt.as_ref(), Ok(&profile));
    let _ = profile.fingerprint().code();
});
