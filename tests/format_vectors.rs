//! The worked examples of `docs/FORMAT.md`, checked against the code so the
//! document cannot drift from the bytes.

use nodelock::activation::{ActivationRequest, LocationStamp, Nonce};
use nodelock::hardware::{Component, ComponentKind, Environment, Inventory};
use nodelock::license::LicenseId;
use nodelock::profile::{ProductKey, Profile};
use nodelock::{PublicKey, SecretKey};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn example_profile() -> Profile {
    let mut inv = Inventory::new(Environment::BareMetal);
    inv.push(Component::new(ComponentKind::Mac, "3c:52:82:1a:2b:3c"));
    inv.push(Component::new(ComponentKind::Cpu, "GenuineIntel 000906ea"));
    inv.push(Component::new(ComponentKind::Memory, "16 GiB"));
    Profile::build(&inv.finish(), &ProductKey::for_product("com.example.app"), false)
}

#[test]
fn section_6_key_file_and_key_id() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/vendor.public.key"))
            .unwrap();
    let key = PublicKey::from_armoured(&text).unwrap();
    assert_eq!(key.id().to_string(), "894c6f27b5a63163");
    assert_eq!(
        hex(&key.to_file_bytes()),
        "166e6f64656c6f636b2f7075626c69632d6b65792f7631210000000103a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
    );
    let mut seed = [0u8; 32];
    seed.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
    assert_eq!(SecretKey::from_seed(&seed).key_id(), key.id());
}

#[test]
fn section_8_digests_profile_and_fingerprint() {
    let key = ProductKey::for_product("com.example.app");
    assert_eq!(
        key.digest(ComponentKind::Mac, "3c:52:82:1a:2b:3c").to_string(),
        "aca956639fffaed697a2cf0b0a986f47"
    );
    assert_eq!(
        key.digest(ComponentKind::Cpu, "GenuineIntel 000906ea").to_string(),
        "8b74db17b605cd1a3d008ff5807ac862"
    );
    assert_eq!(key.digest(ComponentKind::Memory, "16 GiB").to_string(), "057ed72ab6a5c9dae281c3d58a43200c");
    let p = example_profile();
    assert_eq!(
        hex(&p.to_bytes()),
        "030001aca956639fffaed697a2cf0b0a986f4701018b74db17b605cd1a3d008ff5807ac8620301057ed72ab6a5c9dae281c3d58a43200c"
    );
    let f = p.fingerprint();
    assert_eq!(hex(&f.0), "71a9f9a3f3251b993adb6348972643775cf2f002356aacb61f0ebc9ab2d41802");
    assert_eq!(f.code(), "E6MZ-K8ZK-4MDS-JEPV");
}

fn example_request() -> ActivationRequest {
    ActivationRequest {
        license_id: LicenseId([0xa0; 16]),
        release_version: 1,
        profile: example_profile(),
        stamp: LocationStamp([0x51; 16]),
        nonce: Nonce([0x4e; 16]),
        activation_key: SecretKey::from_seed(&[0x22; 32]).public_key().to_bytes(),
        label: Some("lab-pc-7".into()),
        client_time: "2026-07-01T10:00:00Z".parse().unwrap(),
    }
}

#[test]
fn section_9_request_bytes() {
    let r = example_request();
    assert_eq!(
        hex(&r.to_bytes()),
        concat!(
            "1e6e6f64656c6f636b2f61637469766174696f6e2d726571756573742f7631",
            "97000000",
            "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a001",
            "030001aca956639fffaed697a2cf0b0a986f4701018b74db17b605cd1a3d008ff5807ac8620301057ed72ab6a5c9dae281c3d58a43200c",
            "515151515151515151515151515151514e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e",
            "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0",
            "01086c61622d70632d37",
            "a0ca93d206"
        )
    );
}

#[test]
fn section_10_offline_code() {
    let code = example_request().to_code();
    assert_eq!(
        code,
        "NLR-06BG0-000M2-GA185-0M2GA-1850M-2GA18-50M00-G6001-NJMNC-RWZZY-QDD5X-2SW5G-N63F8-W0G32-VMVCB-\
         VC1ED-38YG1-3ZNG1-XCGRG-3042Q-XNSAP-TJWKP-Q2G71-XB2J3-40652-MAHA5-8N2MA-HA58N-2MAHA-58N2K-JE9S7-\
         4WKJE-9S74W-KJE9S-74WKN-0KAJZ-8YK7B-602ZY-ANZ3E-2TAGM-MQ4ST-8XYJZ-W684K-ZZ4W3-8ND4Y-00GGV-31C8P-\
         Q0RSD-6YGCN-4YJ0T-1F5M2-C"
    );
    assert_eq!(ActivationRequest::from_code(&code).unwrap(), example_request());
    assert_eq!(nodelock::codec::code::crc32(b"123456789"), 0xcbf4_3926);
}

fn vector_bytes(name: &str, what: nodelock::codec::tag::Tag) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").join(name);
    nodelock::codec::armour::decode(&std::fs::read_to_string(path).unwrap(), what, 1 << 20).unwrap()
}

/// §7.7: `license_lease.lic` is `license_minimal.lic` with a 30-day lease
/// and 5 days of grace: tag v2, payload 88 bytes = the 86 bytes of v1 and
/// `1e 05`.
#[test]
fn section_7_7_license_v2_bytes() {
    use nodelock::codec::tag;
    let v1 = vector_bytes("license_minimal.lic", tag::LICENSE);
    let v2 = vector_bytes("license_lease.lic", tag::LICENSE);
    assert_eq!(hex(&v2[..20]), "136e6f64656c6f636b2f6c6963656e73652f7632");
    assert_eq!(hex(&v2[20..33]), "01894c6f27b5a6316358000000");
    assert_eq!(hex(&v1[20..33]), "01894c6f27b5a6316356000000");
    // The payload: version 1's, byte for byte, then lease_days 30, grace_days 5.
    assert_eq!(v2[33..33 + 86], v1[33..33 + 86]);
    assert_eq!(hex(&v2[33 + 86..33 + 88]), "1e05");
    assert_eq!(v2.len(), 185);
}

/// §9.4: `certificate_lease.cert` is a version 1 certificate's payload
/// followed by `lease_ends` (2026-07-31T10:05:00Z = `cce6b1d306`), under the
/// v2 tag; its offline code's type byte is `04`.
#[test]
fn section_9_4_certificate_v2_bytes() {
    use nodelock::activation::ActivationCertificate;
    use nodelock::codec::tag;
    let v2 = vector_bytes("certificate_lease.cert", tag::CERTIFICATE);
    let tag_hex = "226e6f64656c6f636b2f61637469766174696f6e2d63657274696669636174652f7632";
    assert_eq!(hex(&v2[..35]), tag_hex);
    let len = u32::from_le_bytes(v2[44..48].try_into().unwrap()) as usize;
    let payload = &v2[48..48 + len];
    assert_eq!(hex(&payload[len - 5..]), "cce6b1d306");
    assert_eq!(v2.len(), 48 + len + 64);
    let code = ActivationCertificate::code_of(&v2);
    assert!(code.starts_with("NLC-0"), "{code}");
    let data = nodelock::codec::base32::decode(&code[3..]).unwrap();
    assert_eq!(data[0], 0x04);
    assert_eq!(data[1..data.len() - 4], v2[35..]);
}

/// §7.8: the license key vector (derivation, text, digest); its `fail_`
/// vectors are in `tests/license_vectors.rs`'s table.
#[test]
fn section_7_8_license_key() {
    use nodelock::license::LicenseKey;

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/");
    let text = std::fs::read_to_string(format!("{dir}license_key.txt")).unwrap();
    let field = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' '))).unwrap().to_owned()
    };
    let mut seed = [0u8; 32];
    seed.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
    let mut id = [0u8; 16];
    id.iter_mut().enumerate().for_each(|(i, b)| *b = 0xa0 + i as u8);
    let key = LicenseKey::derive(&SecretKey::from_seed(&seed), LicenseId(id));
    assert_eq!(key.to_string(), field("key"));
    assert_eq!(hex(&key.digest()), field("digest"));
    assert_eq!(LicenseKey::parse(&field("key")).unwrap(), key);
    // The data symbols are the HMAC's first 90 bits in Crockford base32.
    let mac = field("hmac");
    let bits: String = (0..mac.len())
        .step_by(2)
        .map(|i| format!("{:08b}", u8::from_str_radix(&mac[i..i + 2], 16).unwrap()))
        .collect();
    let alphabet = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let data: String = (0..18)
        .map(|i| alphabet[usize::from_str_radix(&bits[5 * i..5 * i + 5], 2).unwrap()] as char)
        .collect();
    let symbols: String = key.to_string().chars().filter(|c| *c != '-').skip(2).collect();
    assert_eq!(&symbols[..18], data);
}

/// §8.6: the example profile cut to 4 bytes, in its short and stored forms.
#[test]
fn section_8_6_short_profile() {
    let short = example_profile().shortened(4);
    assert_eq!(short.width(), 4);
    assert_eq!(hex(&short.to_bytes()), "ff04030004aca9566301048b74db170304057ed72a");
    assert_eq!(Profile::from_bytes(&short.to_bytes()).unwrap(), short);
    assert_ne!(short, example_profile(), "the width is part of the value");
}

/// §9.6: the request of §9.1 cut to 4 bytes is version 2, 151 bytes.
#[test]
fn section_9_6_short_request_bytes() {
    let r = example_request().shortened(4);
    let bytes = r.to_bytes();
    assert_eq!(bytes.len(), 151);
    assert_eq!(
        hex(&bytes),
        concat!(
            "1e6e6f64656c6f636b2f61637469766174696f6e2d726571756573742f7632",
            "74000000",
            "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a001",
            "04030004aca9566301048b74db170304057ed72a",
            "515151515151515151515151515151514e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e",
            "a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0",
            "01086c61622d70632d37",
            "a0ca93d206"
        )
    );
    assert_eq!(ActivationRequest::from_bytes(&bytes).unwrap(), r);
    assert_eq!(ActivationRequest::from_code(&r.to_code()).unwrap(), r);
}
