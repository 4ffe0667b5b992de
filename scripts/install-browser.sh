#!/usr/bin/env bash
# Installs what tests/webapp_browser.rs drives: Debian's headless-capable `chromium` and its
# WebDriver, `chromium-driver` (chromedriver). Does nothing when both are already on PATH.
# Needs root (apt-get); anything else fails loudly: the browser test never skips.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

if have chromium && have chromedriver; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-browser.sh: chromium and chromedriver are missing and this is not root;" >&2
  echo "  install them yourself: sudo apt-get install -y chromium chromium-driver" >&2
  exit 1
fi
if ! have apt-get; then
  echo "install-browser.sh: no apt-get here; install Chromium and a matching chromedriver on PATH" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
for tool in chromium chromedriver; do
  have "$tool" || { echo "install-browser.sh: $tool still missing after apt-get install" >&2; exit 1; }
done
echo "install-browser.sh: $(chromium --version 2>/dev/null || echo chromium); $(chromedriver --version 2>/dev/null || echo chromedriver)"
