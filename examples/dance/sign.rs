//! The `sign` subcommand.

use std::fmt::Write as _;
use std::path::PathBuf;

use bitbucket_oauth::encode;
use bitbucket_oauth::rfc5849::is_form_urlencoded;
use bitbucket_oauth::signature::{
    HmacHash, HmacSha, MethodName, Plaintext, RsaHash, RsaSha, SignatureMethod,
};
use bitbucket_oauth::{
    ConsumerKey, ConsumerSecret, KeyError, KeyLoader, SignOptions, Signed, Signer, TokenRef,
};
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method, Uri};

use super::{CliError, CliResult, print_stdout};

/// Arguments of `dance sign`.
#[derive(Debug, clap::Args)]
pub(crate) struct SignArgs {
    /// HTTP method of the request, e.g. GET or POST.
    #[arg(value_name = "METHOD")]
    method: String,

    /// Absolute request URL, query included, exactly as it will be sent.
    #[arg(value_name = "URL")]
    url: String,

    /// The consumer key (oauth_consumer_key).
    #[arg(long, value_name = "KEY")]
    consumer_key: String,

    /// RSA-SHA1 | HMAC-SHA1 | PLAINTEXT | RSA-SHA256 | RSA-SHA512 | HMAC-SHA256 | HMAC-SHA512
    /// (any case).
    #[arg(long, value_name = "NAME", default_value = "RSA-SHA1")]
    signature_method: MethodName,

    /// RSA private key file: PEM, PKCS#1 or PKCS#8 (RSA-* methods).
    #[arg(long, value_name = "PATH")]
    private_key: Option<PathBuf>,

    /// Accept an RSA key under 2048 bits (down to 1024; for published test vectors only).
    #[arg(long)]
    allow_weak_key: bool,

    /// The consumer secret (HMAC-* and PLAINTEXT methods).
    #[arg(long, value_name = "S")]
    consumer_secret: Option<String>,

    /// The token (oauth_token).
    #[arg(long, value_name = "T")]
    token: Option<String>,

    /// The token secret (HMAC-* and PLAINTEXT methods); needs --token.
    #[arg(long, value_name = "S", requires = "token")]
    token_secret: Option<String>,

    /// oauth_callback: an absolute URL, or `oob`.
    #[arg(long, value_name = "URL")]
    callback: Option<String>,

    /// oauth_verifier.
    #[arg(long, value_name = "V")]
    verifier: Option<String>,

    /// The realm of the Authorization header (never signed).
    #[arg(long, value_name = "R")]
    realm: Option<String>,

    /// Pin oauth_nonce, for reproducible output.
    #[arg(long, value_name = "N")]
    nonce: Option<String>,

    /// Pin oauth_timestamp (seconds since the Unix epoch), for reproducible output.
    #[arg(long, value_name = "SECONDS")]
    timestamp: Option<u64>,

    /// Omit oauth_version.
    #[arg(long)]
    no_version: bool,

    /// Raw request body, sent as given.
    #[arg(long, value_name = "STRING")]
    body: Option<String>,

    /// The body's Content-Type; only application/x-www-form-urlencoded bodies are signed.
    #[arg(long, value_name = "TYPE")]
    content_type: Option<String>,

    /// Print one JSON object: {"base_string": .., "signature": .., "authorization": ..}.
    #[arg(long)]
    json: bool,
}

/// Runs `dance sign`.
pub(crate) fn run(args: &SignArgs) -> CliResult<()> {
    let method = args.signature_method;
    let signer = Signer::builder_boxed(
        ConsumerKey::new(args.consumer_key.as_str()),
        signature_method(args)?,
    )
    .build();

    let http_method = Method::from_bytes(args.method.as_bytes())
        .map_err(|_| CliError::new(format!("invalid HTTP method `{}`", args.method)))?;
    // Parsed as a client sends it (a raw space becomes %20, the host is lowercased, an IPv6
    // address takes its RFC 5952 form): the base string signs that.
    let uri: Uri = bitbucket_oauth::uri::parse(&args.url).map_err(|e| match e {
        bitbucket_oauth::Error::InvalidUri(problem) => {
            CliError::new(format!("invalid URL `{}`: {problem}", args.url))
        }
        other => CliError::from(other),
    })?;
    let mut headers = HeaderMap::new();
    if let Some(content_type) = &args.content_type {
        let value = HeaderValue::from_str(content_type).map_err(|_| {
            CliError::new(format!(
                "invalid --content-type `{content_type}`: not a valid header value"
            ))
        })?;
        headers.insert(CONTENT_TYPE, value);
    }
    let body = args.body.as_deref().unwrap_or_default();

    let signed = signer.sign_parts(
        &http_method,
        &uri,
        &headers,
        body.as_bytes(),
        &options(args),
    )?;

    let text = if args.json {
        json(&signed)
    } else {
        let body_signed = args
            .content_type
            .as_deref()
            .is_some_and(|ct| is_form_urlencoded(ct.as_bytes()));
        let unsigned_body = !body.is_empty() && !body_signed;
        explain(method, &signed, unsigned_body)
    };
    print_stdout(&text)
}

/// The signature method the arguments ask for, with its key material.
fn signature_method(args: &SignArgs) -> CliResult<Box<dyn SignatureMethod>> {
    let method = args.signature_method;
    if method.is_rsa() {
        if args.consumer_secret.is_some() {
            return Err(CliError::new(format!(
                "{method} signs with --private-key; --consumer-secret is only for HMAC-* and PLAINTEXT"
            )));
        }
        let key = load_key(args)?;
        let hash = match method {
            MethodName::RsaSha256 => RsaHash::Sha256,
            MethodName::RsaSha512 => RsaHash::Sha512,
            _ => RsaHash::Sha1,
        };
        return Ok(Box::new(RsaSha::new(hash, key)));
    }

    if args.private_key.is_some() || args.allow_weak_key {
        return Err(CliError::new(format!(
            "{method} does not use an RSA key; --private-key and --allow-weak-key are only for RSA-* methods"
        )));
    }
    let Some(secret) = &args.consumer_secret else {
        return Err(CliError::new(format!(
            "{method} needs --consumer-secret <S>"
        )));
    };
    let secret = ConsumerSecret::new(secret.as_str());
    Ok(match method {
        MethodName::HmacSha1 => Box::new(HmacSha::new(HmacHash::Sha1, secret)),
        MethodName::HmacSha256 => Box::new(HmacSha::new(HmacHash::Sha256, secret)),
        MethodName::HmacSha512 => Box::new(HmacSha::new(HmacHash::Sha512, secret)),
        MethodName::Plaintext => Box::new(Plaintext::new(secret)),
        other => {
            return Err(CliError::new(format!(
                "signature method {other} is not supported by this tool"
            )));
        }
    })
}

/// Reads and parses `--private-key` under the size policy `--allow-weak-key` selects.
fn load_key(args: &SignArgs) -> CliResult<bitbucket_oauth::RsaPrivateKey> {
    let method = args.signature_method;
    let Some(path) = &args.private_key else {
        return Err(CliError::new(format!(
            "{method} needs --private-key <PATH> (RSA-SHA1 is the default --signature-method; \
             pass --signature-method HMAC-SHA1 or PLAINTEXT to sign with --consumer-secret)"
        )));
    };
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::new(format!("cannot read private key {}: {e}", path.display())))?;
    let loader = if args.allow_weak_key {
        KeyLoader::new().insecure_allow_legacy_1024_bit_keys()
    } else {
        KeyLoader::new()
    };
    loader.load(&bytes).map_err(|e| {
        let hint = match &e {
            KeyError::TooSmall { bits, .. } if !args.allow_weak_key && *bits >= 1024 => {
                "; pass --allow-weak-key to accept it anyway (test vectors only)"
            }
            KeyError::PassphraseRequired => {
                "; this tool reads unencrypted keys only (decrypt it with `openssl pkcs8 -in key.pem -out plain.pem`)"
            }
            _ => "",
        };
        CliError::new(format!("private key {}: {e}{hint}", path.display()))
    })
}

fn options(args: &SignArgs) -> SignOptions<'_> {
    let mut options = SignOptions::new().version(!args.no_version);
    if let Some(token) = &args.token {
        options = options.token(TokenRef {
            token,
            secret: args.token_secret.as_deref().unwrap_or_default(),
        });
    }
    if let Some(callback) = &args.callback {
        options = options.callback(callback);
    }
    if let Some(verifier) = &args.verifier {
        options = options.verifier(verifier);
    }
    if let Some(realm) = &args.realm {
        options = options.realm(realm);
    }
    if let Some(nonce) = &args.nonce {
        options = options.nonce(nonce);
    }
    if let Some(timestamp) = args.timestamp {
        options = options.timestamp(timestamp);
    }
    options
}

fn authorization(signed: &Signed) -> String {
    String::from_utf8_lossy(signed.authorization().as_bytes()).into_owned()
}

/// `{"base_string":"...","signature":"...","authorization":"..."}` and a newline, keys in
/// this order.
fn json(signed: &Signed) -> String {
    let string = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
    format!(
        "{{\"base_string\":{},\"signature\":{},\"authorization\":{}}}\n",
        string(signed.base_string().unredacted()),
        string(signed.signature()),
        string(&authorization(signed)),
    )
}

/// The readable explanation.
fn explain(method: MethodName, signed: &Signed, unsigned_body: bool) -> String {
    let base = signed.base_string();
    let mut out = String::with_capacity(1024);
    // `write!` to a String cannot fail.
    let _ = writeln!(
        out,
        "Signature base string (RFC 5849 3.4.1.1), the exact bytes signed:\n  {}\n",
        base.unredacted()
    );
    let _ = writeln!(out, "1. Method:\n  {}", base.method());
    let _ = writeln!(out, "2. Base string URI (3.4.1.2):\n  {}", base.uri());
    let _ = writeln!(
        out,
        "3. Normalized parameters (3.4.1.3.2), decoded once, name = value:"
    );
    for (name, value) in base.parameters() {
        if value.is_empty() {
            let _ = writeln!(out, "  {name} =");
        } else {
            let _ = writeln!(out, "  {name} = {value}");
        }
    }
    if unsigned_body {
        let _ = writeln!(
            out,
            "  (the body is not signed: its Content-Type is not application/x-www-form-urlencoded)"
        );
    }
    let _ = writeln!(
        out,
        "\nSignature ({method}, oauth_signature before percent-encoding):\n  {}",
        signed.signature()
    );
    let _ = writeln!(
        out,
        "  percent-encoded: {}",
        encode::encode(signed.signature())
    );
    let _ = writeln!(out, "\nAuthorization header:\n  {}", authorization(signed));
    out
}
