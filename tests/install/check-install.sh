#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks that an installed blec is usable. One step per call (one ctest test each):
#
#   check-install.sh install    BUILD WORK   install BUILD into WORK/prefix and check the tree
#   check-install.sh cmake      BUILD WORK   build tests/install/consumer with find_package(blec)
#   check-install.sh pkg-config BUILD WORK   build the consumer with `pkg-config blec`
#
# Environment: CC (the C compiler, default cc), CMAKE (default cmake), BLEC_EXTRA_FLAGS
# (compile+link flags every consumer needs, e.g. the sanitizer flags of a sanitizer build),
# BLEC_VERSION (expected version). Exits 0 on success, 77 to skip, 1 on failure.
set -eu

step=$1
build=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
prefix=$work/prefix
CC=${CC:-cc}
CMAKE=${CMAKE:-cmake}
extra=${BLEC_EXTRA_FLAGS:-}

fail() {
  echo "check-install: FAIL: $*" >&2
  exit 1
}

# Finds the installed file $1 under the prefix (lib/ or lib/<multiarch>/, lib64/).
find_installed() {
  found=$(find "$prefix" -name "$1" 2>/dev/null | head -n 1)
  [ -n "$found" ] || fail "$1 is not installed under $prefix"
  echo "$found"
}

case $step in
install)
  rm -rf "$prefix"
  mkdir -p "$work"
  "$CMAKE" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "cmake --install failed"; }
  for h in "$here"/../../include/blec/*.h; do
    [ -f "$prefix/include/blec/$(basename "$h")" ] || fail "header $(basename "$h") not installed"
  done
  find_installed blecConfig.cmake >/dev/null
  find_installed blecConfigVersion.cmake >/dev/null
  find_installed blecTargets.cmake >/dev/null
  find_installed blec.pc >/dev/null
  case $(uname -s) in
  Linux*)
    so=$(find_installed 'libblec.so.[0-9]')
    find_installed libblec.so >/dev/null
    find_installed libblec.a >/dev/null
    if command -v readelf >/dev/null 2>&1; then
      soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
      [ "$soname" = "$(basename "$so")" ] || fail "SONAME of $so is '$soname'"
      echo "SONAME $soname"
    fi
    ;;
  esac
  echo "installed into $prefix:"
  (cd "$prefix" && find . -type f -o -type l | sort)
  ;;

cmake)
  [ -d "$prefix" ] || fail "nothing installed in $prefix (the install step runs first)"
  rm -rf "$work/cmake-build"
  "$CMAKE" -S "$here/consumer" -B "$work/cmake-build" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" \
    -DCMAKE_BUILD_TYPE=Debug >"$work/cmake-configure.log" 2>&1 ||
    { cat "$work/cmake-configure.log" >&2; fail "configuring the consumer with find_package(blec) failed"; }
  "$CMAKE" --build "$work/cmake-build" >"$work/cmake-build.log" 2>&1 ||
    { cat "$work/cmake-build.log" >&2; fail "building the consumer against blec::blec / blec::blec_static failed"; }
  for exe in consumer_shared consumer_static; do
    "$work/cmake-build/$exe" || fail "$exe (find_package) failed"
  done
  ;;

pkg-config)
  command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: pkg-config is not installed"; exit 77; }
  [ -d "$prefix" ] || fail "nothing installed in $prefix (the install step runs first)"
  pc=$(find_installed blec.pc)
  PKG_CONFIG_PATH=$(dirname "$pc")
  export PKG_CONFIG_PATH
  version=$(pkg-config --modversion blec) || fail "pkg-config does not find blec"
  [ -z "${BLEC_VERSION:-}" ] || [ "$version" = "$BLEC_VERSION" ] ||
    fail "pkg-config says version $version, expected $BLEC_VERSION"
  libdir=$(pkg-config --variable=libdir blec)
  [ -d "$libdir" ] || fail "libdir $libdir of blec.pc does not exist (relocation broken?)"
  echo "pkg-config: blec $version; cflags: $(pkg-config --cflags blec); libs: $(pkg-config --libs blec)"
  echo "pkg-config --static: $(pkg-config --static --cflags --libs blec)"

  # shellcheck disable=SC2046,SC2086
  "$CC" $extra -o "$work/pc-shared" "$here/consumer/main.c" $(pkg-config --cflags --libs blec) \
    -Wl,-rpath,"$libdir" || fail "compiling with \`pkg-config --cflags --libs blec\` failed"
  "$work/pc-shared" || fail "the pkg-config (shared) consumer failed"

  # libblec.a with the system's shared libraries: Libs.private is complete.
  # shellcheck disable=SC2046
  "$CC" $extra -o "$work/pc-static-blec" "$here/consumer/main.c" \
    $(pkg-config --static --cflags blec) "$libdir/libblec.a" $(pkg-config --static --libs-only-l blec | sed 's/-lblec//') ||
    fail "linking libblec.a with \`pkg-config --static --libs blec\`'s libraries failed"
  "$work/pc-static-blec" || fail "the pkg-config (libblec.a) consumer failed"

  static_libs_ok=yes
  case " $(pkg-config --static --libs blec) " in
  *" -lsystemd "*)
    # The bluez backend's sd-bus: Debian ships no libsystemd.a.
    "$CC" -print-file-name=libsystemd.a | grep -q / || static_libs_ok=no ;;
  esac
  case $extra in
  *-fsanitize*)
    echo "note: fully static link skipped (sanitizers do not link statically)"
    ;;
  *)
    if [ "$static_libs_ok" = no ]; then
      echo "note: fully static link skipped (the bluez backend needs libsystemd, which has no static library here)"
      exit 0
    fi
    # A fully static executable forces libblec.a and proves Libs.private is complete.
    # shellcheck disable=SC2046
    "$CC" -static -o "$work/pc-static" "$here/consumer/main.c" \
      $(pkg-config --static --cflags --libs blec) ||
      fail "compiling with \`pkg-config --static --cflags --libs blec\` failed"
    "$work/pc-static" || fail "the pkg-config (static) consumer failed"
    ;;
  esac
  ;;

*)
  echo "usage: check-install.sh install|cmake|pkg-config BUILD WORK" >&2
  exit 2
  ;;
esac
echo "check-install: $step: ok"
