//! Times as gatehouse writes them on the wire.

use time::OffsetDateTime;
use time::macros::format_description;

/// ISO 8601 in UTC with microseconds, as Sentry writes it: `2024-11-27T23:20:21.054320Z`.
pub fn iso8601(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_like_sentrys() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_732_749_621_054_320_000).unwrap();

        assert_eq!(iso8601(at), "2024-11-27T23:20:21.054320Z");
    }
}
