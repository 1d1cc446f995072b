//! Logging setup: `tracing` with an `EnvFilter` from `EDUGRAPH_LOG` (else `RUST_LOG`,
//! else the command's default level), written to standard error so standard output stays
//! free for what commands print (tokens, configuration). Pretty for people, JSON for
//! log collectors.
//!
//! A request never waits for the log: formatted lines go into a bounded queue that one
//! background thread (`edugraph-log`) drains into a buffered standard error, flushing
//! whenever the queue runs dry. The queue is lossy: when it is full (standard error
//! blocked, or more lines than the thread can write) new lines are dropped rather than
//! slowing requests down. `init` returns the guard that owns the thread; keeping it until
//! the process ends, and dropping it then, writes out what is still queued.

use std::io::{BufWriter, IsTerminal};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Lines held for the writer thread before new ones are dropped: a few megabytes at most,
/// and far more than a burst of requests produces while standard error is momentarily slow.
const QUEUED_LINES: usize = 16_384;

/// Buffer between the writer thread and standard error: one write call per burst of lines
/// rather than one per line.
const WRITE_BUFFER: usize = 64 * 1024;

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
    _worker: Option<WorkerGuard>,
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
    let (writer, worker) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("edugraph-log")
        .finish(BufWriter::with_capacity(WRITE_BUFFER, std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colour only for a person at a terminal, never escape codes in a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    let result = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
    LogGuard {
        // Already initialised (tests): the first subscriber stays, this writer is unused.
        _worker: result.ok().map(|()| worker),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
