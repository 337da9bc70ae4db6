//! The parts of the OpenAPI document that belong to every HTTP function: the error body and
//! one shared response per error code (from [`ApiError`](crate::error::ApiError)'s codes), the
//! security schemes, and `/health`. The API crate assembles the document from these, the
//! webhook routes and its own handlers (`fn_api::openapi`).

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, Ref, RefOr};

/// Every error answer: `{"error": {"code", "message"}}`.
#[derive(utoipa::ToSchema)]
#[schema(as = Error, description = "Every error: `{\"error\":{\"code\",\"message\"}}`.")]
#[allow(dead_code)]
pub struct ErrorBody {
    #[schema(inline)]
    error: ErrorDetail,
}

#[derive(utoipa::ToSchema)]
#[schema(no_recursion)]
#[allow(dead_code)]
struct ErrorDetail {
    code: ErrorCode,
    /// What went wrong and what to do, in words.
    message: String,
}

/// A stable snake_case code: the codes an error may carry (see `ApiError::code`).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RuleViolated,
    NotImplemented,
    UpstreamFailed,
    DependencyUnavailable,
    MethodNotAllowed,
}

/// The shared error responses: the name operations refer to, the code its body carries, what
/// it means.
pub const ERROR_RESPONSES: &[(&str, &str, &str)] = &[
    ("BadRequest", "bad_request", "Malformed input."),
    ("Unauthorized", "unauthorized", "No or bad credentials."),
    ("Forbidden", "forbidden", "Not allowed."),
    ("NotFound", "not_found", "Unknown, or belonging to another account."),
    ("Conflict", "conflict", "A conflicting concurrent change."),
    ("PayloadTooLarge", "payload_too_large", "The request body is too large."),
    ("UnsupportedMediaType", "unsupported_media_type", "The body must be sent as application/json."),
    ("Unprocessable", "rule_violated", "Valid input that breaks a rule."),
    ("NotImplemented", "not_implemented", "Not available in this version."),
    ("Unavailable", "dependency_unavailable", "A dependency failed; nothing was lost, try again shortly."),
    (
        "BadGateway",
        "upstream_failed",
        "An outside system the request needed (Salesforce) refused or failed; the message says what it answered.",
    ),
];

macro_rules! error_responses {
    ($($name:ident),+ $(,)?) => {$(
        /// A shared error response (see [`ERROR_RESPONSES`]), for `responses(...)`.
        pub struct $name;

        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let (_, code, description) = ERROR_RESPONSES.iter().find(|(n, _, _)| *n == stringify!($name)).expect("listed");
                (stringify!($name), RefOr::T(error_response(code, description)))
            }
        }
    )+};
}

error_responses!(
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unprocessable,
    NotImplemented,
    Unavailable,
    BadGateway
);

fn error_response(code: &str, description: &str) -> Response {
    let narrowed = ObjectBuilder::new()
        .property("error", ObjectBuilder::new().property("code", ObjectBuilder::new().schema_type(Type::String).enum_values(Some([code]))));
    let schema: Schema = AllOfBuilder::new().item(Ref::from_schema_name("Error")).item(narrowed).into();
    ResponseBuilder::new().description(description).content("application/json", ContentBuilder::new().schema(Some(schema)).build()).build()
}

/// Adds what every function's document shares: the error schema and responses, the security
/// schemes (`bearerAuth`, `apiKeyAuth`).
pub struct Shared;

impl utoipa::Modify for Shared {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.schemas.insert("Error".into(), <ErrorBody as utoipa::PartialSchema>::schema());
        components.schemas.insert("ErrorCode".into(), <ErrorCode as utoipa::PartialSchema>::schema());
        for (name, code, description) in ERROR_RESPONSES {
            components.responses.insert((*name).into(), RefOr::T(error_response(code, description)));
        }
        let mut bearer = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build();
        bearer.description = Some(
            "A user's token: on one machine an HS256 JWT the runner signs (`sub` the user id, `account_id` the account); on AWS the identity provider's JWT, which API Gateway checks. The Zapier routes take an account API key here instead (see apiKeyAuth).".into(),
        );
        components.add_security_scheme("bearerAuth", SecurityScheme::Http(bearer));
        components.add_security_scheme(
            "apiKeyAuth",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An account API key (`ink_...`, made by an admin at /api/api-keys), for Zapier. It may also be sent as `Authorization: Bearer <key>`.",
            ))),
        );
    }
}

/// `GET /health`'s answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: Up,
}

/// Always `ok`.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Up {
    Ok,
}

/// Liveness.
#[utoipa::path(get, path = "/health", operation_id = "health", tag = "meta", summary = "Liveness",
    responses((status = 200, description = "Up.", body = Health)))]
pub async fn health() -> axum::Json<Health> {
    axum::Json(Health { status: Up::Ok })
}

/// What the types say that the derive does not write: every object schema in the components
/// is closed (`additionalProperties: false`), as a serde struct writes exactly its fields and the
/// request bodies deny unknown ones. A struct that flattens another (`allOf` of the two) is
/// written as the one object it serialises to, so that both stay closed.
pub fn close_objects(doc: &mut OpenApi) {
    use utoipa::openapi::schema::{AdditionalProperties, Object};
    let Some(components) = doc.components.as_mut() else { return };
    let mut snapshot = components.schemas.clone();
    let object_of = |r: &RefOr<Schema>, snapshot: &std::collections::BTreeMap<String, RefOr<Schema>>| -> Option<Object> {
        match r {
            RefOr::T(Schema::Object(o)) => Some(o.clone()),
            RefOr::Ref(r) => match snapshot.get(r.ref_location.rsplit('/').next().unwrap_or_default()) {
                Some(RefOr::T(Schema::Object(o))) => Some(o.clone()),
                _ => None,
            },
            _ => None,
        }
    };
    // A struct that flattens one that flattens another needs two rounds; a part that is not a
    // plain object with named fields (a flattened map or JSON value) keeps the allOf, open.
    for _ in 0..8 {
        let mut merged_any = false;
        for schema in components.schemas.values_mut() {
            let RefOr::T(Schema::AllOf(all)) = &*schema else { continue };
            let parts: Option<Vec<Object>> = all.items.iter().map(|i| object_of(i, &snapshot)).collect();
            let Some(parts) = parts.filter(|p| p.iter().all(|o| o.additional_properties.is_none() && !o.properties.is_empty())) else {
                continue;
            };
            let mut whole = parts[0].clone();
            for part in &parts[1..] {
                whole.properties.extend(part.properties.clone());
                whole.required.extend(part.required.iter().cloned());
            }
            whole.description = all.description.clone().or(whole.description);
            *schema = RefOr::T(Schema::Object(whole));
            merged_any = true;
        }
        if !merged_any {
            break;
        }
        snapshot = components.schemas.clone();
    }
    let open: std::collections::BTreeSet<String> = components
        .schemas
        .iter()
        .filter(|(_, s)| matches!(s, RefOr::T(Schema::AllOf(_))))
        .flat_map(|(_, s)| match s {
            RefOr::T(Schema::AllOf(all)) => all
                .items
                .iter()
                .filter_map(|i| match i {
                    RefOr::Ref(r) => Some(r.ref_location.rsplit('/').next().unwrap_or_default().to_string()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
            _ => vec![],
        })
        .collect();
    for (name, schema) in components.schemas.iter_mut() {
        if !open.contains(name) {
            close(schema);
        }
    }
    fn close(schema: &mut RefOr<Schema>) {
        match schema {
            RefOr::T(Schema::Object(o)) if !o.properties.is_empty() => {
                if o.additional_properties.is_none() {
                    o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
                for p in o.properties.values_mut() {
                    close(p);
                }
            }
            RefOr::T(Schema::Array(a)) => {
                if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut a.items {
                    close(items);
                }
            }
            RefOr::T(Schema::OneOf(one)) => one.items.iter_mut().for_each(close),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::close_objects;
    use std::collections::HashMap;
    use utoipa::OpenApi as _;

    #[derive(serde::Serialize, utoipa::ToSchema)]
    struct Inner {
        a: String,
    }

    #[derive(serde::Serialize, utoipa::ToSchema)]
    struct Outer {
        #[serde(flatten)]
        inner: Inner,
        b: u32,
    }

    #[derive(serde::Serialize, utoipa::ToSchema)]
    struct Top {
        #[serde(flatten)]
        outer: Outer,
        c: bool,
    }

    #[derive(serde::Serialize, utoipa::ToSchema)]
    struct WithMap {
        d: String,
        #[serde(flatten)]
        rest: HashMap<String, String>,
    }

    #[derive(utoipa::OpenApi)]
    #[openapi(components(schemas(Inner, Outer, Top, WithMap)))]
    struct Doc;

    #[test]
    fn flattened_structs_become_one_closed_object_and_a_flattened_map_stays_open() {
        let mut doc = Doc::openapi();
        close_objects(&mut doc);
        let doc = serde_json::to_value(&doc).unwrap();
        let schema = |name: &str| doc["components"]["schemas"][name].clone();
        for (name, fields) in [("Inner", vec!["a"]), ("Outer", vec!["a", "b"]), ("Top", vec!["a", "b", "c"])] {
            let s = schema(name);
            assert_eq!(s["additionalProperties"], false, "{name}: {s}");
            let mut props: Vec<&str> = s["properties"].as_object().unwrap().keys().map(String::as_str).collect();
            props.sort();
            assert_eq!(props, fields, "{name}: one object with every field it serialises: {s}");
        }
        let map = schema("WithMap");
        assert_ne!(map["additionalProperties"], false, "a flattened map's keys stay allowed: {map}");
    }
}
