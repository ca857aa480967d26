//! An offline code drawn as a QR code in text (feature `qr`): the one
//! renderer of `nodelock activate request --qr` and of the activation
//! prompt, so an air-gapped user can hand a code to a phone.
//!
//! Unicode half blocks (`▀`, `▄`, `█`): two modules per character row, one
//! per column, light on dark as a terminal shows it, with the quiet zone of
//! four modules around it.

use qrcode::render::unicode::Dense1x2;

/// `code` as a QR code in text lines, or `None` when it is too long for any
/// QR code (no offline code this crate makes is).
pub fn render(code: &str) -> Option<String> {
    let qr = qrcode::QrCode::new(code.as_bytes()).ok()?;
    Some(
        qr.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// How many terminal columns [`render`]'s drawing of `code` takes.
pub fn columns(code: &str) -> Option<usize> {
    render(code).and_then(|text| text.lines().map(|l| l.chars().count()).max())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_drawn_in_half_blocks_with_its_quiet_zone() {
        let code = "NLR-06BG0-000M2-GA185-1F5M2-C";
        let text = render(code).unwrap();
        let width = columns(code).unwrap();
        // Version 2 (25 modules) for 29 bytes, plus 4 modules each side.
        assert_eq!(width, 25 + 8);
        assert!(text.lines().all(|l| l.chars().count() == width));
        assert!(text.chars().all(|c| matches!(c, ' ' | '▀' | '▄' | '█' | '\n')));
        assert_eq!(render(&"X".repeat(8000)), None);
    }
}
