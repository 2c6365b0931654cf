#!/bin/sh
# Regenerates the vendored Redoc bundle embedded by package refdocs (no make,
# no node_modules): downloads the pinned npm tarball with `npm pack`, checks
# its integrity against the pinned hash and copies the standalone bundle and
# its licence into assets/. Run from anywhere: `go generate ./refdocs` or
# `sh refdocs/vendor.sh`. To upgrade, change VERSION and INTEGRITY together
# (INTEGRITY is `npm view redoc@<version> dist.integrity`).
set -eu
VERSION=3.0.1
INTEGRITY=sha512-KDfoKaYW19LCl4YStgBnwlaNjYEFfs5zCNt1s1WZ2YM5u8d26Yuzd2l43fZO851ZsgIMe/D640fDJkD8eaRQKQ==

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "redoc@$VERSION" >/dev/null)
tgz="$tmp/redoc-$VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | openssl base64 -A)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "redoc@$VERSION integrity mismatch: got $got, want $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp" package/bundles/redoc.standalone.js package/LICENSE
cp "$tmp/package/bundles/redoc.standalone.js" "$here/assets/redoc.standalone.js"
cp "$tmp/package/LICENSE" "$here/assets/LICENSE.redoc"
printf 'redoc %s %s\n' "$VERSION" "$INTEGRITY" >"$here/assets/VERSION"
echo "vendored redoc@$VERSION into $here/assets"
