//! Logging setup: `tracing` with an `EnvFilter` from `EDUGRAPH_LOG` (else `RUST_LOG`,
//! else the command's default level), written to standard error so standard output stays
//! free for what commands print (tokens, configuration). Pretty for people, JSON for
//! log collectors.
//!
//! Lines logged while a request runs carry its `request_id` (read from the task-local
//! `REQUEST_IDS` as the line is formatted): a field of the JSON object, or `request_id=...`
//! at the end of a pretty line. This replaces a per-request span, which every request
//! paid for whether or not anything was logged inside it.
//!
//! A request never waits for the log: formatted lines are appended to a bounded buffer
//! that one background thread (`edugraph-log`) writes to standard error every few
//! milliseconds (`writer.rs`). The buffer is lossy: when it is full (standard error
//! blocked, or more lines than the thread can write) new lines are dropped rather than
//! slowing requests down. `init` returns the guard that owns the thread; keeping it until
//! the process ends, and dropping it then, writes out what is still buffered.

use std::fmt;
use std::io::IsTerminal;

use edugraph_platform::error::REQUEST_IDS;
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub mod writer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

/// Keeps the log writer thread alive; dropping it flushes the queued lines and waits
/// (briefly) for the thread to finish. Hold it for the life of the process.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _worker: Option<writer::WriterGuard>,
}

/// The filter directives in force: `EDUGRAPH_LOG`, else `RUST_LOG`, else `default`.
pub fn filter_directives(env: &dyn Fn(&str) -> Option<String>, default: &str) -> String {
    env("EDUGRAPH_LOG")
        .or_else(|| env("RUST_LOG"))
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// Installs the global subscriber and returns the guard of its writer thread. Safe to call
/// more than once: later calls are ignored (and their writer thread is stopped at once).
pub fn init(format: LogFormat, default: &str) -> LogGuard {
    let directives = filter_directives(&|k| std::env::var(k).ok(), default);
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|e| {
        eprintln!("edugraph: ignoring invalid log filter {directives:?}: {e}");
        EnvFilter::new(default)
    });
    let (writer, worker) = writer::start(std::io::stderr());
    // Colour only for a person at a terminal, never escape codes in a log file.
    let ansi = std::io::stderr().is_terminal();
    let request_lines = writer.clone();
    let result = subscriber(format, filter, ansi, writer).try_init();
    if result.is_ok() {
        crate::http::middleware::request_log::install(crate::http::middleware::request_log::Sink {
            writer: request_lines,
            format,
        });
    }
    LogGuard {
        // Already initialised (tests): the first subscriber stays, this writer is unused.
        _worker: result.ok().map(|()| worker),
    }
}

/// The subscriber writing `format` lines through `writer` (also what tests capture).
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    ansi: bool,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    match format {
        LogFormat::Pretty => Box::new(
            builder
                .map_event_format(|inner| WithRequestId { inner, json: false })
                .finish(),
        ),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .map_event_format(|inner| WithRequestId { inner, json: true })
                .finish(),
        ),
    }
}

/// An event format that adds the current request's id to lines logged inside a request.
struct WithRequestId<E> {
    inner: E,
    json: bool,
}

impl<S, N, E> FormatEvent<S, N> for WithRequestId<E>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    E: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // The request line names its id itself and is written outside the request's scope.
        let Ok(id) = REQUEST_IDS.try_with(|ids| ids.request_id.clone()) else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        writer.write_str(&with_request_id(&line, &id, self.json))
    }
}

/// `line` (one formatted event, newline included) with `request_id` added: as the first
/// member of a JSON object, or as a last `key=value` field of a pretty line.
fn with_request_id(line: &str, id: &str, json: bool) -> String {
    let body = line.strip_suffix('\n').unwrap_or(line);
    if json {
        if let Some(rest) = body.strip_prefix('{') {
            let quoted = serde_json::Value::from(id).to_string();
            let sep = if rest.starts_with('}') { "" } else { "," };
            return format!("{{\"request_id\":{quoted}{sep}{rest}\n");
        }
    }
    format!("{body} request_id={id}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_id_joins_json_and_pretty_lines() {
        assert_eq!(
            with_request_id("{\"level\":\"WARN\"}\n", "r-1", true),
            "{\"request_id\":\"r-1\",\"level\":\"WARN\"}\n"
        );
        assert_eq!(
            with_request_id("2026-12-02T00:00:00Z  WARN x: careful\n", "r-1", false),
            "2026-12-02T00:00:00Z  WARN x: careful request_id=r-1\n"
        );
    }

    #[test]
    fn directives_prefer_edugraph_log_then_rust_log_then_the_default() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            filter_directives(
                &env(&[("EDUGRAPH_LOG", "warn"), ("RUST_LOG", "debug")]),
                "info"
            ),
            "warn"
        );
        assert_eq!(
            filter_directives(&env(&[("RUST_LOG", "debug")]), "info"),
            "debug"
        );
        assert_eq!(
            filter_directives(&env(&[("EDUGRAPH_LOG", " ")]), "info"),
            "info"
        );
    }
}
