//! The one driver behind both reqwest clients.
//!
//! Each operation (a dance step, `whoami`, a signed API call) is an [`Operation`]: a sans-IO
//! [`Call`], the most bytes to read of each response body, and a function that turns the final
//! response into the operation's result. A client only has to carry one request to its response
//! ([`SyncTransport`] or [`AsyncTransport`]); the loop that drives a [`Call`] exists once per
//! kind of transport, and each operation exists once.

use std::future::Future;

use http::{Request as HttpRequest, Response};

use crate::call::{Call, Next};

use crate::credentials::{Access, Temporary, Token, Verifier};
use crate::flow::Error;
use crate::flow::Step;
use crate::flow::trace::Exchange;
use crate::flow::{
    AccessToken, Consumer, MAX_TOKEN_RESPONSE_BYTES, PendingAccessToken, PendingRequestToken,
    SentRequest,
};

/// Carries one request to its response, reading at most `limit` bytes of the body.
pub(crate) trait SyncTransport {
    fn exchange(
        &self,
        request: HttpRequest<Vec<u8>>,
        limit: usize,
    ) -> Result<Response<Vec<u8>>, Error>;
}

/// The async twin of [`SyncTransport`].
pub(crate) trait AsyncTransport {
    fn exchange(
        &self,
        request: HttpRequest<Vec<u8>>,
        limit: usize,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Error>> + Send;
}

/// The final response of a [`Call`] and what its last attempt signed.
pub(crate) type Done = (Response<Vec<u8>>, Option<SentRequest>);

/// Drives `call` to its final response over a blocking transport.
pub(crate) fn drive_sync(
    transport: &impl SyncTransport,
    mut call: Call<'_>,
    limit: usize,
) -> Result<Done, Error> {
    let mut request = call.start()?;
    loop {
        match call.receive(transport.exchange(request, limit)?)? {
            Next::Send(next) => request = next,
            Next::Done { response, sent } => return Ok((response, sent)),
        }
    }
}

/// Drives `call` to its final response over an async transport.
pub(crate) async fn drive_async(
    transport: &impl AsyncTransport,
    mut call: Call<'_>,
    limit: usize,
) -> Result<Done, Error> {
    let mut request = call.start()?;
    loop {
        match call.receive(transport.exchange(request, limit).await?)? {
            Next::Send(next) => request = next,
            Next::Done { response, sent } => return Ok((response, sent)),
        }
    }
}

/// One operation of the adapter, ready to be driven by either kind of transport.
pub(crate) struct Operation<'a, T> {
    trace: Exchange,
    client: &'a Consumer,
    call: Call<'a>,
    limit: usize,
    finish: fn(&Consumer, Done) -> Result<T, Error>,
}

impl<T> Operation<'_, T> {
    /// Runs the operation over a blocking transport.
    pub(crate) fn run_sync(self, transport: &impl SyncTransport) -> Result<T, Error> {
        let Self {
            trace,
            client,
            call,
            limit,
            finish,
        } = self;
        let result = trace.in_scope(|| {
            let done = drive_sync(transport, call, limit)?;
            trace.status(done.0.status());
            finish(client, done)
        });
        trace.finish(&result);
        result
    }

    /// Runs the operation over an async transport.
    pub(crate) async fn run_async(self, transport: &impl AsyncTransport) -> Result<T, Error> {
        let Self {
            trace,
            client,
            call,
            limit,
            finish,
        } = self;
        let result = trace
            .instrument(async {
                let done = drive_async(transport, call, limit).await?;
                trace.status(done.0.status());
                finish(client, done)
            })
            .await;
        trace.finish(&result);
        result
    }
}

/// Step 1: a request token.
pub(crate) fn request_token<'a>(
    client: &'a Consumer,
    callback: &'a str,
) -> Operation<'a, Token<Temporary>> {
    Operation {
        trace: token_step("request_token", client, client.endpoints().request_token()),
        client,
        call: Call::request_token(client, callback),
        limit: MAX_TOKEN_RESPONSE_BYTES,
        finish: |client, (response, sent)| {
            let sent = token_step_sent(&response, sent)?;
            client.finish_request_token(PendingRequestToken::from(sent), &response)
        },
    }
}

/// Step 3: the access token.
pub(crate) fn access_token<'a>(
    client: &'a Consumer,
    token: &'a Token<Temporary>,
    verifier: &'a Verifier,
) -> Operation<'a, AccessToken> {
    let trace = token_step("access_token", client, client.endpoints().access_token());
    token_operation(trace, client, Call::access_token(client, token, verifier))
}

/// Renewal of an access token with its session handle.
pub(crate) fn renew<'a>(
    client: &'a Consumer,
    access: &'a AccessToken,
) -> Operation<'a, AccessToken> {
    let trace = token_step("renew", client, client.endpoints().access_token());
    token_operation(trace, client, Call::renew(client, access))
}

fn token_step(step: &'static str, client: &Consumer, uri: &http::Uri) -> Exchange {
    Exchange::new(
        step,
        &http::Method::POST,
        uri,
        client.signer().method_name(),
    )
}

fn token_operation<'a>(
    trace: Exchange,
    client: &'a Consumer,
    call: Call<'a>,
) -> Operation<'a, AccessToken> {
    Operation {
        trace,
        client,
        call,
        limit: MAX_TOKEN_RESPONSE_BYTES,
        finish: |client, (response, sent)| {
            let sent = token_step_sent(&response, sent)?;
            client.finish_access_token(PendingAccessToken::from(sent), &response)
        },
    }
}

/// The user name behind an access token (Atlassian `whoami`).
pub(crate) fn whoami<'a>(
    client: &'a Consumer,
    token: &'a Token<Access>,
) -> Result<Operation<'a, String>, Error> {
    let request = client.whoami_request()?;
    let signature = client.signer().method_name();
    Ok(Operation {
        trace: Exchange::new("whoami", request.method(), request.uri(), signature),
        client,
        call: Call::new(client, Step::Access(token), request),
        limit: MAX_TOKEN_RESPONSE_BYTES,
        finish: |client, (response, sent)| {
            let sent = token_step_sent(&response, sent)?;
            crate::flow::check_response(&sent, &response)?;
            client.endpoints().whoami_answer().user_name(&response)
        },
    })
}

/// An API call, with an access token or 2-legged: a refusal with `oauth_problem` becomes
/// [`Error::Provider`] (or, when the report is over this client's limits,
/// [`Error::UnexpectedResponse`]); any other status (a 404, a 500) is returned for the caller to
/// judge.
pub(crate) fn api<'a>(
    client: &'a Consumer,
    auth: Step<'a>,
    request: HttpRequest<Vec<u8>>,
    limit: usize,
) -> Operation<'a, Response<Vec<u8>>> {
    let signature = client.signer().method_name();
    Operation {
        trace: crate::flow::trace::exchange(&auth, request.method(), request.uri(), signature),
        client,
        call: Call::new(client, auth, request),
        limit,
        finish: |_, (response, sent)| {
            // A 2xx is the answer, whatever its body says; a refusal is a non-2xx naming
            // `oauth_problem` (read, or over this client's limits), or Bitbucket's 401 that
            // echoes the request's OAuth parameters without one (a refused 2-legged request).
            if let Some(sent) = &sent
                && !response.status().is_success()
            {
                if crate::flow::mentions_problem(response.headers(), response.body()) {
                    crate::flow::check_response(sent, &response)?;
                } else if let Some(refusal) = crate::flow::echoed_refusal(sent, &response) {
                    return Err(refusal);
                }
            }
            Ok(response)
        },
    }
}

/// The answer of a token endpoint, turned into what its step expects.
fn token_step_sent(
    response: &Response<Vec<u8>>,
    sent: Option<SentRequest>,
) -> Result<SentRequest, Error> {
    sent.ok_or_else(|| {
        crate::flow::unexpected_response(
            response,
            "the token endpoint redirected to another host; the request was not signed there",
        )
    })
}
