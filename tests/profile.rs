//! Profiles: keyed per product, removable devices, canonical decoding with
//! caps, fingerprints, and diagnostic captures.

use nodelock::Timestamp;
use nodelock::capture::{Capture, CaptureError};
use nodelock::hardware::{Component, ComponentFlags, ComponentKind, Environment, Inventory, Why};
use nodelock::profile::{Digest, ProductKey, Profile, ProfileError};

fn inventory() -> Inventory {
    let usb = ComponentFlags { usb: true, removable: true, ..Default::default() };
    let mut inv = Inventory::new(Environment::BareMetal);
    inv.push(Component::new(ComponentKind::Mac, "3c:52:82:1a:2b:3c"));
    inv.push(Component::new(ComponentKind::Mac, "00:e0:4c:68:01:02").with_flags(usb));
    inv.push(Component::new(ComponentKind::Cpu, "GenuineIntel 000906ea"));
    inv.push(Component::new(ComponentKind::Memory, "16 GiB"));
    inv.unreadable(ComponentKind::SystemDrive, Why::DriveReportsNoSerial { drive: "system drive" });
    inv.finish()
}

#[test]
fn digests_are_keyed_per_product() {
    let a = Profile::build(&inventory(), &ProductKey::for_product("com.vendor-a.app"), false);
    let b = Profile::build(&inventory(), &ProductKey::for_product("com.vendor-b.app"), false);
    assert_eq!(a.kind_count(), 3);
    for kind in ComponentKind::ALL {
        for digest in a.digests(kind) {
            assert!(!b.digests(kind).contains(digest), "{kind:?} digest shared between products");
        }
    }
    assert_ne!(a.fingerprint(), b.fingerprint());
    let again = Profile::build(&inventory(), &ProductKey::for_product("com.vendor-a.app"), false);
    assert_eq!(a, again, "profiling is deterministic");
}

#[test]
fn removable_devices_only_when_the_policy_includes_them() {
    let key = ProductKey::for_product("p");
    let without = Profile::build(&inventory(), &key, false);
    let with = Profile::build(&inventory(), &key, true);
    assert_eq!(without.digests(ComponentKind::Mac).len(), 1);
    assert_eq!(with.digests(ComponentKind::Mac).len(), 2);
}

#[test]
fn decoding_accepts_only_the_canonical_form() {
    let key = ProductKey::for_product("p");
    let p = Profile::build(&inventory(), &key, false);
    let bytes = p.to_bytes();
    assert_eq!(Profile::from_bytes(&bytes).unwrap(), p);
    // [entries: 2] [kind 1: cpu] [1 digest] [16 bytes] [kind 0: mac] ... -> kinds out of order
    let mut unordered = vec![2u8, 1, 1];
    unordered.extend([7u8; 16]);
    unordered.extend([0u8, 1]);
    unordered.extend([7u8; 16]);
    assert_eq!(
        Profile::from_bytes(&unordered),
        Err(ProfileError::NotCanonical("kinds are not strictly increasing")),
        "kinds out of order"
    );
    let mut dup = vec![1u8, 0, 2];
    dup.extend([7u8; 32]);
    assert_eq!(
        Profile::from_bytes(&dup),
        Err(ProfileError::NotCanonical("digests are not strictly increasing")),
        "duplicate digests"
    );
    let empty_kind = vec![1u8, 0, 0];
    assert_eq!(
        Profile::from_bytes(&empty_kind),
        Err(ProfileError::NotCanonical("a kind has no digests")),
        "an entry without digests"
    );
    let mut too_many = vec![1u8, 0, 33];
    for i in 0..33u8 {
        too_many.extend([i; 16]);
    }
    assert!(Profile::from_bytes(&too_many).is_err(), "more than 32 instances");
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(Profile::from_bytes(&trailing), Err(ProfileError::TrailingBytes(1)));
    assert!(matches!(Profile::from_bytes(&vec![0u8; 100_000]), Err(ProfileError::TooLong(_))));
    // A hostile entry count is refused before anything is reserved for it.
    assert!(Profile::from_bytes(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
    assert!(Profile::from_digests((0..40u8).map(|i| (ComponentKind::Mac, Digest([i; 16])))).is_err());
    // Found by fuzzing: overlong varints (`80 00` is 0) decoded, so one
    // profile had several encodings. Entry count, kind index and digest count.
    let not_canonical = Err(ProfileError::NotCanonical(nodelock::codec::reader::NON_MINIMAL_VARINT));
    assert_eq!(Profile::from_bytes(&[0x80, 0x00]), not_canonical);
    let mut long_kind = vec![1u8, 0x81, 0x00, 1];
    long_kind.extend([7u8; 16]);
    assert_eq!(Profile::from_bytes(&long_kind), not_canonical);
    let mut long_count = vec![1u8, 1, 0x81, 0x00];
    long_count.extend([7u8; 16]);
    assert_eq!(Profile::from_bytes(&long_count), not_canonical);
    let mut short = vec![1u8, 1, 1];
    short.extend([7u8; 16]);
    assert!(Profile::from_bytes(&short).is_ok(), "the shortest form of the same profile");
}

#[test]
fn fingerprint_code_is_short_and_typable() {
    let p = Profile::build(&inventory(), &ProductKey::for_product("p"), false);
    let code = p.fingerprint().code();
    assert_eq!(code.len(), 19);
    assert_eq!(code.matches('-').count(), 3);
    assert!(code.chars().all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase()));
    assert!(!code.contains(['I', 'L', 'O', 'U']));
}

#[test]
fn captures_hold_raw_values_only_on_request() {
    let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
    let plain = Capture::new(&inventory(), "p", false, now);
    assert!(plain.raw_components.is_none());
    assert!(!plain.to_json().contains("3c:52:82"), "no raw MAC in a digest-only capture");
    let read = Capture::from_json(plain.to_json().as_bytes()).unwrap();
    assert_eq!(read, plain);
    assert_eq!(read.unreadable.len(), 1);
    let raw = Capture::new(&inventory(), "p", true, now);
    assert!(raw.to_json().contains("3c:52:82:1a:2b:3c"));
    assert_eq!(Capture::from_json(raw.to_json().as_bytes()).unwrap(), raw);
    // Captures include removable devices, so the support desk sees them.
    assert_eq!(plain.profile.digests(ComponentKind::Mac).len(), 2);
}

#[test]
fn damaged_captures_are_refused() {
    let c = Capture::new(&inventory(), "p", false, Timestamp(0));
    let json = c.to_json();
    let edited = json.replacen(&c.profile.digests(ComponentKind::Cpu)[0].to_string(), &"0".repeat(32), 1);
    assert!(matches!(Capture::from_json(edited.as_bytes()), Err(CaptureError::FingerprintMismatch)));
    assert!(matches!(Capture::from_json(b"{}"), Err(CaptureError::Malformed(_))));
    let v2 = json.replacen("\"format\": 1", "\"format\": 2", 1);
    assert!(matches!(Capture::from_json(v2.as_bytes()), Err(CaptureError::UnknownVersion(2))));
    assert!(matches!(Capture::from_json(&vec![b' '; 300_000]), Err(CaptureError::TooLarge(_))));
    // A byte-order mark before the JSON (Windows editors write one) is skipped.
    let with_bom = [&b"\xef\xbb\xbf"[..], json.as_bytes()].concat();
    assert_eq!(Capture::from_json(&with_bom).unwrap().fingerprint, c.fingerprint);
}

#[test]
fn a_kind_keeps_a_bounded_deterministic_subset_plain_components_first() {
    let key = ProductKey::for_product("com.example.app");
    let virt = ComponentFlags { virtual_device: true, ..Default::default() };
    let local = ComponentFlags { locally_administered: true, ..Default::default() };
    let usb = ComponentFlags { usb: true, removable: true, ..Default::default() };
    // 20 plain adapters, 4 virtual ones with lower addresses, 2 locally
    // administered, 2 USB dongles; the plain address 00:…:05 listed twice,
    // once flagged virtual.
    let mut components = Vec::new();
    for i in 0..20u8 {
        components.push(Component::new(ComponentKind::Mac, format!("00:1b:21:00:00:{:02x}", 0x10 + i)));
    }
    for i in 0..4u8 {
        components
            .push(Component::new(ComponentKind::Mac, format!("00:00:00:00:00:{i:02x}")).with_flags(virt));
    }
    components.push(Component::new(ComponentKind::Mac, "02:00:00:00:00:01").with_flags(local));
    components.push(Component::new(ComponentKind::Mac, "02:00:00:00:00:02").with_flags(local));
    components.push(Component::new(ComponentKind::Mac, "00:00:00:00:00:aa").with_flags(usb));
    components.push(Component::new(ComponentKind::Mac, "00:1b:21:00:00:15").with_flags(virt));
    let digests = |values: &mut dyn Iterator<Item = String>| {
        let mut d: Vec<Digest> = values.map(|v| key.digest(ComponentKind::Mac, &v)).collect();
        d.sort_unstable();
        d
    };
    let build = |components: &[Component], removable: bool| {
        let mut inv = Inventory::new(Environment::BareMetal);
        for c in components {
            inv.push(c.clone());
        }
        Profile::build(&inv.finish(), &key, removable)
    };
    let profile = build(&components, false);
    let want = digests(&mut (0..16u8).map(|i| format!("00:1b:21:00:00:{:02x}", 0x10 + i)));
    assert_eq!(profile.digests(ComponentKind::Mac), want.as_slice(), "the 16 lowest plain addresses");
    // The same whatever order the collector listed them in.
    let mut reversed = components.clone();
    reversed.reverse();
    assert_eq!(build(&reversed, false), profile);
    // With only 12 plain adapters the virtual and locally administered ones
    // fill the rest (virtual and locally administered rank alike, by value),
    // and removable ones come last.
    let few: Vec<Component> = components.iter().skip(8).cloned().collect();
    let mut values: Vec<String> = (8..20u8).map(|i| format!("00:1b:21:00:00:{:02x}", 0x10 + i)).collect();
    values.extend((0..4u8).map(|i| format!("00:00:00:00:00:{i:02x}")));
    assert_eq!(build(&few, true).digests(ComponentKind::Mac), digests(&mut values.into_iter()).as_slice());
    // At most 16 adapters: every one is kept, exactly as before the cap.
    let small: Vec<Component> = components.iter().take(10).cloned().collect();
    let all = digests(&mut small.iter().map(|c| c.value.clone()));
    assert_eq!(build(&small, false).digests(ComponentKind::Mac), all.as_slice());
}
