//! Normalisation rules shared by every collector, so that one machine
//! produces the same values whichever operating system reads it.

use super::ComponentKind;

/// The smallest rounding granule: 256 MiB.
const MIN_GRANULE: u64 = 256 << 20;

/// The normalised `Memory` value for `bytes` of memory reported by the
/// operating system.
///
/// Operating systems report *usable* memory: installed memory minus firmware,
/// graphics and kernel reservations, which grow with the machine (about 2 %)
/// and move between boots and kernel versions (a larger share on small
/// machines). The value is therefore rounded **up** to a granule of the
/// largest power of two not above it divided by 8 (by 4 below 8 GiB), and at
/// least 256 MiB: 15.6 GiB reads `16 GiB` (granule 1 GiB), 62.6 GiB reads
/// `64 GiB` (granule 4 GiB), 3.7 GiB reads `4 GiB` (granule 512 MiB) — the
/// installed size, stable across reboots.
pub fn memory_value(bytes: u64) -> String {
    if bytes == 0 {
        return "0 MiB".to_owned();
    }
    let power = 1u64 << (63 - bytes.leading_zeros());
    let divisor = if power >= 8 << 30 { 8 } else { 4 };
    let granule = (power / divisor).max(MIN_GRANULE);
    let rounded = bytes.div_ceil(granule).saturating_mul(granule);
    let mib = rounded >> 20;
    if mib.is_multiple_of(1024) { format!("{} GiB", mib / 1024) } else { format!("{mib} MiB") }
}

/// Parses a MAC address written as 6 hex octets separated by `:` or `-`
/// (case-insensitive) and returns the canonical lower-case colon form, or
/// `None` for anything else, the all-zero and the broadcast address, and
/// multicast addresses.
pub fn mac_value(text: &str) -> Option<String> {
    let text = text.trim();
    let sep = if text.contains('-') { '-' } else { ':' };
    let mut octets = [0u8; 6];
    let mut parts = text.split(sep);
    for octet in &mut octets {
        let part = parts.next()?;
        if part.len() != 2 {
            return None;
        }
        *octet = u8::from_str_radix(part, 16).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    mac_from_octets(octets)
}

/// The canonical form of a MAC address given as octets (see [`mac_value`]).
pub fn mac_from_octets(octets: [u8; 6]) -> Option<String> {
    if octets == [0; 6] || octets == [0xff; 6] || octets[0] & 0x01 != 0 {
        return None;
    }
    // Written digit by digit: six `format!`s and a `join` were ~4,700
    // instructions per adapter of a start-up check.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(17);
    for (i, octet) in octets.iter().enumerate() {
        if i > 0 {
            text.push(':');
        }
        text.push(char::from(DIGITS[usize::from(octet >> 4)]));
        text.push(char::from(DIGITS[usize::from(octet & 0x0f)]));
    }
    Some(text)
}

/// Whether the locally-administered bit of a canonical MAC address is set.
pub fn mac_is_locally_administered(mac: &str) -> bool {
    mac.get(0..2).and_then(|h| u8::from_str_radix(h, 16).ok()).is_some_and(|b| b & 0x02 != 0)
}

/// The normalised x86 `Cpu` value: vendor string and leaf-1 EAX with the
/// processor-type and reserved bits masked off (`0x0fff0fff`), as reported
/// identically by CPUID and by `/proc/cpuinfo`.
pub fn x86_cpu_value(vendor: &str, leaf1_eax: u32) -> String {
    format!("{} {:08x}", vendor.trim(), leaf1_eax & 0x0fff_0fff)
}

/// Rebuilds the leaf-1 EAX signature from the *display* family, model and
/// stepping that operating systems report (Linux `/proc/cpuinfo`, Windows
/// `Win32_Processor`, macOS `machdep.cpu.*`), inverting the CPUID rules for
/// extended family and model.
pub fn x86_signature(family: u32, model: u32, stepping: u32) -> u32 {
    let (base_family, ext_family) = if family >= 0x0f { (0x0f, family - 0x0f) } else { (family, 0) };
    let (base_model, ext_model) = if base_family == 0x06 || base_family == 0x0f {
        (model & 0x0f, (model >> 4) & 0x0f)
    } else {
        (model & 0x0f, 0)
    };
    (stepping & 0x0f)
        | (base_model << 4)
        | (base_family << 8)
        | (ext_model << 16)
        | ((ext_family & 0xff) << 20)
}

/// The normalised aarch64 `Cpu` value from MIDR_EL1.
pub fn arm_cpu_value(midr: u64) -> String {
    format!("arm {:08x}", midr & 0xffff_ffff)
}

/// Trims and single-spaces a free-text value (vendor, model, serial); `None`
/// when nothing printable is left.
pub fn text_value(text: &str) -> Option<String> {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if cleaned.is_empty() { None } else { Some(cleaned) }
}

/// The normalised `CdRom` value from vendor and model strings.
pub fn cdrom_value(vendor: &str, model: &str) -> Option<String> {
    text_value(&format!("{vendor} {model}"))
}

/// A drive serial number: trimmed, and `None` when it is empty or a known
/// placeholder (all zeros, all spaces, "0000_0000…", "none").
pub fn serial_value(serial: &str) -> Option<String> {
    let value = text_value(serial)?;
    let meaningful = value.chars().any(|c| c.is_ascii_alphanumeric() && c != '0' && c != '_');
    let placeholder = ["none", "unknown", "default string", "to be filled by o.e.m."]
        .contains(&value.to_ascii_lowercase().as_str());
    (meaningful && !placeholder).then_some(value)
}

/// The normalised PCI value `vendor:device`.
pub fn pci_value(vendor: u16, device: u16) -> String {
    format!("{vendor:04x}:{device:04x}")
}

/// Which kind a PCI device of 24-bit `class` (base class, subclass,
/// programming interface) belongs to, if any: display controllers (0x03) are
/// `Video`; mass-storage IDE (0x0101), ATA (0x0105) and SATA (0x0106) are
/// `Ide`; every other mass-storage controller (SCSI, RAID, SAS, NVMe, virtio,
/// other) is `Scsi`, as Windows groups them.
pub fn pci_kind(class: u32) -> Option<ComponentKind> {
    let base = (class >> 16) & 0xff;
    let sub = (class >> 8) & 0xff;
    match (base, sub) {
        (0x03, _) => Some(ComponentKind::Video),
        (0x01, 0x01 | 0x05 | 0x06) => Some(ComponentKind::Ide),
        (0x01, _) => Some(ComponentKind::Scsi),
        _ => None,
    }
}

/// What [`hex_number`] accepts around a number's hexadecimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HexSyntax {
    /// The most characters after any prefix (a `+` counts as one); at least
    /// one digit is always needed.
    pub max_digits: usize,
    /// A `0x` or `0X` prefix may come first.
    pub prefix_0x: bool,
    /// A `+` may stand before the digits, after any prefix.
    pub plus_sign: bool,
}

impl HexSyntax {
    /// One to `max_digits` digits and nothing else.
    pub const fn digits(max_digits: usize) -> Self {
        HexSyntax { max_digits, prefix_0x: false, plus_sign: false }
    }
}

/// The one hexadecimal reader of the collectors: digits of either case,
/// with what `syntax` allows around them; `None` for anything else (no
/// white space, no `-`, no digit beyond ASCII), or a value over `u64`.
pub fn hex_number(text: &str, syntax: HexSyntax) -> Option<u64> {
    let mut digits = text;
    if syntax.prefix_0x {
        digits = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")).unwrap_or(digits);
    }
    let mut max_digits = syntax.max_digits;
    if syntax.plus_sign
        && let Some(rest) = digits.strip_prefix('+')
    {
        digits = rest;
        max_digits = max_digits.saturating_sub(1);
    }
    if digits.is_empty() || digits.len() > max_digits || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// Parses a hexadecimal number of sysfs or `/proc` with or without a `0x`
/// prefix, white space around it ignored. A `+` before the digits is still
/// taken, as `u64::from_str_radix` took it when this parser was written on
/// it alone, so no value read before is refused now.
pub fn parse_hex(text: &str) -> Option<u64> {
    hex_number(text.trim(), HexSyntax { max_digits: 16, prefix_0x: true, plus_sign: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_rounds_up_to_granule() {
        let kib = |k: u64| k * 1024;
        assert_eq!(memory_value(kib(16_270_000)), "16 GiB");
        assert_eq!(memory_value(kib(65_651_144)), "64 GiB", "a 64 GiB machine with 1.4 GiB reserved");
        assert_eq!(memory_value(kib(32_601_000)), "32 GiB");
        assert_eq!(memory_value(kib(49_200_000)), "48 GiB");
        assert_eq!(memory_value(kib(131_900_000)), "128 GiB");
        assert_eq!(memory_value(kib(8_036_000)), "8 GiB");
        assert_eq!(memory_value(kib(3_900_000)), "4 GiB");
        assert_eq!(memory_value(16 << 30), "16 GiB");
        assert_eq!(memory_value((16 << 30) + 1), "18 GiB");
        assert_eq!(memory_value(kib(1_000_000)), "1 GiB");
        assert_eq!(memory_value(490 << 20), "512 MiB");
        assert_eq!(memory_value(kib(1_900_000)), "2 GiB");
        assert_eq!(memory_value(kib(5_900_000)), "6 GiB");
        assert_eq!(memory_value(kib(36_900_000)), "36 GiB");
        assert_eq!(memory_value(1100 << 20), "1280 MiB");
        assert_eq!(memory_value(0), "0 MiB");
    }

    #[test]
    fn mac_parsing_and_rejection() {
        assert_eq!(mac_value("3C:52:82:1A:2B:3C").as_deref(), Some("3c:52:82:1a:2b:3c"));
        assert_eq!(mac_value("3c-52-82-1a-2b-3c\n").as_deref(), Some("3c:52:82:1a:2b:3c"));
        assert_eq!(mac_value("00:00:00:00:00:00"), None);
        assert_eq!(mac_value("ff:ff:ff:ff:ff:ff"), None);
        assert_eq!(mac_value("01:00:5e:00:00:01"), None, "multicast");
        assert_eq!(mac_value("3c:52:82:1a:2b"), None);
        assert_eq!(mac_value("3c:52:82:1a:2b:3c:00"), None);
        assert_eq!(mac_value("3c:52:82:1a:2b:3"), None);
        assert_eq!(mac_value("zz:52:82:1a:2b:3c"), None);
        // Every octet value in every position, against `format!`'s digits.
        for b in 0..=255u8 {
            let octets = [0x02, b, b.rotate_left(4), b, !b, b];
            let want = octets.iter().map(|o| format!("{o:02x}")).collect::<Vec<_>>().join(":");
            assert_eq!(mac_from_octets(octets), Some(want), "{b:#04x}");
        }
        assert!(mac_is_locally_administered("02:00:17:00:aa:01"));
        assert!(!mac_is_locally_administered("3c:52:82:1a:2b:3c"));
    }

    #[test]
    fn x86_signature_inverts_display_family_and_model() {
        // Intel Coffee Lake i7-8700: family 6, model 158, stepping 10 -> 0x000906ea.
        assert_eq!(x86_signature(6, 158, 10), 0x0009_06ea);
        // AMD Zen 3 (family 25 = 0xf + 0xa, model 33, stepping 0) -> 0x00a20f10.
        assert_eq!(x86_signature(25, 33, 0), 0x00a2_0f10);
        // Old family 5 model 4 has no extended fields.
        assert_eq!(x86_signature(5, 4, 3), 0x0000_0543);
        assert_eq!(x86_cpu_value("GenuineIntel", 0x1000_06ea | 0x3000), "GenuineIntel 000006ea");
    }

    #[test]
    fn pci_classes_map_like_windows() {
        assert_eq!(pci_kind(0x030000), Some(ComponentKind::Video));
        assert_eq!(pci_kind(0x030200), Some(ComponentKind::Video));
        assert_eq!(pci_kind(0x038000), Some(ComponentKind::Video));
        assert_eq!(pci_kind(0x01018a), Some(ComponentKind::Ide));
        assert_eq!(pci_kind(0x010520), Some(ComponentKind::Ide));
        assert_eq!(pci_kind(0x010601), Some(ComponentKind::Ide));
        assert_eq!(pci_kind(0x010000), Some(ComponentKind::Scsi));
        assert_eq!(pci_kind(0x010400), Some(ComponentKind::Scsi));
        assert_eq!(pci_kind(0x010700), Some(ComponentKind::Scsi));
        assert_eq!(pci_kind(0x010802), Some(ComponentKind::Scsi));
        assert_eq!(pci_kind(0x018000), Some(ComponentKind::Scsi));
        assert_eq!(pci_kind(0x020000), None);
        assert_eq!(pci_kind(0x060400), None);
    }

    #[test]
    fn serials_and_text() {
        assert_eq!(serial_value("  S4EWNX0N123456      \n").as_deref(), Some("S4EWNX0N123456"));
        assert_eq!(serial_value("0000_0000_0000_0000"), None);
        assert_eq!(serial_value("   "), None);
        assert_eq!(serial_value("To Be Filled By O.E.M."), None);
        assert_eq!(cdrom_value("HL-DT-ST", "DVD+-RW GU90N   ").as_deref(), Some("HL-DT-ST DVD+-RW GU90N"));
        assert_eq!(text_value("\0\t"), None);
        assert_eq!(parse_hex("0x10de\n"), Some(0x10de));
        assert_eq!(parse_hex("zz"), None);
        assert_eq!(parse_hex(""), None);
    }

    /// `parse_hex` reads sysfs and `/proc` values: white space around, an
    /// optional `0x`, then up to 16 characters that are digits or a leading
    /// `+` (what `u64::from_str_radix` took, kept so no value read before is
    /// refused now).
    #[test]
    fn parse_hex_takes_an_optional_prefix_and_sign_within_16_characters() {
        for (text, value) in [
            ("10de", Some(0x10de)),
            ("0x10DE", Some(0x10de)),
            ("0XabCD", Some(0xabcd)),
            (" \t0x1f\n", Some(0x1f)),
            ("+1", Some(1)),
            ("0x+1", Some(1)),
            ("ffffffffffffffff", Some(u64::MAX)),
            ("0xFFFFFFFFFFFFFFFF", Some(u64::MAX)),
            ("+fffffffffffffff", Some(u64::MAX >> 4)),
            ("10000000000000000", None),
            ("+ffffffffffffffff", None),
            ("0x", None),
            ("0X", None),
            ("+", None),
            ("0x+", None),
            ("++1", None),
            ("+0x1", None),
            ("0x0x1", None),
            ("-1", None),
            ("1 2", None),
            ("0x 1", None),
            ("   ", None),
            ("\u{663}", None),
        ] {
            assert_eq!(parse_hex(text), value, "{text:?}");
        }
    }
}
