#!/usr/bin/env bash
# Install headless Chromium, its WebDriver and CJK fonts (Debian packages chromium,
# chromium-driver, fonts-noto-cjk) for the end-to-end browser test, so its screenshots show
# the Chinese pages as users see them. Idempotent: does nothing when all are present.
#   scripts/install-browser.sh
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -d /usr/share/fonts/opentype/noto ]; then
  echo "chromium, chromedriver and CJK fonts are installed" >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing chromium, chromium-driver and fonts-noto-cjk (Debian packages)…" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver fonts-noto-cjk >&2

for b in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$b" ] || { echo "FAIL: $b is still missing after installing" >&2; exit 1; }
done
echo "installed: $(/usr/bin/chromedriver --version 2>/dev/null | head -1)" >&2
