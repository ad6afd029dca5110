#!/usr/bin/env bash
# Install headless Chromium and its WebDriver (Debian packages chromium and chromium-driver)
# for the end-to-end browser test. Idempotent: does nothing when both are present.
#   scripts/install-browser.sh
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "chromium and chromedriver are installed" >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing chromium and chromium-driver (Debian packages)…" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >&2

for b in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$b" ] || { echo "FAIL: $b is still missing after installing" >&2; exit 1; }
done
echo "installed: $(/usr/bin/chromedriver --version 2>/dev/null | head -1)" >&2
