//! The request log: one line per request at `info`, under the target `edugraph::request`,
//! with the method, the path (never the query string, which can carry `$filter` values
//! and `$skiptoken`s), the status, the latency in microseconds and the request id. Logs
//! written while the request runs (a handler's warning) carry the request id through a
//! `request` span.
//!
//! Cheap by design, because every request pays for it: one span holding only the request
//! id and one event with five plain fields, no per-body-chunk or end-of-stream hooks; the
//! line is formatted here and written by the log thread (`telemetry`), never waited for. With
//! `edugraph::request=warn` in `EDUGRAPH_LOG` the line and the span are skipped, except for
//! server errors, which are logged at `error`.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::{Instrument, Level};

use crate::error::RequestIds;

/// The target of the per-request line, to filter it on its own.
pub const TARGET: &str = "edugraph::request";

/// Logs the request once its response head is ready. Runs inside `request_ids`, whose
/// ids it reads from the request's extensions. A server error is logged at `error`, so it
/// is still written when `info` lines are filtered out.
pub async fn request_log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    // A `Uri` clone shares its bytes; only the path is ever written.
    let uri = req.uri().clone();
    let request_id = req
        .extensions()
        .get::<RequestIds>()
        .map(|ids| ids.request_id.clone())
        .unwrap_or_default();
    let resp = if tracing::enabled!(target: TARGET, Level::INFO) {
        // Fields as `&str`, not `%Display`: no string is formatted just to be recorded.
        let span = tracing::info_span!(target: TARGET, "request", request_id = request_id.as_str());
        next.run(req).instrument(span).await
    } else {
        next.run(req).await
    };
    let status = resp.status().as_u16();
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let (method, path, request_id) = (method.as_str(), uri.path(), request_id.as_str());
    if resp.status().is_server_error() {
        tracing::error!(target: TARGET, parent: None, method, path, status, latency_us, request_id);
    } else {
        tracing::info!(target: TARGET, parent: None, method, path, status, latency_us, request_id);
    }
    resp
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::middleware::from_fn;
    use axum::routing::get;
    use axum::Router;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;

    /// Log output captured in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Sends `uri` through `request_log` to a handler that logs a warning and answers
    /// `status`; returns the JSON log lines written at the default level.
    async fn logged(uri: &str, status: StatusCode) -> Vec<Value> {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_env_filter("info")
            .with_writer(move || writer.clone())
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let app = Router::new()
            .route(
                "/v1.0/education/users",
                get(move || async move {
                    tracing::warn!("inside the handler");
                    status
                }),
            )
            .layer(from_fn(request_log));
        let mut req = Request::builder().uri(uri).body(Body::empty()).unwrap();
        req.extensions_mut().insert(RequestIds {
            request_id: "rid-1".into(),
            client_request_id: "cid-1".into(),
        });
        assert_eq!(app.oneshot(req).await.unwrap().status(), status);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn request_lines(lines: &[Value]) -> Vec<&Value> {
        lines.iter().filter(|l| l["target"] == TARGET).collect()
    }

    #[tokio::test]
    async fn one_line_per_request_with_method_path_status_latency_and_id_but_no_query() {
        let lines = logged(
            "/v1.0/education/users?$filter=student/birthDate%20eq%202016-05-28&$skiptoken=secret",
            StatusCode::OK,
        )
        .await;
        let request = request_lines(&lines);
        assert_eq!(request.len(), 1, "{lines:?}");
        let line = request[0];
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["method"], "GET");
        assert_eq!(line["path"], "/v1.0/education/users");
        assert_eq!(line["status"], 200);
        assert_eq!(line["request_id"], "rid-1");
        assert!(line["latency_us"].is_u64(), "{line}");
        for l in &lines {
            let text = l.to_string();
            assert!(
                !text.contains("birthDate") && !text.contains("secret"),
                "{text}"
            );
        }
        // What the handler logged carries the request id through the span.
        let inner = lines
            .iter()
            .find(|l| l["message"] == "inside the handler")
            .unwrap();
        assert_eq!(inner["span"]["request_id"], "rid-1", "{inner}");
    }

    #[tokio::test]
    async fn server_errors_are_logged_at_error() {
        let lines = logged("/v1.0/education/users", StatusCode::SERVICE_UNAVAILABLE).await;
        let request = request_lines(&lines);
        assert_eq!(request.len(), 1, "{lines:?}");
        assert_eq!(request[0]["level"], "ERROR");
        assert_eq!(request[0]["status"], 503);
    }
}
