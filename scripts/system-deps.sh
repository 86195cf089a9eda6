#!/usr/bin/env bash
# Install the Debian packages the test suite needs, but only those that are missing.
# Idempotent: when everything is present it only runs a few `test`/`command -v` checks and
# prints nothing.
set -euo pipefail

have_postgresql() {
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
        && compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null
}
have_dovecot() { command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot; }
have_sshd() { command -v sshd >/dev/null 2>&1 || test -x /usr/sbin/sshd; }
have_keepassxc() { command -v keepassxc-cli >/dev/null 2>&1; }
have_tmux() { command -v tmux >/dev/null 2>&1; }
have_pdftotext() { command -v pdftotext >/dev/null 2>&1; }
have_slapd() { command -v slapd >/dev/null 2>&1 || test -x /usr/sbin/slapd; }
have_ldapsearch() { command -v ldapsearch >/dev/null 2>&1; }
have_mariadb() { command -v mariadbd >/dev/null 2>&1 || test -x /usr/sbin/mariadbd; }
have_sudo() { command -v sudo >/dev/null 2>&1; }

# package name -> check function
checks=(
    "postgresql:have_postgresql"
    "dovecot-imapd:have_dovecot"
    "openssh-server:have_sshd"
    "keepassxc:have_keepassxc"
    "tmux:have_tmux"
    "poppler-utils:have_pdftotext"
    "slapd:have_slapd"
    "ldap-utils:have_ldapsearch"
    "mariadb-server:have_mariadb"
    "sudo:have_sudo"
)

missing=()
for entry in "${checks[@]}"; do
    pkg="${entry%%:*}"
    check="${entry#*:}"
    if ! "$check"; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "system-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: apt-get not found; install these by hand: ${missing[*]}" >&2
    exit 1
fi

# Keep the packages' maintainer scripts from starting (or failing to start) system
# services: without systemd, invoke-rc.d consults policy-rc.d, and exit 101 means
# "action forbidden". Only remove the file if we were the ones who created it.
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
    if [ "$created_policy" -eq 1 ]; then
        "${as_root[@]}" rm -f "$policy"
    fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 0755 "$policy"
    created_policy=1
fi

"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"

status=0
for entry in "${checks[@]}"; do
    pkg="${entry%%:*}"
    check="${entry#*:}"
    for m in "${missing[@]}"; do
        if [ "$m" = "$pkg" ]; then
            if "$check"; then
                echo "installed $pkg"
            else
                echo "FAILED    $pkg (installed, but its binary was not found)" >&2
                status=1
            fi
        fi
    done
done
exit "$status"
