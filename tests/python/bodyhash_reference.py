"""Independent oauth_body_hash implementations for tests/body_hash_interop.rs.

Reads a JSON list of cases on stdin and writes a JSON list of answers on stdout, one per case:

- kind "oauth2": python-oauth2 signs the request with HMAC-SHA1 (its body hash is SHA-1 of
  the body, for a request that is not form-encoded) and answers its oauth_body_hash, its
  signature base string, its signature, and whether its own server side (Request.from_request reading
  the header, then the signature check of Server.verify_request) accepts the Authorization
  header our crate wrote (given as "our_authorization").
- kind "mastercard": Mastercard's mastercard-oauth1-signer signs the request with RSA-SHA256
  (its body hash is SHA-256) with the nonce and timestamp pinned, and answers its
  oauth_body_hash, base string and signature.
- every case also gets "sha1", "sha256", "sha512": base64 of hashlib's digests of the body.

Bodies travel as base64 so that any bytes survive.
"""

import base64
import hashlib
import json
import sys

import oauth2
import oauth1.coreutils as mc_util
from oauth1.oauth import OAuth as MastercardOAuth
from cryptography.hazmat.primitives import serialization


def b64(data):
    return base64.b64encode(data).decode("ascii")


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def python_oauth2(case, body):
    consumer = oauth2.Consumer(case["consumer_key"], case["consumer_secret"])
    token = None
    params = {
        "oauth_version": "1.0",
        "oauth_nonce": case["nonce"],
        "oauth_timestamp": str(case["timestamp"]),
        "oauth_consumer_key": case["consumer_key"],
    }
    if case.get("token") is not None:
        token = oauth2.Token(case["token"], case["token_secret"])
        params["oauth_token"] = case["token"]
    request = oauth2.Request(
        method=case["method"],
        url=case["url"],
        parameters=params,
        body=body,
        is_form_encoded=False,
    )
    method = oauth2.SignatureMethod_HMAC_SHA1()
    request.sign_request(method, consumer, token)
    _, base = method.signing_base(request, consumer, token)

    # python-oauth2 as a server, reading the header our crate wrote.
    # (The query goes in as `query_string`: given with the URL, from_request would count
    # its parameters twice, once from the URL and once from its parameter dict.)
    url, _, query = case["url"].partition("?")
    theirs = oauth2.Request.from_request(
        case["method"],
        url,
        headers={"Authorization": case["our_authorization"]},
        query_string=query or None,
    )
    # Server.verify_request would compare its bytes signature with the header's str one,
    # which never matches on Python 3 (a python-oauth2 bug); this is the same check, its
    # signature recomputed from the parsed header and compared as bytes.
    built = method.sign(theirs, consumer, token)
    sent = theirs.get("oauth_signature", "")
    accepted = built == (sent.encode() if isinstance(sent, str) else sent)
    reason = "" if accepted else "its base string: %s" % text(method.signing_base(theirs, consumer, token)[1])
    return {
        "body_hash": text(request["oauth_body_hash"]),
        "base_string": text(base),
        "signature": text(request["oauth_signature"]),
        "server_accepts_ours": accepted,
        "server_reason": reason,
        "server_body_hash": text(theirs.get("oauth_body_hash", "")),
    }


def mastercard(case, body):
    key = serialization.load_pem_private_key(case["private_key_pem"].encode(), password=None)
    mc_util.get_nonce = lambda length=16: case["nonce"]
    mc_util.get_timestamp = lambda: case["timestamp"]
    params = MastercardOAuth.get_oauth_parameters(
        case["url"], case["method"], body, case["consumer_key"], key
    )
    values = dict(params.get_base_parameters_dict())
    signature = values.pop("oauth_signature")
    base = MastercardOAuth.get_base_string(case["url"], case["method"], values)
    return {
        "body_hash": values["oauth_body_hash"],
        "base_string": base,
        # Mastercard percent-encodes the signature it stores.
        "signature": signature,
    }


def main():
    cases = json.load(sys.stdin)
    answers = []
    for case in cases:
        body = base64.b64decode(case["body_b64"])
        answer = {
            "sha1": b64(hashlib.sha1(body).digest()),
            "sha256": b64(hashlib.sha256(body).digest()),
            "sha512": b64(hashlib.sha512(body).digest()),
        }
        if case["kind"] == "oauth2":
            answer.update(python_oauth2(case, body))
        else:
            answer.update(mastercard(case, body))
        answers.append(answer)
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
