//! The Atlassian family: Bitbucket, Jira, Confluence and Bamboo Server / Data Center.
//!
//! All four serve OAuth 1.0a from the same Application Links servlet under their base URL
//! (`{base}/plugins/servlet/oauth/request-token`, `.../authorize`, `.../access-token`, RSA-SHA1,
//! the same problems), so one [`Endpoints::atlassian`](crate::Endpoints::atlassian) covers them. They differ in the "who am
//! I" resource, the cheap signed call that says whether an access token is good and whose it
//! is:
//!
//! | product | whoami resource (under the base URL) | answer | user name in |
//! |---|---|---|---|
//! | Bitbucket | `plugins/servlet/applinks/whoami` | `text/plain` | the whole body |
//! | Jira | `rest/api/2/myself` | JSON | `name` |
//! | Confluence | `rest/api/user/current` | JSON | `username` |
//! | Bamboo | `rest/api/latest/currentUser` | JSON (asked for with `Accept`; XML otherwise) | `name` |
//!
//! The REST resources are each product's documented current-user resource (Jira's REST API
//! "myself" group, Confluence's `UserResource.getCurrent`, Bamboo's `GadgetUserResource`,
//! `@Path("currentUser")`, which produces JSON or XML). The user name is the login name on
//! Server / Data Center (Jira's `name`, Confluence's `username`, Bamboo's `name`), what
//! Bitbucket's `whoami` prints.
//!
//! ```
//! use bitbucket_oauth::Endpoints;
//! use bitbucket_oauth::atlassian::AtlassianProduct;
//!
//! let jira = Endpoints::atlassian(AtlassianProduct::Jira, "https://jira.example.com/jira")?;
//! assert_eq!(jira.request_token().to_string(), "https://jira.example.com/jira/plugins/servlet/oauth/request-token");
//! assert_eq!(jira.whoami().unwrap().to_string(), "https://jira.example.com/jira/rest/api/2/myself");
//!
//! let response = http::Response::new(br#"{"self":"https://jira.example.com/jira/rest/api/2/user?username=alice","key":"JIRAUSER10100","name":"alice","displayName":"Alice"}"#.to_vec());
//! assert_eq!(jira.whoami_answer().user_name(&response)?, "alice");
//! # Ok::<(), bitbucket_oauth::Error>(())
//! ```

/// An Atlassian Server / Data Center product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AtlassianProduct {
    /// Bitbucket Server / Data Center.
    Bitbucket,
    /// Jira Server / Data Center (Software, Service Management, Core).
    Jira,
    /// Confluence Server / Data Center.
    Confluence,
    /// Bamboo Server / Data Center.
    Bamboo,
}

impl AtlassianProduct {
    /// Every product, in a stable order.
    pub const ALL: [Self; 4] = [Self::Bitbucket, Self::Jira, Self::Confluence, Self::Bamboo];

    /// The product's name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bitbucket => "Bitbucket",
            Self::Jira => "Jira",
            Self::Confluence => "Confluence",
            Self::Bamboo => "Bamboo",
        }
    }

    /// The whoami resource, relative to the base URL.
    #[must_use]
    pub const fn whoami_path(self) -> &'static str {
        match self {
            Self::Bitbucket => "plugins/servlet/applinks/whoami",
            Self::Jira => "rest/api/2/myself",
            Self::Confluence => "rest/api/user/current",
            Self::Bamboo => "rest/api/latest/currentUser",
        }
    }

    /// How the whoami resource answers.
    #[must_use]
    pub const fn whoami_answer(self) -> WhoamiAnswer {
        match self {
            Self::Bitbucket => WhoamiAnswer::Text,
            Self::Jira | Self::Bamboo => WhoamiAnswer::JsonField("name"),
            Self::Confluence => WhoamiAnswer::JsonField("username"),
        }
    }
}

/// How a whoami resource gives the user name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum WhoamiAnswer {
    /// The body is the user name (Bitbucket's `applinks/whoami`), surrounding whitespace
    /// trimmed; empty for an anonymous 2-legged call.
    #[default]
    Text,
    /// A JSON object whose string member of this name is the user name.
    JsonField(&'static str),
}

impl WhoamiAnswer {
    /// The `Accept` header the request sends (`application/json` for a JSON answer: Bamboo
    /// answers XML without it).
    #[must_use]
    pub const fn accept(self) -> Option<&'static str> {
        match self {
            Self::Text => None,
            Self::JsonField(_) => Some("application/json"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitbucket::Endpoints;
    use crate::flow::Error;
    use http::Response;

    fn ok(body: &str) -> Response<Vec<u8>> {
        Response::new(body.as_bytes().to_vec())
    }

    #[test]
    fn each_product_knows_its_whoami() {
        let expected = [
            "https://h.example.com/ctx/plugins/servlet/applinks/whoami",
            "https://h.example.com/ctx/rest/api/2/myself",
            "https://h.example.com/ctx/rest/api/user/current",
            "https://h.example.com/ctx/rest/api/latest/currentUser",
        ];
        for (product, whoami) in AtlassianProduct::ALL.into_iter().zip(expected) {
            let e = Endpoints::atlassian(product, "https://h.example.com/ctx").unwrap();
            assert_eq!(e.whoami().unwrap().to_string(), whoami, "{product:?}");
            assert_eq!(e.whoami_answer(), product.whoami_answer());
            for (uri, path) in [
                (e.request_token(), "request-token"),
                (e.authorize(), "authorize"),
                (e.access_token(), "access-token"),
            ] {
                assert_eq!(
                    uri.to_string(),
                    format!("https://h.example.com/ctx/plugins/servlet/oauth/{path}")
                );
            }
        }
        assert_eq!(
            Endpoints::atlassian(AtlassianProduct::Bitbucket, "https://h.example.com/ctx").unwrap(),
            Endpoints::bitbucket("https://h.example.com/ctx").unwrap()
        );
    }

    #[test]
    fn user_names_from_each_answer() {
        // Shaped like each product's documented response.
        let cases = [
            (AtlassianProduct::Bitbucket, "alice\n"),
            (
                AtlassianProduct::Jira,
                r#"{"self":"http://j/rest/api/2/user?username=alice","key":"JIRAUSER10000","name":"alice","emailAddress":"alice@example.com","displayName":"Alice","active":true,"timeZone":"UTC"}"#,
            ),
            (
                AtlassianProduct::Confluence,
                r#"{"type":"known","username":"alice","userKey":"ff8080817a3c1f3e017a3c2008e70000","profilePicture":{"path":"/images/icons/profilepics/default.svg","width":48,"height":48,"isDefault":true},"displayName":"Alice"}"#,
            ),
            (
                AtlassianProduct::Bamboo,
                r#"{"name":"alice","fullName":"Alice","email":"alice@example.com"}"#,
            ),
        ];
        for (product, body) in cases {
            assert_eq!(
                product.whoami_answer().user_name(&ok(body)).unwrap(),
                "alice",
                "{product:?}"
            );
        }
    }

    #[test]
    fn a_json_answer_without_the_name_is_an_unexpected_response() {
        let answer = AtlassianProduct::Bamboo.whoami_answer();
        for body in [
            "<user><name>alice</name></user>",
            r#"{"fullName":"Alice"}"#,
            r#"{"name":7}"#,
            "",
        ] {
            let err = answer.user_name(&ok(body)).unwrap_err();
            assert!(
                matches!(
                    &err,
                    Error::UnexpectedResponse { reason, body: excerpt, .. }
                        if *reason == "the whoami answer is not a JSON object with the user name member"
                            && excerpt == body
                ),
                "{err:?}"
            );
        }
        assert_eq!(WhoamiAnswer::Text.accept(), None);
        assert_eq!(answer.accept(), Some("application/json"));
    }
}
