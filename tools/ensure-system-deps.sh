#!/usr/bin/env bash
# Make sure the system libraries Manim builds against are present (Debian names).
# As root: install the missing ones with apt-get. Otherwise: print the exact command and stop.
set -eu
missing=()
have_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
have_pc cairo || missing+=(libcairo2-dev)
have_pc pangocairo || missing+=(libpango1.0-dev)
py=${PYTHON:-python3}
if ! "$py" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
    missing+=(python3-dev)
fi
if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
# Optional: a minimal LaTeX for the scenes' MathTex labels (amsmath + amssymb + dvisvgm; the
# scenes use their own article-class template, so not Manim's standalone/texlive-latex-extra).
# Measured on Debian 12: 31 packages, ~60 MB download, ~180 MB installed, about 1 minute.
# Without it the scenes fall back to Unicode Text labels. ROLLINGBALL_NO_TEX=1 skips it.
optional=()
if [ "${ROLLINGBALL_NO_TEX:-0}" != 1 ]; then
    command -v latex >/dev/null 2>&1 || optional+=(texlive-latex-base)
    command -v dvisvgm >/dev/null 2>&1 || optional+=(dvisvgm)
fi
# The documentation: KaTeX served from the built site (mkdocs build --strict stops without it)
# and headless Chromium for the browser test of the built pages (tests/test_docs.py).
# Measured on Debian 12: chromium is about 100 MB download; libjs-katex + fonts-katex 2 MB.
# ROLLINGBALL_NO_DOCS=1 skips them.
if [ "${ROLLINGBALL_NO_DOCS:-0}" != 1 ]; then
    [ -f /usr/share/javascript/katex/katex.min.js ] || optional+=(libjs-katex)
    ls /usr/share/fonts/truetype/katex/*.woff2 >/dev/null 2>&1 || optional+=(fonts-katex)
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
        || optional+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "rollingball: installing system packages: ${missing[*]} ${optional[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" "${optional[@]}"
    exit 0
fi
if [ ${#missing[@]} -eq 0 ]; then
    echo "rollingball: optional: for LaTeX labels in the scenes and for the docs and their" \
         "tests install: ${optional[*]}" >&2
    echo "    sudo apt-get install -y --no-install-recommends ${optional[*]}" >&2
    exit 0
fi
echo "rollingball: Manim needs system packages that are missing: ${missing[*]}" >&2
echo "Install them, then run make again:" >&2
echo "    sudo apt-get install -y ${missing[*]}" >&2
exit 1
