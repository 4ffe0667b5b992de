//! Runs the Bitbucket Server OAuth stand-in in the foreground, for manual use with a CLI or a
//! browser.
//!
//! ```text
//! cargo run --features testkit --example standin -- [--port 7990] [--context-path /bitbucket]
//! ```
//!
//! It generates a throwaway 2048-bit RSA key, registers its public half under a fresh consumer
//! key (2-legged OAuth and impersonation allowed), writes the private key to a temporary file
//! (mode 0600 on Unix) and prints the base URL, the consumer key and the key's path. Every request
//! is printed as it is answered. Stop it with Ctrl-C.

#[cfg(feature = "testkit")]
fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(feature = "testkit"))]
fn main() {
    eprintln!(
        "this example needs the testkit feature: cargo run --features testkit --example standin"
    );
    std::process::exit(2);
}

#[cfg(feature = "testkit")]
fn run() -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    use std::time::Duration;

    use bitbucket_oauth::clock::{NonceSource, RandomNonce};
    use bitbucket_oauth::testkit::{RegisteredConsumer, StandIn};
    use bitbucket_oauth::{KeyBits, RsaPrivateKey};
    use clap::Parser;

    /// A local Bitbucket Server OAuth 1.0a stand-in.
    #[derive(Parser)]
    struct Args {
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Context path ("" for none).
        #[arg(long, default_value = "/bitbucket")]
        context_path: String,
        /// Consumer key to register (default: a random one).
        #[arg(long)]
        consumer_key: Option<String>,
    }

    let args = Args::parse();
    let stand_in = StandIn::builder()
        .port(args.port)
        .context_path(&args.context_path)
        .start()?;

    let consumer_key = match args.consumer_key {
        Some(key) => key,
        None => {
            let mut suffix = String::new();
            RandomNonce.fill_nonce(&mut suffix)?;
            format!("standin-{}", &suffix[..8])
        }
    };
    eprintln!("generating a throwaway 2048-bit RSA key...");
    let key = RsaPrivateKey::generate(KeyBits::B2048)?;
    let public_pem = key.public_key_pem()?;
    stand_in.add_consumer(
        RegisteredConsumer::rsa(consumer_key.as_str(), public_pem.as_bytes())?
            .two_legged(true)
            .impersonation(true),
    );

    let path = std::env::temp_dir().join(format!(
        "bitbucket-oauth-standin-{}-{}.pem",
        std::process::id(),
        stand_in.addr().port()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&path)?
        .write_all(key.to_pkcs8_pem()?.as_bytes())?;

    println!("Bitbucket OAuth stand-in running.");
    println!("  base URL:      {}", stand_in.base_url());
    println!("  consumer key:  {consumer_key}");
    println!("  private key:   {}", path.display());
    println!("  user:          alice, password alice (log in and allow on the authorization page)");
    println!(
        "  endpoints:     {}/plugins/servlet/oauth/{{request-token,authorize,access-token}}",
        stand_in.base_url()
    );
    println!(
        "  resources:     {0}/plugins/servlet/applinks/whoami, {0}/rest/api/1.0/projects",
        stand_in.base_url()
    );
    println!("  public key (as registered):\n{public_pem}");
    println!("Requests (Ctrl-C to stop):");
    std::io::stdout().flush()?;

    let mut seen = 0u64;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        for entry in stand_in.requests_since(seen) {
            seen = entry.seq;
            let query = entry
                .query
                .as_deref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            let problem = entry
                .problem
                .as_ref()
                .map(|p| format!(" oauth_problem={p}"))
                .unwrap_or_default();
            println!(
                "  {} {}{query} -> {}{problem}",
                entry.method,
                entry.path,
                entry.status.as_u16()
            );
        }
        std::io::stdout().flush()?;
    }
}
