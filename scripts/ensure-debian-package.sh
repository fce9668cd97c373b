#!/usr/bin/env bash
# Install a Debian package when the file it provides is missing and we may (root or passwordless
# sudo); otherwise say how, and carry on. Used for chromium (browser tests, driven by Playwright
# at /usr/bin/chromium: never a downloaded browser) and wrk (the load generator of `make bench`).
#   scripts/ensure-debian-package.sh PACKAGE FILE PURPOSE
set -u
package=$1 file=$2 purpose=$3
if [ -x "$file" ] || command -v "$file" >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$package is missing and apt-get is not available: $purpose will not run" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "$package is missing; install it with: sudo apt-get install $package" >&2
    exit 0
  fi
fi
echo "installing Debian's $package for $purpose..."
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$package" >/dev/null
