#!/usr/bin/env bash
# Renders the windowed battle with the overlay open under a virtual X display (Xvfb and
# Mesa's software Vulkan, no GPU needed), saves a PNG through Bevy's screenshot API and
# checks that it exists and is not blank.
#
#   scripts/screenshot.sh [--install] [OUT.png] [UNITS] [FRAMES]
#
# Defaults: docs/battle-overlay.png, 10000 units, 300 frames. `--install` first installs
# Xvfb and Mesa with apt-get (Debian); without it the script installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--install" ]; then
    shift
    apt-get update
    apt-get install -y --no-install-recommends xvfb mesa-vulkan-drivers libvulkan1 \
        libxkbcommon-x11-0 libxcursor1 libxi6 libx11-xcb1
fi
out=${1:-docs/battle-overlay.png}
units=${2:-10000}
frames=${3:-300}

if ! command -v Xvfb >/dev/null 2>&1; then
    echo "error: Xvfb is not installed; run scripts/screenshot.sh --install (Debian) first" >&2
    exit 2
fi

cargo build --release --example battle --features overlay

display=":${SCREENSHOT_DISPLAY:-97}"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true' EXIT
sleep 1
if ! kill -0 "$xvfb" 2>/dev/null; then
    echo "error: Xvfb could not start on $display (in use? set SCREENSHOT_DISPLAY)" >&2
    exit 2
fi

rm -f "$out"
DISPLAY="$display" cargo run --release --example battle --features overlay -- \
    --units "$units" --screenshot "$out" --frames "$frames"

if [ ! -s "$out" ]; then
    echo "error: no screenshot at $out" >&2
    exit 1
fi
if [ "$(head -c 8 "$out" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
    echo "error: $out is not a PNG" >&2
    exit 1
fi
# A blank (one-colour) 1280x800 PNG compresses to a few kilobytes; a drawn battle with
# the overlay's text and graphs does not.
size=$(wc -c < "$out")
if [ "$size" -lt 40000 ]; then
    echo "error: $out is only $size bytes: the window looks blank" >&2
    exit 1
fi
echo "screenshot: $out ($size bytes)"
