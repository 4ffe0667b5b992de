//! Explaining a refused signature: compare our base string with the provider's, part by part.
//!
//! When Bitbucket answers `signature_invalid` it may include its own
//! `oauth_signature_base_string`. The usual cause is that the server believes it serves another
//! URL than the client signed (a proxy changed the scheme, host or port, or the context path is
//! missing). [`compare`] says which part differs, in plain words.

use std::fmt;

use crate::base_string::BaseString;
use crate::flow::clip;

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
            Self::Path { ours, theirs } => write!(
                f,
                "path: we signed {}, the provider saw {} (a missing or extra context path?)",
                c(ours),
                c(theirs)
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
    if ours.as_str() == theirs.as_str() {
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
