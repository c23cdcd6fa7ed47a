//! Sentry's cursor pagination: `?cursor=LIMIT:PAGE:IS_PREV` in, a `Link` header out with a
//! `previous` and a `next` link, each saying whether it has `results`.

use axum::http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;

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

impl Page {
    /// A malformed cursor starts from the first page, as Sentry does.
    pub fn from_query(query: &PageQuery) -> Page {
        let limit = query
            .per_page
            .unwrap_or(DEFAULT_PER_PAGE)
            .clamp(1, MAX_PER_PAGE);
        let number = query
            .cursor
            .as_deref()
            .and_then(|cursor| cursor.split(':').nth(1))
            .and_then(|page| page.parse().ok())
            .unwrap_or(0);
        Page { limit, number }
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
        let next = link(self.number + 1, "next", has_next, 0);
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
    fn the_cursor_names_the_page_and_the_link_says_whether_more_follow() {
        let query = PageQuery {
            cursor: Some("2:1:0".into()),
            per_page: Some(2),
        };
        let page = Page::from_query(&query);

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
        let page = Page::from_query(&PageQuery::default());

        let (headers, _) = page.finish(vec![1], "u");

        let link = headers[header::LINK].to_str().unwrap();
        assert!(link.contains(r#"rel="next"; results="false""#), "{link}");
        assert!(
            link.contains(r#"rel="previous"; results="false""#),
            "{link}"
        );
    }
}
