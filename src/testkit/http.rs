//! A minimal blocking HTTP/1.1 client for `http://127.0.0.1` (and `localhost`, `[::1]`) only:
//! enough to drive the stand-in from tests without an HTTP client crate.
//!
//! One request per connection (`Connection: close`), no redirects followed, no TLS, bounded
//! response size, timeouts on connect, read and write.
//!
//! ```
//! use bitbucket_oauth::testkit::{StandIn, http::send};
//!
//! let stand_in = StandIn::start().unwrap();
//! let request = ::http::Request::get(stand_in.url("/rest/api/1.0/projects"))
//!     .body(Vec::new())
//!     .unwrap();
//! let response = send(&request).unwrap();
//! assert_eq!(response.status(), 401); // unsigned
//! ```

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use ::http::header::{HeaderName, HeaderValue};
use ::http::{Method, Request, Response, StatusCode, Version};

/// The most bytes of a response (head and body) [`send`] reads.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
/// The default overall timeout of [`send`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_RESPONSE_HEADERS: usize = 64;

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_owned())
}

fn bad_data(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Sends a request to a loopback `http://` URL and reads the whole response, with
/// [`DEFAULT_TIMEOUT`].
///
/// # Errors
///
/// See [`send_with_timeout`].
pub fn send<B: AsRef<[u8]>>(request: &Request<B>) -> io::Result<Response<Vec<u8>>> {
    send_with_timeout(request, DEFAULT_TIMEOUT)
}

/// Sends a request to a loopback `http://` URL and reads the whole response within `timeout`.
///
/// The request goes out as written: its headers, then `Host` (unless set), `Content-Length`
/// (for a non-empty body, or any `POST`/`PUT`/`PATCH`) and `Connection: close`. Redirects are
/// returned, not followed.
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`] for a URL that is not `http://` on 127.0.0.1, `localhost` or
/// `[::1]`; [`io::ErrorKind::TimedOut`] / `WouldBlock` when `timeout` passes;
/// [`io::ErrorKind::UnexpectedEof`] when the connection closes before the announced body
/// arrived; [`io::ErrorKind::InvalidData`] for a malformed response or one larger than
/// [`MAX_RESPONSE_BYTES`]; other socket errors.
pub fn send_with_timeout<B: AsRef<[u8]>>(
    request: &Request<B>,
    timeout: Duration,
) -> io::Result<Response<Vec<u8>>> {
    let deadline = Instant::now() + timeout;
    let uri = request.uri();
    if !uri
        .scheme_str()
        .is_some_and(|s| s.eq_ignore_ascii_case("http"))
    {
        return Err(invalid("testkit::http sends only http:// requests"));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| invalid("the URL has no host"))?;
    let ip: IpAddr = match authority.host().to_ascii_lowercase().as_str() {
        "127.0.0.1" | "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        "[::1]" | "::1" => IpAddr::V6(Ipv6Addr::LOCALHOST),
        _ => {
            return Err(invalid(
                "testkit::http sends only to 127.0.0.1, localhost or [::1]",
            ));
        }
    };
    let addr = SocketAddr::new(ip, authority.port_u16().unwrap_or(80));
    let body = request.body().as_ref();

    let mut head = Vec::with_capacity(512);
    head.extend_from_slice(request.method().as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(
        uri.path_and_query()
            .map_or("/", |pq| pq.as_str())
            .as_bytes(),
    );
    head.extend_from_slice(b" HTTP/1.1\r\n");
    let headers = request.headers();
    if !headers.contains_key(::http::header::HOST) {
        head.extend_from_slice(b"Host: ");
        head.extend_from_slice(authority.as_str().as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    for (name, value) in headers {
        if name == ::http::header::CONTENT_LENGTH || name == ::http::header::CONNECTION {
            continue;
        }
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    let method = request.method();
    if !body.is_empty() || [Method::POST, Method::PUT, Method::PATCH].contains(method) {
        head.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");

    let left = |deadline: Instant| -> io::Result<Duration> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::Error::new(io::ErrorKind::TimedOut, "request timed out"))
        } else {
            Ok(left)
        }
    };
    let mut stream = TcpStream::connect_timeout(&addr, left(deadline)?)?;
    let _ = stream.set_nodelay(true);
    stream.set_write_timeout(Some(left(deadline)?))?;
    stream.write_all(&head)?;
    stream.write_all(body)?;
    stream.flush()?;

    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let mut eof = false;
    // Read until the head is complete.
    let (head_len, status, version, parsed_headers) = loop {
        if !eof {
            stream.set_read_timeout(Some(left(deadline)?))?;
            let n = read_retrying(&mut stream, &mut chunk)?;
            if n == 0 {
                eof = true;
            } else {
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
        }
        if buf.len() > MAX_RESPONSE_BYTES {
            return Err(bad_data(format!(
                "the response exceeds {MAX_RESPONSE_BYTES} bytes"
            )));
        }
        let mut slots = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
        let mut response = httparse::Response::new(&mut slots);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let headers: Vec<(String, Vec<u8>)> = response
                    .headers
                    .iter()
                    .map(|h| (h.name.to_owned(), h.value.to_vec()))
                    .collect();
                break (
                    len,
                    response.code.unwrap_or_default(),
                    response.version.unwrap_or(1),
                    headers,
                );
            }
            Ok(httparse::Status::Partial) if eof => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection closed inside the response head",
                ));
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(bad_data(format!("malformed HTTP response: {e}"))),
        }
    };

    let mut content_length: Option<usize> = None;
    for (name, value) in &parsed_headers {
        if name.eq_ignore_ascii_case("content-length") {
            let text = std::str::from_utf8(value).unwrap_or_default().trim();
            let n = text
                .parse::<usize>()
                .map_err(|_| bad_data("invalid Content-Length in the response".into()))?;
            if content_length.is_some_and(|m| m != n) {
                return Err(bad_data(
                    "conflicting Content-Length in the response".into(),
                ));
            }
            content_length = Some(n);
        }
    }
    let no_body = *method == Method::HEAD || status == 204 || status == 304 || status < 200;
    let mut body_bytes = buf.get(head_len..).unwrap_or_default().to_vec();
    if no_body {
        body_bytes.clear();
    } else {
        let want = content_length;
        if want.is_some_and(|n| n > MAX_RESPONSE_BYTES) {
            return Err(bad_data(format!(
                "the response exceeds {MAX_RESPONSE_BYTES} bytes"
            )));
        }
        loop {
            if let Some(n) = want
                && body_bytes.len() >= n
            {
                body_bytes.truncate(n);
                break;
            }
            if eof {
                if let Some(n) = want {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the response body is truncated: {} of {n} bytes arrived",
                            body_bytes.len()
                        ),
                    ));
                }
                break;
            }
            stream.set_read_timeout(Some(left(deadline)?))?;
            let n = read_retrying(&mut stream, &mut chunk)?;
            if n == 0 {
                eof = true;
            } else {
                body_bytes.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if body_bytes.len() > MAX_RESPONSE_BYTES {
                    return Err(bad_data(format!(
                        "the response exceeds {MAX_RESPONSE_BYTES} bytes"
                    )));
                }
            }
        }
    }

    let mut response = Response::new(body_bytes);
    *response.status_mut() = StatusCode::from_u16(status)
        .map_err(|_| bad_data(format!("invalid status code {status}")))?;
    *response.version_mut() = if version == 0 {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    for (name, value) in parsed_headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| bad_data(format!("invalid header name {name:?}")))?;
        let value = HeaderValue::from_bytes(&value)
            .map_err(|_| bad_data(format!("invalid value for header {name}")))?;
        response.headers_mut().append(name, value);
    }
    Ok(response)
}

fn read_retrying(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}
