//! Profile helper (being written).
fn main() {}
