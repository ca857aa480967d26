//! Fuzz target: arbitrary bytes as every input the vendor's authority takes
//! (activation request, transfer request, deactivation receipt, license
//! text, activation id). Nothing may panic, and a refused input must leave
//! the ledger's status and history exactly as they were. The harness is
//! shared with the `authority_fuzz` integration test.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/authority_fuzz/harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::check(data));
