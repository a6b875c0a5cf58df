#!/usr/bin/env bash
# The HTML run-report test (test/e2e/report.test.ts) renders the page in headless Chromium; no other
# test needs it. Runs before `npm test` (the "pretest" script): finds Chromium, or installs Debian's
# package when it can (root and apt-get). It finds the same browser as test/helpers/chromium.ts:
# $TRIGGERVAULT_CHROMIUM, else `chromium` or `chromium-browser` on the PATH.
#
# When Chromium is missing and cannot be installed here (not root, no apt-get, no network), it says
# so and how to fix it, and exits 1; with --warn-only (as pretest runs it) it exits 0 instead, so
# every other test still runs and the report test fails with the same message.
set -uo pipefail

warn_only=false
[ "${1:-}" = "--warn-only" ] && warn_only=true

found() {
  if [ -n "${TRIGGERVAULT_CHROMIUM:-}" ]; then
    [ -x "$TRIGGERVAULT_CHROMIUM" ]
    return
  fi
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

give_up() {
  echo "ensure-chromium: $1" >&2
  echo "ensure-chromium: test/e2e/report.test.ts will fail until Chromium is installed" \
    "('apt-get install -y chromium' as root) or TRIGGERVAULT_CHROMIUM names a Chromium binary." >&2
  if $warn_only; then exit 0; fi
  exit 1
}

found && exit 0
if [ -n "${TRIGGERVAULT_CHROMIUM:-}" ]; then
  give_up "TRIGGERVAULT_CHROMIUM=$TRIGGERVAULT_CHROMIUM is not an executable file"
fi
[ "$(id -u)" = "0" ] || give_up "Chromium is missing and this user is not root, so it cannot be installed here"
command -v apt-get >/dev/null 2>&1 || give_up "Chromium is missing and there is no apt-get to install it with"

echo "ensure-chromium: installing Debian's chromium for the HTML report test (once; about a minute)..." >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! {
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
} >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  give_up "apt-get could not install chromium (output above)"
fi
found || give_up "apt-get installed chromium, but it is not on the PATH"
echo "ensure-chromium: $(command -v chromium || command -v chromium-browser)" >&2
