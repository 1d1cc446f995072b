//! The real server over TCP with clients that misbehave: an oversized body is read and
//! discarded so the client receives the 413 envelope (not a reset connection), and the
//! answers hyper gives by itself (a malformed request line, a URI over 64 KiB, too many
//! header fields) are Graph envelopes too.

mod platform_support;

use std::net::SocketAddr;

use edugraph_server::config::Config;
use platform_support::*;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Starts the server on an ephemeral port with `body_limit`; it stops with the test.
async fn start(body_limit: usize) -> SocketAddr {
    let config = Config {
        body_limit,
        ..Config::default()
    };
    let state = test_state(config).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(edugraph_server::serve::run(
        listener,
        state,
        std::future::pending(),
    ));
    addr
}

struct Answer {
    status: u16,
    /// Header lines, names lower-cased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    /// The Graph envelope's `error.code`, after checking its shape.
    fn code(&self) -> String {
        assert_eq!(self.header("content-type"), Some("application/json"));
        let v: Value = serde_json::from_slice(&self.body).expect("a JSON body");
        assert!(v["error"]["innerError"]["request-id"].is_string(), "{v}");
        assert!(v["error"]["message"].is_string(), "{v}");
        v["error"]["code"].as_str().unwrap().to_string()
    }
}

/// Reads one response (its body by `Content-Length`) from `reader`.
async fn read_answer(reader: &mut BufReader<TcpStream>) -> Answer {
    let mut line = String::new();
    reader.read_line(&mut line).await.unwrap();
    let status = line
        .split(' ')
        .nth(1)
        .unwrap_or_else(|| panic!("status line: {line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; len];
    reader.read_exact(&mut body).await.unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

/// Sends `raw` on a new connection and reads one response.
async fn exchange(addr: SocketAddr, raw: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw).await.unwrap();
    read_answer(&mut BufReader::new(stream)).await
}

#[tokio::test]
async fn an_oversized_body_is_drained_and_the_client_reads_the_413() {
    let limit = 64 * 1024;
    let addr = start(limit).await;
    // Far more than the socket buffers hold: a server that stopped reading would reset
    // the connection while this is still being written.
    let body = vec![b'x'; 32 * 1024 * 1024];
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut reader = BufReader::new(stream);
    let head = format!(
        "POST /v1.0/education/users HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let conn = reader.get_mut();
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&body)
        .await
        .expect("the server reads the whole body");
    let answer = read_answer(&mut reader).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.code(), "requestEntityTooLarge");
    let v: Value = serde_json::from_slice(&answer.body).unwrap();
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("65536 bytes"));
    // The body was read to its end, so the connection serves the next request.
    let next = format!("GET /_edugraph/health HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    reader.get_mut().write_all(next.as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut reader).await.status, 200);

    // Chunked, without a length: the limit bites while reading, with the same answer.
    let mut chunked = format!(
        "POST /v1.0/education/users HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..64 {
        chunked.extend_from_slice(format!("{:x}\r\n", 8192).as_bytes());
        chunked.extend_from_slice(&[b'y'; 8192]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = exchange(addr, &chunked).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.code(), "requestEntityTooLarge");
}

#[tokio::test]
async fn a_client_waiting_for_100_continue_gets_the_413_without_sending_the_body() {
    let addr = start(1024).await;
    let head = format!(
        "POST /v1.0/education/users HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n\r\n"
    );
    let answer = exchange(addr, head.as_bytes()).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.header("connection"), Some("close"));
    assert_eq!(answer.code(), "requestEntityTooLarge");
}

#[tokio::test]
async fn hypers_own_refusals_are_graph_envelopes() {
    let addr = start(4096).await;
    // A malformed request line.
    let answer = exchange(addr, b"GET /v1.0/education users HTTP/1.1\r\n\r\n").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.code(), "BadRequest");
    let answer = exchange(addr, b"NOT HTTP AT ALL\r\n\r\n").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.code(), "BadRequest");
    // A URI past hyper's own limit (64 KiB), not only past ours.
    let uri = format!("/v1.0/education/users?$filter={}", "x".repeat(70 * 1024));
    let answer = exchange(
        addr,
        format!("GET {uri} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 414);
    assert_eq!(answer.code(), "requestUriTooLong");
    assert_eq!(answer.header("connection"), Some("close"));
    // More header fields than hyper accepts.
    let mut raw = format!("GET /v1.0/education/users HTTP/1.1\r\nHost: {addr}\r\n");
    for i in 0..120 {
        raw.push_str(&format!("x-filler-{i}: v\r\n"));
    }
    raw.push_str("\r\n");
    let answer = exchange(addr, raw.as_bytes()).await;
    assert_eq!(answer.status, 431);
    assert_eq!(answer.code(), "requestHeaderFieldsTooLarge");
    // Within hyper's limits, ours answer: a 40 KiB URI is a 414 from the middleware.
    let uri = format!("/v1.0/education/users?$filter={}", "x".repeat(40 * 1024));
    let answer = exchange(
        addr,
        format!("GET {uri} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 414);
    assert_eq!(answer.code(), "requestUriTooLong");
}

#[tokio::test]
async fn head_on_a_graph_path_is_a_405_with_allow() {
    let addr = start(4096).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let req =
        format!("HEAD /v1.0/education/users HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    // A HEAD answer has no body: the head alone comes back.
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let raw = raw.to_ascii_lowercase();
    assert!(
        raw.starts_with("http/1.1 405 method not allowed\r\n"),
        "{raw}"
    );
    assert!(raw.contains("\r\nallow: get, post\r\n"), "{raw}");
    assert!(
        raw.contains("\r\ncontent-type: application/json\r\n"),
        "{raw}"
    );
    assert!(raw.ends_with("\r\n\r\n"), "{raw}");
}
