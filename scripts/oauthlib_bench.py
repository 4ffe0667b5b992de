#!/usr/bin/env python3
"""Times Python's oauthlib signing the typical Bitbucket request that benches/signing.rs signs.

Prints one line: `oauthlib <version> HMAC-SHA1 signed header: <ns> ns` (best of 5 repeats).
Same request, credentials, nonce and timestamp as benches/common/mod.rs; the signature is
checked against a raw HMAC-SHA1 of the expected base string first, so the work is the same.
Needs oauthlib (scripts/bench_reference.sh installs oauthlib==4.0.1 into a virtualenv).
"""
import base64
import hashlib
import hmac
import sys
import timeit
import urllib.parse

import oauthlib
from oauthlib.oauth1 import Client

CONSUMER_KEY = "repo-sync-service"
CONSUMER_SECRET = "kd94hf93k423kf44"
TOKEN = "nnch734d00sl2jdk7cAhY3Ql8pyQjzXh"
TOKEN_SECRET = "pfkkdhi9sl3r4s00"
NONCE = "kllo9940pd9333jh8rtbW4Lk"
TIMESTAMP = "1700000000"
URI = "https://bitbucket.example.com/rest/api/1.0/projects/PRJ/repos?limit=100&start=0"
EXPECTED_BASE = (
    "GET&https%3A%2F%2Fbitbucket.example.com%2Frest%2Fapi%2F1.0%2Fprojects%2FPRJ%2Frepos&"
    "limit%3D100%26oauth_consumer_key%3Drepo-sync-service%26oauth_nonce%3Dkllo9940pd9333jh8rtbW4Lk"
    "%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000"
    "%26oauth_token%3Dnnch734d00sl2jdk7cAhY3Ql8pyQjzXh%26oauth_version%3D1.0%26start%3D0"
)


# One client, made once, like one Signer shared by a service.
CLIENT = Client(
    CONSUMER_KEY,
    client_secret=CONSUMER_SECRET,
    resource_owner_key=TOKEN,
    resource_owner_secret=TOKEN_SECRET,
    signature_method="HMAC-SHA1",
    nonce=NONCE,
    timestamp=TIMESTAMP,
)


def sign():
    _uri, headers, _body = CLIENT.sign(URI, http_method="GET")
    return headers["Authorization"]


def main():
    header = sign()
    got = urllib.parse.unquote(header.split('oauth_signature="', 1)[1].split('"', 1)[0])
    key = f"{CONSUMER_SECRET}&{TOKEN_SECRET}".encode()
    expected = base64.b64encode(hmac.new(key, EXPECTED_BASE.encode(), hashlib.sha1).digest()).decode()
    if got != expected:
        sys.exit(f"oauthlib signed something else: {got} != {expected}")
    number = 5000
    best = min(timeit.repeat(sign, number=number, repeat=5)) / number
    print(f"oauthlib {oauthlib.__version__} HMAC-SHA1 signed header: {best * 1e9:.0f} ns")


if __name__ == "__main__":
    main()
