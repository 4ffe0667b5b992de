//! Provider endpoints, with the Atlassian preset (Bitbucket Server / Data Center, and Jira,
//! Confluence and Bamboo Server, which share the same OAuth servlet).

use http::Uri;

use crate::error::{Error, UriProblem};

/// The three OAuth endpoints of a provider (RFC 5849 §2), plus Atlassian's `whoami`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    base: Option<String>,
    request_token: Uri,
    authorize: Uri,
    access_token: Uri,
    whoami: Option<Uri>,
}

fn absolute(url: &str) -> Result<Uri, Error> {
    let uri: Uri = url
        .parse()
        .map_err(|_| Error::InvalidUri(UriProblem::Unparsable))?;
    match uri.scheme_str() {
        None => return Err(Error::InvalidUri(UriProblem::NoScheme)),
        Some(s) if !s.eq_ignore_ascii_case("http") && !s.eq_ignore_ascii_case("https") => {
            return Err(Error::InvalidUri(UriProblem::Unparsable));
        }
        Some(_) => {}
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(Error::InvalidUri(UriProblem::NoHost));
    }
    Ok(uri)
}

impl Endpoints {
    /// The Atlassian servlet under `base_url`, context path kept:
    /// `https://host/bitbucket` gives `https://host/bitbucket/plugins/servlet/oauth/request-token`,
    /// `.../authorize`, `.../access-token`, and `.../plugins/servlet/applinks/whoami`.
    ///
    /// ```
    /// let e = bitbucket_oauth::Endpoints::bitbucket("https://git.example.com/bitbucket/").unwrap();
    /// assert_eq!(e.request_token().to_string(), "https://git.example.com/bitbucket/plugins/servlet/oauth/request-token");
    /// assert_eq!(e.resolve("/rest/api/1.0/projects").unwrap().to_string(), "https://git.example.com/bitbucket/rest/api/1.0/projects");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUri`] unless `base_url` is an absolute `http` or `https` URL without query
    /// or fragment.
    pub fn bitbucket(base_url: &str) -> Result<Self, Error> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let base_uri = absolute(trimmed)?;
        if base_uri.query().is_some() || trimmed.contains('#') {
            return Err(Error::InvalidUri(UriProblem::Unparsable));
        }
        let at = |suffix: &str| absolute(&format!("{trimmed}{suffix}"));
        Ok(Self {
            base: Some(trimmed.to_owned()),
            request_token: at("/plugins/servlet/oauth/request-token")?,
            authorize: at("/plugins/servlet/oauth/authorize")?,
            access_token: at("/plugins/servlet/oauth/access-token")?,
            whoami: Some(at("/plugins/servlet/applinks/whoami")?),
        })
    }

    /// Endpoints of any OAuth 1.0a provider.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUri`] unless each is an absolute `http` or `https` URL.
    pub fn new(request_token: &str, authorize: &str, access_token: &str) -> Result<Self, Error> {
        Ok(Self {
            base: None,
            request_token: absolute(request_token)?,
            authorize: absolute(authorize)?,
            access_token: absolute(access_token)?,
            whoami: None,
        })
    }

    /// The temporary credential request endpoint (request token).
    #[must_use]
    pub fn request_token(&self) -> &Uri {
        &self.request_token
    }

    /// The resource owner authorization endpoint.
    #[must_use]
    pub fn authorize(&self) -> &Uri {
        &self.authorize
    }

    /// The token request endpoint (access token, renewal).
    #[must_use]
    pub fn access_token(&self) -> &Uri {
        &self.access_token
    }

    /// Atlassian's `whoami`, which answers the user name of a valid access token.
    #[must_use]
    pub fn whoami(&self) -> Option<&Uri> {
        self.whoami.as_ref()
    }

    /// The base URL given to [`bitbucket`](Self::bitbucket), without a trailing `/`.
    #[must_use]
    pub fn base_url(&self) -> Option<&str> {
        self.base.as_deref()
    }

    /// Resolves a REST path (`/rest/api/1.0/projects`) against the base URL, or passes an
    /// absolute URL through.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUri`] for a relative path without a base URL, or an unparsable result.
    pub fn resolve(&self, path_or_url: &str) -> Result<Uri, Error> {
        if path_or_url.contains("://") {
            return absolute(path_or_url);
        }
        let base = self
            .base
            .as_deref()
            .ok_or(Error::InvalidUri(UriProblem::NoScheme))?;
        if path_or_url.starts_with('/') {
            absolute(&format!("{base}{path_or_url}"))
        } else {
            absolute(&format!("{base}/{path_or_url}"))
        }
    }
}
