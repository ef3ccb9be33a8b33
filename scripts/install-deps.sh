#!/usr/bin/env bash
# Installs every build, run and test dependency of intake from Debian 12's
# own packages. Nothing is fetched from anywhere else. Safe to run again.
set -euo pipefail

packages=(
  # toolchain
  cmake g++ make pkg-config
  # OCR and imaging
  libtesseract-dev tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa tesseract-ocr-osd
  libleptonica-dev libopencv-dev libtiff-dev libtiff-tools
  # PDF: Poppler renders pages, qpdf reads AcroForm widgets and values
  libpoppler-cpp-dev libqpdf-dev poppler-utils qpdf
  # service plumbing
  libboost1.81-dev libsqlite3-dev libsqlitecpp-dev libssl-dev
  libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libexpected-dev
  libmagic-dev libgmime-3.0-dev libsodium-dev
  # word lists the recognizer checks names, places and words against (recognizer/lexicon.h)
  wamerican-huge wspanish
  # tests
  libgtest-dev libgmock-dev
  # fonts the corpus generator and the tests draw with: typed and hand-like
  libfreetype-dev fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-freefont-ttf
  fonts-dkg-handwriting fonts-breip fonts-bwht fonts-femkeklaver fonts-humor-sans fonts-rufscript
  fonts-sjfonts fonts-comic-neue fonts-dancingscript fonts-cabinsketch fonts-klee fonts-tlwg-purisa-ttf
  fonts-seto fonts-yozvox-yozfont-new-kana fonts-dustin fonts-staypuft fonts-yusei-magic fonts-unfonts-extra
  fonts-aenigma
)

# The review app's browser test (tests/review_test.cc): the system's Chromium,
# and Node with npm for playwright-core. A Node from elsewhere that brings its
# own npm is kept (Debian's npm package would conflict with it).
packages+=(chromium)
command -v npm > /dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all ${#packages[@]} packages present"

# playwright-core (the driver only: the browser is Debian's /usr/bin/chromium,
# nothing is downloaded) at the version in tests/browser/package-lock.json.
browser_tests="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/browser" && pwd)"
if [ ! -d "$browser_tests/node_modules/playwright-core" ]; then
  (cd "$browser_tests" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
echo "install-deps: playwright-core present in tests/browser"
