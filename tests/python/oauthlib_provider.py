"""An OAuth 1.0a provider built on Python's oauthlib, serving the Bitbucket Server paths on
127.0.0.1, for tests/interop.rs and tests/cli_dance.rs.

It is the "provider we did not write": every decision about a signed request (parameter
collection, base string, RSA-SHA1 verification, nonce and timestamp checks, token state) is
made by oauthlib's own endpoints (RequestTokenEndpoint, AuthorizationEndpoint,
AccessTokenEndpoint, ResourceEndpoint). What is ours is the in-memory RequestValidator below
(one consumer, RSA-SHA1 only) and the WSGI glue, served by the standard library's wsgiref.

Usage:

    python oauthlib_provider.py --consumer-key KEY [--context-path /bitbucket] [--user alice]
        < public-key.pem

Standard input: the consumer's RSA public key as SPKI PEM ("-----BEGIN PUBLIC KEY-----" up to
and including the END line). Standard input then stays open: when it closes (the parent went
away), the provider exits, as it does on SIGTERM or SIGINT.

Standard output: the chosen port (the server binds port 0, an ephemeral one), alone on the
first line, flushed. Standard error: one line per request (wsgiref's log) and oauthlib's
"[Failure] request verification failed" details.

Paths, under the context path:

    POST /plugins/servlet/oauth/request-token   oauthlib's form-encoded token response
    GET  /plugins/servlet/oauth/authorize       auto-approves as --user: 302 to the callback
                                                with oauth_token and oauth_verifier, or for
                                                oob an HTML page with
                                                <code id="oauth_verifier">CODE</code>
    POST /plugins/servlet/oauth/access-token    oauthlib's form-encoded token response
    GET  /plugins/servlet/applinks/whoami       ResourceEndpoint-validated; text/plain user
    GET|POST /rest/api/1.0/echo                 ResourceEndpoint-validated; JSON of what was
                                                seen: {"method", "path", "query", "form",
                                                "content_type", "body", "user"}, with "query"
                                                and "form" as [name, value] pairs, decoded
                                                (application/x-www-form-urlencoded, UTF-8),
                                                in order

Token endpoint refusals keep oauthlib's status codes and bodies
(error=...&error_description=..., or 401 with an empty body). A refused resource request gets
401 with `WWW-Authenticate: OAuth realm="<base URL>"` and a text/plain body naming which of
oauthlib's checks failed. oauthlib knows neither the OAuth Problem Reporting extension
(oauth_problem) nor Atlassian's session extension (oauth_session_handle): neither appears here.
"""

import argparse
import hmac
import html
import json
import logging
import signal
import sys
import threading
import traceback
import urllib.parse
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from oauthlib.oauth1 import (
    SIGNATURE_RSA_SHA1,
    AccessTokenEndpoint,
    AuthorizationEndpoint,
    OAuth1Error,
    RequestTokenEndpoint,
    RequestValidator,
    ResourceEndpoint,
)

REQUEST_TOKEN = "/plugins/servlet/oauth/request-token"
AUTHORIZE = "/plugins/servlet/oauth/authorize"
ACCESS_TOKEN = "/plugins/servlet/oauth/access-token"
WHOAMI = "/plugins/servlet/applinks/whoami"
ECHO = "/rest/api/1.0/echo"

FORM = "application/x-www-form-urlencoded"
MAX_BODY = 1024 * 1024

# Placeholders oauthlib uses when a client key or token is unknown, so that the remaining
# checks take the same time (see RequestValidator's docs). They must pass oauthlib's format
# checks: 20 to 30 ASCII letters and digits.
DUMMY_CLIENT = "dummyclient000000000000000"
DUMMY_REQUEST_TOKEN = "dummyrequesttoken000000000"
DUMMY_ACCESS_TOKEN = "dummyaccesstoken0000000000"


class Validator(RequestValidator):
    """In-memory storage and policy for one RSA-SHA1 consumer.

    oauthlib's defaults are kept where they fit our client: client keys, tokens, nonces and
    verifiers must be 20 to 30 ASCII letters and digits (oauthlib's check_* methods; our nonces
    are 24 alphanumerics, tokens and verifiers come from oauthlib's own generate_token, 30
    alphanumerics), timestamps within 600 s, no realms configured (a client that sends none
    gets get_default_realms' empty list, and check_realms accepts an empty list).
    """

    def __init__(self, consumer_key, public_key_pem, user):
        super().__init__()
        self.consumer_key = consumer_key
        self.public_key_pem = public_key_pem
        self.user = user
        self.lock = threading.Lock()
        # token -> {"client", "secret", "callback", "realms", "verifier", "user"}
        self.request_tokens = {}
        # token -> {"client", "secret", "user", "realms"}
        self.access_tokens = {}
        self.nonces = set()

    # ---- policy knobs -----------------------------------------------------------------

    @property
    def enforce_ssl(self):
        # Plain http on the loopback interface only.
        return False

    @property
    def allowed_signature_methods(self):
        # What Bitbucket accepts from a consumer registered with a public key.
        return (SIGNATURE_RSA_SHA1,)

    @property
    def dummy_client(self):
        return DUMMY_CLIENT

    @property
    def dummy_request_token(self):
        return DUMMY_REQUEST_TOKEN

    @property
    def dummy_access_token(self):
        return DUMMY_ACCESS_TOKEN

    # ---- consumer ---------------------------------------------------------------------

    def validate_client_key(self, client_key, request):
        return hmac.compare_digest(client_key.encode(), self.consumer_key.encode())

    def get_rsa_key(self, client_key, request):
        # The same key for the dummy client: equal running time, and the request fails anyway.
        return self.public_key_pem

    def get_client_secret(self, client_key, request):
        # Only HMAC-SHA1 and PLAINTEXT need it; they are not allowed.
        return "no-shared-secret"

    # ---- realms -------------------------------------------------------------------------

    def get_default_realms(self, client_key, request):
        return []

    def validate_requested_realms(self, client_key, realms, request):
        return True

    def verify_realms(self, token, realms, request):
        return True

    def get_realms(self, token, request):
        with self.lock:
            record = self.request_tokens.get(token)
            return list(record["realms"]) if record else []

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True

    # ---- nonces -------------------------------------------------------------------------

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request,
                                     request_token=None, access_token=None):
        key = (client_key, timestamp, nonce, request_token or access_token or "")
        with self.lock:
            if key in self.nonces:
                # For the refusal message (oauthlib returns before filling validator_log).
                request.nonce_replayed = True
                return False
            self.nonces.add(key)
            return True

    # ---- request tokens -----------------------------------------------------------------

    def validate_redirect_uri(self, client_key, redirect_uri, request):
        if redirect_uri == "oob":
            return True
        parts = urllib.parse.urlsplit(redirect_uri)
        return parts.scheme in ("http", "https") and bool(parts.netloc)

    def save_request_token(self, token, request):
        with self.lock:
            self.request_tokens[token["oauth_token"]] = {
                "client": request.client_key,
                "secret": token["oauth_token_secret"],
                "callback": request.redirect_uri,
                "realms": list(request.realms or []),
                "verifier": None,
                "user": None,
            }

    def verify_request_token(self, token, request):
        # The authorization page: a known request token the user has not decided on yet.
        with self.lock:
            record = self.request_tokens.get(token)
            return record is not None and record["verifier"] is None

    def save_verifier(self, token, verifier, request):
        with self.lock:
            record = self.request_tokens[token]
            record["verifier"] = verifier["oauth_verifier"]
            record["user"] = self.user

    def get_redirect_uri(self, token, request):
        with self.lock:
            return self.request_tokens[token]["callback"]

    def get_request_token_secret(self, client_key, token, request):
        with self.lock:
            record = self.request_tokens.get(token)
            return record["secret"] if record else "dummy-secret"

    def validate_request_token(self, client_key, token, request):
        with self.lock:
            record = self.request_tokens.get(token)
            return record is not None and record["client"] == client_key

    def validate_verifier(self, client_key, token, verifier, request):
        with self.lock:
            record = self.request_tokens.get(token)
            if record is None or record["verifier"] is None or record["client"] != client_key:
                return False
            return hmac.compare_digest(record["verifier"].encode(), verifier.encode())

    def invalidate_request_token(self, client_key, token, request):
        with self.lock:
            self.request_tokens.pop(token, None)

    # ---- access tokens ------------------------------------------------------------------

    def save_access_token(self, token, request):
        with self.lock:
            record = self.request_tokens[request.resource_owner_key]
            self.access_tokens[token["oauth_token"]] = {
                "client": request.client_key,
                "secret": token["oauth_token_secret"],
                "user": record["user"],
                "realms": list(record["realms"]),
            }

    def validate_access_token(self, client_key, token, request):
        with self.lock:
            record = self.access_tokens.get(token)
            return record is not None and record["client"] == client_key

    def get_access_token_secret(self, client_key, token, request):
        with self.lock:
            record = self.access_tokens.get(token)
            return record["secret"] if record else "dummy-secret"

    def user_of(self, token):
        with self.lock:
            record = self.access_tokens.get(token)
            return record["user"] if record else None


class Provider:
    def __init__(self, validator, context_path):
        self.validator = validator
        self.context_path = context_path
        self.request_token_endpoint = RequestTokenEndpoint(validator)
        self.authorization_endpoint = AuthorizationEndpoint(validator)
        self.access_token_endpoint = AccessTokenEndpoint(validator)
        self.resource_endpoint = ResourceEndpoint(validator)

    # ---- WSGI -------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        try:
            status, headers, body = self.route(environ)
        except Exception:  # noqa: BLE001 - report anything as a 500 with the traceback
            traceback.print_exc(file=sys.stderr)
            status, headers, body = 500, {"Content-Type": "text/plain"}, "provider error\n"
        if isinstance(body, str):
            body = body.encode("utf-8")
        reason = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized",
                  403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
                  413: "Payload Too Large", 500: "Internal Server Error"}.get(status, "Status")
        header_list = [(k, v) for k, v in headers.items()]
        header_list.append(("Content-Length", str(len(body))))
        start_response(f"{status} {reason}", header_list)
        return [body]

    def route(self, environ):
        method = environ["REQUEST_METHOD"]
        raw_target = environ.get("RAW_REQUEST_TARGET") or environ.get("PATH_INFO", "/")
        host = environ.get("HTTP_HOST") or "{}:{}".format(
            environ["SERVER_NAME"], environ["SERVER_PORT"])
        # The URL as the client addressed it: what oauthlib's base string URI is computed from
        # (RFC 5849 3.4.1.2: scheme, the Host header's host and port, the path as sent).
        uri = f"http://{host}{raw_target}"
        path, _, query = raw_target.partition("?")
        headers = request_headers(environ)

        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 400, {"Content-Type": "text/plain"}, "bad Content-Length\n"
        if length > MAX_BODY:
            return 413, {"Content-Type": "text/plain"}, "body too large\n"
        raw_body = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            body = raw_body.decode("utf-8")
        except UnicodeDecodeError:
            return 400, {"Content-Type": "text/plain"}, "the body is not UTF-8\n"

        if not path.startswith(self.context_path + "/"):
            return not_found(path)
        rel = path[len(self.context_path):]
        routes = {
            REQUEST_TOKEN: (("POST",), self.request_token),
            AUTHORIZE: (("GET",), self.authorize),
            ACCESS_TOKEN: (("POST",), self.access_token),
            WHOAMI: (("GET",), self.whoami),
            ECHO: (("GET", "POST"), self.echo),
        }
        if rel not in routes:
            return not_found(path)
        methods, handler = routes[rel]
        if method not in methods:
            return (405, {"Content-Type": "text/plain", "Allow": ", ".join(methods)},
                    f"{method} is not allowed here\n")
        try:
            return handler(uri, method, body, headers, path=path, query=query)
        except ValueError as e:
            # oauthlib's urldecode refuses a query or body with characters outside its
            # x-www-form-urlencoded whitelist, or a malformed %-escape, with a ValueError.
            return 400, {"Content-Type": "text/plain"}, f"not x-www-form-urlencoded: {e}\n"

    # ---- endpoints ----------------------------------------------------------------------

    def request_token(self, uri, method, body, headers, **_):
        h, b, s = self.request_token_endpoint.create_request_token_response(
            uri, http_method=method, body=body, headers=headers)
        return s, h, b or ""

    def authorize(self, uri, method, body, headers, **_):
        # The user is logged in and approves at once (as --user).
        try:
            h, b, s = self.authorization_endpoint.create_authorization_response(
                uri, http_method=method, body=None, headers=headers)
        except OAuth1Error as e:
            return e.status_code, {"Content-Type": FORM}, e.urlencoded
        if s == 302:
            location = h["Location"]
            return 302, {"Location": location, "Content-Type": "text/plain"}, \
                f"Redirecting to {location}\n"
        # oob: oauthlib answers oauth_token=..&oauth_verifier=.. as a form; show it the way
        # Bitbucket (and our stand-in) does, as a page with the code.
        fields = dict(urllib.parse.parse_qsl(b, keep_blank_values=True))
        page = (
            "<!DOCTYPE html>\n<html><head><title>OAuth authorization - oauthlib provider"
            "</title></head>\n<body>\n<h1>Access approved</h1>\n<p>Copy this verification "
            "code into the application: <code id=\"oauth_verifier\">"
            f"{html.escape(fields.get('oauth_verifier', ''))}</code></p>\n</body></html>\n"
        )
        return 200, {"Content-Type": "text/html;charset=UTF-8"}, page

    def access_token(self, uri, method, body, headers, **_):
        h, b, s = self.access_token_endpoint.create_access_token_response(
            uri, http_method=method, body=body, headers=headers)
        return s, h, b or ""

    def protected(self, uri, method, body, headers):
        """(user, None) for a request oauthlib's ResourceEndpoint accepts, else (None, reply)."""
        valid, request = self.resource_endpoint.validate_protected_resource_request(
            uri, http_method=method, body=body, headers=headers, realms=[])
        if valid:
            return self.validator.user_of(request.resource_owner_key), None
        checks = request.validator_log if request is not None else {}
        failed = [k for k, ok in checks.items() if not ok]
        if getattr(request, "nonce_replayed", False):
            failed.append("nonce already used")
        failed = ", ".join(failed) or "missing, duplicated or malformed OAuth parameters, " \
            "or no token"
        base = uri.split(self.context_path, 1)[0] + self.context_path
        return None, (
            401,
            {"Content-Type": "text/plain;charset=UTF-8",
             "WWW-Authenticate": f'OAuth realm="{base}"'},
            f"oauthlib's ResourceEndpoint refused the request (failed: {failed})\n",
        )

    def whoami(self, uri, method, body, headers, **_):
        user, refusal = self.protected(uri, method, body, headers)
        if refusal:
            return refusal
        return 200, {"Content-Type": "text/plain;charset=UTF-8"}, user

    def echo(self, uri, method, body, headers, path, query):
        user, refusal = self.protected(uri, method, body, headers)
        if refusal:
            return refusal
        content_type = headers.get("Content-Type")
        is_form = content_type is not None and FORM in content_type
        seen = {
            "method": method,
            "path": path,
            "query": decode_form(query),
            "form": decode_form(body) if is_form else [],
            "content_type": content_type,
            "body": body,
            "user": user,
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(seen, ensure_ascii=False)


def decode_form(text):
    """application/x-www-form-urlencoded pairs, decoded as UTF-8 (strictly), in order."""
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict")
    return [[name, value] for name, value in pairs]


def not_found(path):
    return 404, {"Content-Type": "text/plain"}, f"no resource at {path}\n"


def request_headers(environ):
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").title()] = value
    # wsgiref fills CONTENT_TYPE with "text/plain" when the request has none: use the header
    # as sent (or its absence).
    if environ.get("RAW_CONTENT_TYPE") is not None:
        headers["Content-Type"] = environ["RAW_CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["Content-Length"] = environ["CONTENT_LENGTH"]
    return headers


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Handler(WSGIRequestHandler):
    def get_environ(self):
        environ = super().get_environ()
        # wsgiref percent-decodes PATH_INFO; oauthlib needs the request target as sent.
        environ["RAW_REQUEST_TARGET"] = self.path
        environ["RAW_CONTENT_TYPE"] = self.headers.get("Content-Type")
        return environ


def read_public_key(stream):
    lines = []
    for line in stream:
        lines.append(line)
        if line.strip() == "-----END PUBLIC KEY-----":
            break
    pem = "".join(lines).strip()
    if not pem.startswith("-----BEGIN PUBLIC KEY-----") or \
            not pem.endswith("-----END PUBLIC KEY-----"):
        sys.exit("expected the consumer's SPKI PEM public key (-----BEGIN PUBLIC KEY-----) "
                 "on standard input")
    return pem + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consumer-key", required=True)
    parser.add_argument("--context-path", default="/bitbucket")
    parser.add_argument("--user", default="alice")
    args = parser.parse_args()
    context_path = "/" + args.context_path.strip("/") if args.context_path.strip("/") else ""

    public_key = read_public_key(sys.stdin)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="oauthlib %(levelname)s %(name)s: %(message)s")

    validator = Validator(args.consumer_key, public_key, args.user)
    server = make_server("127.0.0.1", 0, Provider(validator, context_path),
                         server_class=Server, handler_class=Handler)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def watch_stdin():
        # The parent holds our standard input open; EOF means it is gone.
        for _ in sys.stdin:
            pass
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                               daemon=True)
    serving.start()

    sys.stdout.write(f"{server.server_port}\n")
    sys.stdout.flush()

    while not stop.wait(0.2):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
