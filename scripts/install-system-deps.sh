#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need, and nothing when they are
# all present already (idempotent; safe to run on every test run).
#   chromium      e2e tests (Playwright drives Debian's browser; nothing is downloaded)
#   python3-pykmip a real KMIP server for the kmip driver and KMIP client tests
#   softhsm2, opensc   a real PKCS#11 token (and pkcs11-tool) for the pkcs11 driver
#   openssl, gnutls-bin independent validators of every certificate, CRL and OCSP answer
#   age, sqlite3  open sealed keys and inspect the database from outside the app
#   golang-cfssl, wrk   the peer CA server and load generator of the benchmarks
#   rsyslog       a real syslog receiver for the audit sink tests
#   strace        proves from system calls that the WAL is synced before an answer leaves
set -euo pipefail

PACKAGES=(chromium python3-pykmip softhsm2 opensc openssl gnutls-bin age sqlite3 golang-cfssl wrk rsyslog strace)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${PACKAGES[*]})"
  exit 0
fi

echo "system packages: installing ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "error: these Debian packages are missing and this user cannot install them: ${missing[*]}" >&2
    echo "       run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: installed ${missing[*]}"
