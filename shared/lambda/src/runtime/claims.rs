//! API Gateway's verified JWT claims, handed to the one auth extractor (`inbox_web::auth`).
//! The HTTP API's JWT authorizer checks issuer, audience, signature and expiry before the
//! function runs, and passes the claims in `requestContext.authorizer.jwt.claims`; lambda_http
//! keeps the request context in the request's extensions. Only that context is read: a
//! header never is.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use inbox_web::auth::VerifiedClaims;
use lambda_http::request::RequestContext;

/// The authorizer's claims of a request, if API Gateway sent any.
pub fn verified_claims(context: Option<&RequestContext>) -> Option<VerifiedClaims> {
    match context? {
        RequestContext::ApiGatewayV2(ctx) => {
            let jwt = ctx.authorizer.as_ref()?.jwt.as_ref()?;
            Some(VerifiedClaims(jwt.claims.clone().into_iter().collect()))
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Middleware: puts the verified claims where the auth extractor looks for them.
pub async fn gateway_claims(mut req: Request, next: Next) -> Response {
    if let Some(claims) = verified_claims(req.extensions().get::<RequestContext>()) {
        req.extensions_mut().insert(claims);
    } else {
        // Never trust claims that did not come from the authorizer.
        req.extensions_mut().remove::<VerifiedClaims>();
    }
    next.run(req).await
}
