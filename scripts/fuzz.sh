#!/usr/bin/env bash
# Builds every cargo-fuzz target under fuzz/ once, then runs each for SECONDS (default 30) on a
# temporary copy of its committed seed corpus, so runs never grow fuzz/corpus/. Fails on the first
# crash, panic, timeout or out-of-memory; the reproducer is left in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS]
#
# Environment:
#   FUZZ_TOOLCHAIN  the nightly toolchain for `cargo +TOOLCHAIN fuzz` (default: nightly)
#   FUZZ_SANITIZER  cargo-fuzz sanitizer (default: none; the crate forbids unsafe code, and
#                   without a sanitizer each target runs about twice as many inputs)
#   FUZZ_TARGETS    space-separated subset of targets to run (default: all of `cargo fuzz list`)
#   FUZZ_KEEP       directory to copy each run's grown corpus into (default: discarded)
#   FUZZ_MIN_TARGETS  fail unless at least this many targets are found and run (default: 1; CI
#                   sets the current count, so a target that vanishes fails the run)
set -euo pipefail

seconds="${1:-30}"
case "$seconds" in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
toolchain="${FUZZ_TOOLCHAIN:-nightly}"
sanitizer="${FUZZ_SANITIZER:-none}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/fuzz"

if ! cargo "+$toolchain" fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is missing; installing it from crates.io" >&2
    cargo install cargo-fuzz --locked
fi

build_flags=(--sanitizer "$sanitizer")
echo "fuzz.sh: building all fuzz targets (toolchain $toolchain, sanitizer $sanitizer)" >&2
cargo "+$toolchain" fuzz build "${build_flags[@]}"

targets="${FUZZ_TARGETS:-$(cargo "+$toolchain" fuzz list)}"
min_targets="${FUZZ_MIN_TARGETS:-1}"
count=$(printf '%s\n' $targets | grep -c . || true)
if [ "$count" -lt "$min_targets" ]; then
    echo "fuzz.sh: FAILED: found $count fuzz targets, expected at least $min_targets" >&2
    exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failed=()
ran=0
for target in $targets; do
    corpus="$work/$target"
    mkdir -p "$corpus"
    if [ -d "corpus/$target" ]; then
        cp -R "corpus/$target/." "$corpus/"
    fi
    # libFuzzer's -max_len: past each target's own input limit, so that its limit branch is
    # reached (the 64 KiB ones: MAX_TOKEN_RESPONSE_BYTES, MAX_HEADER_BYTES; keys: 8 KiB).
    case "$target" in
        token_response | oauth_header | header_roundtrip) max_len=$((128 * 1024)) ;;
        keys) max_len=$((8 * 1024 + 1024)) ;;
        *) max_len=4096 ;;
    esac
    echo "fuzz.sh: running $target for ${seconds}s on $(ls "$corpus" | wc -l) seed inputs" >&2
    # -timeout: one input taking over 10 s is a hang worth failing on.
    if ! cargo "+$toolchain" fuzz run "${build_flags[@]}" "$target" "$corpus" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="$max_len" \
        -print_final_stats=1 2>"$work/$target.log"; then
        failed+=("$target")
        # The panic message and libFuzzer's verdict, without the stack trace.
        grep -E -A4 'panicked at|ERROR: libFuzzer|out-of-memory|timeout after' "$work/$target.log" \
            | grep -v -E '^ +[0-9]+: |^ +at ' | head -n 40 >&2 || true
        grep -E 'Test unit written|artifact_prefix|Base64:' "$work/$target.log" | head -n 5 >&2 || true
    elif ! grep -qE '^Done [1-9][0-9]* runs' "$work/$target.log"; then
        # libFuzzer exited cleanly without running anything: count that as a failure.
        failed+=("$target")
        echo "fuzz.sh: $target ran no inputs:" >&2
        tail -n 20 "$work/$target.log" >&2
    else
        ran=$((ran + 1))
        grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$work/$target.log" \
            | sed "s/^/fuzz.sh: $target: /" >&2 || true
    fi
    if [ -n "${FUZZ_KEEP:-}" ]; then
        mkdir -p "$FUZZ_KEEP/$target"
        cp -R "$corpus/." "$FUZZ_KEEP/$target/"
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz.sh: FAILED: ${failed[*]} (reproducers in fuzz/artifacts/<target>/; see fuzz/README.md)" >&2
    exit 1
fi
if [ "$ran" -lt "$min_targets" ]; then
    echo "fuzz.sh: FAILED: $ran targets ran, expected at least $min_targets" >&2
    exit 1
fi
echo "fuzz.sh: all $ran targets ran ${seconds}s without a crash" >&2
