//! The connection wrapper that turns hyper's own error answers into Graph envelopes.
//!
//! hyper answers a request it cannot parse by itself, before any service sees it: a
//! malformed request line or header (400), a URI over 64 KiB (414), a head larger than
//! its read buffer or with more than 100 fields (431). Those answers are a bare status
//! line with no body. Every error response the application writes carries a
//! `Content-Type` (the middleware guarantees it), so a response head with one of those
//! statuses and no `Content-Type` can only be hyper's. [`Wire`] replaces such a head, on
//! its way out, by a complete response with the same status and the Graph envelope. hyper
//! closes the connection after these answers; the replacement says so (`Connection:
//! close`).
//!
//! The plain listener ([`WireListener`]) and the TLS acceptor ([`WireAcceptor`]) wrap
//! every accepted connection, on the decrypted side.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::bounds::{headers_too_large, uri_too_long};
use crate::error::{ApiError, RequestIds};

/// A connection whose outgoing bare hyper error answers become Graph envelopes.
pub struct Wire<IO> {
    inner: IO,
    /// A replacement response still to be written, and how much of it has been.
    pending: Vec<u8>,
    written: usize,
}

impl<IO> Wire<IO> {
    pub fn new(inner: IO) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<IO: AsyncWrite + Unpin> Wire<IO> {
    /// Writes out the rest of a replacement response.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    /// Takes `buf` in place of the inner stream when it starts with hyper's bare error
    /// head: returns how many bytes of `buf` were consumed (the head), having queued the
    /// replacement.
    fn poll_replace(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Option<Poll<io::Result<usize>>> {
        let (head_len, replacement) = replacement_for(buf)?;
        self.pending = replacement;
        self.written = 0;
        // What cannot go out now goes out on the flush hyper does next.
        if let Poll::Ready(Err(e)) = self.poll_pending(cx) {
            return Some(Poll::Ready(Err(e)));
        }
        Some(Poll::Ready(Ok(head_len)))
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Wire<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Wire<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(done) = this.poll_replace(cx, buf) {
            return done;
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            if let Some(done) = this.poll_replace(cx, first) {
                return done;
            }
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// When `buf` starts with a bare `400`/`414`/`431` head (no `Content-Type`): the head's
/// length and the complete response to send instead.
fn replacement_for(buf: &[u8]) -> Option<(usize, Vec<u8>)> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ")?;
    let err = match rest.get(..4)? {
        b"400 " => ApiError::bad_request(
            "The request could not be read: its request line or a header is malformed.",
        ),
        b"414 " => uri_too_long(None),
        b"431 " => headers_too_large(None),
        _ => return None,
    };
    let head_len = find(buf, b"\r\n\r\n")? + 4;
    let head = buf[..head_len].to_ascii_lowercase();
    if find(&head, b"\r\ncontent-type:").is_some() {
        return None;
    }
    Some((head_len, render(&err, &buf[..head_len])))
}

/// The response for `err`, keeping the `Date` line of hyper's head.
fn render(err: &ApiError, head: &[u8]) -> Vec<u8> {
    let ids = RequestIds {
        request_id: uuid::Uuid::new_v4().to_string(),
        client_request_id: uuid::Uuid::new_v4().to_string(),
    };
    let body = err.envelope(&ids);
    let status: StatusCode = err.status;
    let date = String::from_utf8_lossy(head)
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with("date:"))
        .map(|l| format!("{l}\r\n"))
        .unwrap_or_default();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\nrequest-id: {}\r\nclient-request-id: {}\r\n{date}\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len(),
        ids.request_id,
        ids.client_request_id,
    )
    .into_bytes()
}

/// A TCP listener whose connections are [`Wire`]s.
pub struct WireListener(pub TcpListener);

impl axum::serve::Listener for WireListener {
    type Io = Wire<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (Wire::new(io), addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// An `axum_server` acceptor (the TLS one) whose streams are [`Wire`]s.
#[derive(Debug, Clone)]
pub struct WireAcceptor<A>(pub A);

impl<A, I, S> axum_server::accept::Accept<I, S> for WireAcceptor<A>
where
    A: axum_server::accept::Accept<I, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = Wire<A::Stream>;
    type Service = A::Service;
    type Future = futures::future::BoxFuture<'static, io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let accepted = self.0.accept(stream, service);
        Box::pin(async move {
            let (stream, service) = accepted.await?;
            Ok((Wire::new(stream), service))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_error_heads_are_replaced() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 03:00:00 GMT\r\n\r\n";
        let (len, out) = replacement_for(bare).unwrap();
        assert_eq!(len, bare.len());
        let out = String::from_utf8(out).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("content-type: application/json"));
        assert!(head.contains("date: Wed, 02 Dec 2026 03:00:00 GMT"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], "requestHeaderFieldsTooLarge");
        assert!(v["error"]["innerError"]["request-id"].is_string());

        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        assert!(replacement_for(ours).is_none());
        assert!(replacement_for(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
        assert!(replacement_for(b"HTTP/1.1 400 Bad Request\r\ncontent-le").is_none());
        assert!(replacement_for(b"{\"value\":[]}").is_none());
    }
}
