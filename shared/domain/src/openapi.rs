//! The schema of a time on the wire, which `Timestamp` fields name (the alias itself cannot
//! carry one). The domain's types derive `utoipa::ToSchema` where they are declared (feature
//! `openapi`, which only the API crate turns on); those whose JSON is not what a derive would
//! say (ids, an actor, an assignee filter) implement it there by hand.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

/// A time on the wire: RFC 3339, UTC (the `Timestamp` schema; `Timestamp` fields name it with
/// `#[schema(value_type = TimestampSchema)]`, as the alias itself cannot carry a schema).
pub struct TimestampSchema;

impl utoipa::PartialSchema for TimestampSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("RFC 3339, UTC."))
            .into()
    }
}

impl utoipa::ToSchema for TimestampSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
}
