"""Reference signatures from oauthlib, for tests/differential_oauthlib.rs.

Reads one JSON document on stdin: {"rsa_private_keys": {name: pem, ...}, "cases": [case, ...]}.
Each case describes one request and its credentials (see the Rust test for the fields), names
the RSA key its RSA methods use, and lists the signature methods to compute, with what *our*
crate produced for each method: the Authorization header of `sign`, the header of the
header-only `authorize`, the `to_urlencoded` text, and the request URI after `apply_query` and
the body after `apply_form` (when those placements are compared for the case).

For every (case, method) it writes, on stdout, a JSON object with:

* "client": what oauthlib computes as a *client* from the same inputs: the protocol
  parameters are rendered into an Authorization header by oauthlib
  (parameters.prepare_headers), collected back together with the query and the form body
  (signature.collect_parameters), normalized (normalize_parameters), the base string URI
  computed (base_string_uri), the base string assembled (signature_base_string) and signed
  (sign_*_with_client).
* "server": what oauthlib computes as a *server* that receives our request: the parameters
  are collected from the query, the form body and OUR Authorization header, and the
  resulting base string is returned, with the oauth_signature oauthlib reads from our header
  and whether oauthlib's own verify_* function accepts it.
* "header_only": the same as "server", for the header of our header-only path.
* "urlencoded": the pairs oauthlib's urldecode reads from our to_urlencoded text.
* "query" / "form": the same as "server", for a request whose protocol parameters are in the
  query (RFC 5849 3.5.3) or the form body (3.5.2) as our apply_query / apply_form placed them,
  with no Authorization header; absent when the case has no such placement.

Raw (unescaped) non-ASCII characters in a query or form body: oauthlib's urldecode refuses any
character outside the URL-encoded alphabet. Under application/x-www-form-urlencoded, which RFC
5849 3.4.1.3.1 applies to both, a raw octet and its %XX escape decode to the same octet, so
such characters are replaced by the %XX escapes of their UTF-8 bytes before oauthlib reads
them (escape_non_ascii), and nothing else is changed.

Any exception is reported per (case, method) as {"error": "..."} so the Rust side can show
it next to the case; this script never drops a case silently.
"""

import json
import sys
import traceback
import urllib.parse

from cryptography.hazmat.primitives import serialization
from oauthlib.common import urldecode
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import parameters, signature, utils

SIGNERS = {
    "HMAC-SHA1": signature.sign_hmac_sha1_with_client,
    "HMAC-SHA256": signature.sign_hmac_sha256_with_client,
    "HMAC-SHA512": signature.sign_hmac_sha512_with_client,
    "RSA-SHA1": signature.sign_rsa_sha1_with_client,
    "RSA-SHA256": signature.sign_rsa_sha256_with_client,
    "RSA-SHA512": signature.sign_rsa_sha512_with_client,
    "PLAINTEXT": signature.sign_plaintext_with_client,
}


def is_form(content_type):
    """RFC 5849 3.4.1.3.1: the body counts only with Content-Type
    application/x-www-form-urlencoded. A media type is case-insensitive and may carry
    parameters such as charset (RFC 7231 3.1.1.1). oauthlib's collect_parameters leaves this
    decision to its caller, so it is made here."""
    if content_type is None:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/x-www-form-urlencoded"


def protocol_params(case, method):
    """The oauth_* parameters, from the case description alone (not from our header)."""
    out = [("oauth_consumer_key", case["consumer_key"])]
    if case["token"] is not None:
        out.append(("oauth_token", case["token"]))
    out.append(("oauth_signature_method", method))
    out.append(("oauth_timestamp", str(case["timestamp"])))
    out.append(("oauth_nonce", case["nonce"]))
    if case["version"]:
        out.append(("oauth_version", "1.0"))
    if case["callback"] is not None:
        out.append(("oauth_callback", case["callback"]))
    if case["verifier"] is not None:
        out.append(("oauth_verifier", case["verifier"]))
    for name, value in case["extra"]:
        out.append((name, value))
    return out


def escape_non_ascii(text):
    """Each raw non-ASCII character as the %XX escapes of its UTF-8 bytes (see the module
    documentation); every other character unchanged."""
    return "".join(
        c if ord(c) < 128 else urllib.parse.quote(c, safe="") for c in text
    )


def request_parts(case, uri=None, body=None):
    """(query, form body or None): what oauthlib collects besides the header, from the case's
    URI and body, or from the given ones (a placement's)."""
    query = escape_non_ascii(urllib.parse.urlparse(uri or case["uri"]).query)
    if body is None:
        body = case["body"]
    if is_form(case["content_type"]):
        body = escape_non_ascii(body)
        # collect_parameters silently ignores a body it cannot decode
        # (common.extract_params returns None); decode it here first so such a body is an
        # error instead of a silently different base string.
        urldecode(body)
    else:
        body = None
    return query, body


def base_string(case, authorization):
    query, body = request_parts(case)
    collected = signature.collect_parameters(
        uri_query=query, body=body, headers={"Authorization": authorization}
    )
    normalized = signature.normalize_parameters(collected)
    uri = signature.base_string_uri(case["uri"])
    return signature.signature_base_string(case["method"], uri, normalized)


class ReceivedRequest:
    """The attributes oauthlib's verify_* functions read from a request."""

    def __init__(self, case, authorization):
        query, body = request_parts(case)
        collected = signature.collect_parameters(
            uri_query=query, body=body, headers={"Authorization": authorization}
        )
        self.uri = case["uri"]
        self.http_method = case["method"]
        # RFC 5849 3.4.1.3.1: "The oauth_signature parameter MUST be excluded", wherever
        # it appears (a query may carry a stray one); the signature to check is the header's.
        self.params = [(k, v) for k, v in collected if k != "oauth_signature"]
        in_header = [
            utils.unescape(v)
            for k, v in utils.parse_authorization_header(authorization)
            if k == "oauth_signature"
        ]
        self.signature = in_header[0] if len(in_header) == 1 else None


def verify(method, request, case, public_pem):
    if method.startswith("HMAC-"):
        fn = {
            "HMAC-SHA1": signature.verify_hmac_sha1,
            "HMAC-SHA256": signature.verify_hmac_sha256,
            "HMAC-SHA512": signature.verify_hmac_sha512,
        }[method]
        return fn(request, case["consumer_secret"], case["token_secret"])
    if method.startswith("RSA-"):
        fn = {
            "RSA-SHA1": signature.verify_rsa_sha1,
            "RSA-SHA256": signature.verify_rsa_sha256,
            "RSA-SHA512": signature.verify_rsa_sha512,
        }[method]
        return fn(request, public_pem)
    return signature.verify_plaintext(
        request, case["consumer_secret"], case["token_secret"]
    )


class PlacedRequest:
    """A request whose protocol parameters are in its query or form body (RFC 5849 3.5.2,
    3.5.3), as oauthlib's verify_* functions read it."""

    def __init__(self, case, uri, body):
        query, body = request_parts(case, uri, body)
        collected = signature.collect_parameters(
            uri_query=query, body=body, exclude_oauth_signature=False
        )
        self.uri = uri
        self.http_method = case["method"]
        self.params = [(k, v) for k, v in collected if k != "oauth_signature"]
        signatures = [v for k, v in collected if k == "oauth_signature"]
        self.signature = signatures[0] if len(signatures) == 1 else None


def server_view(method, request, case, public_pem):
    normalized = signature.normalize_parameters(request.params)
    return {
        "base_string": signature.signature_base_string(
            case["method"], signature.base_string_uri(request.uri), normalized
        ),
        "signature_read": request.signature,
        "verified": bool(verify(method, request, case, public_pem)),
    }


def guarded(fn):
    try:
        return fn()
    except Exception:  # noqa: BLE001 - reported to the Rust side, which fails the test
        return {"error": traceback.format_exc()}


def one(case, method, ours, private_key, public_pem):
    result = {}
    try:
        client = Client(
            case["consumer_key"],
            client_secret=case["consumer_secret"],
            resource_owner_key=case["token"],
            resource_owner_secret=case["token_secret"],
            signature_method=method,
            rsa_key=private_key if method.startswith("RSA-") else None,
        )
        # prepare_headers writes the realm without escaping it (its own comment: "realm
        # should *not* be escaped"), so a realm with a quote or a backslash would give a
        # malformed header. The realm is never signed (RFC 5849 3.4.1.3.1), and the server
        # side below parses such realms from our header, so leave them out here only.
        realm = case["realm"]
        if realm is not None and ('"' in realm or "\\" in realm):
            realm = None
        header = parameters.prepare_headers(
            protocol_params(case, method), realm=realm
        )["Authorization"]
        bs = base_string(case, header)
        result["client"] = {
            "base_string": bs,
            "signature": SIGNERS[method](bs, client),
        }
    except Exception:  # noqa: BLE001 - reported to the Rust side, which fails the test
        result["client"] = {"error": traceback.format_exc()}
    def from_header(header):
        request = ReceivedRequest(case, header)
        return {
            "base_string": base_string(case, header),
            "signature_read": request.signature,
            "verified": bool(verify(method, request, case, public_pem)),
            "realm": dict(utils.parse_authorization_header(header)).get("realm"),
        }

    result["server"] = guarded(lambda: from_header(ours["authorization"]))
    result["header_only"] = guarded(lambda: from_header(ours["header_only"]))
    result["urlencoded"] = guarded(
        lambda: {"pairs": [list(p) for p in urldecode(ours["urlencoded"])]}
    )
    if ours.get("query_uri") is not None:
        result["query"] = guarded(
            lambda: server_view(
                method,
                PlacedRequest(case, ours["query_uri"], case["body"]),
                case,
                public_pem,
            )
        )
    if ours.get("form_body") is not None:
        result["form"] = guarded(
            lambda: server_view(
                method,
                PlacedRequest(case, case["uri"], ours["form_body"]),
                case,
                public_pem,
            )
        )
    return result


def main():
    doc = json.loads(sys.stdin.buffer.read())
    # Parsed once: oauthlib hands rsa_key to PyJWT's RSAAlgorithm.prepare_key, which returns
    # an already-loaded cryptography key unchanged and would otherwise parse (and fully
    # validate, about 50 ms) the PEM again for every signature. The signature is the same.
    keys = {}
    for name, private_pem in doc["rsa_private_keys"].items():
        key = serialization.load_pem_private_key(
            private_pem.encode("ascii"), password=None
        )
        public_pem = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
            .decode("ascii")
        )
        keys[name] = (key, public_pem)
    results = []
    for case in doc["cases"]:
        key, public_pem = keys[case["rsa_key"]]
        results.append(
            {
                "id": case["id"],
                "methods": {
                    method: one(case, method, ours, key, public_pem)
                    for method, ours in case["ours"].items()
                },
            }
        )
    sys.stdout.write(json.dumps({"results": results}))


if __name__ == "__main__":
    main()
