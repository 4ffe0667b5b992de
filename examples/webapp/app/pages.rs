//! The HTML pages. Every value from outside (host names, user names, repository names, error
//! texts) goes through [`escape`]. No page shows a token secret, a verifier or a key: errors of
//! `bitbucket_oauth` never contain them, and nothing else secret reaches a page.

use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bitbucket_oauth::Error;

use super::repos::{ListError, Repository};

/// HTML-escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#172b4d}\
h1{font-size:1.6rem}a.button,button{display:inline-block;background:#0052cc;color:#fff;padding:.5rem 1rem;border-radius:3px;text-decoration:none;border:0;margin:.25rem 0}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #dfe1e6;font-size:.9rem}\
th{background:#f4f5f7}code{font-size:.85rem}.notice{background:#e3fcef;padding:.5rem 1rem}.error{background:#ffebe6;padding:.5rem 1rem}\
header{display:flex;justify-content:space-between;align-items:center;border-bottom:2px solid #0052cc;margin-bottom:1rem}";

/// A whole page.
pub struct Page;

impl Page {
    /// A page with `status`, `title` (escaped here) and `body` (HTML, escaped by the caller).
    pub fn html(status: u16, title: &str, body: &str) -> Response {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} - Repository monitor</title>\
             <style>{STYLE}</style></head>\n<body>\n<header><strong>Repository monitor</strong></header>\n{body}\n</body></html>\n",
            escape(title)
        );
        (status, Html(page)).into_response()
    }

    /// An error page: a heading and one paragraph of plain text, and a way back.
    pub fn error(status: u16, title: &str, text: &str) -> Response {
        Self::html(
            status,
            title,
            &format!(
                "<h1 id=\"error-title\">{}</h1>\n<p class=\"error\" id=\"error-text\">{}</p>\n<p><a href=\"/\">Back to sign-in</a></p>",
                escape(title),
                escape(text)
            ),
        )
    }

    /// The 400 page of a forged, replayed or stale callback.
    pub fn bad_callback(text: &str) -> Response {
        Self::error(400, "Invalid sign-in callback", text)
    }
}

/// `/`: a sign-in button per server, or who is signed in.
pub fn index(hosts: &[&str], signed_in: Option<(&str, &str)>, notice: Option<&str>) -> Response {
    let mut body = String::new();
    match notice {
        Some("session-expired") => body.push_str(
            "<p class=\"notice\" id=\"notice\">Your session has expired. Sign in again.</p>\n",
        ),
        Some("signed-out") => {
            body.push_str("<p class=\"notice\" id=\"notice\">You are signed out.</p>\n");
        }
        _ => {}
    }
    if let Some((user, host)) = signed_in {
        let _ = write!(
            body,
            "<p id=\"signed-in\">Signed in as <strong>{}</strong> on {}.</p>\n\
             <p><a class=\"button\" href=\"/projects\">Add project</a> <a href=\"/logout\" id=\"logout\">Sign out</a></p>\n",
            escape(user),
            escape(host)
        );
    }
    body.push_str("<h1>Sign in</h1>\n<ul id=\"servers\">\n");
    for host in hosts {
        let _ = writeln!(
            body,
            "<li><a class=\"button\" id=\"sign-in-{0}\" href=\"/auth/{0}\">Sign in with Bitbucket Server ({0})</a></li>",
            escape(host)
        );
    }
    body.push_str("</ul>");
    Page::html(200, "Sign in", &body)
}

/// The user said no on Bitbucket's authorization page.
pub fn denied(host: &str) -> Response {
    Page::html(
        403,
        "Access denied",
        &format!(
            "<h1 id=\"denied\">Access denied</h1>\n<p>You denied this app access to your account on {}, so you are not signed in.</p>\n\
             <p><a class=\"button\" href=\"/auth/{}\">Try again</a> <a href=\"/\">Back</a></p>",
            escape(host),
            escape(host)
        ),
    )
}

/// "Add project": the user's repositories.
pub fn projects(host: &str, user: &str, repositories: &[Repository]) -> Response {
    let mut body = format!(
        "<h1>Add project</h1>\n<p>Source: <strong>Bitbucket Server ({})</strong>, as <span id=\"user\">{}</span>. \
         <a href=\"/logout\" id=\"logout\">Sign out</a></p>\n\
         <p id=\"count\">{} repositories</p>\n\
         <table id=\"repositories\">\n<thead><tr><th>Project</th><th>Repository</th><th>Clone URL</th><th></th></tr></thead>\n<tbody>\n",
        escape(host),
        escape(user),
        repositories.len()
    );
    for repo in repositories {
        let clone = repo
            .clone_url("http")
            .or_else(|| repo.clone_url("ssh"))
            .unwrap_or_default();
        let _ = writeln!(
            body,
            "<tr><td class=\"project\" title=\"{}\">{}</td><td class=\"repo\">{}</td><td class=\"clone\"><code>{}</code></td><td>{}</td></tr>",
            escape(&repo.project.name),
            escape(&repo.project.key),
            escape(&repo.name),
            escape(clone),
            if repo.public { "public" } else { "" }
        );
    }
    body.push_str("</tbody>\n</table>");
    Page::html(200, "Add project", &body)
}

/// The causes of an error, outermost first: reqwest's own message ("error sending request for
/// url") says little without the "connection refused" below it.
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    for _ in 0..8 {
        let Some(c) = cause else { break };
        let _ = write!(text, ": {c}");
        cause = c.source();
    }
    text
}

/// A failed OAuth step against `host`: the provider's refusal (its typed problem and its
/// advice), an unreachable server, or an answer the crate could not read.
pub fn oauth_error(host: &str, base_url: &str, doing: &str, e: &Error) -> Response {
    eprintln!("webapp: {doing} with {host} failed: {e}");
    let host_html = escape(host);
    match e {
        Error::Provider(p) => {
            let problem = &p.problem;
            let mut body = format!(
                "<h1 id=\"error-title\">Bitbucket Server ({host_html}) refused</h1>\n\
                 <p class=\"error\">While {}, {host_html} answered HTTP {} with the OAuth problem \
                 <code id=\"oauth-problem\">{}</code>.</p>\n",
                escape(doing),
                problem.status.as_u16(),
                escape(problem.problem.as_str())
            );
            if let Some(advice) = &problem.advice {
                let _ = writeln!(
                    body,
                    "<p>Bitbucket's advice: <q id=\"provider-advice\">{}</q></p>",
                    escape(advice)
                );
            }
            let _ = writeln!(
                body,
                "<p>What to do: <span id=\"what-to-do\">{}</span></p>",
                escape(problem.problem.advice())
            );
            if !p.differences.is_empty() {
                body.push_str(
                    "<p>How our signature base string differs from Bitbucket's:</p>\n<ul>\n",
                );
                for d in &p.differences {
                    let _ = writeln!(body, "<li>{}</li>", escape(&d.to_string()));
                }
                body.push_str("</ul>\n");
            }
            body.push_str("<p><a href=\"/\">Back to sign-in</a></p>");
            Page::html(502, "Bitbucket refused", &body)
        }
        Error::Transport(_) => Page::html(
            502,
            "Bitbucket unreachable",
            &format!(
                "<h1 id=\"error-title\">Bitbucket Server ({host_html}) cannot be reached</h1>\n\
                 <p class=\"error\">While {}, the app could not {} {}: <span id=\"error-text\">{}</span>.</p>\n\
                 <p>Check that the server is up and that this app can reach it, then try again.</p>\n\
                 <p><a href=\"/\">Back to sign-in</a></p>",
                escape(doing),
                if e.is_timeout() {
                    "get an answer in time from"
                } else {
                    "connect to"
                },
                escape(base_url),
                escape(&causes(e))
            ),
        ),
        other => Page::html(
            502,
            "Unexpected answer from Bitbucket",
            &format!(
                "<h1 id=\"error-title\">Unexpected answer from Bitbucket Server ({host_html})</h1>\n\
                 <p class=\"error\">While {}: <span id=\"error-text\">{}</span></p>\n<p><a href=\"/\">Back to sign-in</a></p>",
                escape(doing),
                escape(&other.to_string())
            ),
        ),
    }
}

/// A REST answer that is not a list of repositories.
pub fn listing_error(host: &str, e: &ListError) -> Response {
    eprintln!("webapp: listing repositories on {host} failed: {e}");
    Page::error(
        502,
        &format!("Bitbucket Server ({host}) did not list your repositories"),
        &e.to_string(),
    )
}
