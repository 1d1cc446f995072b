//! Bounds on the request itself, checked before any handler runs: the URI length (414),
//! the size of the header block (431) and the body size (413). Each answer is the Graph
//! envelope. Limits hyper enforces on its own (a URI over 64 KiB, more than 100 header
//! fields, a head over its read buffer, a malformed request line) never reach this
//! stack; `wire.rs` turns hyper's bare answers to those into envelopes too.
//!
//! An oversized body is read and thrown away (up to [`DRAIN_LIMIT`]) before the 413 goes
//! out: a server that answers and closes while the client is still sending makes the
//! client's TCP stack see a reset, and the SDKs then report a broken connection instead
//! of the 413.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::error::ApiError;

/// Bytes of path and query a request may have.
pub const MAX_URI_LENGTH: usize = 32 * 1024;
/// Bytes of all header names and values together.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Header fields hyper accepts (its default), named in the 431 it answers past them.
pub const MAX_HEADER_FIELDS: usize = 100;
/// Bytes of an oversized body read and discarded before answering 413; a client that
/// sends more finds the connection closed.
pub const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
/// How long the discarding may take, so a trickling client cannot hold the task.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(30);

pub fn uri_too_long(len: Option<usize>) -> ApiError {
    let size = len.map_or_else(String::new, |n| format!(" ({n} bytes)"));
    ApiError::new(
        StatusCode::URI_TOO_LONG,
        "requestUriTooLong",
        format!("The request URI is too long{size}; at most {MAX_URI_LENGTH} bytes are allowed."),
    )
}

pub fn headers_too_large(len: Option<usize>) -> ApiError {
    let size = len.map_or_else(String::new, |n| format!(" ({n} bytes)"));
    ApiError::new(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "requestHeaderFieldsTooLarge",
        format!(
            "The request headers are too large{size}; at most {MAX_HEADER_BYTES} bytes in {MAX_HEADER_FIELDS} fields are allowed."
        ),
    )
}

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

/// 414 and 431 for a request line or header block over our limits.
pub fn check_head(req: &Request) -> Result<(), ApiError> {
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI_LENGTH {
        return Err(uri_too_long(Some(uri_len)));
    }
    let head = header_bytes(req.headers());
    if head > MAX_HEADER_BYTES {
        return Err(headers_too_large(Some(head)));
    }
    Ok(())
}

/// Reads the body up to `limit` bytes before the handlers see it; past the limit, the
/// rest is discarded (bounded) and the answer is the 413 envelope. A declared
/// `Content-Length` over the limit is refused without reading when the client waits for
/// `100 Continue`: it then never sends the body.
pub async fn bounded_body(limit: usize, req: Request) -> Result<Request, Response> {
    use axum::body::HttpBody;
    if limit == 0 || req.body().is_end_stream() {
        return Ok(req);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let expects_continue = req
        .headers()
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let over = declared.is_some_and(|n| n > limit as u64);
    if over && expects_continue {
        return Err(closing(ApiError::payload_too_large(limit).into_response()));
    }
    let (parts, body) = req.into_parts();
    match read_bounded(body, limit).await {
        Ok(bytes) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Err(Drained::All) => Err(ApiError::payload_too_large(limit).into_response()),
        Err(Drained::Partly) => Err(closing(ApiError::payload_too_large(limit).into_response())),
    }
}

/// How much of an oversized body was consumed.
enum Drained {
    /// To its end: the connection can serve the next request.
    All,
    /// Not to its end (too long, too slow, or broken): the connection must close.
    Partly,
}

/// The whole body when it has at most `limit` bytes; otherwise the rest is discarded up
/// to [`DRAIN_LIMIT`] bytes in all.
async fn read_bounded(body: Body, limit: usize) -> Result<Bytes, Drained> {
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| Drained::Partly)?;
        if buf.len() + chunk.len() > limit {
            let seen = buf.len() + chunk.len();
            drop(buf);
            return Err(discard(stream, seen).await);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

async fn discard(mut stream: axum::body::BodyDataStream, mut seen: usize) -> Drained {
    let drain = async {
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(c) => seen += c.len(),
                Err(_) => return Drained::Partly,
            }
            if seen > DRAIN_LIMIT {
                return Drained::Partly;
            }
        }
        Drained::All
    };
    tokio::time::timeout(DRAIN_TIME, drain)
        .await
        .unwrap_or(Drained::Partly)
}

/// Marks a response as the last on its connection.
fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}
