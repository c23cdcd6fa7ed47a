//! JSON request bodies, checked field by field so that a bad body gets Sentry's field-level
//! 400 (`{"name": ["…"]}`) and nothing is written.

use axum::body::Bytes;
use serde_json::{Map, Value};

use super::ApiError;

/// Bodies are small; anything larger is refused before it is parsed.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The body as a JSON object.
pub fn object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::field("detail", "The request body is too large."));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(ApiError::field("detail", "The body must be a JSON object.")),
        Err(_) => Err(ApiError::field("detail", "The body is not valid JSON.")),
    }
}

/// An optional string field; present but not a string is an error.
pub fn optional_string<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ApiError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(ApiError::field(name, "Not a valid string.")),
    }
}

/// A string field that must be present.
pub fn required_string<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, ApiError> {
    optional_string(fields, name)?.ok_or_else(|| ApiError::field(name, "This field is required."))
}
