#!/usr/bin/env bash
# Builds dist/personaworlds_<version>_amd64.deb from this checkout and checks it with lintian.
#
#   scripts/build-deb.sh
#
# Steps: release build (Swift stdlib linked statically, scratch path .build-release so the
# debug build in .build is never touched), strip, stage the file tree, compute Depends from
# the libraries the binary really links (dpkg-shlibdeps, falling back to objdump + dpkg -S),
# write DEBIAN/{control,conffiles,md5sums,maintainer scripts}, dpkg-deb --root-owner-group,
# then lintian; exits non-zero if the build fails or lintian reports any error (E:).
#
# Environment:
#   DEB_REVISION   optional Debian revision: version becomes X.Y.Z-<rev> and the changelog is
#                  installed as changelog.Debian.gz (non-native); default: native X.Y.Z with
#                  changelog.gz, as lintian expects for a native package.
#   DIST_DIR       output directory (default: dist)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

PKG=personaworlds
ARCH=amd64
SCRATCH=.build-release
DIST_DIR=${DIST_DIR:-dist}
PKGDIR=packaging
MAINTAINER=$(sed -n 's/^Maintainer: //p' "$PKGDIR/debian/control.in")

log() { printf '==> %s\n' "$*"; }
die() { printf 'build-deb: error: %s\n' "$*" >&2; exit 1; }

for tool in swift dpkg-deb dpkg-shlibdeps objdump strip gzip md5sum lintian; do
    command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
[ "$(dpkg --print-architecture)" = "$ARCH" ] || die "this script builds $ARCH packages only"

# Reproducible timestamps: the last commit's date (or now outside git).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

# ---------------------------------------------------------------- build
log "swift build -c release (static Swift stdlib, scratch path $SCRATCH)"
# BIND_NOW + RELRO: full hardening of the (few) dynamic symbol relocations.
SWIFT_FLAGS=(-c release --product "$PKG" --static-swift-stdlib --scratch-path "$SCRATCH"
             -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now)
swift build "${SWIFT_FLAGS[@]}"
BIN_DIR=$(swift build "${SWIFT_FLAGS[@]}" --show-bin-path)
BIN="$BIN_DIR/$PKG"
[ -x "$BIN" ] || die "release binary not found at $BIN"

VERSION_LINE=$("$BIN" version)
APP_VERSION=${VERSION_LINE#"$PKG "}
[[ "$VERSION_LINE" == "$PKG "* && "$APP_VERSION" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] \
    || die "unexpected '$PKG version' output: '$VERSION_LINE'"
if [ -n "${DEB_REVISION:-}" ]; then
    VERSION="$APP_VERSION-$DEB_REVISION"
    CHANGELOG_NAME=changelog.Debian.gz
else
    VERSION="$APP_VERSION"
    CHANGELOG_NAME=changelog.gz
fi
log "version $VERSION"

# ---------------------------------------------------------------- stage
STAGE="$SCRATCH/deb/${PKG}_${VERSION}_${ARCH}"
rm -rf "$SCRATCH/deb"
mkdir -p "$STAGE/DEBIAN"
DOC="$STAGE/usr/share/doc/$PKG"

install -D -m 0755 "$BIN" "$STAGE/usr/bin/$PKG"
# What dh_strip does for an executable: drop symbols and the .comment section.
strip --remove-section=.comment --strip-unneeded "$STAGE/usr/bin/$PKG"
[ "$("$STAGE/usr/bin/$PKG" version)" = "$VERSION_LINE" ] || die "stripped binary does not run"

install -D -m 0644 "$PKGDIR/$PKG.service" "$STAGE/lib/systemd/system/$PKG.service"
install -D -m 0644 "$PKGDIR/$PKG.env" "$STAGE/etc/$PKG/$PKG.env"
install -d -m 0755 "$DOC"
if [ -f config/personaworlds.env.example ]; then
    install -m 0644 config/personaworlds.env.example "$DOC/personaworlds.env.example"
else
    log "config/personaworlds.env.example not found: not shipped"
fi
install -D -m 0644 "$PKGDIR/$PKG.1" "$STAGE/usr/share/man/man1/$PKG.1"
gzip -9n "$STAGE/usr/share/man/man1/$PKG.1"
if [ -f "$PKGDIR/lintian-overrides" ]; then
    install -D -m 0644 "$PKGDIR/lintian-overrides" "$STAGE/usr/share/lintian/overrides/$PKG"
fi

# changelog
CHANGE_DATE=$(date -R -u -d "@$SOURCE_DATE_EPOCH")
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    printf '%s (%s) unstable; urgency=medium\n\n' "$PKG" "$VERSION"
    printf '  * Release %s, built from commit %s.\n\n' "$APP_VERSION" "$COMMIT"
    printf ' -- %s  %s\n' "$MAINTAINER" "$CHANGE_DATE"
} > "$DOC/${CHANGELOG_NAME%.gz}"
gzip -9n "$DOC/${CHANGELOG_NAME%.gz}"

# copyright: the project, the Swift runtime and every Swift package linked statically.
write_copyright() {
    local dir name ver lic f
    cat "$PKGDIR/debian/copyright.in"
    echo
    echo "Swift runtime, Foundation and libdispatch (linked statically):"
    echo "  Copyright: Apple Inc. and the Swift project authors"
    echo "  License: Apache-2.0 with Runtime Library Exception"
    echo "  (see /usr/share/common-licenses/Apache-2.0 and https://swift.org/LICENSE.txt)"
    echo "  Foundation embeds ICU (swift-foundation-icu): Copyright Unicode, Inc. and"
    echo "  others, Unicode License v3 (https://www.unicode.org/license.txt)."
    echo
    echo "Swift packages linked statically into /usr/bin/$PKG"
    echo "(full text of the Apache License 2.0: /usr/share/common-licenses/Apache-2.0):"
    for dir in "$SCRATCH"/checkouts/*/; do
        dir=${dir%/}
        name=$(basename "$dir")
        ver=$(git -C "$dir" describe --tags --always 2>/dev/null || echo unknown)
        f=$(find "$dir" -maxdepth 1 -type f \( -iname 'LICENSE*' -o -iname 'COPYING*' \) | sort | head -n 1)
        if [ -z "$f" ]; then
            lic="see upstream"
        elif grep -q 'Apache License' "$f" && grep -q 'Version 2.0' "$f"; then
            lic="Apache-2.0"
            grep -q 'Runtime Library Exception' "$f" && lic="Apache-2.0 with Runtime Library Exception"
        elif grep -q 'Permission is hereby granted' "$f"; then
            lic="MIT"
        else
            lic="other (text below)"
        fi
        echo
        echo "Package: $name $ver"
        echo "  License: $lic"
        if [ -n "$f" ] && [[ "$lic" != Apache-2.0* ]]; then
            sed 's/^/  | /' "$f"
        fi
        # Apache-2.0 section 4(d): NOTICE files travel with the binary; also vendored
        # C code's own licenses.
        while IFS= read -r extra; do
            echo "  ${extra#"$dir"/}:"
            sed 's/^/  | /' "$extra"
        done < <(find "$dir" -maxdepth 1 -type f \( -iname 'NOTICE*' \) | sort
                 find "$dir/Sources" -type f \( -iname 'LICENSE*' -o -iname 'COPYING*' \) 2>/dev/null | sort)
    done
}
write_copyright > "$DOC/copyright"
chmod 0644 "$DOC/copyright"

# ---------------------------------------------------------------- Depends
# dpkg-shlibdeps needs a debian/control to run in; give it a minimal one.
compute_depends() {
    local tmp out
    tmp=$(mktemp -d)
    mkdir -p "$tmp/debian"
    printf 'Source: %s\nMaintainer: %s\n\nPackage: %s\nArchitecture: %s\n' \
        "$PKG" "$MAINTAINER" "$PKG" "$ARCH" > "$tmp/debian/control"
    if out=$(cd "$tmp" && dpkg-shlibdeps -O -e"$ROOT/$STAGE/usr/bin/$PKG" 2>"$tmp/err"); then
        rm -rf "$tmp"
        out=${out#shlibs:Depends=}
        printf '%s\n' "$out" | tr ',' '\n' | sed 's/^ *//; s/ *$//' | sed '/^$/d'
        return
    fi
    log "dpkg-shlibdeps failed ($(head -n 1 "$tmp/err")); falling back to objdump + dpkg -S" >&2
    rm -rf "$tmp"
    local lib path
    for lib in $(objdump -p "$STAGE/usr/bin/$PKG" | awk '$1 == "NEEDED" { print $2 }'); do
        path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')
        [ -n "$path" ] || die "cannot locate $lib"
        dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1 \
            || dpkg -S "$path" | head -n 1 | cut -d: -f1
    done | sort -u
}
mapfile -t DEPS < <(compute_depends)
[ "${#DEPS[@]}" -gt 0 ] || die "no shared library dependencies found"
# Card rendering needs a font whenever FreeType is linked.
if printf '%s\n' "${DEPS[@]}" | grep -q '^libfreetype6\b'; then
    DEPS+=("fonts-dejavu-core")
fi
# postinst creates the system user with adduser.
DEPS+=("adduser")
DEPENDS=$(printf '%s\n' "${DEPS[@]}" | sort -u | paste -sd, - | sed 's/,/, /g')
log "Depends: $DEPENDS"
printf '%s\n' "${DEPS[@]}" | grep -q '^libc6\b' || die "Depends lacks libc6"

# ---------------------------------------------------------------- DEBIAN/
for script in postinst prerm postrm; do
    install -m 0755 "$PKGDIR/debian/$script" "$STAGE/DEBIAN/$script"
done
install -m 0644 "$PKGDIR/debian/conffiles" "$STAGE/DEBIAN/conffiles"

find "$STAGE" -path "$STAGE/DEBIAN" -prune -o -type d -exec chmod 0755 {} +
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" \
    -e "s/@DEPENDS@/$DEPENDS/" \
    -e "s/@INSTALLED_SIZE@/$INSTALLED_SIZE/" \
    "$PKGDIR/debian/control.in" > "$STAGE/DEBIAN/control"
chmod 0644 "$STAGE/DEBIAN/control"
grep -q '@[A-Z_]*@' "$STAGE/DEBIAN/control" && die "unfilled placeholder in DEBIAN/control"

# Like dh_md5sums: conffiles are left out (dpkg tracks their hashes itself).
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '/%P\n' | LC_ALL=C sort \
    | grep -vxF -f DEBIAN/conffiles | sed 's|^/||' | tr '\n' '\0' | xargs -0 md5sum) \
    > "$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/md5sums"
find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# ---------------------------------------------------------------- build .deb
mkdir -p "$DIST_DIR"
DEB="$DIST_DIR/${PKG}_${VERSION}_${ARCH}.deb"
rm -f "$DIST_DIR/${PKG}"_*_"${ARCH}".deb
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
log "built $DEB ($(du -h "$DEB" | cut -f1))"
dpkg-deb --info "$DEB" | sed -n '/Package:/,$p'

# ---------------------------------------------------------------- lintian
log "lintian $DEB"
LINTIAN_OUT=$(lintian --display-info --pedantic "$DEB" 2>&1) || true
printf '%s\n' "$LINTIAN_OUT"
ERRORS=$(printf '%s\n' "$LINTIAN_OUT" | grep -c '^E:' || true)
WARNINGS=$(printf '%s\n' "$LINTIAN_OUT" | grep -c '^W:' || true)
log "lintian: $ERRORS error(s), $WARNINGS warning(s)"
[ "$ERRORS" -eq 0 ] || die "lintian reported errors"
log "OK: $DEB"
