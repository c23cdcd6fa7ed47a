//! Sentry's cursor pagination: `?cursor=LIMIT:PAGE:IS_PREV` in, a `Link` header out with a
//! `previous` and a `next` link, each saying whether it has `results`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::ApiError;

pub const DEFAULT_PER_PAGE: u32 = 100;
const MAX_PER_PAGE: u32 = 100;

/// `?cursor=` and `?per_page=` of a list request.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// A cursor from a previous answer's `Link` header.
    cursor: Option<String>,
    /// Rows per page, 1 to 100 (default 100).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
}

/// Which slice of a list to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub number: u32,
}

/// A query string parsed into `T`, or a JSON 400 naming what is wrong: axum's own
/// `Query` would answer in plain text, outside the API's documented shapes.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|error| {
                ApiError::BadRequest(json!({"detail": format!("Invalid query string: {error}")}))
            })
    }
}

impl Page {
    /// A malformed cursor starts from the first page, as Sentry does; a `per_page` outside
    /// 1 to 100 is refused.
    pub fn from_query(query: &PageQuery) -> Result<Page, ApiError> {
        let limit = query.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&limit) {
            return Err(ApiError::field(
                "per_page",
                "Ensure this value is between 1 and 100.",
            ));
        }
        let number = query
            .cursor
            .as_deref()
            .and_then(|cursor| cursor.split(':').nth(1))
            .and_then(|page| page.parse().ok())
            .unwrap_or(0);
        Ok(Page { limit, number })
    }

    /// How many rows to fetch: one more than shown, to learn whether a next page exists.
    pub fn fetch_limit(self) -> u32 {
        self.limit + 1
    }

    pub fn offset(self) -> u32 {
        self.limit.saturating_mul(self.number)
    }

    /// Trims the extra row and builds the `Link` header for `url` (without query).
    pub fn finish<T>(self, mut rows: Vec<T>, url: &str) -> (HeaderMap, Vec<T>) {
        let has_next = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let link = |number: u32, rel: &str, results: bool, is_prev: u8| {
            let cursor = format!("{}:{number}:{is_prev}", self.limit);
            format!(
                r#"<{url}?cursor={cursor}>; rel="{rel}"; results="{results}"; cursor="{cursor}""#
            )
        };
        let previous = link(
            self.number.saturating_sub(1),
            "previous",
            self.number > 0,
            1,
        );
        let next = link(self.number.saturating_add(1), "next", has_next, 0);
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&format!("{previous}, {next}")) {
            headers.insert(header::LINK, value);
        }
        (headers, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_possible_page_does_not_overflow() {
        let query = PageQuery {
            cursor: Some(format!("100:{}:0", u32::MAX)),
            per_page: None,
        };
        let page = Page::from_query(&query).unwrap();

        let (headers, rows) = page.finish(Vec::<u8>::new(), "u");

        assert!(rows.is_empty());
        assert!(
            headers[header::LINK]
                .to_str()
                .unwrap()
                .contains(r#"rel="next"; results="false""#)
        );
    }

    #[test]
    fn per_page_outside_one_to_a_hundred_is_refused() {
        for per_page in [0, 101] {
            let query = PageQuery {
                cursor: None,
                per_page: Some(per_page),
            };
            assert!(Page::from_query(&query).is_err(), "{per_page}");
        }
    }

    #[test]
    fn the_cursor_names_the_page_and_the_link_says_whether_more_follow() {
        let query = PageQuery {
            cursor: Some("2:1:0".into()),
            per_page: Some(2),
        };
        let page = Page::from_query(&query).unwrap();

        let (headers, rows) = page.finish(vec![1, 2, 3], "https://gh.example/api/0/x/");

        assert_eq!(page.offset(), 2);
        assert_eq!(rows, [1, 2]);
        let link = headers[header::LINK].to_str().unwrap();
        assert!(
            link.contains(r#"rel="previous"; results="true"; cursor="2:0:1""#),
            "{link}"
        );
        assert!(
            link.contains(r#"rel="next"; results="true"; cursor="2:2:0""#),
            "{link}"
        );
    }

    #[test]
    fn the_last_page_has_no_next_results() {
        let page = Page::from_query(&PageQuery::default()).unwrap();

        let (headers, _) = page.finish(vec![1], "u");

        let link = headers[header::LINK].to_str().unwrap();
        assert!(link.contains(r#"rel="next"; results="false""#), "{link}");
        assert!(
            link.contains(r#"rel="previous"; results="false""#),
            "{link}"
        );
    }
}
