//! Plays the person at the authorization page: opens it, logs in, and presses `Allow` or
//! `Deny` on the approval form, carrying the session cookie and the form's XSRF token, with
//! [`http::send`](super::http::send) (so `http://` on loopback only).
//!
//! Pages that are not the stand-in's login page or approval form (a redirect, the `oob` code
//! page, another provider's page that decides at once) are returned as they are, so the same
//! call works against any provider that approves without asking.
//!
//! ```
//! use bitbucket_oauth::testkit::{StandIn, browser, http::send, oob_verifier};
//! use bitbucket_oauth::{Consumer, ConsumerKey, RsaPrivateKey, Signer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let stand_in = StandIn::start()?;
//! let key = RsaPrivateKey::from_pem(include_str!("../../tests/data/test_rsa_2048_pkcs8.pem"))?;
//! stand_in.register_consumer("my-consumer", key.public_key_pem()?.as_bytes())?;
//! let client = Consumer::new(Signer::rsa_sha1(ConsumerKey::new("my-consumer"), key), stand_in.endpoints());
//! let (request, pending) = client.request_token("oob")?;
//! let token = client.finish_request_token(pending, &send(&request)?)?;
//!
//! // A plain GET meets the login page...
//! let page = send(&::http::Request::get(client.authorize_url(&token)).body(Vec::new())?)?;
//! assert!(String::from_utf8_lossy(page.body()).contains("name=\"j_username\""));
//! // ...the browser logs in as alice and allows; the oob page shows a 6-character code.
//! let page = browser::approve(&client.authorize_url(&token), "alice")?;
//! assert_eq!(oob_verifier(page.body()).map(|c| c.len()), Some(6));
//! # Ok(()) }
//! ```

use std::io;

use http::{Request, Response, Uri};

use super::http::send;
use crate::encode;

/// Opens `authorize_url`, logs in as `user` (the stand-in's password for a user is their
/// name) and allows access. Returns the last page: a `302` to the callback, or the `oob` page
/// with the verification code.
///
/// # Errors
///
/// A transport error, or [`io::ErrorKind::InvalidData`] when a page is not what a browser can
/// go on with (the login refused, a form without its fields).
pub fn approve(authorize_url: &str, user: &str) -> io::Result<Response<Vec<u8>>> {
    decide(authorize_url, user, true)
}

/// As [`approve`], pressing `Deny`.
///
/// # Errors
///
/// See [`approve`].
pub fn deny(authorize_url: &str, user: &str) -> io::Result<Response<Vec<u8>>> {
    decide(authorize_url, user, false)
}

fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

fn decide(authorize_url: &str, user: &str, allow: bool) -> io::Result<Response<Vec<u8>>> {
    let origin = origin(authorize_url)?;
    let mut page = get(authorize_url, None)?;
    let mut cookie = None;
    if let Some(form) = Form::find(page.body(), "login-form") {
        let next = form.value("next").unwrap_or_default();
        let body = form_body(&[("j_username", user), ("j_password", user), ("next", &next)]);
        let answer = post(&format!("{origin}{}", form.action), &body, None)?;
        let set_cookie = answer
            .headers()
            .get(http::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        let location = answer
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (Some(set_cookie), Some(location)) = (set_cookie, location) else {
            return Err(invalid(format!(
                "the login as {user} was refused (HTTP {})",
                answer.status().as_u16()
            )));
        };
        page = get(&format!("{origin}{location}"), Some(&set_cookie))?;
        cookie = Some(set_cookie);
    }
    let Some(form) = Form::find(page.body(), "oauth-approve") else {
        return Ok(page);
    };
    let token = form
        .value("oauth_token")
        .ok_or_else(|| invalid("the approval form has no oauth_token"))?;
    let xsrf = form
        .value("atl_token")
        .ok_or_else(|| invalid("the approval form has no atl_token"))?;
    let button = if allow {
        ("approve", "Allow")
    } else {
        ("deny", "Deny")
    };
    let body = form_body(&[("oauth_token", &token), ("atl_token", &xsrf), button]);
    post(
        &format!("{origin}{}", form.action),
        &body,
        cookie.as_deref(),
    )
}

/// `scheme://authority` of a URL.
fn origin(url: &str) -> io::Result<String> {
    let uri: Uri = url
        .parse()
        .map_err(|_| invalid(format!("not a URL: {url}")))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => Ok(format!("{scheme}://{authority}")),
        _ => Err(invalid(format!("not an absolute URL: {url}"))),
    }
}

fn get(url: &str, cookie: Option<&str>) -> io::Result<Response<Vec<u8>>> {
    let mut request = Request::get(url);
    if let Some(cookie) = cookie {
        request = request.header(http::header::COOKIE, cookie);
    }
    send(
        &request
            .body(Vec::new())
            .map_err(|e| invalid(e.to_string()))?,
    )
}

fn post(url: &str, body: &str, cookie: Option<&str>) -> io::Result<Response<Vec<u8>>> {
    let mut request = Request::post(url).header(
        http::header::CONTENT_TYPE,
        "application/x-www-form-urlencoded",
    );
    if let Some(cookie) = cookie {
        request = request.header(http::header::COOKIE, cookie);
    }
    send(
        &request
            .body(body.as_bytes().to_vec())
            .map_err(|e| invalid(e.to_string()))?,
    )
}

fn form_body(fields: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        if !body.is_empty() {
            body.push('&');
        }
        encode::encode_into(&mut body, name.as_bytes());
        body.push('=');
        encode::encode_into(&mut body, value.as_bytes());
    }
    body
}

/// A form of the stand-in's pages: its `action` and its `<input>`s.
struct Form {
    action: String,
    inputs: Vec<(String, String)>,
}

impl Form {
    /// The `<form id="{id}" …>` of a page, if it has one.
    fn find(page: &[u8], id: &str) -> Option<Self> {
        let text = String::from_utf8_lossy(page);
        let start = text.find(&format!("<form id=\"{id}\""))?;
        let rest = text.get(start..)?;
        let end = rest.find("</form>")?;
        let form = rest.get(..end)?;
        let head = form.get(..form.find('>')?)?;
        let action = unescape(&attribute(head, "action")?);
        let inputs = form
            .split("<input ")
            .skip(1)
            .filter_map(|tag| {
                let tag = tag.get(..tag.find('>')?)?;
                Some((
                    unescape(&attribute(tag, "name")?),
                    unescape(&attribute(tag, "value").unwrap_or_default()),
                ))
            })
            .collect();
        Some(Self { action, inputs })
    }

    fn value(&self, name: &str) -> Option<String> {
        self.inputs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

/// The value of `name="…"` in a tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let rest = tag.get(start..)?;
    Some(rest.get(..rest.find('"')?)?.to_owned())
}

/// Undoes the stand-in's HTML escaping.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
