#!/usr/bin/env bash
# The system packages the test suite needs, installed with apt-get only when one is absent.
#
#   bash infra/system-deps.sh           check, and install what is missing (root + apt-get)
#   bash infra/system-deps.sh --check   check only: list what is missing, exit 1 if anything is
#
# `make test` runs this first (target `system-deps`). Nothing is installed when every probe
# finds its package, so a second run costs a few milliseconds and needs neither root nor network.
# When something is missing and cannot be installed here (not root and no passwordless sudo, or
# no apt-get), it says which package is missing and the command to run, and exits 1.
#
# Each need is one line of NEEDS: a name, how to probe for it, and the Debian packages that bring
# it. Later issues add their system packages here, nowhere else. The probes can be pointed
# elsewhere through the environment, which is how the tests simulate a machine without them:
#
#   ZT_PG_BINDIR_GLOB   where PostgreSQL's initdb is looked for   (/usr/lib/postgresql/*/bin/initdb)
#   ZT_CHROMIUM         the browser the portal tests drive         (/usr/bin/chromium)
#   ZT_CJK_FONT_GLOB    a CJK font file, so Chinese pages render   (/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc)
#   ZT_WRK              the HTTP load generator of `make bench`    (/usr/bin/wrk)
#   ZT_NGINX            the TLS proxy of the compose shape         (/usr/sbin/nginx)
#   ZT_APT_GET          the package installer                      (apt-get)
set -euo pipefail

PG_BINDIR_GLOB=${ZT_PG_BINDIR_GLOB:-/usr/lib/postgresql/*/bin/initdb}
CHROMIUM=${ZT_CHROMIUM:-/usr/bin/chromium}
CJK_FONT_GLOB=${ZT_CJK_FONT_GLOB:-/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc}
WRK=${ZT_WRK:-/usr/bin/wrk}
NGINX=${ZT_NGINX:-/usr/sbin/nginx}
APT_GET=${ZT_APT_GET:-apt-get}

# name | what needs it | Debian packages
NEEDS=(
  "postgresql|the catalog tests run on a real PostgreSQL server|postgresql"
  "chromium|the portal tests drive a headless browser|chromium"
  "fonts-noto-cjk|the browser renders Chinese pages with CJK glyphs|fonts-noto-cjk"
  "wrk|the exchange's HTTP benchmarks load the API with it|wrk"
  "nginx|the mTLS proxy test runs infra/compose's nginx configuration (never as a service)|nginx"
)

present() {
  case "$1" in
    postgresql) compgen -G "$PG_BINDIR_GLOB" >/dev/null ;;
    chromium) [ -x "$CHROMIUM" ] ;;
    fonts-noto-cjk) compgen -G "$CJK_FONT_GLOB" >/dev/null ;;
    wrk) [ -x "$WRK" ] ;;
    nginx) [ -x "$NGINX" ] ;;
    *) echo "system-deps: no probe for '$1'" >&2; return 2 ;;
  esac
}

missing_names=()
missing_packages=()
for need in "${NEEDS[@]}"; do
  IFS='|' read -r name why packages <<<"$need"
  if ! present "$name"; then
    missing_names+=("$name")
    missing_packages+=($packages)
    echo "system-deps: missing $name ($why)"
  fi
done

if [ ${#missing_names[@]} -eq 0 ]; then
  echo "system-deps: all present (postgresql, chromium, fonts-noto-cjk, wrk, nginx)"
  exit 0
fi

install_command="apt-get update && apt-get install -y ${missing_packages[*]}"
cannot_install() {
  echo "system-deps: cannot install ${missing_packages[*]}: $1" >&2
  echo "system-deps: run as root:  $install_command" >&2
  exit 1
}

if [ "${1:-}" = "--check" ]; then
  cannot_install "--check was given"
fi
if ! command -v "$APT_GET" >/dev/null 2>&1; then
  cannot_install "'$APT_GET' is not on PATH (this script knows Debian's packages only)"
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  cannot_install "not root, and sudo needs a password"
fi

echo "system-deps: installing ${missing_packages[*]} with $APT_GET"
if ! "${sudo[@]}" "$APT_GET" update -qq; then
  cannot_install "'$APT_GET update' failed (no package source reachable?)"
fi
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -qq \
    "${missing_packages[@]}" >/dev/null; then
  cannot_install "'$APT_GET install' failed"
fi

still_missing=()
for name in "${missing_names[@]}"; do
  present "$name" || still_missing+=("$name")
done
if [ ${#still_missing[@]} -ne 0 ]; then
  cannot_install "installed, but still not found: ${still_missing[*]}"
fi
echo "system-deps: installed ${missing_packages[*]}"
