//! A misbehaving HTTP/1.1 server on 127.0.0.1 for the hostile-provider battery: each connection
//! carries one request, recorded, then answered by an [`Act`] chosen by a closure: raw bytes, a
//! stall, or an endless (or very long) body streamed in pieces. The server counts the body bytes
//! it managed to write and notes how each stream ended, so a test can tell that the client
//! stopped reading (and hung up) instead of swallowing everything.
//!
//! Include with `#[path = "support/hostile.rs"] mod hostile;`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path of the target (without query), whatever its form (origin-form `/p?q`, or
    /// absolute-form through a proxy).
    pub fn path(&self) -> &str {
        let t = self.target.as_str();
        let t = match t.find("://") {
            Some(i) => t[i + 3..].find('/').map_or("/", |j| &t[i + 3 + j..]),
            None => t,
        };
        t.split('?').next().unwrap_or_default()
    }
}

/// What the server does with a connection after reading the request.
pub enum Act {
    /// Write these bytes (possibly none, possibly a cut-off response), then close.
    Send(Vec<u8>),
    /// Never answer; keep the connection open until the server stops.
    Stall,
    /// Write `head`, then `piece` over and over (each piece framed as a chunk when `chunked`),
    /// sleeping `pause` between pieces, until `total` body bytes were written (`None`: never
    /// stop), the peer goes away, or the server stops.
    Stream {
        head: Vec<u8>,
        piece: Vec<u8>,
        chunked: bool,
        pause: Duration,
        total: Option<u64>,
    },
}

/// How a [`Act::Stream`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// A write failed: the client closed the connection.
    PeerClosed,
    /// `total` was reached.
    Finished,
    /// The server was stopped while the client was still connected.
    Stopped,
}

/// A status line and headers ending with the empty line; `Connection: close` is always sent.
pub fn head(status: u16, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Hostile\r\nConnection: close\r\n");
    for (n, v) in headers {
        out.push_str(n);
        out.push_str(": ");
        out.push_str(v);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A complete response with `Content-Length`.
pub fn respond(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Act {
    let length = body.len().to_string();
    let mut all: Vec<(&str, &str)> = vec![("Content-Length", &length)];
    all.extend_from_slice(headers);
    let mut bytes = head(status, &all);
    bytes.extend_from_slice(body);
    Act::Send(bytes)
}

type Handler = dyn Fn(usize, &Recorded) -> Act + Send + Sync;

#[derive(Default)]
struct Shared {
    log: Mutex<Vec<Recorded>>,
    ends: Mutex<Vec<(StreamEnd, u64)>>,
    ended: Condvar,
    body_bytes_written: AtomicU64,
    stop: AtomicBool,
}

pub struct Server {
    pub port: u16,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a server; `handler(n, request)` acts on the n-th request (0-based).
    pub fn start(handler: impl Fn(usize, &Recorded) -> Act + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let handler: Arc<Handler> = Arc::new(handler);
        let shared2 = shared.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared2.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (shared, handler) = (shared2.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &shared, &*handler));
            }
        });
        Self {
            port,
            shared,
            thread: Some(thread),
        }
    }

    /// Every request answers the same way.
    pub fn always(act: impl Fn() -> Act + Send + Sync + 'static) -> Self {
        Self::start(move |_, _| act())
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Body bytes written by every [`Act::Stream`] so far (what the client could have read).
    pub fn body_bytes_written(&self) -> u64 {
        self.shared.body_bytes_written.load(Ordering::SeqCst)
    }

    /// Waits until `count` streams have ended, at most `limit`; returns how each ended and the
    /// body bytes it wrote.
    pub fn wait_stream_ends(&self, count: usize, limit: Duration) -> Vec<(StreamEnd, u64)> {
        let deadline = Instant::now() + limit;
        let mut ends = self.shared.ends.lock().unwrap();
        while ends.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            ends = self.shared.ended.wait_timeout(ends, left).unwrap().0;
        }
        ends.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<Recorded> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok();
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

fn serve(mut stream: TcpStream, shared: &Shared, handler: &Handler) {
    let Some(recorded) = read_request(&stream) else {
        return;
    };
    let n = {
        let mut log = shared.log.lock().unwrap();
        log.push(recorded.clone());
        log.len() - 1
    };
    stream.set_write_timeout(Some(Duration::from_secs(30))).ok();
    match handler(n, &recorded) {
        Act::Send(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Both);
        }
        Act::Stall => {
            while !shared.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Act::Stream {
            head,
            piece,
            chunked,
            pause,
            total,
        } => {
            let end = stream_body(&mut stream, shared, &head, &piece, chunked, pause, total);
            let _ = stream.shutdown(Shutdown::Both);
            let mut ends = shared.ends.lock().unwrap();
            ends.push(end);
            shared.ended.notify_all();
        }
    }
}

fn stream_body(
    stream: &mut TcpStream,
    shared: &Shared,
    head: &[u8],
    piece: &[u8],
    chunked: bool,
    pause: Duration,
    total: Option<u64>,
) -> (StreamEnd, u64) {
    let mut written = 0u64;
    if stream.write_all(head).is_err() {
        return (StreamEnd::PeerClosed, written);
    }
    let framed = if chunked {
        let mut f = format!("{:x}\r\n", piece.len()).into_bytes();
        f.extend_from_slice(piece);
        f.extend_from_slice(b"\r\n");
        f
    } else {
        piece.to_vec()
    };
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return (StreamEnd::Stopped, written);
        }
        if total.is_some_and(|t| written >= t) {
            if chunked {
                let _ = stream.write_all(b"0\r\n\r\n");
            }
            return (StreamEnd::Finished, written);
        }
        if stream.write_all(&framed).is_err() {
            return (StreamEnd::PeerClosed, written);
        }
        written += piece.len() as u64;
        shared
            .body_bytes_written
            .fetch_add(piece.len() as u64, Ordering::SeqCst);
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }
}
