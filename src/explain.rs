//! Explaining a refused signature: compare our base string with the provider's, part by part.
//!
//! When Bitbucket answers `signature_invalid` it may include its own
//! `oauth_signature_base_string`. The usual cause is that the server believes it serves another
//! URL than the client signed (a proxy changed the scheme, host or port, or the context path is
//! missing). [`compare`] says which part differs, in plain words, and names the likely fix.
//!
//! The comparison compares the real values, but never shows a secret one (`oauth_verifier`,
//! `oauth_session_handle`, `oauth_token_secret`, `oauth_signature`: see [`crate::redact`]): a
//! [`Difference`] holds [`REDACTED`] in its place, and says that the two values differ.

use std::fmt;

use crate::base_string::BaseString;
use crate::redact::{REDACTED, is_secret_parameter};
use crate::text::clip;

/// One difference between our base string and the provider's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Difference {
    /// The HTTP method differs.
    Method {
        /// Ours.
        ours: String,
        /// The provider's.
        theirs: String,
    },
    /// The URI scheme differs (`http` vs `https`: typically TLS terminated at a proxy).
    Scheme {
        /// Ours.
        ours: String,
        /// The provider's.
        theirs: String,
    },
    /// The host differs.
    Host {
        /// Ours.
        ours: String,
        /// The provider's.
        theirs: String,
    },
    /// The port differs (`None`: the scheme's default port).
    Port {
        /// Ours.
        ours: Option<String>,
        /// The provider's.
        theirs: Option<String>,
    },
    /// The path differs (often a context path such as `/bitbucket`).
    Path {
        /// Ours.
        ours: String,
        /// The provider's.
        theirs: String,
    },
    /// A parameter appears with different values.
    ParameterValue {
        /// The encoded name.
        name: String,
        /// Our encoded values.
        ours: Vec<String>,
        /// The provider's encoded values.
        theirs: Vec<String>,
    },
    /// We signed a parameter the provider did not see.
    OnlyOurs {
        /// The encoded name.
        name: String,
        /// Its encoded value.
        value: String,
    },
    /// The provider saw a parameter we did not sign.
    OnlyTheirs {
        /// The encoded name.
        name: String,
        /// Its encoded value.
        value: String,
    },
    /// Everything matches part by part, yet the texts differ (an encoding difference).
    Text,
    /// Follows a scheme, host or port difference: the likely fix is to sign for the URL the
    /// server believes it serves while connecting to another, with
    /// [`Endpoints::sign_base_url`](crate::Endpoints::sign_base_url) (`--sign-base-url` in the
    /// `dance` CLI).
    SignBaseUrl {
        /// The provider's `scheme://host[:port]`.
        theirs: String,
    },
    /// The provider did not see (or saw other values of) parameters we took from the form body.
    ///
    /// Bitbucket verifies with net.oauth on Tomcat, which by default reads a form body as
    /// parameters only for a `POST` whose media type is exactly
    /// `application/x-www-form-urlencoded` (case-sensitive), and decodes a body without a
    /// `charset` as ISO-8859-1. RFC 5849 signs such a body whatever the method, so the
    /// signature is right and the server's base string is not. The fix: `POST` with
    /// `Content-Type: application/x-www-form-urlencoded; charset=UTF-8`, or the parameters in
    /// the query.
    FormBodyUnread {
        /// The encoded names of the form parameters concerned.
        names: Vec<String>,
        /// The request's method.
        method: String,
        /// Whether the media type was written exactly `application/x-www-form-urlencoded`.
        exact_media_type: bool,
        /// Whether the `Content-Type` had a `charset`.
        charset: bool,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values come from the provider: clip them so that a hostile answer cannot flood a log.
        let c = |s: &str| clip(s, 200).into_owned();
        let list = |v: &[String]| {
            let shown: Vec<String> = v.iter().take(8).map(|s| c(s)).collect();
            let more = v.len().saturating_sub(8);
            if more > 0 {
                format!("{} and {more} more", shown.join(", "))
            } else {
                shown.join(", ")
            }
        };
        match self {
            Self::Method { ours, theirs } => {
                write!(
                    f,
                    "method: we signed {}, the provider saw {}",
                    c(ours),
                    c(theirs)
                )
            }
            Self::Scheme { ours, theirs } => write!(
                f,
                "scheme: we signed {}, the provider saw {} (TLS terminated at a proxy? configure the base URL the server believes it serves)",
                c(ours),
                c(theirs)
            ),
            Self::Host { ours, theirs } => write!(
                f,
                "host: we signed {}, the provider saw {} (a proxy, or the server's configured base URL)",
                c(ours),
                c(theirs)
            ),
            Self::Port { ours, theirs } => write!(
                f,
                "port: we signed {}, the provider saw {}",
                c(ours.as_deref().unwrap_or("the default port")),
                c(theirs.as_deref().unwrap_or("the default port"))
            ),
            Self::SignBaseUrl { theirs } => write!(
                f,
                "likely fix: the server verifies against the base URL it is configured with ({}...), not the address we connect to (a reverse proxy?): sign for that URL with Endpoints::sign_base_url (in the dance CLI: --sign-base-url)",
                c(theirs)
            ),
            Self::Path { ours, theirs } => write!(
                f,
                "path: we signed {}, the provider saw {} (a missing or extra context path?)",
                c(ours),
                c(theirs)
            ),
            Self::ParameterValue { name, .. } if is_secret_parameter(name) => write!(
                f,
                "parameter {}: the value we signed and the one the provider saw differ (secret, not shown)",
                c(name)
            ),
            Self::ParameterValue { name, ours, theirs } => write!(
                f,
                "parameter {}: we signed {}, the provider saw {}",
                c(name),
                list(ours),
                list(theirs)
            ),
            Self::OnlyOurs { name, value } => {
                write!(
                    f,
                    "parameter {}={}: we signed it, the provider did not see it",
                    c(name),
                    c(value)
                )
            }
            Self::OnlyTheirs { name, value } => {
                write!(
                    f,
                    "parameter {}={}: the provider saw it, we did not sign it",
                    c(name),
                    c(value)
                )
            }
            Self::Text => f.write_str(
                "the parts match but the texts differ: an encoding difference in the base string",
            ),
            Self::FormBodyUnread {
                names,
                method,
                exact_media_type,
                charset,
            } => {
                write!(
                    f,
                    "the provider did not read the form body's parameters as we signed them ({}). Likely cause: Bitbucket's Tomcat reads a form body as parameters only for POST with the media type exactly application/x-www-form-urlencoded and a charset",
                    list(names)
                )?;
                let mut causes = Vec::new();
                if method != "POST" {
                    causes.push(format!("this request is {} (not POST)", c(method)));
                }
                if !exact_media_type {
                    causes.push(
                        "its media type is not written exactly application/x-www-form-urlencoded (Tomcat compares case-sensitively)"
                            .to_owned(),
                    );
                }
                if !charset {
                    causes.push(
                        "its Content-Type has no charset (Tomcat then decodes the body as ISO-8859-1)"
                            .to_owned(),
                    );
                }
                if !causes.is_empty() {
                    write!(f, "; {}", causes.join("; "))?;
                }
                f.write_str(". Fix: send POST with Content-Type: application/x-www-form-urlencoded; charset=UTF-8, or put the parameters in the query")
            }
        }
    }
}

struct UriParts {
    scheme: String,
    host: String,
    port: Option<String>,
    path: String,
}

fn split_uri(uri: &str) -> UriParts {
    let (scheme, rest) = uri.split_once("://").unwrap_or(("", uri));
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => {
            (&authority[..i], Some(authority[i + 1..].to_owned()))
        }
        _ => (authority, None),
    };
    UriParts {
        scheme: scheme.to_owned(),
        host: host.to_owned(),
        port,
        path: path.to_owned(),
    }
}

/// Lists how `theirs` (the provider's base string) differs from `ours`, method first, then URI
/// parts, then parameters in name order. Empty when they are identical.
#[must_use]
pub fn compare(ours: &BaseString, theirs: &BaseString) -> Vec<Difference> {
    let mut out = Vec::new();
    if ours == theirs {
        return out;
    }
    let (om, tm) = (ours.method(), theirs.method());
    if om != tm {
        out.push(Difference::Method {
            ours: om,
            theirs: tm,
        });
    }
    let (ou, tu) = (split_uri(&ours.uri()), split_uri(&theirs.uri()));
    let origin_fix =
        (ou.scheme != tu.scheme || ou.host != tu.host || ou.port != tu.port).then(|| {
            let mut origin = format!("{}://{}", tu.scheme, tu.host);
            if let Some(port) = &tu.port {
                origin.push(':');
                origin.push_str(port);
            }
            Difference::SignBaseUrl { theirs: origin }
        });
    if ou.scheme != tu.scheme {
        out.push(Difference::Scheme {
            ours: ou.scheme,
            theirs: tu.scheme,
        });
    }
    if ou.host != tu.host {
        out.push(Difference::Host {
            ours: ou.host,
            theirs: tu.host,
        });
    }
    if ou.port != tu.port {
        out.push(Difference::Port {
            ours: ou.port,
            theirs: tu.port,
        });
    }
    if let Some(fix) = origin_fix {
        out.push(fix);
    }
    if ou.path != tu.path {
        out.push(Difference::Path {
            ours: ou.path,
            theirs: tu.path,
        });
    }

    let mut op = ours.parameters();
    let mut tp = theirs.parameters();
    op.sort_unstable();
    tp.sort_unstable();
    // One merge pass over the two sorted lists, a group of equal names at a time.
    let (mut i, mut j) = (0, 0);
    while i < op.len() || j < tp.len() {
        let name = match (op.get(i), tp.get(j)) {
            (Some((a, _)), Some((b, _))) => a.min(b).clone(),
            (Some((a, _)), None) => a.clone(),
            (None, Some((b, _))) => b.clone(),
            (None, None) => break,
        };
        let ours_end = i + op[i..].iter().take_while(|(n, _)| *n == name).count();
        let theirs_end = j + tp[j..].iter().take_while(|(n, _)| *n == name).count();
        let ov: Vec<String> = op[i..ours_end].iter().map(|(_, v)| v.clone()).collect();
        let tv: Vec<String> = tp[j..theirs_end].iter().map(|(_, v)| v.clone()).collect();
        (i, j) = (ours_end, theirs_end);
        if ov == tv {
            continue;
        }
        let (ov, tv) = if is_secret_parameter(&name) {
            // Compared for real above; kept and shown only as `<redacted>`.
            let hide = |v: Vec<String>| v.iter().map(|_| REDACTED.to_owned()).collect::<Vec<_>>();
            (hide(ov), hide(tv))
        } else {
            (ov, tv)
        };
        match (ov.is_empty(), tv.is_empty()) {
            (false, true) => out.extend(ov.into_iter().map(|value| Difference::OnlyOurs {
                name: name.clone(),
                value,
            })),
            (true, false) => out.extend(tv.into_iter().map(|value| Difference::OnlyTheirs {
                name: name.clone(),
                value,
            })),
            _ => out.push(Difference::ParameterValue {
                name,
                ours: ov,
                theirs: tv,
            }),
        }
    }
    if out.is_empty() {
        out.push(Difference::Text);
    }
    out
}

/// What a signed form body looked like, as a servlet container judges it: kept with what was
/// sent, to explain a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormBody {
    method: String,
    exact_media_type: bool,
    charset: bool,
    /// The §3.6-encoded names of the body's parameters, at most [`MAX_FORM_NAMES`].
    names: Vec<String>,
}

/// The most form parameter names kept per request.
const MAX_FORM_NAMES: usize = 64;

impl FormBody {
    /// The facts of a request whose `Content-Type` is a form (`content_type`) and whose body is
    /// signed.
    pub(crate) fn of(method: &http::Method, content_type: &[u8], body: &[u8]) -> Self {
        let mut parts = content_type.split(|&b| b == b';');
        let media = parts.next().unwrap_or_default().trim_ascii();
        let charset = parts.any(|p| {
            p.trim_ascii()
                .get(..8)
                .is_some_and(|n| n.eq_ignore_ascii_case(b"charset="))
        });
        let mut names = Vec::new();
        for segment in crate::params::segments(body) {
            if names.len() == MAX_FORM_NAMES {
                break;
            }
            if let Ok(decoded) = crate::encode::decode_form_component(segment.name) {
                let name = crate::encode::encode(decoded);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        Self {
            method: method.as_str().to_owned(),
            exact_media_type: media == b"application/x-www-form-urlencoded",
            charset,
            names,
        }
    }

    /// The [`Difference::FormBodyUnread`] these differences point to: when a parameter of the
    /// form body is one we signed and the provider did not see, or saw with another value.
    pub(crate) fn explain(&self, differences: &[Difference]) -> Option<Difference> {
        let mut names: Vec<String> = Vec::new();
        for d in differences {
            let name = match d {
                Difference::OnlyOurs { name, .. } | Difference::ParameterValue { name, .. } => name,
                _ => continue,
            };
            if self.names.contains(name) && !names.contains(name) {
                names.push(name.clone());
            }
        }
        (!names.is_empty()).then(|| Difference::FormBodyUnread {
            names,
            method: self.method.clone(),
            exact_media_type: self.exact_media_type,
            charset: self.charset,
        })
    }
}
