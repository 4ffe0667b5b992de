//! The stand-in's side of HTTP/1.1: reading one request (httparse, `Content-Length` bodies) and
//! writing one response with `Connection: close`. Bounded and panic-free on any input.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// The most bytes of a request head (request line and headers).
pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most bytes of a request body.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The most header fields of a request.
const MAX_HEADERS: usize = 64;
/// How long one request may take to arrive, in total.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// A request as read from the wire.
#[derive(Debug, Clone)]
pub(crate) struct RawRequest {
    pub(crate) method: String,
    /// The request target as sent (origin form: path and optional query).
    pub(crate) target: String,
    /// Header names as sent, values decoded lossily as UTF-8.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl RawRequest {
    /// Every value of a header, by ASCII case-insensitive name.
    pub(crate) fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path part of the target (before `?`).
    pub(crate) fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(p, _)| p)
    }

    /// The query part of the target (after `?`), if any.
    pub(crate) fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed or the socket failed before a whole request head arrived (nothing to
    /// answer), or it sent nothing at all.
    Gone,
    /// The request is malformed or too large: answer with this status and message.
    Bad {
        status: u16,
        message: &'static str,
        /// What could be read of the request line, for the log.
        method: String,
        target: String,
    },
}

fn bad(status: u16, message: &'static str) -> ReadError {
    ReadError::Bad {
        status,
        message,
        method: String::new(),
        target: String::new(),
    }
}

/// A byte source with a read timeout: a socket, or a buffer in tests.
pub(crate) trait Source: Read {
    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()>;
}

/// A request already in memory (for [`crate::testkit::StandIn::respond_raw`]).
pub(crate) struct Bytes<'a>(pub(crate) &'a [u8]);

impl Read for Bytes<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Source for Bytes<'_> {
    fn set_timeout(&mut self, _: Duration) -> io::Result<()> {
        Ok(())
    }
}

impl Source for TcpStream {
    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.set_read_timeout(Some(timeout))
    }
}

/// Reads one request. Never reads more than [`MAX_HEAD_BYTES`] + [`MAX_BODY_BYTES`] (plus one
/// buffer of slack).
pub(crate) fn read_request<S: Source>(stream: &mut S) -> Result<RawRequest, ReadError> {
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let (head_len, method, target, headers) = loop {
        let n = read_some(stream, &mut chunk, deadline).map_err(|_| ReadError::Gone)?;
        if n == 0 {
            return Err(if buf.is_empty() {
                ReadError::Gone
            } else {
                bad(400, "the connection ended inside the request head")
            });
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut slots);
        match request.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                if len > MAX_HEAD_BYTES {
                    return Err(bad(
                        431,
                        "the request head exceeds the stand-in's limit of 16 KiB",
                    ));
                }
                let method = request.method.unwrap_or_default().to_owned();
                let target = request.path.unwrap_or_default().to_owned();
                let headers = request
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect::<Vec<_>>();
                break (len, method, target, headers);
            }
            Ok(httparse::Status::Partial) => {
                if buf.len() > MAX_HEAD_BYTES {
                    return Err(bad(
                        431,
                        "the request head exceeds the stand-in's limit of 16 KiB",
                    ));
                }
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(bad(431, "more than 64 header fields"));
            }
            Err(_) => return Err(bad(400, "malformed HTTP/1.1 request")),
        }
    };

    let with_line = |status: u16, message: &'static str| ReadError::Bad {
        status,
        message,
        method: method.clone(),
        target: target.clone(),
    };
    if !target.starts_with('/') {
        return Err(with_line(
            400,
            "the request target must be a path (origin form)",
        ));
    }
    if headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
    {
        return Err(with_line(
            501,
            "Transfer-Encoding is not supported by the stand-in: send Content-Length",
        ));
    }
    let mut length: Option<usize> = None;
    for (_, value) in headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        let value = value.trim();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(with_line(400, "invalid Content-Length"));
        }
        let parsed = value.parse::<usize>().unwrap_or(usize::MAX);
        match length {
            Some(previous) if previous != parsed => {
                return Err(with_line(400, "conflicting Content-Length headers"));
            }
            _ => length = Some(parsed),
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_BODY_BYTES {
        return Err(with_line(
            413,
            "the request body exceeds the stand-in's limit of 1 MiB",
        ));
    }
    let mut body: Vec<u8> = buf.get(head_len..).unwrap_or_default().to_vec();
    body.truncate(length);
    while body.len() < length {
        let want = (length - body.len()).min(chunk.len());
        let slot = chunk.get_mut(..want).unwrap_or_default();
        let n = read_some(stream, slot, deadline).map_err(|_| ReadError::Gone)?;
        if n == 0 {
            return Err(with_line(
                400,
                "the connection ended before the body announced by Content-Length",
            ));
        }
        body.extend_from_slice(slot.get(..n).unwrap_or_default());
    }
    Ok(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

fn read_some<S: Source>(stream: &mut S, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::Error::new(io::ErrorKind::TimedOut, "request deadline"));
    }
    stream.set_timeout(left)?;
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// A response to write.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Announce this many body bytes in `Content-Length` but send only `body` (a truncated
    /// response).
    pub(crate) announce_len: Option<usize>,
}

impl Reply {
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
            announce_len: None,
        }
    }

    pub(crate) fn text(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status, "text/plain;charset=UTF-8", body)
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// The reason phrase of the statuses the stand-in uses.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Writes the response with `Connection: close`, then closes our side and drains what the client
/// may still send (so that closing does not reset the connection under the response).
pub(crate) fn write_reply(stream: &mut TcpStream, reply: &Reply) -> io::Result<()> {
    let head = reply_head(reply);
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(&reply.body)?;
    stream.flush()?;
    stream.shutdown(Shutdown::Write)?;
    drain(stream);
    Ok(())
}

/// The whole response as bytes (head and body).
pub(crate) fn reply_bytes(reply: &Reply) -> Vec<u8> {
    let mut bytes = reply_head(reply).into_bytes();
    bytes.extend_from_slice(&reply.body);
    bytes
}

/// The status line and headers, `Connection: close`, and the blank line.
fn reply_head(reply: &Reply) -> String {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        // Values are built by the stand-in; strip line breaks anyway so nothing can split the
        // head.
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        head.push_str(name);
        head.push_str(": ");
        head.push_str(&value);
        head.push_str("\r\n");
    }
    let announced = reply.announce_len.unwrap_or(reply.body.len());
    head.push_str(&format!(
        "Content-Length: {announced}\r\nConnection: close\r\n\r\n"
    ));
    head
}

/// Reads and discards up to 1 MiB for up to a second, until the client closes.
fn drain(stream: &mut TcpStream) {
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut scratch = [0u8; 8192];
    let mut total = 0usize;
    while total < MAX_BODY_BYTES {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut scratch) {
            Ok(0) | Err(_) => return,
            Ok(n) => total += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Delivers its bytes a few at a time, like a slow socket.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(self.1.max(1));
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    impl Source for Trickle<'_> {
        fn set_timeout(&mut self, _: Duration) -> io::Result<()> {
            Ok(())
        }
    }

    fn read(bytes: &[u8], step: usize) -> Result<RawRequest, ReadError> {
        read_request(&mut Trickle(bytes, step))
    }

    #[test]
    fn reads_a_request_with_a_body_in_pieces() {
        let r = read(
            b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello-extra",
            3,
        )
        .unwrap();
        assert_eq!(
            (r.method.as_str(), r.path(), r.query()),
            ("POST", "/a", Some("b=1"))
        );
        assert_eq!(r.body, b"hello");
        assert_eq!(r.header_values("HOST").collect::<Vec<_>>(), ["x"]);
    }

    #[test]
    fn statuses_of_bad_requests() {
        let status = |bytes: &[u8]| match read(bytes, 4096) {
            Err(ReadError::Bad { status, .. }) => status,
            Err(ReadError::Gone) => 0,
            Ok(_) => 200,
        };
        assert_eq!(status(b""), 0);
        assert_eq!(status(b"GET / HTTP/1.1\r\n"), 400);
        assert_eq!(status(b"GET * HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(
            status(b"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            413
        );
        assert_eq!(
            status(b"GET / HTTP/1.1\r\nContent-Length: 1 \r\n\r\nx"),
            200
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), step in 1usize..64) {
            match read(&bytes, step) {
                Ok(r) => prop_assert!(r.target.starts_with('/')),
                Err(ReadError::Bad { status, .. }) => prop_assert!([400, 413, 431, 501].contains(&status)),
                Err(ReadError::Gone) => {}
            }
        }

        #[test]
        fn mangled_requests_never_panic(
            method in "[A-Z]{0,8}",
            target in "[ -~]{0,64}",
            headers in proptest::collection::vec(("[!-9;-~]{1,20}", "[ -~]{0,40}"), 0..8),
            body in proptest::collection::vec(any::<u8>(), 0..64),
            step in 1usize..64,
        ) {
            let mut bytes = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
            for (n, v) in &headers {
                bytes.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
            }
            bytes.extend_from_slice(b"\r\n");
            bytes.extend_from_slice(&body);
            match read(&bytes, step) {
                Ok(r) => prop_assert!(r.body.len() <= body.len()),
                Err(ReadError::Bad { status, .. }) => prop_assert!([400, 413, 431, 501].contains(&status)),
                Err(ReadError::Gone) => {}
            }
        }
    }
}
