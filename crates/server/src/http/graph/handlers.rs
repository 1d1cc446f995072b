//! The handler of every operation of the route table: `$metadata`, the `/education`
//! root, and each set of the catalog, served by the roster's handler (`roster`), the
//! contained sets' (`contained`) or School Data Sync's (`sync`) after its row.

use axum::response::Response;
use edugraph_edu::access::Op;
use edugraph_edu::sets::SetDef;

use super::ctx::Ctx;
use super::{contained, respond, roster, sync};
use crate::error::ApiResult;

/// Runs the handler of `op`. `keys` are the ids the pattern captured, in path order.
pub async fn run(ctx: &Ctx, op: Op, keys: &[String]) -> ApiResult<Response> {
    match op {
        Op::Metadata => Ok(metadata(ctx.schema)),
        Op::GetRoot => Ok(root(ctx)),
        Op::Set(set, action) => {
            let def = SetDef::of(set);
            if def.beta_only {
                sync::run(ctx, def, action, keys).await
            } else if roster::serves(def) {
                roster::run(ctx, def, action, keys).await
            } else {
                contained::run(ctx, set, action, keys).await
            }
        }
    }
}

/// `$metadata`: the CSDL of the version, served to anyone.
pub fn metadata(schema: &edugraph_odata::Schema) -> Response {
    let mut resp = Response::new(axum::body::Body::from(schema.metadata_xml()));
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/xml"),
    );
    resp.headers_mut()
        .insert("odata-version", axum::http::HeaderValue::from_static("4.0"));
    resp
}

/// `GET /education`: the root singleton has no properties of its own.
fn root(ctx: &Ctx) -> Response {
    let body = respond::splice_context(&ctx.context("education"), "{}");
    respond::json(ctx, axum::http::StatusCode::OK, body, None)
}
