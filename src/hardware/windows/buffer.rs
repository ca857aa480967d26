//! Reading what the Win32 APIs hand back: UTF-16 strings, `REG_MULTI_SZ`
//! lists and little-endian fields of untrusted byte buffers.
//!
//! Every length and offset comes from the OS and is treated as untrusted:
//! buffers are read with bounds-checked accessors only. Nothing here calls
//! the OS, so it compiles (and is tested) on every platform.
#![cfg_attr(not(windows), allow(dead_code))]

/// The text of a UTF-16 buffer up to its first NUL (or its end).
pub(crate) fn wide_to_string(buf: &[u16]) -> String {
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf16_lossy(&buf[..end])
}

/// The strings of a `REG_MULTI_SZ` buffer (NUL-separated, ended by an empty
/// string); a missing final terminator is tolerated.
pub(crate) fn multi_sz(buf: &[u16]) -> Vec<String> {
    buf.split(|&c| c == 0).take_while(|s| !s.is_empty()).map(String::from_utf16_lossy).collect()
}

/// A NUL-terminated UTF-16 copy of `text` for the `W` APIs.
pub(crate) fn to_wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

pub(super) fn read_u32(buf: &[u8], offset: usize) -> Option<u32> {
    let bytes = buf.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

pub(super) fn put_u32(buf: &mut [u8], offset: usize, value: u32) {
    if let Some(slot) = buf.get_mut(offset..offset + 4) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// The ASCII string starting at `offset`, up to a NUL or the end of `buf`.
pub(super) fn c_string_at(buf: &[u8], offset: usize) -> Option<String> {
    let tail = buf.get(offset..)?;
    let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
    Some(String::from_utf8_lossy(&tail[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_sz_and_wide_strings() {
        let mut buf: Vec<u16> = Vec::new();
        for s in ["PCI\\VEN_10DE&DEV_1C82", "PCI\\CC_0300"] {
            buf.extend(s.encode_utf16());
            buf.push(0);
        }
        buf.push(0);
        buf.extend("garbage".encode_utf16());
        assert_eq!(multi_sz(&buf), vec!["PCI\\VEN_10DE&DEV_1C82", "PCI\\CC_0300"]);
        // A missing final terminator is tolerated.
        let unterminated: Vec<u16> = "PCI\\CC_0300".encode_utf16().collect();
        assert_eq!(multi_sz(&unterminated), vec!["PCI\\CC_0300"]);
        assert!(multi_sz(&[]).is_empty());
        assert_eq!(wide_to_string(&to_wide("C:\\Windows")), "C:\\Windows");
        assert_eq!(wide_to_string(&[0x43, 0x3a]), "C:");
    }
}
