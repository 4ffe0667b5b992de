//! Provider endpoints, with the Atlassian preset (Bitbucket Server / Data Center, and Jira,
//! Confluence and Bamboo Server, which share the same OAuth servlet).

use http::Uri;
use url::Url;

use crate::atlassian::{AtlassianProduct, WhoamiAnswer};
use crate::error::{SignError, UriProblem};
use crate::uri;

/// The three OAuth endpoints of a provider (RFC 5849 §2), plus Atlassian's `whoami`.
///
/// Every URL is parsed with the `url` crate ([`crate::uri`]): what is stored is what a client
/// sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The base URL, its path ending in `/` (so that joining keeps the context path).
    base: Option<Url>,
    request_token: Uri,
    authorize: Uri,
    access_token: Uri,
    whoami: Option<Uri>,
    /// How `whoami` answers (see [`crate::atlassian`]).
    whoami_answer: WhoamiAnswer,
    /// The base URL requests under `base` are signed for (see [`Endpoints::sign_base_url`]).
    sign_base: Option<Url>,
}

/// An absolute `http` or `https` URL.
fn absolute(url: &str) -> Result<Uri, SignError> {
    let uri = uri::parse(url)?;
    match uri.scheme_str() {
        Some("http" | "https") => Ok(uri),
        _ => Err(SignError::InvalidUri(UriProblem::Unparsable)),
    }
}

/// A base URL: absolute `http` or `https`, without query or fragment; its path gets a final `/`.
fn base_dir(base_url: &str) -> Result<Url, SignError> {
    let uri = absolute(base_url.trim())?;
    if uri.query().is_some() || base_url.contains('#') {
        return Err(SignError::InvalidUri(UriProblem::Unparsable));
    }
    let mut url = uri::to_url(&uri)?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `uri` moved from under base URL `from` to under `to`: same path below the base, same query.
/// `None` when `uri` is not under `from` (another origin, or a path outside the context path).
fn rebase(uri: &Uri, from: &Url, to: &Url) -> Option<Uri> {
    let url = uri::to_url(uri).ok()?;
    if url.scheme() != from.scheme()
        || url.host() != from.host()
        || url.port_or_known_default() != from.port_or_known_default()
    {
        return None;
    }
    let mut text = String::from(to.as_str());
    match url.path().strip_prefix(from.path()) {
        Some(rest) => text.push_str(rest),
        // The base URL itself, without its final `/`.
        None if from.path().strip_suffix('/') == Some(url.path()) => {
            text.pop();
        }
        None => return None,
    }
    if let Some(query) = url.query() {
        text.push('?');
        text.push_str(query);
    }
    uri::parse(&text).ok()
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
    /// [`SignError::InvalidUri`] unless `base_url` is an absolute `http` or `https` URL without query
    /// or fragment.
    pub fn bitbucket(base_url: &str) -> Result<Self, SignError> {
        let base = base_dir(base_url)?;
        let at = |path: &str| {
            base.join(path)
                .map_err(|_| SignError::InvalidUri(UriProblem::Unparsable))
                .and_then(uri::to_uri)
        };
        Ok(Self {
            request_token: at("plugins/servlet/oauth/request-token")?,
            authorize: at("plugins/servlet/oauth/authorize")?,
            access_token: at("plugins/servlet/oauth/access-token")?,
            whoami: Some(at("plugins/servlet/applinks/whoami")?),
            whoami_answer: WhoamiAnswer::Text,
            base: Some(base),
            sign_base: None,
        })
    }

    /// Endpoints of any OAuth 1.0a provider.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidUri`] unless each is an absolute `http` or `https` URL.
    pub fn new(
        request_token: &str,
        authorize: &str,
        access_token: &str,
    ) -> Result<Self, SignError> {
        Ok(Self {
            base: None,
            request_token: absolute(request_token)?,
            authorize: absolute(authorize)?,
            access_token: absolute(access_token)?,
            whoami: None,
            whoami_answer: WhoamiAnswer::Text,
            sign_base: None,
        })
    }

    /// Replaces the whoami resource: `path` under the base URL, answering as `answer`
    /// ([`Endpoints::atlassian`]).
    pub(crate) fn set_whoami(&mut self, path: &str, answer: WhoamiAnswer) -> Result<(), SignError> {
        let base = self
            .base
            .as_ref()
            .ok_or(SignError::InvalidUri(UriProblem::NoScheme))?;
        let url = base
            .join(path)
            .map_err(|_| SignError::InvalidUri(UriProblem::Unparsable))?;
        self.whoami = Some(uri::to_uri(url)?);
        self.whoami_answer = answer;
        Ok(())
    }

    /// Sign for one URL, connect to another: every request under the base URL is sent there,
    /// but signed as if it were sent under `sign_base_url`, and the authorize URL (where the
    /// user's browser goes) is the one under `sign_base_url`.
    ///
    /// Behind a reverse proxy, Bitbucket verifies a signature against the base URL it is
    /// configured with (Administration → Server settings → Base URL), while a client may have
    /// to connect to an internal address. A base URL mismatch is the most common cause of
    /// `signature_invalid`; when the provider's base string shows another scheme, host or port,
    /// the comparison ([`crate::explain`]) points here. A redirect to a URL under
    /// `sign_base_url` is followed under the base URL.
    ///
    /// ```
    /// use bitbucket_oauth::Endpoints;
    /// let e = Endpoints::bitbucket("http://10.0.0.5:7990/bitbucket")?
    ///     .sign_base_url("https://git.example.com/bitbucket")?;
    /// let api = e.resolve("/rest/api/1.0/projects?limit=5")?;
    /// assert_eq!(api.to_string(), "http://10.0.0.5:7990/bitbucket/rest/api/1.0/projects?limit=5");
    /// assert_eq!(
    ///     e.signing_uri(&api).unwrap().to_string(),
    ///     "https://git.example.com/bitbucket/rest/api/1.0/projects?limit=5"
    /// );
    /// assert_eq!(e.authorize().to_string(), "https://git.example.com/bitbucket/plugins/servlet/oauth/authorize");
    /// # Ok::<(), bitbucket_oauth::SignError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidUri`] unless `sign_base_url` is an absolute `http` or `https` URL without
    /// query or fragment; [`SignError::InvalidParameter`] for endpoints without a base URL (made by
    /// [`new`](Self::new)).
    pub fn sign_base_url(mut self, sign_base_url: &str) -> Result<Self, SignError> {
        let sign = base_dir(sign_base_url)?;
        let base = self.base.as_ref().ok_or(SignError::InvalidParameter {
            name: "sign_base_url",
            reason: "only endpoints with a base URL (Endpoints::bitbucket) can be signed for another base URL",
        })?;
        // Called again: start from the authorize URL under the base URL.
        let authorize = match &self.sign_base {
            Some(old) => rebase(&self.authorize, old, base),
            None => None,
        };
        let authorize = authorize.as_ref().unwrap_or(&self.authorize);
        if let Some(public) = rebase(authorize, base, &sign) {
            self.authorize = public;
        }
        self.sign_base = Some(sign);
        Ok(self)
    }

    /// The base URL requests are signed for, when [`sign_base_url`](Self::sign_base_url) set
    /// one (without a trailing `/`).
    #[must_use]
    pub fn signed_base_url(&self) -> Option<&str> {
        self.sign_base.as_ref().map(without_final_slash)
    }

    /// The URI a request to `uri` is signed for: `Some` when `uri` lies under the base URL and
    /// [`sign_base_url`](Self::sign_base_url) set another; `None` means `uri` itself.
    #[must_use]
    pub fn signing_uri(&self, uri: &Uri) -> Option<Uri> {
        rebase(uri, self.base.as_ref()?, self.sign_base.as_ref()?)
    }

    /// The URI to connect to for `uri`: `Some` when `uri` lies under the
    /// [`sign_base_url`](Self::sign_base_url) (a redirect to the public address), moved under
    /// the base URL.
    pub(crate) fn connect_uri(&self, uri: &Uri) -> Option<Uri> {
        rebase(uri, self.sign_base.as_ref()?, self.base.as_ref()?)
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

    /// How [`whoami`](Self::whoami) answers: read its user name with
    /// [`WhoamiAnswer::user_name`].
    #[must_use]
    pub fn whoami_answer(&self) -> WhoamiAnswer {
        self.whoami_answer
    }

    /// The base URL given to [`bitbucket`](Self::bitbucket), as parsed, without a trailing `/`.
    #[must_use]
    pub fn base_url(&self) -> Option<&str> {
        self.base.as_ref().map(without_final_slash)
    }

    /// Resolves a REST path or any URL reference against the base URL.
    ///
    /// A path with a single leading `/` (`/rest/api/1.0/projects`) is taken under the base URL,
    /// context path kept, as Atlassian writes its REST paths; an absolute URL passes through;
    /// any other reference (`rest/x`, `../x`, `?q=1`, `//host/x`) is resolved by RFC 3986 §5
    /// against the base URL with a final `/`. The result is parsed as it will be sent (see
    /// [`crate::uri`]).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidUri`] for a relative reference without a base URL, or an unusable result.
    pub fn resolve(&self, path_or_url: &str) -> Result<Uri, SignError> {
        let text = path_or_url.trim();
        match Url::parse(text) {
            Err(url::ParseError::RelativeUrlWithoutBase) => {}
            _ => return absolute(text),
        }
        let base = self
            .base
            .as_ref()
            .ok_or(SignError::InvalidUri(UriProblem::NoScheme))?;
        let reference = match text.strip_prefix('/') {
            Some(rest) if !rest.starts_with('/') => rest,
            _ => text,
        };
        let uri = uri::to_uri(
            base.join(reference)
                .map_err(|_| SignError::InvalidUri(UriProblem::Unparsable))?,
        )?;
        match uri.scheme_str() {
            Some("http" | "https") => Ok(uri),
            _ => Err(SignError::InvalidUri(UriProblem::Unparsable)),
        }
    }
}

fn without_final_slash(url: &Url) -> &str {
    let text = url.as_str();
    text.strip_suffix('/').unwrap_or(text)
}

impl Endpoints {
    /// The OAuth servlet of an Atlassian product under `base_url`, context path kept, with the
    /// product's whoami resource (see [`crate::atlassian`]).
    /// `Endpoints::atlassian(AtlassianProduct::Bitbucket, url)` is
    /// [`Endpoints::bitbucket`]`(url)`.
    ///
    /// ```
    /// use bitbucket_oauth::Endpoints;
    /// use bitbucket_oauth::atlassian::AtlassianProduct;
    /// let wiki = Endpoints::atlassian(AtlassianProduct::Confluence, "https://wiki.example.com/confluence/")?;
    /// assert_eq!(wiki.authorize().to_string(), "https://wiki.example.com/confluence/plugins/servlet/oauth/authorize");
    /// assert_eq!(wiki.whoami().unwrap().to_string(), "https://wiki.example.com/confluence/rest/api/user/current");
    /// # Ok::<(), bitbucket_oauth::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Endpoints::bitbucket`].
    pub fn atlassian(product: AtlassianProduct, base_url: &str) -> Result<Self, SignError> {
        let mut endpoints = Self::bitbucket(base_url)?;
        if product != AtlassianProduct::Bitbucket {
            endpoints.set_whoami(product.whoami_path(), product.whoami_answer())?;
        }
        Ok(endpoints)
    }
}
