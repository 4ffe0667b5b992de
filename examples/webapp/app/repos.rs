//! The repositories a user can see: `GET {base}/rest/api/1.0/repos`, signed with their access
//! token, page after page as Bitbucket's paging says (`start`, `limit`, `isLastPage`,
//! `nextPageStart`).

use std::fmt;

use bitbucket_oauth::reqwest::AsyncClient;
use bitbucket_oauth::{Access, Token};
use serde::Deserialize;

/// How many repositories one request asks for (Bitbucket's own default page size).
pub const PAGE_SIZE: usize = 25;
/// The most pages followed (25,000 repositories): a server whose paging never ends stops here.
const MAX_PAGES: usize = 1000;

/// One page of Bitbucket's paged JSON.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageOf<T> {
    values: Vec<T>,
    is_last_page: bool,
    next_page_start: Option<usize>,
}

/// A repository, with what the "Add project" screen shows.
#[derive(Debug, Deserialize)]
pub struct Repository {
    pub name: String,
    pub project: Project,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub links: Links,
}

#[derive(Debug, Deserialize)]
pub struct Project {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Links {
    #[serde(default)]
    pub clone: Vec<Link>,
}

#[derive(Debug, Deserialize)]
pub struct Link {
    pub href: String,
    pub name: String,
}

impl Repository {
    /// The clone URL named `http` (Bitbucket names its http and https links `http`), if any.
    pub fn clone_url(&self, name: &str) -> Option<&str> {
        self.links
            .clone
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.href.as_str())
    }
}

/// Why the list could not be had.
#[derive(Debug)]
pub enum ListError {
    /// Signing, transport or an OAuth refusal.
    OAuth(bitbucket_oauth::Error),
    /// Bitbucket answered the REST call with an error status (its own JSON error message).
    Status { status: u16, message: String },
    /// An answer that is not Bitbucket's paged JSON, or paging that does not move forward.
    Unexpected(String),
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OAuth(e) => write!(f, "{e}"),
            Self::Status { status, message } => write!(f, "HTTP {status}: {message}"),
            Self::Unexpected(what) => f.write_str(what),
        }
    }
}

/// Bitbucket's error JSON: `{"errors":[{"message":..}]}`.
#[derive(Deserialize)]
struct Errors {
    errors: Vec<ErrorMessage>,
}

#[derive(Deserialize)]
struct ErrorMessage {
    message: String,
}

/// Every repository the token's user can see, in Bitbucket's order.
pub async fn list_all(
    http: &AsyncClient,
    base_url: &str,
    token: &Token<Access>,
) -> Result<Vec<Repository>, ListError> {
    let mut repositories = Vec::new();
    let mut start = 0;
    for _ in 0..MAX_PAGES {
        let url = format!("{base_url}/rest/api/1.0/repos?start={start}&limit={PAGE_SIZE}");
        let request = http::Request::get(url)
            .body(Vec::new())
            .map_err(|e| ListError::Unexpected(format!("cannot build the request: {e}")))?;
        let response = http.send(request, token).await.map_err(ListError::OAuth)?;
        if !response.status().is_success() {
            let message = serde_json::from_slice::<Errors>(response.body())
                .ok()
                .and_then(|e| e.errors.into_iter().next())
                .map_or_else(|| "no error message".to_owned(), |e| e.message);
            return Err(ListError::Status {
                status: response.status().as_u16(),
                message,
            });
        }
        let page: PageOf<Repository> = serde_json::from_slice(response.body()).map_err(|e| {
            ListError::Unexpected(format!(
                "the repository list is not Bitbucket's paged JSON: {e}"
            ))
        })?;
        repositories.extend(page.values);
        if page.is_last_page {
            return Ok(repositories);
        }
        match page.next_page_start {
            Some(next) if next > start => start = next,
            _ => {
                return Err(ListError::Unexpected(format!(
                    "the page at start={start} is not the last one but gives no later nextPageStart"
                )));
            }
        }
    }
    Err(ListError::Unexpected(format!(
        "more than {MAX_PAGES} pages of repositories"
    )))
}
