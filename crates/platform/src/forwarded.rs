//! Forwarded headers and the client's address. Only a trusted proxy may tell us who the
//! client is and which address it used: `normalize` runs before anything reads a request
//! and leaves it in one of two shapes.
//!
//! - The connection's peer is a trusted proxy (`Config::trusted_proxy_nets`): the hops
//!   the proxies reported (`X-Forwarded-For`/`-Proto`/`-Host`, or RFC 7239 `Forwarded`
//!   when none of those is present) are read from the nearest one outwards, each hop
//!   believed because the proxy that wrote it is trusted, until a hop names an address
//!   that is not a trusted proxy: that address is the client. The request keeps exactly
//!   one `X-Forwarded-Proto` and one `X-Forwarded-Host` with what was established (when
//!   plausible), and no `Forwarded` or `X-Forwarded-For`.
//! - Any other peer, or no peer at all (in-process requests): every forwarded header is
//!   removed, and the client is the peer.
//!
//! The client's address is the [`ClientIp`] request extension, which no header can set.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{header, Extensions, HeaderMap, HeaderName, HeaderValue, Request};
use ipnet::IpNet;

use crate::config::Config;

pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
pub const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
pub const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The client's address as established by [`normalize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client's address of a request: the [`ClientIp`] that `normalize` set, else the
/// connection's peer.
pub fn client_ip(extensions: &Extensions) -> Option<IpAddr> {
    extensions.get::<ClientIp>().map(|c| c.0).or_else(|| {
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_canonical())
    })
}

/// What one proxy reported about the hop before it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Hop {
    client: Option<IpAddr>,
    proto: Option<&'static str>,
    host: Option<String>,
}

/// What the trusted proxies established.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Established {
    client: Option<IpAddr>,
    proto: Option<&'static str>,
    host: Option<String>,
}

fn trusted(proxies: &[IpNet], ip: IpAddr) -> bool {
    proxies.iter().any(|net| net.contains(&ip))
}

/// Brings the forwarded headers of `req` into the shape the module docs describe and sets
/// [`ClientIp`].
pub fn normalize<B>(mut req: Request<B>, proxies: &[IpNet]) -> Request<B> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical());
    let established = match peer {
        Some(ip) if trusted(proxies, ip) => establish(req.headers(), ip, proxies),
        _ => Established {
            client: peer,
            proto: None,
            host: None,
        },
    };
    let headers = req.headers_mut();
    // Most requests carry none of them: look once over the few header names rather than
    // probing the map for each.
    let forwarded = [
        header::FORWARDED,
        X_FORWARDED_FOR,
        X_FORWARDED_PROTO,
        X_FORWARDED_HOST,
    ];
    if headers.keys().any(|k| forwarded.contains(k)) {
        for name in forwarded {
            headers.remove(name);
        }
    }
    if let Some(proto) = established.proto {
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(proto));
    }
    if let Some(host) = established
        .host
        .and_then(|h| HeaderValue::from_str(&h).ok())
    {
        headers.insert(X_FORWARDED_HOST, host);
    }
    // HTTP/2 carries the host in the request target, not in a `Host` header.
    if !req.headers().contains_key(header::HOST) {
        if let Some(authority) = req.uri().authority().map(|a| a.as_str().to_string()) {
            if let Ok(v) = HeaderValue::from_str(&authority) {
                req.headers_mut().insert(header::HOST, v);
            }
        }
    }
    if let Some(ip) = established.client {
        req.extensions_mut().insert(ClientIp(ip));
    }
    req
}

/// Walks the reported hops from the nearest proxy (`peer`, trusted) outwards.
fn establish(headers: &HeaderMap, peer: IpAddr, proxies: &[IpNet]) -> Established {
    let x_forwarded = [&X_FORWARDED_FOR, &X_FORWARDED_PROTO, &X_FORWARDED_HOST]
        .iter()
        .any(|name| headers.contains_key(*name));
    let hops = if x_forwarded {
        x_forwarded_hops(headers)
    } else {
        forwarded_hops(headers)
    };
    let mut out = Established {
        client: Some(peer),
        proto: None,
        host: None,
    };
    for hop in hops.into_iter().rev() {
        // This hop was written by the proxy at `out.client`, which is trusted.
        if hop.proto.is_some() {
            out.proto = hop.proto;
        }
        if hop.host.is_some() {
            out.host = hop.host;
        }
        match hop.client {
            Some(ip) => {
                out.client = Some(ip);
                if !trusted(proxies, ip) {
                    break;
                }
            }
            // `unknown` or an obfuscated name: nothing further out can be believed.
            None => break,
        }
    }
    out
}

/// Every value of a comma-separated header, over all its lines, in order.
fn list_values(headers: &HeaderMap, name: &HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_string())
        .collect()
}

/// The `X-Forwarded-*` lists as hops, aligned from the right (a proxy that sets only
/// `X-Forwarded-Proto` reports it for the hop it appended to `X-Forwarded-For`).
fn x_forwarded_hops(headers: &HeaderMap) -> Vec<Hop> {
    let fors = list_values(headers, &X_FORWARDED_FOR);
    let protos = list_values(headers, &X_FORWARDED_PROTO);
    let hosts = list_values(headers, &X_FORWARDED_HOST);
    let n = fors.len().max(protos.len()).max(hosts.len());
    let at = |list: &[String], i: usize| -> Option<String> {
        (i + list.len())
            .checked_sub(n)
            .and_then(|j| list.get(j).cloned())
    };
    (0..n)
        .map(|i| Hop {
            client: at(&fors, i).and_then(|v| parse_node(&v)),
            proto: at(&protos, i).and_then(|v| scheme(&v)),
            host: at(&hosts, i).filter(|h| valid_host(h)),
        })
        .collect()
}

/// RFC 7239 `Forwarded: for=192.0.2.60;proto=https;host=edu.example, for="[2001:db8::1]"`.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Hop> {
    let mut hops = Vec::new();
    for line in headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for element in split_unquoted(line, ',') {
            let mut hop = Hop::default();
            for pair in split_unquoted(&element, ';') {
                let Some((key, value)) = pair.split_once('=') else {
                    continue;
                };
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                match key.trim().to_ascii_lowercase().as_str() {
                    "for" => hop.client = parse_node(value),
                    "proto" => hop.proto = scheme(value),
                    "host" => hop.host = Some(value.to_string()).filter(|h| valid_host(h)),
                    _ => {}
                }
            }
            hops.push(hop);
        }
    }
    hops
}

/// Splits on `sep` outside double quotes.
fn split_unquoted(s: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in s.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

/// An address as proxies write it: `192.0.2.7`, `192.0.2.7:4711`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:4711`. `unknown` and obfuscated names are `None`.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Some(addr.ip().to_canonical());
    }
    let inner = value.strip_prefix('[')?.split(']').next()?;
    inner
        .parse::<Ipv6Addr>()
        .ok()
        .map(|ip| IpAddr::V6(ip).to_canonical())
}

fn scheme(value: &str) -> Option<&'static str> {
    match value.trim().to_ascii_lowercase().as_str() {
        "https" => Some("https"),
        "http" => Some("http"),
        _ => None,
    }
}

/// A syntactically valid `host[:port]`: a DNS name or IPv4 address, or a bracketed IPv6
/// address, optionally followed by a port. Nothing else may reach a link we write.
pub fn valid_host(value: &str) -> bool {
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        if v6.parse::<Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return false,
            },
        }
    } else {
        match value.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(value), None),
        }
    };
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u16>().is_ok()
    });
    let host_ok = host.is_none_or(|h| {
        !h.is_empty()
            && h.len() <= 253
            && h.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
    });
    port_ok && host_ok
}

/// The origin absolute links start with, without a trailing slash: `config.public_url`
/// when set (nothing a request says changes it); else the scheme and host a trusted
/// proxy established (`normalize` removed any other peer's), else `Host`,
/// else the listen address; the scheme is `https` when we serve TLS. A host that is not a
/// syntactically valid `host[:port]` is never used. Without `public_url` a client that
/// forges `Host` only steers the links of its own response (see docs/links-and-issuers.md).
pub fn base_url(headers: &HeaderMap, config: &Config) -> String {
    if let Some(url) = &config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let value = |name: HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let proto = match value(X_FORWARDED_PROTO)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("https") => "https",
        Some("http") => "http",
        _ if config.tls_cert.is_some() => "https",
        _ => "http",
    };
    let host = value(X_FORWARDED_HOST)
        .filter(|h| valid_host(h))
        .or_else(|| value(header::HOST).filter(|h| valid_host(h)))
        .unwrap_or(config.listen.as_str());
    let mut out = String::with_capacity(proto.len() + 3 + host.len());
    out.push_str(proto);
    out.push_str("://");
    out.push_str(host);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn request(peer: Option<&str>, headers: &[(&str, &str)]) -> Request<()> {
        let mut req = Request::builder().uri("/v1.0/education/users");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req.body(()).unwrap();
        if let Some(peer) = peer {
            req.extensions_mut()
                .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        }
        req
    }

    fn seen(req: &Request<()>) -> (Option<String>, Option<String>, Option<String>, bool) {
        let get = |n: &HeaderName| {
            req.headers()
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
        };
        (
            client_ip(req.extensions()).map(|ip| ip.to_string()),
            get(&X_FORWARDED_PROTO),
            get(&X_FORWARDED_HOST),
            req.headers().contains_key(X_FORWARDED_FOR)
                || req.headers().contains_key(header::FORWARDED),
        )
    }

    const FORGED: &[(&str, &str)] = &[
        ("x-forwarded-for", "203.0.113.9"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "evil.example"),
        ("forwarded", "for=203.0.113.9;host=evil.example"),
    ];

    #[test]
    fn untrusted_peers_and_in_process_requests_lose_every_forwarded_header() {
        let proxies = nets(&["10.0.0.0/8"]);
        let req = normalize(request(Some("192.0.2.1:5000"), FORGED), &proxies);
        assert_eq!(seen(&req), (Some("192.0.2.1".into()), None, None, false));
        let req = normalize(request(None, FORGED), &proxies);
        assert_eq!(seen(&req), (None, None, None, false));
    }

    #[test]
    fn a_trusted_proxy_establishes_client_proto_and_host() {
        let proxies = nets(&["10.0.0.0/8"]);
        let req = normalize(
            request(
                Some("10.1.2.3:5000"),
                &[
                    // The client's own (forged) entry comes first; the proxy appended.
                    ("x-forwarded-for", "198.51.100.66, 203.0.113.9"),
                    ("x-forwarded-proto", "https"),
                    ("x-forwarded-host", "graph.school.example"),
                ],
            ),
            &proxies,
        );
        assert_eq!(
            seen(&req),
            (
                Some("203.0.113.9".into()),
                Some("https".into()),
                Some("graph.school.example".into()),
                false
            )
        );
        // Through two trusted proxies, the first untrusted address is the client.
        let req = normalize(
            request(
                Some("10.1.2.3:5000"),
                &[("x-forwarded-for", "198.51.100.66, 203.0.113.9, 10.9.9.9")],
            ),
            &proxies,
        );
        assert_eq!(seen(&req).0.as_deref(), Some("203.0.113.9"));
        // A host that is not a plausible host[:port] is dropped.
        let req = normalize(
            request(
                Some("10.1.2.3:5000"),
                &[("x-forwarded-host", "evil\"host/path")],
            ),
            &proxies,
        );
        assert_eq!(seen(&req), (Some("10.1.2.3".into()), None, None, false));
    }

    #[test]
    fn rfc7239_forwarded_is_read_when_no_x_forwarded_header_is_present() {
        let proxies = nets(&["::1/128"]);
        let req = normalize(
            request(
                Some("[::1]:5000"),
                &[(
                    "forwarded",
                    "for=198.51.100.66, for=\"[2001:db8::7]:4711\";proto=https;host=\"edu.example:8443\"",
                )],
            ),
            &proxies,
        );
        assert_eq!(
            seen(&req),
            (
                Some("2001:db8::7".into()),
                Some("https".into()),
                Some("edu.example:8443".into()),
                false
            )
        );
    }

    #[test]
    fn hosts_are_checked_for_syntax() {
        for ok in [
            "graph.example.edu",
            "127.0.0.1:9000",
            "[::1]:8080",
            "[2001:db8::1]",
            "edu_graph:8080",
            "localhost",
        ] {
            assert!(valid_host(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example/path",
            "a b",
            "evil\"host",
            "host:99999",
            "host:",
            "[::1",
            "[nothost]:80",
            "a..b",
            "-a.example",
            "user@evil.example",
            "a:1:2",
        ] {
            assert!(!valid_host(bad), "{bad}");
        }
    }

    #[test]
    fn base_url_prefers_config_then_forwarded_then_host() {
        let mut config = Config::default();
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:9000"));
        assert_eq!(base_url(&headers, &config), "http://127.0.0.1:9000");
        // What `forwarded::normalize` leaves from a trusted proxy.
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        headers.insert(
            "x-forwarded-host",
            HeaderValue::from_static("graph.example.edu"),
        );
        assert_eq!(base_url(&headers, &config), "https://graph.example.edu");
        headers.insert("x-forwarded-host", HeaderValue::from_static("evil\"host"));
        assert_eq!(base_url(&headers, &config), "https://127.0.0.1:9000");
        headers.insert("host", HeaderValue::from_static("evil.example/x?"));
        assert_eq!(base_url(&headers, &config), "https://127.0.0.1:8080");
        config.public_url = Some("https://edu.example/".into());
        assert_eq!(base_url(&headers, &config), "https://edu.example");
        assert_eq!(
            base_url(&HeaderMap::new(), &Config::default()),
            "http://127.0.0.1:8080"
        );
        let tls = Config {
            tls_cert: Some("cert.pem".into()),
            tls_key: Some("key.pem".into()),
            ..Config::default()
        };
        assert_eq!(base_url(&HeaderMap::new(), &tls), "https://127.0.0.1:8080");
    }
}
