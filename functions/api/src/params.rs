//! Query-string parsing with errors in the API's words.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use inbox_web::error::ApiError;

/// The query string as (key, value) pairs; a key may repeat.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        if raw.len() > 8192 {
            return Err(ApiError::BadRequest("the query string is too long".into()));
        }
        serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
            .map(QueryPairs)
            .map_err(|_| ApiError::BadRequest("the query string is malformed".into()))
    }
}

impl QueryPairs {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// All values of a key, commas splitting values too (`network=x,facebook`).
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        let vals: Vec<String> = self
            .0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect::<Vec<_>>())
            .collect();
        self.0.iter().any(|(k, _)| k == key).then_some(vals)
    }

    pub fn limit(&self, default: usize) -> Result<usize, ApiError> {
        match self.get("limit") {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => Ok(n),
                _ => Err(ApiError::BadRequest("limit must be a whole number from 1 to 100".into())),
            },
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::BadRequest(format!("{key} must be true or false"))),
        }
    }

    /// Parses each value of a list parameter with `parse`, naming the bad one.
    pub fn parsed_list<T>(&self, key: &str, what: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<Vec<T>>, ApiError> {
        match self.list(key) {
            None => Ok(None),
            Some(vals) => vals
                .iter()
                .map(|v| parse(v).ok_or_else(|| ApiError::BadRequest(format!("{key}: \"{}\" is not {what}", truncate(v)))))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
        }
    }
}

/// Keeps echoed input short in error messages.
pub fn truncate(s: &str) -> String {
    let t: String = s.chars().take(40).collect();
    if t.len() < s.len() { format!("{t}…") } else { t }
}
