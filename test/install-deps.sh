#!/usr/bin/env bash
# Part of `npm test` (test/run-all.mjs runs it first): installs the Debian packages the tests need when they are
# missing — Chromium, Firefox ESR, WebKitGTK's WebDriver and Xvfb for the browser suites, PostgreSQL for
# @offline-kit/server's adapter tests. Nothing is installed when all are there. Installing needs root (or sudo
# without a password) and apt; without them it says what to install and the test command goes on: the tests that
# need a missing program then fail with a one-line reason, never a skip.
set -uo pipefail

missing=()
if [ -z "${CHROME_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi
if [ -z "${FIREFOX_PATH:-}" ] && ! command -v firefox-esr >/dev/null 2>&1 && ! command -v firefox >/dev/null 2>&1; then
  missing+=(firefox-esr)
fi
if [ -z "${WEBKIT_WEBDRIVER_PATH:-}" ] && ! command -v WebKitWebDriver >/dev/null 2>&1; then
  missing+=(webkit2gtk-driver)
fi
if ! command -v Xvfb >/dev/null 2>&1; then
  missing+=(xvfb)
fi
# server/test/pg-cluster.ts starts its own throwaway cluster with initdb and postgres from this package.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing ${missing[*]}; no apt-get here: install them with your package manager" >&2
  exit 0
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    echo "install-deps: missing ${missing[*]}: run 'sudo apt-get install ${missing[*]}'" >&2
    exit 0
  fi
fi
echo "install-deps: installing Debian packages for the tests: ${missing[*]}..."
export DEBIAN_FRONTEND=noninteractive
# `${as_root[@]+…}`: an empty array is "unbound" to `set -u` in older bash.
if ${as_root[@]+"${as_root[@]}"} apt-get update -qq &&
  ${as_root[@]+"${as_root[@]}"} apt-get install -y -qq "${missing[@]}" >/dev/null; then
  echo "install-deps: installed ${missing[*]}"
else
  echo "install-deps: installing ${missing[*]} failed; the tests that need them will say so" >&2
fi
exit 0
