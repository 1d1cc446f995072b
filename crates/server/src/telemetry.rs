//! Logging setup: `tracing` with an `EnvFilter` from `EDUGRAPH_LOG` (else `RUST_LOG`,
//! else the command's default level), written to standard error so standard output stays
//! free for what commands print (tokens, configuration). Pretty for people, JSON for
//! log collectors.

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

/// The filter directives in force: `EDUGRAPH_LOG`, else `RUST_LOG`, else `default`.
pub fn filter_directives(env: &dyn Fn(&str) -> Option<String>, default: &str) -> String {
    env("EDUGRAPH_LOG")
        .or_else(|| env("RUST_LOG"))
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// Installs the global subscriber. Safe to call more than once: later calls are ignored.
pub fn init(format: LogFormat, default: &str) {
    let directives = filter_directives(&|k| std::env::var(k).ok(), default);
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|e| {
        eprintln!("edugraph: ignoring invalid log filter {directives:?}: {e}");
        EnvFilter::new(default)
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
    // Already initialised (tests): keep the first subscriber.
    let _ = result;
}
