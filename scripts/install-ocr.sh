#!/usr/bin/env bash
# Installs Tesseract's models for the local engine's OCR: Debian's
# tesseract-ocr-<lang> packages (traineddata files; the tesserocr wheel brings
# libtesseract itself). `make run` and `make test` call it; it does nothing
# when every package is there. Without apt-get (or root) it says so and leaves
# the engine on its fallback OCR (RapidOCR, from its wheel).
set -euo pipefail

LANGS=(
  osd                      # orientation and script detection
  eng deu fra spa ita por nld  # Latin script, western European languages
  frk script-frak          # German Fraktur (blackletter), and the Fraktur script model
  rus ukr ell              # Cyrillic, Greek
  ara fas heb hin          # Arabic, Persian, Hebrew, Hindi (Devanagari)
  jpn jpn-vert             # Japanese, horizontal and vertical
  chi-sim chi-sim-vert chi-tra chi-tra-vert  # Chinese, simplified and traditional
  kor kor-vert             # Korean
)

missing=()
for lang in "${LANGS[@]}"; do
  deb="tesseract-ocr-$lang"
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$deb" 2>/dev/null)" != installed ]; then
    missing+=("$deb")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null || [ "$(id -u)" -ne 0 ]; then
  echo "note: OCR models not installed (${missing[*]}): run as root on Debian, or" \
    "install them yourself; until then scans are read with RapidOCR" >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
