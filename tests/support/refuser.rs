//! A minimal HTTP/1.1 server on 127.0.0.1 for boundary tests, on the hostile-provider test
//! server (`support/hostile.rs`): it records every request (request line, headers, body) and
//! answers each, with `Content-Length` and `Connection: close`, with what a closure decides.
//! Dropped, it stops accepting.

#![allow(dead_code)]

#[path = "hostile.rs"]
mod hostile;

/// One request as received.
pub use hostile::Recorded as Seen;

/// An answer: status, headers, body.
pub type Answer = (u16, Vec<(String, String)>, Vec<u8>);

pub struct Refuser {
    pub port: u16,
    server: hostile::Server,
}

impl Refuser {
    pub fn start(handler: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Self {
        let server = hostile::Server::start(move |_, seen| {
            let (status, headers, body) = handler(seen);
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            hostile::respond(status, &headers, &body)
        });
        Self {
            port: server.port,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.server.requests()
    }
}

/// A `text/plain` form answer.
pub fn form(status: u16, body: &str) -> Answer {
    (
        status,
        vec![(
            "Content-Type".to_owned(),
            "text/plain;charset=UTF-8".to_owned(),
        )],
        body.as_bytes().to_vec(),
    )
}
