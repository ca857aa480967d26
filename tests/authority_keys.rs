//! License keys on every ledger: a license's key is derived, recorded as a
//! digest only, the same across re-issues, printed again on demand, and
//! opens exactly its license (not a revoked one, not another one).
#![cfg(feature = "authority")]

#[macro_use]
mod authority_support;

use authority_support::*;
use nodelock::SecretKey;
use nodelock::authority::{Authority, AuthorityError, Ledger, LedgerError, LicenseChange};
use nodelock::license::{LicenseId, LicenseKey};

on_every_ledger!(
    issuing_gives_the_key_and_the_key_gives_the_license,
    a_reissued_license_keeps_its_key,
    the_ledger_holds_the_digest_only_and_keeps_it,
    unknown_and_revoked_keys_are_refused,
    a_license_added_without_the_signing_key_gets_its_key_later,
    a_key_made_with_another_signing_key_is_not_printed,
);

fn issuing_gives_the_key_and_the_key_gives_the_license<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[]);
    let terms = license(1, 2);
    let signed = terms.sign(&vendor()).unwrap();
    let added = a.add_license(&signed, ADMIN, t0()).unwrap();
    assert_eq!(added.change, LicenseChange::Issued);
    let key = added.license_key.expect("an authority with its signing key gives the key");
    assert_eq!(key, LicenseKey::derive(&vendor(), terms.id));
    assert_eq!(a.license_key(terms.id).unwrap(), key, "printed again: the same key");
    let text = key.to_string();
    assert!(text.starts_with("NL-") && text.len() == 26, "{text}");
    // The end user types it, sloppily.
    let typed = LicenseKey::parse(&text.to_lowercase().replace('-', " ")).unwrap();
    let found = a.license_for_key(&typed).unwrap();
    assert_eq!(found.as_bytes(), signed.as_bytes(), "the signed license itself");
    assert_eq!(found.license().id, terms.id);

    // Another license has another key, which opens that one only.
    a.issue(&license(2, 1), ADMIN, t0()).unwrap();
    let other = a.license_key(license(2, 1).id).unwrap();
    assert_ne!(other, key);
    assert_eq!(a.license_for_key(&other).unwrap().license().id, license(2, 1).id);
}

fn a_reissued_license_keeps_its_key<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let key = a.license_key(id).unwrap();
    let v2 = a.reissue_license(id, ADMIN, t0(), |l| l.seats = 3).unwrap();
    assert_eq!(v2.license().release_version, 2);
    assert_eq!(a.license_key(id).unwrap(), key);
    let found = a.license_for_key(&key).unwrap();
    assert_eq!(found.license().release_version, 2, "the key opens the current release");
    let again = a.add_license(&v2, ADMIN, t0()).unwrap();
    assert_eq!((again.change, again.license_key), (LicenseChange::Unchanged, Some(key)));
}

fn the_ledger_holds_the_digest_only_and_keeps_it<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1), license(2, 1)]);
    let one = license(1, 1).id;
    let key = a.license_key(one).unwrap();
    let recorded = a.ledger().read(&mut |tx| tx.license_key_digest(&one)).unwrap();
    assert_eq!(recorded, Some(key.digest()));
    // A license keeps its key, and a key opens one license: the ledger
    // itself refuses both changes.
    let refused = |r: Result<(), AuthorityError>| match r {
        Err(AuthorityError::LedgerRefused(LedgerError::Rule(rule))) => rule,
        other => panic!("not refused by a rule: {other:?}"),
    };
    let rule = refused(a.ledger().transaction(&mut |tx| tx.set_license_key_digest(&one, &[7; 32])));
    assert_eq!(rule, "a license keeps its key");
    // License 3, added without the signing key, has no digest yet.
    let admin = Authority::without_signing_key(vendor().public_key().clone(), a.ledger());
    admin.add_license(&license(3, 1).sign(&vendor()).unwrap(), ADMIN, t0()).unwrap();
    let (three, digest) = (license(3, 1).id, key.digest());
    let rule = refused(a.ledger().transaction(&mut |tx| tx.set_license_key_digest(&three, &digest)));
    assert_eq!(rule, "a license key opens one license");
    assert_eq!(a.license_for_key(&key).unwrap().license().id, one);
    assert_eq!(a.ledger().read(&mut |tx| tx.license_key_digest(&three)).unwrap(), None);
    assert_ne!(a.license_key(license(2, 1).id).unwrap(), key);
}

fn unknown_and_revoked_keys_are_refused<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let stranger = LicenseKey::derive(&vendor(), LicenseId([9; 16]));
    let err = a.license_for_key(&stranger).unwrap_err();
    assert!(matches!(err, AuthorityError::UnknownLicenseKey), "{err}");
    assert!(err.to_string().contains("check the key"), "{err}");
    let key = a.license_key(id).unwrap();
    a.revoke(id, ADMIN, t0()).unwrap();
    let err = a.license_for_key(&key).unwrap_err();
    assert!(matches!(err, AuthorityError::LicenseRevoked { license_id, .. } if license_id == id), "{err}");
}

fn a_license_added_without_the_signing_key_gets_its_key_later<L: Ledger>(b: Backend<L>) {
    let admin = Authority::without_signing_key(vendor().public_key().clone(), b.ledger);
    let _dir = b.dir;
    let terms = license(1, 1);
    let added = admin.add_license(&terms.sign(&vendor()).unwrap(), ADMIN, t0()).unwrap();
    assert_eq!(added.license_key, None, "no signing key, no license key");
    assert!(matches!(admin.license_key(terms.id), Err(AuthorityError::NoSigningKey)));
    let key = LicenseKey::derive(&vendor(), terms.id);
    assert!(matches!(admin.license_for_key(&key), Err(AuthorityError::UnknownLicenseKey)));
    // The vendor prints it with the signing key: now it is recorded.
    let signing = Authority::new(vendor(), admin.ledger());
    assert_eq!(signing.license_key(terms.id).unwrap(), key);
    assert_eq!(admin.license_for_key(&key).unwrap().license().id, terms.id);
    let err = signing.license_key(LicenseId([3; 16])).unwrap_err();
    assert!(matches!(err, AuthorityError::UnknownLicense { .. }), "{err}");
}

fn a_key_made_with_another_signing_key_is_not_printed<L: Ledger>(b: Backend<L>) {
    let (a, _dir) = authority(b, &[license(1, 1)]);
    let id = license(1, 1).id;
    let key = a.license_key(id).unwrap();
    let rotated = SecretKey::from_seed(&[0x22; 32]);
    let b = Authority::new(rotated, a.ledger()).trust(vendor().public_key().clone());
    let err = b.license_key(id).unwrap_err();
    assert!(
        matches!(err, AuthorityError::LicenseKeyOfAnotherKey { license_id } if license_id == id),
        "{err}"
    );
    assert_eq!(b.license_for_key(&key).unwrap().license().id, id, "the recorded key still opens it");
}
