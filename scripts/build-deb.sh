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
#   DEB_VERSION    optional full package version, used instead of the one derived from
#                  `personaworlds version` (and DEB_REVISION); a '-' in it makes the package
#                  non-native. scripts/test-deb-upgrade.sh uses it to package the same binary as
#                  an older "<version>~prev1".
#   DIST_DIR       output directory (default: dist); only ${PKG}_*_amd64.deb files in it are
#                  replaced.
#   PERSONAWORLDS_BIN
#                  package this already built binary instead of running the release build
#                  (the copyright file still lists the SwiftPM checkouts of $SCRATCH).
#   DEB_COMPRESSION
#                  dpkg-deb -Z compressor (default xz; none or gzip for throw-away test packages:
#                  xz takes a minute or two on the ~160 MB binary).
#   LINTIAN        0 skips lintian (for throw-away test packages); default 1.
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

LINTIAN=${LINTIAN:-1}
tools=(dpkg-deb dpkg-shlibdeps objdump strip gzip md5sum perl)
[ -n "${PERSONAWORLDS_BIN:-}" ] || tools+=(swift)
[ "$LINTIAN" = 0 ] || tools+=(lintian)
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
[ "$(dpkg --print-architecture)" = "$ARCH" ] || die "this script builds $ARCH packages only"

# Reproducible timestamps: the last commit's date (or now outside git).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

# ---------------------------------------------------------------- build
if [ -n "${PERSONAWORLDS_BIN:-}" ]; then
    BIN=$PERSONAWORLDS_BIN
    [ -x "$BIN" ] || die "PERSONAWORLDS_BIN=$BIN is not an executable"
    log "packaging $BIN (PERSONAWORLDS_BIN set: no build)"
else
    log "swift build -c release (static Swift stdlib, scratch path $SCRATCH)"
    # BIND_NOW + RELRO: full hardening of the (few) dynamic symbol relocations.
    SWIFT_FLAGS=(-c release --product "$PKG" --static-swift-stdlib --scratch-path "$SCRATCH"
                 -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now)
    swift build "${SWIFT_FLAGS[@]}"
    BIN_DIR=$(swift build "${SWIFT_FLAGS[@]}" --show-bin-path)
    BIN="$BIN_DIR/$PKG"
    [ -x "$BIN" ] || die "release binary not found at $BIN"
fi

VERSION_LINE=$("$BIN" version)
APP_VERSION=${VERSION_LINE#"$PKG "}
[[ "$VERSION_LINE" == "$PKG "* && "$APP_VERSION" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] \
    || die "unexpected '$PKG version' output: '$VERSION_LINE'"
if [ -n "${DEB_VERSION:-}" ]; then
    [[ "$DEB_VERSION" =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || die "DEB_VERSION '$DEB_VERSION' is not a Debian version"
    VERSION=$DEB_VERSION
elif [ -n "${DEB_REVISION:-}" ]; then
    VERSION="$APP_VERSION-$DEB_REVISION"
else
    VERSION="$APP_VERSION"
fi
case "$VERSION" in
    *-*) CHANGELOG_NAME=changelog.Debian.gz ;;  # non-native: X.Y.Z-<revision>
    *)   CHANGELOG_NAME=changelog.gz ;;
esac
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
# Monitoring: Prometheus alert and recording rules and a Grafana dashboard (their unit tests stay in the
# source tree).
install -D -m 0644 "$PKGDIR/monitoring/$PKG-alerts.yml" "$STAGE/usr/share/$PKG/monitoring/$PKG-alerts.yml"
install -D -m 0644 "$PKGDIR/monitoring/$PKG-dashboard.json" "$STAGE/usr/share/$PKG/monitoring/$PKG-dashboard.json"
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

# copyright: machine-readable (DEP-5, copyright-format 1.0). packaging/debian/copyright.in has the
# header, the project's own paragraph (MIT, as in LICENSE), the Swift toolchain's and the stand-alone
# License paragraphs; its @SWIFT_PACKAGES@ line becomes one Files paragraph per Swift package linked
# statically (from the SwiftPM checkouts), plus one per license file vendored in a package's Sources.

# Field text (Comment, inline License text): one leading space, blank lines as " .", tabs expanded.
field_text() {
    expand | sed -e 's/[[:space:]]*$//' -e 's/^\./ ./' -e 's/^$/./' -e 's/^/ /'
}

# The DEP-5 short name for a license file, or nothing if it is neither Apache-2.0 nor MIT.
license_name() {
    local text
    text=$(tr -s '[:space:]' ' ' <"$1")  # line breaks differ between copies of a license
    case "$text" in
        *'Apache License'*'Version 2.0'*'Runtime Library Exception'*)
            echo "Apache-2.0 with Runtime-Library exception" ;;
        *'Apache License'*'Version 2.0'*)
            echo "Apache-2.0" ;;
        *'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction'*)
            echo "MIT" ;;
    esac
}

# "Copyright (c) 2017-2021 Apple Inc. and X" lines (comment leaders stripped) on stdin -> up to three
# holders, most frequent first, each with the span of its years: "2017-2021 Apple Inc. and X".
copyright_holders() {
    grep -E '^[[:space:]/#*]*(Copyright|©)' \
        | sed -E -e 's/^[[:space:]/#*]*//' -e 's/^Copyright[[:space:]]*:?[[:space:]]*//' \
                 -e 's/^(\([cC]\)|©)[[:space:]]*//' -e 's/[[:space:]]*(\*\/)?[[:space:]]*$//' \
        | awk '
            /^[[:space:]]*$/ || /^\[yyyy\]/ || /name of copyright owner/ || /YEARS/ { next }
            {
                line = $0; years = ""
                while (match(line, /^[0-9][0-9][0-9][0-9]([[:space:]]*[-,][[:space:]]*)?/)) {
                    years = years " " substr(line, 1, 4); line = substr(line, RLENGTH + 1)
                }
                sub(/^[[:space:],]+/, "", line); sub(/^[Bb]y[[:space:]]+/, "", line)
                gsub(/[[:space:]]+/, " ", line)
                if (line !~ /^[[:alnum:]]/) next
                n[line]++
                split(years, ys, " ")
                for (i in ys) {
                    y = ys[i] + 0
                    if (!(line in lo) || y < lo[line]) lo[line] = y
                    if (!(line in hi) || y > hi[line]) hi[line] = y
                }
            }
            END {
                for (h in n) {
                    span = ""
                    if (h in lo) span = (lo[h] == hi[h] ? lo[h] : lo[h] "-" hi[h]) " "
                    printf "%d\t%s%s\n", n[h], span, h
                }
            }' \
        | sort -t "$(printf '\t')" -k1,1nr -k2 | head -n 3 | cut -f2
}

# The upstream URL of a checkout, from Package.resolved (the checkout's own remote is SwiftPM's cache).
package_url() {
    grep -o '"location"[[:space:]]*:[[:space:]]*"[^"]*"' Package.resolved 2>/dev/null \
        | sed 's/.*"\([^"]*\)"$/\1/' | grep -i "/$1\(\.git\)\{0,1\}$" | head -n 1 || true
}

# One Files paragraph:
#   files_paragraph PATTERN SOURCE-DIR LICENSE-FILE NAME VERSION URL [NOTICE-FILE...]
# Copyright holders come from the license and notice files and the headers of SOURCE-DIR's sources.
files_paragraph() {
    local pattern=$1 srcdir=$2 licfile=$3 name=$4 ver=$5 url=$6 lic holders n
    shift 6
    lic=$(license_name "$licfile")
    holders=$( { cat "$licfile" "$@"
                 if [ -d "$srcdir" ]; then
                     find "$srcdir" -type f \( -name '*.swift' -o -name '*.c' -o -name '*.h' \) -print0 \
                         | LC_ALL=C sort -z | xargs -0 -r -n 200 head -q -n 15
                 fi
               } | copyright_holders ) || true
    [ -n "$holders" ] || holders="the $name authors"
    printf 'Files: %s\n' "$pattern"
    printf 'Copyright: %s\n' "$(printf '%s\n' "$holders" | head -n 1)"
    printf '%s\n' "$holders" | tail -n +2 | sed 's/^/ /'
    if [ -n "$lic" ]; then
        printf 'License: %s\n' "$lic"
    else
        # Neither Apache-2.0 nor MIT: the full text goes inline, under the package's own name.
        printf 'License: %s-license\n' "$name"
        field_text <"$licfile"
    fi
    printf 'Comment: %s %s%s.\n' "$name" "$ver" "${url:+ ($url)}"
    for n in "$@"; do
        printf ' .\n %s:\n' "$(basename "$n")"
        field_text <"$n"
    done
}

swift_packages() {
    local dir name ver url f extra sub first=1
    shopt -s nullglob
    for dir in "$SCRATCH"/checkouts/*/; do
        dir=${dir%/}
        name=$(basename "$dir")
        ver=$(git -C "$dir" describe --tags --always 2>/dev/null || echo unknown)
        url=$(package_url "$name")
        f=$(find "$dir" -maxdepth 1 -type f \( -iname 'LICENSE*' -o -iname 'COPYING*' \) | LC_ALL=C sort | head -n 1)
        [ -n "$f" ] || die "Swift package $name has no LICENSE/COPYING file: cannot ship it"
        [ "$first" = 1 ] || echo
        first=0
        # Apache-2.0 section 4(d): NOTICE files travel with the binary (in the Comment).
        mapfile -t notices < <(find "$dir" -maxdepth 1 -type f -iname 'NOTICE*' | LC_ALL=C sort)
        files_paragraph "$dir/*" "$dir" "$f" "$name" "$ver" "$url" "${notices[@]}"
        # Vendored code with its own license file inside Sources/ (e.g. llhttp in swift-nio).
        while IFS= read -r extra; do
            sub=$(dirname "$extra")
            echo
            files_paragraph "$sub/*" "$sub" "$extra" "$name/${sub#"$dir"/}" "(in $name $ver)" ""
        done < <(find "$dir/Sources" -type f \( -iname 'LICENSE*' -o -iname 'COPYING*' \) 2>/dev/null | LC_ALL=C sort)
    done
    shopt -u nullglob
    [ "$first" = 0 ] || die "no SwiftPM checkouts in $SCRATCH/checkouts: cannot list the linked packages"
}

write_copyright() {
    local tmpl="$PKGDIR/debian/copyright.in" packages
    grep -qx '@SWIFT_PACKAGES@' "$tmpl" || die "$tmpl lacks its @SWIFT_PACKAGES@ line"
    packages=$(swift_packages)
    while IFS= read -r line || [ -n "$line" ]; do
        if [ "$line" = '@SWIFT_PACKAGES@' ]; then printf '%s\n' "$packages"; else printf '%s\n' "$line"; fi
    done <"$tmpl"
}

# The stand-alone MIT paragraph of copyright.in must carry LICENSE's text, word for word.
check_license_text() {
    local want have
    want=$(sed -n '/^Permission is hereby granted/,$p' LICENSE)
    have=$(awk 'BEGIN { RS = "" } /^License: MIT\n / { print; exit }' "$PKGDIR/debian/copyright.in" \
        | tail -n +2 | sed -e 's/^ //' -e 's/^\.$//')
    [ -n "$want" ] || die "LICENSE has no MIT permission text"
    [ "$want" = "$have" ] || die "the MIT text in $PKGDIR/debian/copyright.in differs from LICENSE"
}

# lintian parses a binary package's copyright only loosely; check the DEP-5 structure here (with
# lintian's own deb822 parser): header first, every Files paragraph with Copyright and License, every
# license name it uses defined once, in a stand-alone paragraph or inline.
check_copyright() {
    perl -I/usr/share/lintian/lib -MLintian::Deb822 -e '
        use strict; use warnings;
        my $file = shift;
        my @p = eval { Lintian::Deb822->new->read_file($file) };
        die "$file: not deb822: $@" if $@;
        my @err;
        push @err, "first paragraph lacks Format" unless @p && $p[0]->declares("Format");
        my (%standalone, %used);
        for my $s (@p[1 .. $#p]) {
            my $where = $s->declares("Files") ? "Files: " . $s->value("Files") : "paragraph at line " . $s->position;
            if (!$s->declares("License")) { push @err, "$where: no License"; next; }
            my ($name, $text) = split /\n/, $s->untrimmed_value("License"), 2;
            $name =~ s/^\s+|\s+$//g; $text //= ""; $text =~ s/^\s+|\s+$//g;
            push @err, "$where: tab in License" if $s->untrimmed_value("License") =~ /\t/;
            if ($s->declares("Files")) {
                push @err, "$where: no Copyright" unless length $s->value("Copyright");
                $used{$name} = $where unless length $text;
            } else {
                push @err, "stand-alone License $name has no text" unless length $text;
                push @err, "License $name defined twice" if $standalone{$name}++;
            }
        }
        for my $name (sort keys %used) {
            for my $part (split /\s+(?:and|or)\s+/, $name) {
                push @err, "$used{$name}: license $part has no stand-alone paragraph" unless $standalone{$part};
            }
        }
        if (@err) { print STDERR "$file: $_\n" for @err; exit 1; }
    ' "$1" || die "$1 is not a valid machine-readable copyright file"
}

check_license_text
write_copyright > "$DOC/copyright"
chmod 0644 "$DOC/copyright"
check_copyright "$DOC/copyright"

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
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$STAGE" "$DEB" >/dev/null
log "built $DEB ($(du -h "$DEB" | cut -f1))"
dpkg-deb --info "$DEB" | sed -n '/Package:/,$p'

# ---------------------------------------------------------------- lintian
if [ "$LINTIAN" = 0 ]; then
    log "LINTIAN=0: lintian skipped"
    log "OK: $DEB"
    exit 0
fi
log "lintian $DEB"
LINTIAN_OUT=$(lintian --display-info --pedantic "$DEB" 2>&1) || true
printf '%s\n' "$LINTIAN_OUT"
ERRORS=$(printf '%s\n' "$LINTIAN_OUT" | grep -c '^E:' || true)
WARNINGS=$(printf '%s\n' "$LINTIAN_OUT" | grep -c '^W:' || true)
log "lintian: $ERRORS error(s), $WARNINGS warning(s)"
[ "$ERRORS" -eq 0 ] || die "lintian reported errors"
log "OK: $DEB"
