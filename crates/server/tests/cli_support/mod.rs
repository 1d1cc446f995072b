//! Helpers of the command-line tests: run the `edugraph` binary against a data folder
//! with a clean environment, expect success or a clean failure, open the same store.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use edugraph_server::config::Config;
use edugraph_store::Store;
use serde_json::Value;

pub fn edugraph(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edugraph"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_clear()
        .output()
        .expect("run edugraph")
}

/// Runs a command that must succeed and returns its standard output.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = edugraph(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must fail: nothing on standard output, the reason on standard
/// error (returned).
pub fn fails(dir: &Path, args: &[&str]) -> String {
    let out = edugraph(dir, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(
        out.stdout.is_empty(),
        "{args:?} printed {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

pub fn json(text: &str) -> Value {
    assert_eq!(text.lines().count(), 1, "one line of JSON: {text}");
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edugraph-idcli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn store(dir: &Path) -> (Config, Arc<dyn Store>) {
    let config = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    let store = edugraph_server::startup::open_store(&config).await.unwrap();
    (config, store)
}

/// Runs `edugraph` with exactly these environment variables and no data folder flag.
pub fn edugraph_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edugraph"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("run edugraph")
}

/// `edugraph serve` on a data folder; killed (SIGKILL) when dropped or by [`Server::kill`].
pub struct Server(pub std::process::Child);

impl Server {
    /// `kill -9`: no shutdown, no drain, a running job's lease left behind.
    pub fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `edugraph serve` on `dir` and `port`, in a clean environment, output discarded.
pub fn serve_command(dir: &Path, port: u16) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_edugraph"));
    cmd.args([
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--data-dir",
    ])
    .arg(dir)
    .env_clear()
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    cmd
}

/// Starts `edugraph serve` on `dir` at `port` and waits until it answers its health
/// check; returns it with its base URL.
pub async fn start_server(dir: &Path, port: u16) -> (Server, String) {
    let child = serve_command(dir, port)
        .spawn()
        .expect("start edugraph serve");
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if let Ok(resp) = reqwest::get(format!("{base}/_edugraph/health")).await {
            if resp.status().is_success() {
                return (server, base);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("edugraph serve did not become healthy on port {port}");
}
