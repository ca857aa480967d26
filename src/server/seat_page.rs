//! The query of `GET /v1/licenses/{id}/seats` and its answer: one page of a
//! license's seats, at most `limit` seats (1 to [`MAX_SEAT_PAGE`], default
//! [`DEFAULT_SEAT_PAGE`]) numbered above `after` (a seat number; 0, the
//! default, is the first page), with the license's counts and `next_after`,
//! the `after` of the next page (`null` on the last). The same paging as
//! `nodelock seats status --license ID --limit N --after SEAT`, through
//! [`Authority::seat_page`](crate::authority::Authority::seat_page), so an
//! answer costs its page, not the license.
//!
//! Anything else in the query is refused with 400 `bad_input`, not ignored
//! (as unknown body fields are): another name, a name given twice, a value
//! that is not a whole number in its range (digits only: no sign, no
//! spaces).

use axum::http::StatusCode;
use serde::Serialize;

use super::ApiError;
use crate::authority::{LicenseStatus, SeatPage};
use crate::codes::ErrorCode;
use crate::wire::{DEFAULT_SEAT_PAGE, MAX_SEAT_PAGE};

/// Which page was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PageQuery {
    /// Seats numbered above this one.
    pub after: u32,
    /// At most this many seats.
    pub limit: u32,
}

/// The answer: the license's status fields as before, plus `next_after`.
#[derive(Debug, Serialize)]
pub(super) struct SeatsAnswer<'a> {
    /// The counts and the page's holders.
    #[serde(flatten)]
    pub license: &'a LicenseStatus,
    /// The `after` of the next page; `None` on the last page.
    pub next_after: Option<u32>,
}

impl<'a> SeatsAnswer<'a> {
    pub(super) fn of(page: &'a SeatPage) -> SeatsAnswer<'a> {
        SeatsAnswer { license: &page.license, next_after: page.next_after }
    }
}

/// Reads the raw query string (`None`: no `?` at all).
pub(super) fn page_query(raw: Option<&str>) -> Result<PageQuery, ApiError> {
    let (mut after, mut limit) = (None, None);
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match name {
            "after" => &mut after,
            "limit" => &mut limit,
            _ => return Err(bad(format!("this endpoint takes only {PARAMETERS}"))),
        };
        if slot.is_some() {
            return Err(bad(format!(
                "`{name}` is given twice: give it once (this endpoint takes {PARAMETERS})"
            )));
        }
        *slot = Some(value);
    }
    let after = match after {
        None => 0,
        Some(text) => number(text).ok_or_else(|| {
            bad(format!(
                "`after` must be a seat number from 0 to {} (the `next_after` of the page before)",
                u32::MAX
            ))
        })?,
    };
    let limit = match limit {
        None => DEFAULT_SEAT_PAGE,
        Some(text) => number(text).filter(|n| (1..=MAX_SEAT_PAGE).contains(n)).ok_or_else(|| {
            bad(format!("`limit` must be a whole number of seats from 1 to {MAX_SEAT_PAGE} (default {DEFAULT_SEAT_PAGE})"))
        })?,
    };
    Ok(PageQuery { after, limit })
}

/// What the endpoint takes, for the messages.
const PARAMETERS: &str = "the query parameters `limit` (seats per page, 1 to 1000, default 100) and \
                          `after` (the seat number the page starts after, default 0)";

/// A whole number of ASCII digits that fits in `u32`.
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(query: &str) -> Result<PageQuery, ErrorCode> {
        page_query(Some(query)).map_err(|e| {
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{query}");
            e.code
        })
    }

    #[test]
    fn defaults_are_the_first_page_of_a_hundred_seats() {
        assert_eq!(page_query(None), Ok(PageQuery { after: 0, limit: DEFAULT_SEAT_PAGE }));
        assert_eq!(page(""), Ok(PageQuery { after: 0, limit: 100 }));
        assert_eq!(page("after=250"), Ok(PageQuery { after: 250, limit: 100 }));
        assert_eq!(page("limit=7&after=14"), Ok(PageQuery { after: 14, limit: 7 }));
        assert_eq!(page("limit=1000&after=4294967295"), Ok(PageQuery { after: u32::MAX, limit: 1000 }));
        assert_eq!(page("limit=007&&"), Ok(PageQuery { after: 0, limit: 7 }));
    }

    #[test]
    fn the_messages_name_the_real_bounds() {
        assert!(PARAMETERS.contains(&format!("1 to {MAX_SEAT_PAGE}, default {DEFAULT_SEAT_PAGE}")));
    }

    #[test]
    fn anything_else_is_refused_as_bad_input() {
        for query in [
            "limit=0",
            "limit=1001",
            "limit=",
            "limit",
            "limit=ten",
            "limit=+5",
            "limit=-1",
            "limit=5.0",
            "limit=%35",
            "after=-1",
            "after=4294967296",
            "after=1e3",
            "after=1&after=2",
            "limit=5&limit=5",
            "offset=10",
            "Limit=10",
        ] {
            assert_eq!(page(query), Err(ErrorCode::BadInput), "{query}");
        }
    }
}
