#!/usr/bin/env bash
# Install the Debian packages crm-kg needs, when they are missing and we can.
# Called by `make setup`; safe to run again (does nothing when all is present).
set -euo pipefail

need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)   # HermiT via owlready2
# npm ci: the front-end libraries served locally (YASGUI, Swagger UI, Leaflet) and Comunica for the tests
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
# the real-browser test (tests/test_browser.py): headless Chromium driven by Selenium
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v fc-list >/dev/null 2>&1 && fc-list | grep -q . || need+=(fonts-dejavu-core)
# crm-kg serve and the deployment: nginx in front of gunicorn (reads whole requests, drops slow clients)
{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 || need+=(nginx-light)
# the remote-store tests (tests/test_remote_store.py) start a Virtuoso of their own
{ command -v virtuoso-t && command -v isql-vt; } >/dev/null 2>&1 || need+=(virtuoso-opensource-7-bin)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: missing ${need[*]}; install them with your package manager" >&2
  exit 0
fi
echo "setup-system: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
