//! The `edugraph` binary. Deliberately thin: parse the command line, set up logging and
//! hand over to the library, where everything is testable in-process.

use std::process::ExitCode;

use clap::Parser;
use edugraph_server::{cli, telemetry};

/// mimalloc rather than the system allocator: a request makes about a hundred small
/// allocations, and glibc's malloc and free cost several times more per call (see
/// docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Held to the end of `main`: dropping it writes out the log lines still queued.
    let _log = telemetry::init(cli.log_format, cli.command.default_log_level());
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("edugraph: {e:#}");
            ExitCode::FAILURE
        }
    }
}
