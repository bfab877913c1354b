#!/bin/sh
# Run by `make test` first: installs Debian's chromium for the browser tests (tests/test_browser.py) when no
# Chromium is found and this is root on a system with apt-get. Anywhere else, or if the install fails, it says
# so and goes on: the browser tests are then skipped with a line saying how to run them, or fail where
# TRACKER_REQUIRE_BROWSER is set. It never fails itself, so a missing browser does not stop the rest of the suite.

if [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
then
  exit 0  # a Chromium of the reader's choosing, or one already installed
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "No Chromium, and installing Debian's chromium needs root and apt-get: the browser tests will be skipped." >&2
  exit 0
fi
echo "No Chromium for the browser tests: installing Debian's chromium (apt-get install chromium)."
if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; then
  exit 0
fi
echo "Installing chromium failed: the browser tests will be skipped." >&2
exit 0
