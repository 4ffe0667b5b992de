//! Driving the whole dance through any HTTP client: here a plain function (the test kit's tiny
//! std-TCP client) stands in for "your client". An adapter for another HTTP library is this loop
//! and nothing more: `Call` signs every attempt and redirect hop and retries after
//! `timestamp_refused`; you only carry bytes.
//!
//! ```sh
//! cargo run --example custom_transport --features testkit
//! ```

#[cfg(feature = "testkit")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use bitbucket_oauth::call::{Call, Next};
    use bitbucket_oauth::flow::Step;
    use bitbucket_oauth::flow::{PendingAccessToken, PendingRequestToken, SentRequest};
    use bitbucket_oauth::testkit::{StandIn, http::send, oob_verifier};
    use bitbucket_oauth::{Consumer, ConsumerKey, Endpoints, Error, RsaPrivateKey, Signer, Verifier};

    /// The whole adapter: carry each request, hand each response back.
    fn drive(
        mut call: Call<'_>,
        transport: impl Fn(&http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error>,
    ) -> Result<(http::Response<Vec<u8>>, Option<SentRequest>), Error> {
        let mut request = call.start()?;
        loop {
            match call.receive(transport(&request)?)? {
                Next::Send(next) => request = next,
                Next::Done { response, sent } => return Ok((response, sent)),
            }
        }
    }
    // "Your HTTP client": anything that turns a request into a response.
    let transport =
        |request: &http::Request<Vec<u8>>| send(request).map_err(|e| Error::Transport(Box::new(e)));

    let stand_in = StandIn::start()?;
    let key = RsaPrivateKey::from_pem(include_str!("../tests/data/test_rsa_2048_pkcs8.pem"))?;
    stand_in.register_consumer("custom", key.public_key_pem()?.as_bytes())?;
    let client = Consumer::new(
        Signer::rsa_sha1(ConsumerKey::new("custom"), key),
        Endpoints::bitbucket(stand_in.base_url())?,
    );

    let (response, sent) = drive(Call::request_token(&client, "oob"), transport)?;
    let sent = sent.ok_or("request-token answer came from another host")?;
    let request_token = client.finish_request_token(PendingRequestToken::from(sent), &response)?;
    println!("request token: {}", request_token.token());

    // The user logs in and allows access on the authorization page (the testkit's browser
    // plays them); the oob page shows the code.
    let page = bitbucket_oauth::testkit::browser::approve(
        &client.authorize_url(&request_token),
        bitbucket_oauth::testkit::DEFAULT_USER,
    )?;
    let verifier =
        Verifier::new(oob_verifier(page.body()).ok_or("no verification code on the page")?);

    let (response, sent) = drive(
        Call::access_token(&client, &request_token, &verifier),
        transport,
    )?;
    let sent = sent.ok_or("access-token answer came from another host")?;
    let access = client.finish_access_token(PendingAccessToken::from(sent), &response)?;
    println!("access token: {}", access.token().token());

    let request =
        http::Request::get(stand_in.url("/rest/api/1.0/projects/ENG/repos")).body(Vec::new())?;
    let call = Call::new(
        &client,
        Step::Access(access.token()),
        request,
    );
    let (response, sent) = drive(call, transport)?;
    if let Some(sent) = &sent {
        client.check_response(sent, &response)?;
    }
    println!(
        "GET /rest/api/1.0/projects/ENG/repos -> HTTP {}",
        response.status().as_u16()
    );
    println!("{}", String::from_utf8_lossy(response.body()));
    Ok(())
}

#[cfg(not(feature = "testkit"))]
fn main() {
    eprintln!("run with: cargo run --example custom_transport --features testkit");
    std::process::exit(2);
}
