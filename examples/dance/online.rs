//! `keygen`, and (with the `reqwest` feature) `login`, `request` and `renew`: the dance against
//! a real Bitbucket Server (or the built-in stand-in).

use std::io::Write as _;
use std::path::{Path, PathBuf};

#[cfg(feature = "reqwest")]
use bitbucket_oauth::{AccessToken, Token, TokenSecret};
use bitbucket_oauth::{KeyBits, RsaPrivateKey};

use super::{CliError, CliResult, print_stdout};

/// Arguments of `dance keygen`.
#[derive(Debug, clap::Args)]
pub(crate) struct KeygenArgs {
    /// Key size: 2048, 3072 or 4096.
    #[arg(long, default_value_t = 2048)]
    bits: usize,
    /// Where to write the private key (PKCS#8 PEM, file mode 0600). Refuses to overwrite.
    #[arg(long, value_name = "PATH", default_value = "bitbucket-oauth-key.pem")]
    out: PathBuf,
    /// The consumer key to register (any unique string).
    #[arg(long, value_name = "KEY", default_value = "bitbucket-oauth-cli")]
    consumer_key: String,
    /// The callback URL to register (leave the form field empty for out-of-band).
    #[arg(long, value_name = "URL")]
    callback: Option<String>,
}

/// Writes `contents` to `path` readable by the owner only (mode 0600 on Unix).
pub(crate) fn write_private(path: &Path, contents: &[u8], overwrite: bool) -> CliResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        CliError::new(format!(
            "cannot write {}: {e}{}",
            path.display(),
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                " (refusing to overwrite; choose another --out)"
            } else {
                ""
            }
        ))
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| CliError::new(format!("cannot restrict {}: {e}", path.display())))?;
    }
    file.write_all(contents)
        .and_then(|()| file.flush())
        .map_err(|e| CliError::new(format!("cannot write {}: {e}", path.display())))
}

/// The text an admin needs for Application Links -> Incoming Authentication.
pub(crate) fn registration_text(
    key: &RsaPrivateKey,
    consumer_key: &str,
    callback: Option<&str>,
) -> CliResult<String> {
    let public = key.public_key_pem()?;
    let fingerprint = key.public_key_fingerprint()?;
    Ok(format!(
        "Public key (SPKI PEM, SHA-256 fingerprint {fingerprint}):\n{public}\n\
         In Bitbucket: Administration -> Application Links -> create a link -> Incoming Authentication:\n\
         \x20 Consumer Key:          {consumer_key}\n\
         \x20 Consumer Name:         {consumer_key}\n\
         \x20 Public Key:            the PEM block above, BEGIN and END lines included\n\
         \x20 Consumer Callback URL: {}\n",
        callback.unwrap_or("(leave empty: out-of-band, or the callback each request sends)")
    ))
}

pub(crate) fn keygen(args: &KeygenArgs) -> CliResult<()> {
    let bits = KeyBits::from_bits(args.bits)
        .ok_or_else(|| CliError::new(format!("--bits {} is not 2048, 3072 or 4096", args.bits)))?;
    let key = RsaPrivateKey::generate(bits)?;
    let pem = key.to_pkcs8_pem()?;
    write_private(&args.out, pem.as_bytes(), false)?;
    let mut text = format!(
        "Wrote the {}-bit private key to {} (mode 0600). Keep it secret.\n\n",
        key.bits(),
        args.out.display()
    );
    text.push_str(&registration_text(
        &key,
        &args.consumer_key,
        args.callback.as_deref(),
    )?);
    print_stdout(&text)
}

/// The token file: `{"token": .., "secret": .., "fields": [[name, value], ..]}`, the same shape as
/// the library's serde form of `AccessToken`.
#[cfg(feature = "reqwest")]
pub(crate) fn token_json(access: &AccessToken) -> String {
    let fields: Vec<serde_json::Value> = access
        .fields()
        .map(|(n, v)| serde_json::json!([n, v]))
        .collect();
    serde_json::json!({
        "token": access.token().token(),
        "secret": access.token().secret().secret(),
        "fields": fields,
    })
    .to_string()
}

#[cfg(feature = "reqwest")]
pub(crate) fn save_token(path: &Path, access: &AccessToken) -> CliResult<()> {
    let mut text = token_json(access);
    text.push('\n');
    write_private(path, text.as_bytes(), true)
}

#[cfg(feature = "reqwest")]
pub(crate) fn load_token(path: &Path) -> CliResult<AccessToken> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::new(format!(
            "cannot read token file {}: {e} (run `dance login` first)",
            path.display()
        ))
    })?;
    let bad = || {
        CliError::new(format!(
            "token file {} is not a dance token file",
            path.display()
        ))
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| bad())?;
    let token = value["token"].as_str().ok_or_else(bad)?;
    let secret = value["secret"].as_str().ok_or_else(bad)?;
    let mut fields = Vec::new();
    for pair in value["fields"].as_array().into_iter().flatten() {
        let (Some(n), Some(v)) = (pair[0].as_str(), pair[1].as_str()) else {
            return Err(bad());
        };
        fields.push((n.to_owned(), v.to_owned()));
    }
    Ok(AccessToken::new(
        Token::new(token, TokenSecret::new(secret)),
        fields,
    ))
}

#[cfg(feature = "reqwest")]
pub(crate) use net::*;

#[cfg(feature = "reqwest")]
mod net {
    use std::io::{BufRead as _, Read as _, Write as _};
    use std::net::TcpListener;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use bitbucket_oauth::reqwest::BlockingClient;
    use bitbucket_oauth::{Consumer, ConsumerKey, Endpoints, KeyLoader, Signer, Token, Verifier};

    use super::{load_token, save_token};
    use crate::{CliError, CliResult, print_stdout};

    /// Connection options shared by `login`, `request` and `renew`.
    #[derive(Debug, clap::Args)]
    pub(crate) struct Connection {
        /// The server's base URL, context path included (e.g. https://git.example.com/bitbucket).
        #[arg(long, value_name = "URL")]
        pub(crate) base_url: String,
        /// The consumer key registered in the Application Link.
        #[arg(long, value_name = "KEY")]
        pub(crate) consumer_key: String,
        /// The RSA private key (PEM or DER, PKCS#1 or PKCS#8).
        #[arg(long, value_name = "PATH")]
        pub(crate) private_key: PathBuf,
        /// Sign as if connecting to this base URL (the one the server is configured with, behind
        /// a reverse proxy) while connecting to --base-url; the authorize URL uses it too.
        #[arg(long, value_name = "URL")]
        pub(crate) sign_base_url: Option<String>,
    }

    /// Arguments of `dance login`.
    #[derive(Debug, clap::Args)]
    pub(crate) struct LoginArgs {
        #[command(flatten)]
        pub(crate) connection: Connection,
        /// `oob` (type the verification code) or a URL; an http://127.0.0.1:<port>/... or
        /// http://localhost:<port>/... callback is caught by listening on that port (port 0: a
        /// free port the system picks, printed first and sent as the callback).
        #[arg(long, value_name = "oob|URL", default_value = "oob")]
        pub(crate) callback: String,
        /// Where to save the access token (JSON, mode 0600).
        #[arg(long, value_name = "PATH", default_value = "bitbucket-token.json")]
        pub(crate) token_file: PathBuf,
    }

    /// Arguments of `dance request`.
    #[derive(Debug, clap::Args)]
    pub(crate) struct RequestArgs {
        #[command(flatten)]
        connection: Connection,
        /// The access token saved by `login`.
        #[arg(long, value_name = "PATH", default_value = "bitbucket-token.json")]
        token_file: PathBuf,
        /// HTTP method.
        #[arg(value_name = "METHOD")]
        method: String,
        /// A path under the base URL (/rest/api/1.0/projects) or an absolute URL.
        #[arg(value_name = "PATH-OR-URL")]
        target: String,
        /// A form field (sent as application/x-www-form-urlencoded, and signed); repeatable.
        #[arg(long = "form", value_name = "NAME=VALUE")]
        form: Vec<String>,
        /// A JSON body (sent as application/json; never part of the signature).
        #[arg(long, value_name = "STRING", conflicts_with = "form")]
        json_body: Option<String>,
    }

    /// Arguments of `dance renew`.
    #[derive(Debug, clap::Args)]
    pub(crate) struct RenewArgs {
        #[command(flatten)]
        connection: Connection,
        /// The access token to renew; rewritten in place.
        #[arg(long, value_name = "PATH", default_value = "bitbucket-token.json")]
        token_file: PathBuf,
    }

    pub(crate) fn adapter(connection: &Connection) -> CliResult<BlockingClient> {
        if connection
            .base_url
            .trim()
            .to_ascii_lowercase()
            .starts_with("https:")
            && !cfg!(feature = "reqwest-native-tls")
        {
            return Err(CliError::new(
                "this build has no TLS: run it with --features reqwest-native-tls to reach an https server",
            ));
        }
        let bytes = std::fs::read(&connection.private_key).map_err(|e| {
            CliError::new(format!(
                "cannot read private key {}: {e}",
                connection.private_key.display()
            ))
        })?;
        let key = KeyLoader::new().load(&bytes).map_err(|e| {
            CliError::new(format!(
                "private key {}: {e}",
                connection.private_key.display()
            ))
        })?;
        let mut endpoints = Endpoints::bitbucket(&connection.base_url)
            .map_err(|e| CliError::new(format!("--base-url: {e}")))?;
        if let Some(url) = &connection.sign_base_url {
            endpoints = endpoints
                .sign_base_url(url)
                .map_err(|e| CliError::new(format!("--sign-base-url: {e}")))?;
        }
        let signer = Signer::rsa_sha1(ConsumerKey::new(connection.consumer_key.clone()), key);
        Ok(BlockingClient::new(Consumer::new(signer, endpoints))?)
    }

    /// A callback we can catch ourselves: http on a loopback host, with a port.
    fn loopback_port(callback: &str) -> Option<u16> {
        let uri = bitbucket_oauth::uri::parse(callback).ok()?;
        let local = matches!(uri.host()?, "127.0.0.1" | "localhost" | "[::1]");
        (uri.scheme_str() == Some("http") && local).then(|| uri.port_u16())?
    }

    /// How long `login` waits for the browser's redirect.
    const CALLBACK_WAIT: Duration = Duration::from_secs(300);

    /// Waits for the provider's redirect on `listener`; answers each request with a short page,
    /// and returns the request target of the first one that carries `oauth_token`.
    pub(crate) fn catch_callback(listener: &TcpListener, wait: Duration) -> CliResult<String> {
        listener
            .set_nonblocking(true)
            .map_err(|e| CliError::new(format!("callback listener: {e}")))?;
        let deadline = Instant::now() + wait;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).ok();
                    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
                    let mut reader = std::io::BufReader::new(stream.take(16 * 1024));
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        continue;
                    }
                    let target = line
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or_default()
                        .to_owned();
                    let found = target.contains("oauth_token=");
                    let page = if found {
                        "<!doctype html><title>dance</title><p>Authorization received. You can close this window and return to the terminal.</p>"
                    } else {
                        "<!doctype html><title>dance</title><p>Waiting for the OAuth callback.</p>"
                    };
                    let mut stream = reader.into_inner().into_inner();
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                        page.len()
                    );
                    if found {
                        return Ok(target);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(CliError::new(format!(
                            "no callback arrived within {} seconds",
                            wait.as_secs()
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(CliError::new(format!("callback listener: {e}"))),
            }
        }
    }

    fn read_line_from_stdin(prompt: &str) -> CliResult<String> {
        let _ = write!(std::io::stderr(), "{prompt}");
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::new(format!("cannot read standard input: {e}")))?;
        let line = line.trim().to_owned();
        if line.is_empty() {
            return Err(CliError::new("no input on standard input"));
        }
        Ok(line)
    }

    /// `callback` with its port replaced by `port` (for a callback given with port 0).
    fn with_port(callback: &str, port: u16) -> CliResult<String> {
        let uri: http::Uri = callback
            .parse()
            .map_err(|e| CliError::new(format!("--callback {callback}: {e}")))?;
        let host = uri.host().unwrap_or("127.0.0.1");
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        Ok(format!("http://{host}:{port}{path}"))
    }

    pub(crate) fn login(args: &LoginArgs) -> CliResult<()> {
        let adapter = adapter(&args.connection)?;
        let mut callback_url = args.callback.clone();
        let listener = match loopback_port(&args.callback) {
            Some(port) => {
                let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
                    CliError::new(format!(
                        "cannot listen on 127.0.0.1:{port} for the callback: {e}"
                    ))
                })?;
                if port == 0 {
                    let bound = listener
                        .local_addr()
                        .map_err(|e| CliError::new(format!("callback listener: {e}")))?;
                    callback_url = with_port(&args.callback, bound.port())?;
                    print_stdout(&format!("Listening for the callback at {callback_url}\n"))?;
                }
                Some(listener)
            }
            None => None,
        };
        let request_token = adapter.request_token(&callback_url)?;
        let url = adapter.oauth().authorize_url(&request_token);
        print_stdout(&format!(
            "Open this URL in a browser and approve the access:\n{url}\n"
        ))?;
        let verifier: Verifier = if args.callback == "oob" {
            Verifier::new(read_line_from_stdin("Verification code: ")?)
        } else {
            let callback = match &listener {
                Some(listener) => catch_callback(listener, CALLBACK_WAIT)?,
                None => read_line_from_stdin("Paste the URL the browser was redirected to: ")?,
            };
            adapter.oauth().parse_callback(&callback, &request_token)?
        };
        finish_login(&adapter, &request_token, &verifier, &args.token_file)
    }

    pub(crate) fn finish_login(
        adapter: &BlockingClient,
        request_token: &Token<bitbucket_oauth::Temporary>,
        verifier: &Verifier,
        token_file: &std::path::Path,
    ) -> CliResult<()> {
        let access = adapter.access_token(request_token, verifier)?;
        save_token(token_file, &access)?;
        let user = adapter.whoami(access.token())?;
        print_stdout(&format!(
            "Access token saved to {} (mode 0600); expires in {} s.\nLogged in as {user} (whoami).\n",
            token_file.display(),
            access
                .expires_in()
                .map_or_else(|| "an unknown number of".to_owned(), |s| s.to_string()),
        ))
    }

    pub(crate) fn request(args: &RequestArgs) -> CliResult<()> {
        let adapter = adapter(&args.connection)?;
        let access = load_token(&args.token_file)?;
        let uri = adapter.oauth().endpoints().resolve(&args.target)?;
        let method: http::Method = args
            .method
            .to_ascii_uppercase()
            .parse()
            .map_err(|_| CliError::new(format!("{} is not an HTTP method", args.method)))?;
        let mut builder = http::Request::builder().method(method).uri(uri);
        let body = if !args.form.is_empty() {
            builder = builder.header("content-type", "application/x-www-form-urlencoded");
            let mut body = String::new();
            for field in &args.form {
                let (name, value) = field
                    .split_once('=')
                    .ok_or_else(|| CliError::new(format!("--form {field}: expected NAME=VALUE")))?;
                if !body.is_empty() {
                    body.push('&');
                }
                body.push_str(&bitbucket_oauth::rfc5849::encode(name));
                body.push('=');
                body.push_str(&bitbucket_oauth::rfc5849::encode(value));
            }
            body.into_bytes()
        } else if let Some(json) = &args.json_body {
            builder = builder.header("content-type", "application/json");
            json.clone().into_bytes()
        } else {
            Vec::new()
        };
        let request = builder
            .body(body)
            .map_err(|e| CliError::new(format!("cannot build the request: {e}")))?;
        let response = adapter.send(request, access.token())?;
        let status = response.status();
        print_stdout(&format!(
            "HTTP {}\n{}\n",
            status.as_u16(),
            String::from_utf8_lossy(response.body())
        ))?;
        if status.is_success() {
            Ok(())
        } else {
            Err(CliError::new(format!(
                "the server answered HTTP {}",
                status.as_u16()
            )))
        }
    }

    pub(crate) fn renew(args: &RenewArgs) -> CliResult<()> {
        let adapter = adapter(&args.connection)?;
        let access = load_token(&args.token_file)?;
        let renewed = adapter.renew(&access)?;
        save_token(&args.token_file, &renewed)?;
        print_stdout(&format!(
            "Renewed; the new access token is saved to {}.\n",
            args.token_file.display()
        ))
    }
}
