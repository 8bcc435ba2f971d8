#!/usr/bin/env bash
# fetch.sh CACHE_DIR: fetch Debezium Server (pom.xml beside this script) into
# CACHE_DIR/m2 and unpack it to CACHE_DIR/debezium/debezium-server-<version>.
# Prints the unpacked directory. Idempotent: an unpacked copy is reused.
# Used by `make bench` (integration/bench) as a measuring stick only.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${1:?usage: fetch.sh CACHE_DIR}
version=$(sed -n 's:.*<debezium.version>\(.*\)</debezium.version>.*:\1:p' "$here/pom.xml")
dest=$cache/debezium/debezium-server-$version
if [[ -f $dest/debezium-server/run.sh ]]; then
	echo "$dest/debezium-server"
	exit 0
fi
command -v mvn >/dev/null || { echo "fetch.sh: mvn is not installed (integration/env/up installs it)" >&2; exit 1; }
mkdir -p "$cache/debezium"
tmp=$(mktemp -d "$cache/debezium/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if ! mvn -B -q -f "$here/pom.xml" -Dmaven.repo.local="$cache/m2" \
	dependency:copy-dependencies -DoutputDirectory="$tmp/dl" >"$tmp/mvn.log" 2>&1; then
	grep -m3 ERROR "$tmp/mvn.log" >&2 || tail -5 "$tmp/mvn.log" >&2
	exit 1
fi
mkdir -p "$tmp/x"
tar -xzf "$tmp/dl/debezium-server-dist-$version.tar.gz" -C "$tmp/x"
[[ -f $tmp/x/debezium-server/run.sh ]] || { echo "fetch.sh: no debezium-server/run.sh in the archive" >&2; exit 1; }
rm -rf "$dest"
mv "$tmp/x" "$dest"
echo "$dest/debezium-server"
