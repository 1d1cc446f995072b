//! The benchmarks' reference server (`scripts/bench.sh`): bare axum on the same tokio
//! runtime the edugraph binary uses, no middleware, no logging, answering `GET` on any
//! path with one fixed JSON body. It shows what the machine and the HTTP stack can do at
//! best, so the server's figures are read as a ratio to it, measured in the same run.
//!
//! ```text
//! refserver [--listen 127.0.0.1:8090] [--file captured.json]
//! ```
//!
//! Without `--file` the body is a small static JSON document (the size of
//! `/_edugraph/version`); with it, that file's bytes, so a captured list page can be served
//! as the best case for a response of the same size.

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderValue;
use axum::routing::get;
use axum::Router;

const DEFAULT_BODY: &str = r#"{"name":"refserver","version":"0.1.0"}"#;

const USAGE: &str = "usage: refserver [--listen ADDR] [--file PATH]";

struct Args {
    listen: String,
    body: Bytes,
}

fn parse_args() -> Result<Args, String> {
    let mut listen = "127.0.0.1:8090".to_string();
    let mut body = Bytes::from_static(DEFAULT_BODY.as_bytes());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--listen" => listen = value()?,
            "--file" => {
                let path = value()?;
                body = std::fs::read(&path)
                    .map_err(|e| format!("cannot read {path}: {e}"))?
                    .into();
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Args { listen, body })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let body = args.body;
    let handler = move || {
        let body = body.clone();
        async move {
            (
                [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                body,
            )
        }
    };
    let app = Router::new()
        .route("/", get(handler.clone()))
        .route("/{*path}", get(handler));
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("refserver: cannot listen on {}: {e}", args.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Ok(addr) = listener.local_addr() {
        println!("refserver listening on {addr}");
    }
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("refserver: {e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
