//! The request log: one line per request at `info`, under the target `edugraph::request`,
//! with the method, the path (never the query string, which can carry `$filter` values
//! and `$skiptoken`s), the status, the latency in microseconds and the request id.
//! Lines logged while a request runs (a handler's warning) carry its request id too:
//! `telemetry` reads it from the task-local `REQUEST_IDS` when it formats them.
//!
//! Cheap by design, because every request pays for it: one event with five plain fields,
//! no span, no per-body-chunk or end-of-stream hooks; the line is formatted here and
//! written by the log thread (`telemetry`), never waited for. With
//! `edugraph::request=warn` in `EDUGRAPH_LOG` the line is skipped, except for server
//! errors, which are logged at `error`.

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::http::Uri;
use axum::response::Response;
use tracing::Level;

use crate::telemetry::LogFormat;

/// The target of the per-request line, to filter it on its own.
pub const TARGET: &str = "edugraph::request";

/// Where request lines go once the process's logging is set up (`telemetry::init`):
/// the log thread's queue, in the configured format. Formatting the line here, by hand,
/// costs a tenth of what a `tracing` event through the formatting layer does, and every
/// request pays it.
pub struct Sink {
    pub writer: crate::telemetry::writer::LogWriter,
    pub format: LogFormat,
}

static SINK: OnceLock<Sink> = OnceLock::new();

/// Sends request lines to `sink` from now on (the first call wins).
pub fn install(sink: Sink) {
    let _ = SINK.set(sink);
}

/// Logs the request once its response head is ready. A server error is logged at
/// `error`, so it is still written when `info` lines are filtered out. The filter
/// (`EDUGRAPH_LOG`) decides as for any other line.
pub fn log(method: &str, uri: &Uri, resp: &Response, request_id: &str, started: Instant) {
    let status = resp.status().as_u16();
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let path = uri.path();
    let error = resp.status().is_server_error();
    let level = if error { Level::ERROR } else { Level::INFO };
    let enabled = if error {
        tracing::enabled!(target: TARGET, Level::ERROR)
    } else {
        tracing::enabled!(target: TARGET, Level::INFO)
    };
    if !enabled {
        return;
    }
    if let Some(sink) = SINK.get() {
        let fields = Fields {
            method,
            path,
            status,
            latency_us,
            request_id,
        };
        let text = line(sink.format, level, SystemTime::now(), &fields);
        // The writer only buffers the line (and drops it when the buffer is full).
        sink.writer.append(text.as_bytes());
        return;
    }
    // Fields as `&str`, not `%Display`: no string is formatted just to be recorded.
    if error {
        tracing::error!(target: TARGET, method, path, status, latency_us, request_id);
    } else {
        tracing::info!(target: TARGET, method, path, status, latency_us, request_id);
    }
}

/// What a request line says.
pub struct Fields<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub latency_us: u64,
    pub request_id: &'a str,
}

/// One request line, newline included, shaped as the formatting layer writes events
/// (`telemetry`): a flat JSON object, or `<time> <LEVEL> <target>: key=value ...`.
pub fn line(format: LogFormat, level: Level, now: SystemTime, f: &Fields<'_>) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(192 + f.path.len());
    match format {
        LogFormat::Json => {
            out.push_str("{\"timestamp\":\"");
            push_timestamp(&mut out, now);
            out.push_str("\",\"level\":\"");
            out.push_str(level.as_str());
            out.push_str("\",\"method\":");
            json_string(&mut out, f.method);
            out.push_str(",\"path\":");
            json_string(&mut out, f.path);
            out.push_str(",\"status\":");
            push_u64(&mut out, u64::from(f.status));
            out.push_str(",\"latency_us\":");
            push_u64(&mut out, f.latency_us);
            out.push_str(",\"request_id\":");
            json_string(&mut out, f.request_id);
            out.push_str(",\"target\":\"");
            out.push_str(TARGET);
            out.push_str("\"}\n");
        }
        LogFormat::Pretty => {
            push_timestamp(&mut out, now);
            let _ = writeln!(
                out,
                " {:>5} {TARGET}: method={:?} path={:?} status={} latency_us={} request_id={:?}",
                level.as_str(),
                f.method,
                f.path,
                f.status,
                f.latency_us,
                f.request_id
            );
        }
    }
    out
}

/// The bytes a JSON string may hold as they are: printable ASCII except `"` and `\`.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        table[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    table
};

/// `s` as a JSON string literal.
fn json_string(out: &mut String, s: &str) {
    // Paths and ids are plain ASCII almost always; escape only when needed. One table
    // look-up per byte instead of four comparisons: every request logs three strings.
    if s.bytes().all(|b| PLAIN[usize::from(b)]) {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::Value::from(s).to_string());
    }
}

/// Decimal digits of `n`, without the formatting machinery.
fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// RFC 3339 UTC with microseconds, as the formatting layer writes it. The date and time
/// to the second are formatted once per second and thread.
fn push_timestamp(out: &mut String, now: SystemTime) {
    thread_local! {
        static SECOND: std::cell::RefCell<(u64, String)> = const {
            std::cell::RefCell::new((u64::MAX, String::new()))
        };
    }
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    SECOND.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.0 != secs {
            let t = time::OffsetDateTime::from_unix_timestamp(secs as i64)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            cell.1 = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
            cell.0 = secs;
        }
        out.push_str(&cell.1);
    });
    let micros = since.subsec_micros();
    out.push('.');
    // Six digits, zero-padded.
    let mut div = 100_000;
    while div > 0 {
        out.push(char::from(b'0' + ((micros / div) % 10) as u8));
        div /= 10;
    }
    out.push('Z');
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::routing::get;
    use axum::Router;
    use serde_json::Value;
    use tower::ServiceExt;
    use tracing_subscriber::EnvFilter;

    use super::*;
    use crate::config::Config;
    use crate::telemetry::{subscriber, LogFormat};

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

    /// Sends `uri` through the whole middleware stack to a handler that logs a warning and
    /// answers `status`; returns the response's request id and the JSON log lines written
    /// at the default level by the server's own subscriber.
    async fn logged(uri: &str, status: StatusCode) -> (String, Vec<Value>) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = subscriber(LogFormat::Json, EnvFilter::new("info"), false, move || {
            writer.clone()
        });
        let _default = tracing::subscriber::set_default(subscriber);
        let routes = Router::new().route(
            "/v1.0/education/users",
            get(move || async move {
                tracing::warn!("inside the handler");
                status
            }),
        );
        let app = super::super::apply(routes, &Config::default());
        let req = Request::builder().uri(uri).body(Body::empty()).unwrap();
        let resp = app.oneshot(req).await.unwrap();
        assert_eq!(resp.status(), status);
        let rid = resp.headers()["request-id"].to_str().unwrap().to_string();
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        (rid, lines)
    }

    fn request_lines(lines: &[Value]) -> Vec<&Value> {
        lines.iter().filter(|l| l["target"] == TARGET).collect()
    }

    #[tokio::test]
    async fn one_line_per_request_with_method_path_status_latency_and_id_but_no_query() {
        let (rid, lines) = logged(
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
        assert_eq!(line["request_id"], rid.as_str());
        assert!(line["latency_us"].is_u64(), "{line}");
        for l in &lines {
            let text = l.to_string();
            assert!(
                !text.contains("birthDate") && !text.contains("secret"),
                "{text}"
            );
        }
        // What the handler logged carries the request id too.
        let inner = lines
            .iter()
            .find(|l| l["message"] == "inside the handler")
            .unwrap();
        assert_eq!(inner["request_id"], rid.as_str(), "{inner}");
    }

    #[test]
    fn lines_have_the_layout_of_the_formatting_layer() {
        let at = UNIX_EPOCH + std::time::Duration::from_micros(1_764_662_400_000_042);
        let fields = Fields {
            method: "GET",
            path: "/v1.0/education/users/\"x\"",
            status: 200,
            latency_us: 17,
            request_id: "rid-1",
        };
        let json = line(LogFormat::Json, Level::INFO, at, &fields);
        assert_eq!(
            json,
            "{\"timestamp\":\"2025-12-02T08:00:00.000042Z\",\"level\":\"INFO\",\"method\":\"GET\",\
             \"path\":\"/v1.0/education/users/\\\"x\\\"\",\"status\":200,\"latency_us\":17,\
             \"request_id\":\"rid-1\",\"target\":\"edugraph::request\"}\n"
        );
        let parsed: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["path"], "/v1.0/education/users/\"x\"");
        assert_eq!(
            line(LogFormat::Pretty, Level::ERROR, at, &fields),
            "2025-12-02T08:00:00.000042Z ERROR edugraph::request: method=\"GET\" \
             path=\"/v1.0/education/users/\\\"x\\\"\" status=200 latency_us=17 request_id=\"rid-1\"\n"
        );
    }

    #[tokio::test]
    async fn server_errors_are_logged_at_error() {
        let (_, lines) = logged("/v1.0/education/users", StatusCode::SERVICE_UNAVAILABLE).await;
        let request = request_lines(&lines);
        assert_eq!(request.len(), 1, "{lines:?}");
        assert_eq!(request[0]["level"], "ERROR");
        assert_eq!(request[0]["status"], 503);
    }
}
