#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wine-run.sh — runs a Windows program of a blec cross build under Wine; the
# CMAKE_CROSSCOMPILING_EMULATOR of cmake/wine.cmake, so ctest runs every Windows test
# through it. Usable by hand too:
#
#   scripts/wine-run.sh BUILD/tests/apartment/apartment.exe sta_thread_no_loop
#   scripts/wine-run.sh --init BUILD        # create the prefix, start the wineserver
#   scripts/wine-run.sh --stop BUILD        # stop this prefix's wineserver
#
# The build directory is the nearest parent of the program holding CMakeCache.txt. Its
# Wine prefix is BUILD/wineprefix (created on first use, under a lock, so parallel tests
# wait for one another): never the user's ~/.wine. Wine is quiet but for its heap checks
# (warn+heap: Wine then validates every heap call and reports what the NT heap of Windows
# would end the process for); a program whose run Wine reported a heap error for fails
# (exit status 3 if it had exited 0), as it would on Windows. Wine's errors about starting
# and ending processes (err+module, err+process, err+seh, err+virtual, err+server) are kept
# aside: shown only when the program fails without a word of its own on stderr, which is
# what a process Wine could not start looks like (its NTSTATUS, cut to 8 bits, is the exit
# status: 0xC0000001 STATUS_UNSUCCESSFUL reads as 1). A crash ends the program
# at once: no debugger is started (winedbg disabled). Wine installs no Mono/Gecko, writes no
# desktop menus and draws with its null display driver; blec.dll is found through WINEPATH. A persistent wineserver (-p) and a keeper program
# (BUILD/tests/wine/wine_keeper.exe, when built) keep the session up while tests run: the
# desktop and RPC processes start once instead of being torn down and restarted between
# programs (each restart can cost Wine ten seconds). The keeper leaves by itself two
# minutes after the last run. Wine's helper processes inherit the output of the program
# that starts a session; the script starts every session itself, on BUILD/wineprefix.log,
# so that no test's or build step's pipe is held open by them.
#
# Wine runs with the kernel's address randomization off (setarch -R, inherited by every Wine
# process of the session). Debian's wine64 ships without Wine's preloader, the program that
# reserves Windows' fixed addresses before anything else is mapped; without it the loader's
# C heap (brk), which Linux starts at a random place up to 1 GB above the loader at
# 0x7d000000, lands over the shared user data page 0x7ffe0000 about once in 7 700 starts, and
# the process dies before main with "failed to map the shared user data: c0000018", status 1.
# Where the personality cannot be set (a seccomp filter), the script goes on without it and
# a start-up failure of that kind says so. BLEC_WINE_RANDOMIZE=1 keeps randomization on.
#
# Everything runs inside main(), read whole before it starts, so that editing this file
# does not disturb runs in progress.
set -Eeuo pipefail
# A command of this script that fails ends it (set -e) with its status, maybe 1 and maybe
# without a word: indistinguishable, to a test, from a program Wine could not start. Say
# which line it was — once: a command substitution's subshell inherits the trap (errtrace),
# and its failure fails the command around it, which the script's own shell reports.
trap 'wr_status=$?; [ "$BASHPID" != "$$" ] || echo "wine-run.sh: line $LINENO: \"$BASH_COMMAND\" failed with status $wr_status; the script stops" >&2' ERR

find_wine() {
  WINE=${BLEC_WINE64:-/usr/lib/wine/wine64}
  if [ ! -x "$WINE" ]; then WINE=$(command -v wine64 || true); fi
  if [ -z "$WINE" ] || [ ! -x "$WINE" ]; then
    echo "wine-run.sh: Wine's 64-bit loader (wine64) is not installed" >&2
    exit 127
  fi
  WINESERVER=${BLEC_WINESERVER:-$(dirname "$WINE")/wineserver64}
  [ -x "$WINESERVER" ] || WINESERVER=$(dirname "$WINE")/wineserver
  [ -x "$WINESERVER" ] || WINESERVER=$(command -v wineserver)
}

find_build_dir() {
  local d
  d=$(cd "$(dirname "$1")" && pwd)
  while [ "$d" != "/" ]; do
    if [ -f "$d/CMakeCache.txt" ]; then echo "$d"; return 0; fi
    d=$(dirname "$d")
  done
  return 1
}

setup_env() { # build dir
  export WINEPREFIX=${BLEC_WINEPREFIX:-$1/wineprefix}
  export WINEDEBUG=${BLEC_WINEDEBUG:--all,warn+heap,err+module,err+process,err+seh,err+virtual,err+server}
  export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d;winedbg.exe=d"
  export WINEARCH=win64
  # Where blec.dll may be; the program's own directory is searched first anyway.
  local p="" d
  for d in "$1/src" "$1/bin" "$1"; do
    p="$p;Z:${d//\//\\}"
  done
  export WINEPATH="${p#;}"
  # Wine runs slower than Windows: give timing-based test helpers more slack.
  export BLEC_TEST_TIMEOUT_MULTIPLIER=${BLEC_TEST_TIMEOUT_MULTIPLIER:-3}
}

winpath() { local p=$1; echo "Z:${p//\//\\}"; }

# ADDR_NO_RANDOMIZE, of <linux/personality.h>
readonly PERSONALITY_ADDR_NO_RANDOMIZE=0x0040000

layout_fixed() {
  local p
  p=$(cat /proc/$$/personality 2>/dev/null) || return 1
  (( 0x$p & PERSONALITY_ADDR_NO_RANDOMIZE ))
}

# Runs this script again under a fixed address layout (see the head of the file); returns
# when that is not possible or not wanted.
fix_layout() {
  [ "${BLEC_WINE_RANDOMIZE:-0}" = 1 ] && return 0
  [ -n "${BLEC_WINE_LAYOUT_FAILED:-}" ] && return 0 # tried higher up in this run
  layout_fixed && return 0
  local arch why
  arch=$(uname -m)
  if why=$(setarch "$arch" -R true 2>&1); then
    exec setarch "$arch" -R "$BASH" "$0" "$@"
  fi
  export BLEC_WINE_LAYOUT_FAILED="setarch $arch -R: ${why:-not available}"
}

keeper_alive() { # pid file
  local pid st
  pid=$(cat "$1" 2>/dev/null) || return 1
  st=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  case "$st" in Z*|"") return 1 ;; esac
}

ensure_prefix() { # build dir
  local b=$1 log="$1/wineprefix.log"
  local keeper=${BLEC_WINE_KEEPER:-$1/tests/wine/wine_keeper.exe}
  local kpid="$b/wineprefix.keeper" ready="$b/wineprefix.ready" alive="$b/wineprefix.alive"
  exec 9>"$b/wineprefix.lock"
  flock 9
  touch "$alive"
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    mkdir -p "$WINEPREFIX"
    # Every helper Wine starts now inherits the log, not a test's pipes.
    "$WINESERVER" -p 60 </dev/null >>"$log" 2>&1 || true
    # wineboot -i creates the prefix; without wine32 it logs one harmless line about
    # syswow64\rundll32.exe.
    if ! "$WINE" wineboot -i </dev/null >>"$log" 2>&1 ||
       ! "$WINE" reg add 'HKCU\Software\Wine\Drivers' /v Graphics /d null /f </dev/null >>"$log" 2>&1; then
      echo "wine-run.sh: creating the Wine prefix $WINEPREFIX failed, see $log" >&2
      flock -u 9
      return 1
    fi
    # Start the tests on a fresh session: helpers that wineboot started mid-update (the RPC
    # service among them) can otherwise stall the first programs that need them.
    "$WINESERVER" -k </dev/null >>"$log" 2>&1 || true
    "$WINESERVER" -w </dev/null >>"$log" 2>&1 || true
  fi
  # Keep (or start) one wineserver for the prefix; it exits 60 s after its last client.
  local new_session=0
  "$WINESERVER" -p 60 </dev/null >>"$log" 2>&1 && new_session=1
  if [ ! -f "$keeper" ]; then
    # No keeper (not built yet, e.g. a program run while building): still, the first Wine
    # process of a session starts the helpers (services, desktop, RPC) with its own output;
    # start them here, on the log, or they would hold the caller's pipes open.
    if [ $new_session = 1 ]; then
      "$WINE" cmd.exe /c exit </dev/null >>"$log" 2>&1 || true
      setsid "$WINE" explorer.exe /desktop </dev/null >>"$log" 2>&1 &
    fi
  elif ! keeper_alive "$kpid"; then
    rm -f "$ready"
    setsid "$WINE" "$keeper" "$(winpath "$alive")" "$(winpath "$ready")" \
      "${BLEC_WINE_KEEPER_IDLE:-120}" </dev/null >>"$log" 2>&1 &
    echo $! >"$kpid"
    local i
    for i in $(seq 300); do
      [ -f "$ready" ] && break
      keeper_alive "$kpid" || break
      sleep 0.1
    done
    [ -f "$ready" ] || echo "wine-run.sh: the keeper did not start (see $log); going on without it" >&2
  fi
  flock -u 9
}

# Passes the program's stderr on, line by line: Wine's heap reports (warn:heap and err:heap
# lines) are also copied into the file $1; Wine's other err lines go only to the file $2;
# the file $3 is created when the program itself writes a line. Wine's lines start with the
# process and thread ids, but for those written before the first thread exists (the loader's
# "failed to map the shared user data"), which start with the class.
stderr_filter() {
  awk -v flag="$1" -v aside="$2" -v spoke="$3" '
    /^([0-9a-f]+:)?(warn|err):heap:/ { print > "/dev/stderr"; fflush("/dev/stderr"); print >> flag; fflush(flag); next }
    /^([0-9a-f]+:)?err:/ { print >> aside; fflush(aside); next }
    { print > "/dev/stderr"; fflush("/dev/stderr")
      if (!said) { printf "" > spoke; close(spoke); said = 1 } }'
}

# A program that failed in silence: says so, with the time it ran and Wine's errors.
report_silent_failure() { # program, status, milliseconds, file of Wine's errors
  echo "wine-run.sh: $1 ended with status $2 after $3 ms without a word on stderr" >&2
  if [ -s "$4" ]; then
    echo "wine-run.sh: Wine's errors while it ran:" >&2
    head -n 40 "$4" >&2
    if grep -q 'failed to map the shared user data' "$4"; then
      if layout_fixed; then
        echo "wine-run.sh: something lay over Windows' shared user data (0x7ffe0000) although" \
          "address randomization was off" >&2
      else
        echo "wine-run.sh: the loader's heap lay over Windows' shared user data (0x7ffe0000):" \
          "address randomization was on (${BLEC_WINE_LAYOUT_FAILED:-BLEC_WINE_RANDOMIZE=1})" >&2
      fi
    fi
  else
    echo "wine-run.sh: Wine reported no error (channels: $WINEDEBUG)" >&2
  fi
}

# Runs the program under Wine, its exit status into program_status; fails it (status 3)
# when Wine reported a heap error. Signals that end or interrupt this script (ctest's
# timeout, a test's SIGINT) are passed on to Wine, which turns SIGINT into the console's
# Ctrl-C event as for a program started by itself.
run_checked() {
  local dir flag rc=0 filter wine_pid i started ran_ms
  dir=$(mktemp -d "${TMPDIR:-/tmp}/blec-wine-run.XXXXXX")
  flag=$dir/heap
  mkfifo "$dir/stderr"
  stderr_filter "$flag" "$dir/wine-errors" "$dir/spoke" <"$dir/stderr" &
  filter=$!
  started=$(date +%s%N)
  # A background job of a script reads /dev/null unless told otherwise: the program gets
  # this script's stdin (a test's pipe) through fd 3.
  exec 3<&0
  "$WINE" "$@" <&3 3<&- 2>"$dir/stderr" &
  wine_pid=$!
  exec 3<&-
  trap 'kill -INT "$wine_pid" 2>/dev/null || true' INT
  trap 'kill -TERM "$wine_pid" 2>/dev/null || true' TERM
  trap 'kill -HUP "$wine_pid" 2>/dev/null || true' HUP
  # A trapped signal ends `wait` early: wait again while the program runs.
  while :; do
    rc=0
    wait "$wine_pid" || rc=$?
    kill -0 "$wine_pid" 2>/dev/null || break
  done
  ran_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  trap - INT TERM HUP
  # The filter ends when the program's stderr closes; should a Wine helper the program
  # started hold it open, give up after five seconds (the reports are written as they come).
  for i in $(seq 500); do
    kill -0 "$filter" 2>/dev/null || break
    sleep 0.01
  done
  kill "$filter" 2>/dev/null || true
  if [ "$rc" -ne 0 ] && [ ! -e "$dir/spoke" ]; then
    report_silent_failure "$1" "$rc" "$ran_ms" "$dir/wine-errors"
  fi
  if [ -s "$flag" ]; then
    echo "wine-run.sh: Wine reported heap corruption (warn+heap lines above); the NT heap of Windows would have ended this program: failing it" >&2
    [ "$rc" -ne 0 ] || rc=3
  fi
  rm -rf "$dir"
  program_status=$rc
}

main() {
  fix_layout "$@"
  find_wine
  case "${1:-}" in
    --init)
      b=$(cd "${2:?usage: wine-run.sh --init BUILD_DIR}" && pwd)
      setup_env "$b"
      ensure_prefix "$b"
      exit 0 ;;
    --stop)
      b=$(cd "${2:?usage: wine-run.sh --stop BUILD_DIR}" && pwd)
      setup_env "$b"
      # Ends this prefix's Wine session: the keeper, the helpers and the wineserver.
      [ -d "$WINEPREFIX" ] && "$WINESERVER" -k >/dev/null 2>&1 || true
      rm -f "$b/wineprefix.keeper" "$b/wineprefix.ready"
      exit 0 ;;
    ""|-h|--help)
      sed -n '2,/^# Everything runs/p' "$0" | sed -e '/^# Everything runs/d' -e 's/^# \{0,1\}//'
      exit 2 ;;
  esac

  prog=$1
  shift
  if ! b=$(find_build_dir "$prog"); then
    echo "wine-run.sh: $prog is not inside a CMake build directory (no CMakeCache.txt above it)" >&2
    exit 2
  fi
  setup_env "$b"
  ensure_prefix "$b"
  # Called as a plain command (in an `if` or `||`, bash would switch set -e off inside it);
  # the program's own status comes back in program_status, not as this call's (which the
  # ERR trap would report as the wrapper's failure).
  run_checked "$prog" "$@"
  exit "$program_status"
}

main "$@"
exit $?
