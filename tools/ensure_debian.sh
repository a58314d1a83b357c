#!/usr/bin/env bash
# Install the Debian packages named as arguments, unless they are installed already.
# As root it runs apt-get itself, otherwise through passwordless sudo; if neither is possible
# it stops at once with one line that says the command to run. Safe to run twice.
set -euo pipefail

missing=()
for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: this needs the Debian packages ${missing[*]}; without apt-get, install their equivalents by hand (see README.md)." >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then
    as_root=(env)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n env)
else
    echo "error: missing Debian packages; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
