#!/usr/bin/env bash
# Installs Debian's Chromium for the test that opens /docs in a real headless
# browser (tests/integration/test_docs_page.py). `make test` calls it; it does
# nothing when a chromium is there already. It never downloads a browser of its
# own: only the distribution's package.
set -euo pipefail

command -v chromium >/dev/null && exit 0
if ! command -v apt-get >/dev/null || [ "$(id -u)" -ne 0 ]; then
  echo "error: chromium is not installed, and installing it needs root on Debian" \
    "(apt-get install chromium); tests/integration/test_docs_page.py needs it" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
