//! The rows a machine taking a seat leaves in a ledger (its active permanent
//! activation, the seat pointing at it, the history event), written in a
//! caller's transaction: how the ledger benches fill large licenses as set-up
//! without timing one `Authority::activate` per seat. The schema's triggers
//! still check every row.

use nodelock::Timestamp;
use nodelock::activation::{ActivationId, ActivationKind, ActivationRequest};
use nodelock::authority::{
    ActivationRecord, ActivationState, AuthorityError, Event, EventKind, LedgerTx, SeatRecord,
};

/// Records the machine that made `request` (labelled `machine {machine}`) as
/// holding `seat` since `at`, and returns its activation.
pub fn hold_seat(
    tx: &mut dyn LedgerTx,
    seat: SeatRecord,
    request: &ActivationRequest,
    machine: u32,
    at: Timestamp,
) -> Result<ActivationRecord, AuthorityError> {
    let (license_id, number) = (seat.license_id, seat.seat);
    let record = ActivationRecord {
        activation_id: ActivationId::generate().unwrap(),
        license_id,
        state: ActivationState::Active,
        kind: ActivationKind::Permanent,
        temporary_until: None,
        release_version: 1,
        profile: Some(request.profile.to_bytes()),
        fingerprint: Some(request.profile.fingerprint().code()),
        label: Some(format!("machine {machine}")),
        stamp: Some(request.stamp),
        activation_key: request.activation_key,
        nonce: request.nonce,
        since: at,
        renewed_at: at,
        ended_at: None,
        forked_at: None,
    };
    tx.insert_activation(&record)?;
    tx.update_seat(&SeatRecord { holder: Some(record.activation_id), ..seat })?;
    tx.append_history(&Event {
        at,
        actor: "bench".into(),
        kind: EventKind::Activation,
        license_id: Some(license_id),
        activation_id: Some(record.activation_id),
        details: format!("seat {number}"),
    })?;
    Ok(record)
}
