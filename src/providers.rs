//! Recipes for OAuth 1.0a providers other than Atlassian's, each a doctest that signs a
//! request and, where the provider publishes a worked example, reproduces it byte for byte.
//!
//! | provider | method | what differs | known answer |
//! |---|---|---|---|
//! | [NetSuite](#netsuite-token-based-authentication) | HMAC-SHA256 | `realm` is the account ID | Oracle's published header |
//! | [X API](#x-api-user-context) | HMAC-SHA1 | nothing: plain RFC 5849 | X's "Creating a signature" |
//! | [E*TRADE](#etrade-renew-access-token) | HMAC-SHA1 | renewal is a signed `GET`; `realm=""`; authorize URL uses `key` and `token` | none published (secrets withheld) |
//! | [Discogs](#discogs-plaintext-over-tls) | PLAINTEXT | only over TLS | Discogs's header example |
//! | [Trello](crate::AuthorizeUrl) | HMAC-SHA1 | `name`, `expiration`, `scope` on the authorize URL | - |
//!
//! # NetSuite token-based authentication
//!
//! NetSuite's TBA is OAuth 1.0a with the consumer key and secret of an integration record and
//! the token ID and secret of an access token, signed with HMAC-SHA256 (HMAC-SHA1 support ended
//! in 2023.1), and the **account ID as `realm`**: upper case, a sandbox's `-sb1` written `_SB1`
//! (`1234567_SB1` for the host `1234567-sb1.suitetalk.api.netsuite.com`). The values below are
//! Oracle's example in the NetSuite Help Center, "The Signature for Web Services and
//! RESTlets": its REST web services request, and its RESTlet request (a query the signature
//! covers).
//!
//! ```
//! use bitbucket_oauth::signature::{HmacHash, HmacSha};
//! use bitbucket_oauth::{ConsumerKey, ConsumerSecret, SignOptions, Signer, TokenRef};
//!
//! let signer = Signer::new(
//!     ConsumerKey::new("ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4"),
//!     HmacSha::new(
//!         HmacHash::Sha256,
//!         ConsumerSecret::new("d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5"),
//!     ),
//! );
//! let token = TokenRef {
//!     token: "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
//!     secret: "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295",
//! };
//! let options = SignOptions::new()
//!     .token(token)
//!     .realm("123456") // the account ID
//!     .nonce("fjaLirsIcCGVZWzBX0pg") // pinned here to meet the example; never in production
//!     .timestamp(1_508_242_306);
//!
//! let rest = http::Request::get("https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40")
//!     .body(Vec::new())?;
//! let signed = signer.sign(&rest, &options)?;
//! assert_eq!(signed.signature(), "B5OIWznZ2YP0OB7VrJrGkYsTh+8H+5T9Hag+o92q0zY=");
//! assert_eq!(
//!     signed.authorization().to_str()?,
//!     "OAuth realm=\"123456\", \
//!      oauth_consumer_key=\"ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4\", \
//!      oauth_token=\"2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc\", \
//!      oauth_signature_method=\"HMAC-SHA256\", oauth_timestamp=\"1508242306\", \
//!      oauth_nonce=\"fjaLirsIcCGVZWzBX0pg\", oauth_version=\"1.0\", \
//!      oauth_signature=\"B5OIWznZ2YP0OB7VrJrGkYsTh%2B8H%2B5T9Hag%2Bo92q0zY%3D\""
//! );
//!
//! let restlet = http::Request::post(
//!     "https://123456.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=6&deploy=1&customParam=someValue&testParam=someOtherValue",
//! )
//! .header("Content-Type", "application/json")
//! .body(br#"{"id":1}"#.to_vec())?;
//! let signed = signer.sign(&restlet, &options)?;
//! assert_eq!(signed.signature(), "+KK4SKNgz4ZiILGLwOMtfYlgcXSy1eis8ldE9X90azQ=");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # X API user context
//!
//! The X API's OAuth 1.0a user context is RFC 5849 with HMAC-SHA1 and nothing else to know.
//! X's developer documentation, "Creating a signature" (Authentication, OAuth 1.0a), works one
//! request through: its consumer key and secret, access token and secret, nonce and timestamp,
//! the signature base string and the signature `hCtSmYh+iHYCEqBWrE7C7hYmtUk=`. Its form body
//! is published with lower-case escapes (`%2b`, `%2c`), which the base string normalizes.
//! The expected signature is the HMAC of the base string over `https://api.twitter.com/...`,
//! the host the example was first published with; the page's prose now names `api.x.com`,
//! over which the same inputs sign to `Ls93hJiZbQ3akF3HF3x1Bz8/zU4=` (computed here, not
//! published). Sign for the host you send to.
//!
//! ```
//! use bitbucket_oauth::signature::HmacSha;
//! use bitbucket_oauth::{ConsumerKey, ConsumerSecret, SignOptions, Signer, TokenRef};
//!
//! let signer = Signer::new(
//!     ConsumerKey::new("xvz1evFS4wEEPTGEFPHBog"),
//!     HmacSha::sha1(ConsumerSecret::new("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw")),
//! );
//! let request = http::Request::post("https://api.twitter.com/1.1/statuses/update.json?include_entities=true")
//!     .header("Content-Type", "application/x-www-form-urlencoded")
//!     .body(b"status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21".to_vec())?;
//! let options = SignOptions::new()
//!     .token(TokenRef {
//!         token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
//!         secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
//!     })
//!     .nonce("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg")
//!     .timestamp(1_318_622_958);
//! let signed = signer.sign(&request, &options)?;
//! assert_eq!(
//!     signed.base_string().unredacted(),
//!     "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
//! );
//! assert_eq!(signed.signature(), "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
//!
//! let mut on_x = request.clone();
//! *on_x.uri_mut() = "https://api.x.com/1.1/statuses/update.json?include_entities=true".parse()?;
//! assert_eq!(signer.sign(&on_x, &options)?.signature(), "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # E*TRADE renew access token
//!
//! E*TRADE signs with HMAC-SHA1 only. Its access token expires at midnight US Eastern time and
//! goes inactive after two hours without a request; "Renew Access Token" reactivates it: a
//! `GET https://api.etrade.com/oauth/renew_access_token` signed with the consumer and the
//! access token, nothing else (not the `oauth_session_handle` renewal of RFC 5849 providers
//! and Bitbucket, [`Consumer::renew`](crate::Consumer::renew)). E*TRADE's examples send an empty
//! `realm=""`. Its authorize page takes the consumer key as `key` and the request token as
//! `token` ([`AuthorizeUrl::token_parameter`](crate::authorize_url::AuthorizeUrl::token_parameter)).
//! E*TRADE's documentation shows a sample header but not the secrets behind it, so there is no
//! known answer to meet: the base string below is the one RFC 5849 defines for this request.
//!
//! ```
//! use bitbucket_oauth::signature::HmacSha;
//! use bitbucket_oauth::{
//!     Consumer, ConsumerKey, ConsumerSecret, Endpoints, SignOptions, Signer, Token, TokenSecret,
//! };
//!
//! let signer = Signer::new(ConsumerKey::new("282683cc9e4b8fc81dea6bc687d46758"), HmacSha::sha1(ConsumerSecret::new("consumer-secret")));
//! let endpoints = Endpoints::new(
//!     "https://api.etrade.com/oauth/request_token",
//!     "https://us.etrade.com/e/t/etws/authorize",
//!     "https://api.etrade.com/oauth/access_token",
//! )?;
//! let client = Consumer::new(signer.clone(), endpoints);
//!
//! // Step 2, E*TRADE's way.
//! let request_token = Token::new("/iQRgQCRGPo7Xdk6G8QDSEzX0Jsy6sKNcULcDavAGgU=", TokenSecret::new("s"));
//! assert_eq!(
//!     client
//!         .authorize_url_builder(&request_token)
//!         .token_parameter("token")
//!         .param("key", "282683cc9e4b8fc81dea6bc687d46758")
//!         .build()?,
//!     "https://us.etrade.com/e/t/etws/authorize?token=%2FiQRgQCRGPo7Xdk6G8QDSEzX0Jsy6sKNcULcDavAGgU%3D&key=282683cc9e4b8fc81dea6bc687d46758"
//! );
//!
//! // Renewal of an inactive access token.
//! let access: Token<bitbucket_oauth::Access> = Token::new("FiQRgQCRGPo7Xdk6G8QDSEzX0Jsy6sKNcULcDavAGgU=", TokenSecret::new("access-secret"));
//! let mut renew = http::Request::get("https://api.etrade.com/oauth/renew_access_token").body(Vec::new())?;
//! let options = SignOptions::new()
//!     .token(access.as_token_ref())
//!     .realm("")
//!     .nonce("LTg2ODUzOTQ5MTEzMTY3MzQwMzE")
//!     .timestamp(1_273_254_425);
//! let signed = signer.sign(&renew, &options)?;
//! assert_eq!(
//!     signed.base_string().unredacted(),
//!     "GET&https%3A%2F%2Fapi.etrade.com%2Foauth%2Frenew_access_token&oauth_consumer_key%3D282683cc9e4b8fc81dea6bc687d46758%26oauth_nonce%3DLTg2ODUzOTQ5MTEzMTY3MzQwMzE%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1273254425%26oauth_token%3DFiQRgQCRGPo7Xdk6G8QDSEzX0Jsy6sKNcULcDavAGgU%253D%26oauth_version%3D1.0"
//! );
//! assert!(signed.authorization().to_str()?.starts_with("OAuth realm=\"\", oauth_consumer_key="));
//! signed.apply_header(&mut renew);
//! // Send `renew`; a 200 answers "Access Token has been renewed".
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Discogs: PLAINTEXT over TLS
//!
//! Discogs signs with PLAINTEXT: the signature *is* the consumer secret and the token secret,
//! each encoded, joined by `&` (RFC 5849 §3.4.4), so anyone who reads the header has both. It is
//! acceptable only over TLS, and every Discogs URL is `https`. Its endpoints are
//! `https://api.discogs.com/oauth/request_token`, `https://www.discogs.com/oauth/authorize` and
//! `https://api.discogs.com/oauth/access_token`; every request also needs a `User-Agent` of
//! its own. Discogs's documentation shows the request-token header with placeholders:
//! `oauth_signature="your_consumer_secret&"` for the consumer secret `your_consumer_secret`,
//! before any token. The header below carries the same value percent-encoded (`%26`), as RFC
//! 5849 §3.5.1 writes header values.
//!
//! ```
//! use bitbucket_oauth::signature::Plaintext;
//! use bitbucket_oauth::{ConsumerKey, ConsumerSecret, SignOptions, Signer, TokenRef};
//!
//! let signer = Signer::new(
//!     ConsumerKey::new("your_consumer_key"),
//!     Plaintext::new(ConsumerSecret::new("your_consumer_secret")),
//! );
//! let request = http::Request::get("https://api.discogs.com/oauth/request_token")
//!     .header("Content-Type", "application/x-www-form-urlencoded")
//!     .header("User-Agent", "MyDiscogsApp/1.0 +https://example.com")
//!     .body(Vec::new())?;
//! assert_eq!(request.uri().scheme_str(), Some("https")); // PLAINTEXT: TLS or nothing
//! let options = SignOptions::new()
//!     .callback("https://example.com/discogs/callback")
//!     .nonce("random_string_or_timestamp0")
//!     .timestamp(1_700_000_000);
//! let signed = signer.sign(&request, &options)?;
//! assert_eq!(signed.signature(), "your_consumer_secret&");
//! assert_eq!(
//!     signed.authorization().to_str()?,
//!     "OAuth oauth_consumer_key=\"your_consumer_key\", oauth_signature_method=\"PLAINTEXT\", \
//!      oauth_timestamp=\"1700000000\", oauth_nonce=\"random_string_or_timestamp0\", \
//!      oauth_version=\"1.0\", oauth_callback=\"https%3A%2F%2Fexample.com%2Fdiscogs%2Fcallback\", \
//!      oauth_signature=\"your_consumer_secret%26\""
//! );
//!
//! // With the access token: both secrets.
//! let token = TokenRef { token: "access_token", secret: "token_secret" };
//! let identity = http::Request::get("https://api.discogs.com/oauth/identity").body(Vec::new())?;
//! let signed = signer.sign(&identity, &SignOptions::new().token(token))?;
//! assert_eq!(signed.signature(), "your_consumer_secret&token_secret");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
