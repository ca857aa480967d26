//! The answer of `GET /v1/licenses/{id}/seats`: one page of a license's
//! seats (the query read by [`wire::seat_page_query`](crate::wire::seat_page_query):
//! `limit`, `after`), the license's status fields as before plus
//! `next_after`, the `after` of the next page (`null` on the last). The same
//! paging as `nodelock seats status --license ID --limit N --after SEAT`,
//! through [`Authority::seat_page`](crate::authority::Authority::seat_page),
//! so an answer costs its page, not the license.

use axum::http::StatusCode;
use serde::Serialize;

use super::ApiError;
use crate::authority::{LicenseStatus, SeatPage};
use crate::codes::error_code;
use crate::wire::{QueryError, SeatPageQuery, seat_page_query};

/// The answer: the license's status fields, plus `next_after`.
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

/// Reads the raw query string (`None`: no `?` at all); a bad one is 400.
pub(super) fn page_query(raw: Option<&str>) -> Result<SeatPageQuery, ApiError> {
    seat_page_query(raw.unwrap_or("")).map_err(bad_query)
}

fn bad_query(e: QueryError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, error_code(&e), e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::ErrorCode;

    #[test]
    fn a_bad_query_is_400_bad_input_and_no_query_is_the_first_page() {
        assert_eq!(page_query(None).map(|q| (q.after, q.limit)), Ok((0, 100)));
        let e = page_query(Some("limit=1001")).unwrap_err();
        assert_eq!((e.status, e.code), (StatusCode::BAD_REQUEST, ErrorCode::BadInput));
        assert!(e.message.contains("from 1 to 1000"), "{}", e.message);
    }
}
