#!/usr/bin/env bash
# Reproduces the "Performance" table of benches/README.md in one run on one machine:
#   1. the criterion benches (signing, reference, concurrency), all features on;
#   2. `openssl speed -seconds N rsa2048`, once before and once after the benches;
#   3. the ratios the performance targets are stated in, each measured with its two sides
#      alternating in rounds (benches/paired.rs), so that the host's drift does not enter them;
#   4. a Markdown table of it all (also written to $CARGO_TARGET_DIR/bench_reference.md).
#
# Environment knobs: MEASURE (criterion measurement seconds, default 5), WARMUP (default 2),
# OSSL_SECONDS (default 10), CARGO_TARGET_DIR (default target), BENCH_FILTER (a criterion
# filter regex, and a substring of the paired measurements' names, ignoring case: `hmac`,
# `floor`, `rsa`, `openssl`; default: everything).
set -euo pipefail
cd "$(dirname "$0")/.."

MEASURE="${MEASURE:-5}"
WARMUP="${WARMUP:-2}"
OSSL_SECONDS="${OSSL_SECONDS:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
CRIT="$CARGO_TARGET_DIR/criterion"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for tool in cargo openssl python3 lscpu; do
    command -v "$tool" >/dev/null || { echo "bench_reference.sh: $tool is required" >&2; exit 1; }
done

model="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
{
    echo "machine: ${model}, $(nproc) cores"
    rustc --version
    openssl version
} | tee "$work/machine.txt"

# Build first, so that compiling does not run beside any measurement.
cargo bench --all-features --no-run

# `openssl speed` counts CPU time unless given -elapsed; criterion counts wall-clock time. The
# ratio uses -elapsed (like for like, and right even on a busy machine); the default CPU-time
# figure is printed beside it.
ossl_speed() {
    openssl speed "$@" -seconds "$OSSL_SECONDS" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}'
}
echo "openssl speed -seconds $OSSL_SECONDS rsa2048 (CPU time, before the benches)..."
ossl_cpu="$(ossl_speed)"
echo "openssl speed -elapsed -seconds $OSSL_SECONDS rsa2048 (before the benches)..."
ossl_before="$(ossl_speed -elapsed)"

# Old results must not leak into this run's table.
rm -rf "$CRIT"
filter=()
if [ -n "${BENCH_FILTER:-}" ]; then filter=("$BENCH_FILTER"); fi
cargo bench --all-features --bench signing --bench reference --bench concurrency --bench parsing -- \
    --warm-up-time "$WARMUP" --measurement-time "$MEASURE" --noplot "${filter[@]}"

echo "openssl speed -elapsed -seconds $OSSL_SECONDS rsa2048 (after the benches)..."
ossl_after="$(ossl_speed -elapsed)"

# The ratios the targets are judged by, each measured with its two sides alternating in rounds
# (benches/paired.rs), so that the host's drift during the run does not enter them.
PAIRED_FILTER="${BENCH_FILTER:-}" cargo bench --all-features --bench paired \
    | sed -n 's/^paired //p' >"$work/paired.jsonl"

# Python's oauthlib on the same request (optional: skipped, with a note, if it cannot be
# installed). OAUTHLIB=0 skips it.
oauthlib_ns=""
if [ "${OAUTHLIB:-1}" != 0 ]; then
    venv="$CARGO_TARGET_DIR/bench-venv"
    if { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } \
        && "$venv/bin/pip" install -q oauthlib==4.0.1; then
        line="$("$venv/bin/python" scripts/oauthlib_bench.py)"
        echo "$line"
        oauthlib_ns="$(echo "$line" | awk '{print $(NF-1)}')"
    else
        echo "bench_reference.sh: could not install oauthlib; its row is left out" >&2
    fi
fi

python3 - "$CRIT" "$ossl_before" "$ossl_after" "$work/machine.txt" \
    "$CARGO_TARGET_DIR/bench_reference.md" "$MEASURE" "$OSSL_SECONDS" "$ossl_cpu" \
    "$oauthlib_ns" "$work/paired.jsonl" <<'PY'
import json, math, os, sys

(crit, ossl_before, ossl_after, machine_file, out_file, measure, ossl_seconds, ossl_cpu,
 oauthlib_ns, paired_file) = sys.argv[1:11]
paired = {}
for line in open(paired_file):
    if line.strip():
        d = json.loads(line)
        paired[d["name"]] = d
machine = open(machine_file).read().strip().splitlines()

# full_id -> median time per iteration, in ns
t = {}
for root, _dirs, files in os.walk(crit):
    if os.path.basename(root) == "new" and "benchmark.json" in files:
        bench = json.load(open(os.path.join(root, "benchmark.json")))
        est = json.load(open(os.path.join(root, "estimates.json")))
        t[bench["full_id"]] = est["median"]["point_estimate"]

def fmt(ns):
    if ns is None:
        return "n/a"
    if ns >= 1e6:
        return f"{ns / 1e6:.3f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"

def get(key):
    return t.get(key)

rows = []
def row(what, value, ratio="", target="", met=None):
    mark = "" if met is None else ("yes" if met else "**no**")
    rows.append(f"| {what} | {value} | {ratio} | {target} | {mark} |")

def paired_row(what, name, target_text="", ok=lambda r: None):
    d = paired.get(name)
    if d is None:
        row(what, "n/a", "n/a", target_text, None)
        return
    row(what, f"{fmt(d['ours_ns'])} vs {fmt(d['reference_ns'])}",
        f"{d['ratio']:.2f}x (rounds {d['min']:.2f}x-{d['max']:.2f}x)", target_text, ok(d["ratio"]))

def ratio_row(what, num, den, target_text, ok, fmt_ratio="{:.2f}x"):
    if num is None or den is None:
        row(what, "n/a", "n/a", target_text, None)
        return
    r = num / den
    row(what, "", fmt_ratio.format(r), target_text, ok(r))

ours = get("header/HMAC-SHA1/typical_authorize")
ours_sign = get("header/HMAC-SHA1/typical")
peer_ours = get("peers/HMAC-SHA1/bitbucket-oauth-authorize")
peer_ours_sign = get("peers/HMAC-SHA1/bitbucket-oauth")
peer = get("peers/HMAC-SHA1/oauth1-request")
raw = get("reference/raw-hmac-sha1")
raw64 = get("reference/raw-hmac-sha1+base64")
rsa_ours = get("header/RSA-SHA1/typical")
rsa_raw = get("reference/raw-rsa-sha1")
ossl_ours = get("header/RSA-SHA1-openssl/typical")
ossl_raw = get("reference/raw-openssl-rsa-sha1")
ossl_rates = [float(x) for x in (ossl_before, ossl_after) if x]
ossl_rate = max(ossl_rates) if ossl_rates else None

row("HMAC-SHA1 signed header, typical request, nonce pinned: `Signer::authorization_header`", fmt(ours))
row("the same with its working (`Signer::sign`: header + base string + signature)",
    fmt(ours_sign))
row("`Signer::authorization_header`, random nonce + system clock",
    fmt(get("header/HMAC-SHA1/typical_authorize_random_nonce")))
row("`Signer::sign`, random nonce + system clock",
    fmt(get("header/HMAC-SHA1/typical_random_nonce")))
row("`Signer::sign`, heavy request (50 query params + form body)",
    fmt(get("header/HMAC-SHA1/heavy")))
row("same typical request, oauth1-request 0.6 (HMAC-SHA1)", fmt(peer))
row("same typical request, bitbucket-oauth `authorization_header` (peers group)", fmt(peer_ours))
row("same typical request, bitbucket-oauth `sign` (peers group)", fmt(peer_ours_sign))
paired_row("paired: oauth1-request time / ours (HMAC-SHA1, `authorization_header`)",
           "hmac-sha1-authorization-header", ">= 1.5x", lambda r: r >= 1.5)
paired_row("paired: oauth1-request time / ours (HMAC-SHA1, `sign`)", "hmac-sha1-sign", ">= 1.2x",
           lambda r: r >= 1.2)
# The floor (benches/floor/mod.rs): what the speed targets can be judged against.
floor = get("peers/HMAC-SHA1/floor")
floor_cut = get("peers/HMAC-SHA1/floor-with-shortcuts")
row("floor: the same header from a signer hand-specialized to this one request, on the same "
    "libraries and under issue 10's rules (`benches/floor/mod.rs`; header only, base string not kept)",
    fmt(floor))
paired_row("paired: oauth1-request time / floor (what a one-request signer under these rules "
           "reaches; the `authorization_header` target is 1.5x)", "floor")
floor_kept = get("peers/HMAC-SHA1/floor-keeping-base-string")
row("the floor keeping the base string, as `Signer::sign` does (written to a `String`, then MACed)",
    fmt(floor_kept))
paired_row("paired: oauth1-request time / floor keeping the base string (the `sign` target is "
           "1.2x)", "floor-keeping-base-string")
row("the floor with the two shortcuts issue 10 rules out (an HMAC state keyed with the token "
    "secret kept across calls; the encoder skipped for unreserved text)", fmt(floor_cut))
paired_row("paired: oauth1-request time / floor with those shortcuts", "floor-with-shortcuts")
ratio_row("ours (`authorization_header`) time / floor", peer_ours, floor, "", lambda r: None)
if oauthlib_ns:
    row("same typical request, Python oauthlib 4.0.1 (HMAC-SHA1, best of 5)",
        fmt(float(oauthlib_ns)))
    ratio_row("oauthlib time / ours (HMAC-SHA1)", float(oauthlib_ns), peer_ours, "", lambda r: None)
row("raw HMAC-SHA1 over the same base string (hmac crate)", fmt(raw))
row("raw HMAC-SHA1 + base64", fmt(raw64))
ratio_row("ours (`authorization_header`, for reference) / raw HMAC-SHA1", ours, raw, "", lambda r: None)
ratio_row("ours (`sign`, for reference) / raw HMAC-SHA1", ours_sign, raw, "", lambda r: None)
row("RSA-SHA1 signed header, rsa 0.10 backend (RSA-2048)", fmt(rsa_ours))
row("raw rsa 0.10 PKCS#1 v1.5 signature of the same base string", fmt(rsa_raw))
paired_row("paired: rsa backend rate / raw rsa rate", "rsa-backend", ">= 0.97x",
           lambda r: r >= 0.97)
row("RSA-SHA1 signed header, oauth1-request 0.6 (rsa 0.9, unblinded)",
    fmt(get("peers/RSA-SHA1/oauth1-request")))
row("RSA-SHA1 signed header, openssl backend (RSA-2048)", fmt(ossl_ours))
row("raw openssl::sign::Signer, SHA-1, same base string", fmt(ossl_raw))
if ossl_rate:
    row(f"`openssl speed -elapsed -seconds {ossl_seconds} rsa2048` sign/s (best of before/after: "
        f"{' / '.join(x for x in (ossl_before, ossl_after) if x)})",
        f"{ossl_rate:.1f}/s = {fmt(1e9 / ossl_rate)}")
if ossl_cpu:
    row(f"`openssl speed -seconds {ossl_seconds} rsa2048` sign/s, CPU time (not wall clock)",
        f"{float(ossl_cpu):.1f}/s = {fmt(1e9 / float(ossl_cpu))}")
paired_row("paired: openssl backend rate / raw openssl::sign::Signer rate", "openssl-backend")
paired_row("paired: openssl backend rate / `openssl speed -elapsed -seconds 1 rsa2048` rate",
           "openssl-speed", ">= 0.95x", lambda r: r >= 0.95)
if rsa_ours and ossl_rate:
    r = (1e9 / rsa_ours) / ossl_rate
    row("default rsa backend rate / `openssl speed` rate (for reference)", "", f"{r:.2f}x")

# Base string scaling: cost per parameter should grow no faster than log n.
sizes = [10, 100, 1000, 10000]
scal = {n: get(f"scaling/base_string/{n}") for n in sizes}
for n in sizes:
    if scal[n] is not None:
        row(f"base string from a query of {n} parameters", fmt(scal[n]),
            f"{scal[n] / n:.1f} ns/param")
if all(scal[n] is not None for n in sizes):
    worst = max((scal[n] / scal[10]) / ((n * math.log(n)) / (10 * math.log(10))) for n in sizes[1:])
    row("growth: max over n of (t(n)/t(10)) / (n log n / 10 log 10)", "", f"{worst:.2f}",
        "<= 1 (no faster than n log n)", worst <= 1.0)

for name in ["typical", "heavy"]:
    row(f"base string alone (public API), {name} request", fmt(get(f"base_string/{name}")))
for m in ["HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT", "RSA-SHA1", "RSA-SHA256",
          "RSA-SHA512", "RSA-SHA1-openssl", "RSA-SHA256-openssl", "RSA-SHA512-openssl"]:
    row(f"signature method {m} over the typical base string", fmt(get(f"method/{m}")))
for m in ["HMAC-SHA1", "HMAC-SHA1-authorize", "RSA-SHA1", "RSA-SHA1-openssl"]:
    one, two = get(f"concurrency/{m}/1"), get(f"concurrency/{m}/2")
    if one and two:
        row(f"one shared signer, {m}: 1 thread / 2 threads per signature",
            f"{fmt(one)} / {fmt(two)}", f"{one / two:.2f}x speedup", "near 2x on 2 cores")

lines = [
    f"Machine: {machine[0].removeprefix('machine: ')}; {machine[1]}; {machine[2]}.",
    f"Criterion: median of the samples, {measure} s measurement per bench; nonce and timestamp "
    "pinned unless the row says otherwise.",
    "Rows marked paired (every row with a target): the two sides alternate in short rounds, the "
    "order flipping each round, and the ratio is the median over the rounds, with its range "
    "(`benches/paired.rs`); the time column gives ours vs the reference.",
    "",
    "| measurement | time | ratio | target | met |",
    "|---|---|---|---|---|",
    *rows,
]
text = "\n".join(lines) + "\n"
open(out_file, "w").write(text)
print()
print(text)
PY
