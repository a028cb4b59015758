#!/usr/bin/env bash
# `cmake --install` of this build into a fresh prefix, then examples/out-of-tree built against it
# with find_package(mmcheck) and run: its checker lists only its own scenarios, both match their
# expectation, the twin's replay line names the checker and its token replays to the same finding,
# and the installed mmcheck runs.
#   check_out_of_tree.sh CMAKE BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR [CXX [CXXFLAGS]]
# CXX and CXXFLAGS: the build's compiler and flags, which the example is built with too.
set -euo pipefail
cmake=$1 build=$2 src=$3 work=$4 generator=$5 cxx=${6:-} cxxflags=${7:-}
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" >"$work/install.log"
for f in bin/mmcheck lib/cmake/mmcheck/mmcheckConfig.cmake include/mmcheck/model/fault.h \
         include/mmcheck/explorer/runtime/scenario.h; do
  [ -e "$work/prefix/$f" ] || fail "cmake --install did not install $f"
done
"$work/prefix/bin/mmcheck" --version | grep -q '^mmcheck [0-9]' || fail "installed mmcheck --version"
toolchain=()
[ -n "$cxx" ] && toolchain+=("-DCMAKE_CXX_COMPILER=$cxx")
[ -n "$cxxflags" ] && toolchain+=("-DCMAKE_CXX_FLAGS=$cxxflags" "-DCMAKE_EXE_LINKER_FLAGS=$cxxflags")
"$cmake" -S "$src/examples/out-of-tree" -B "$work/build" -G "$generator" \
  -DCMAKE_PREFIX_PATH="$work/prefix" "${toolchain[@]}" >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; fail "the example does not configure against the install"; }
"$cmake" --build "$work/build" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; fail "the example does not build against the install"; }
checker="$work/build/my-mm-checker"
list=$("$checker" list)
[ "$(printf '%s\n' "$list" | wc -l)" -eq 2 ] || fail "the checker lists: $list"
printf '%s\n' "$list" | grep -q '^example/two-faults-vs-mprotect ' || fail "list: $list"
set +e
out=$("$checker" run 'example/*')
code=$?
set -e
printf '%s\n' "$out"
[ "$code" -eq 0 ] || fail "run exited $code"
printf '%s\n' "$out" | grep -q '^\[ok\]      example/two-faults-vs-mprotect: pass (expect pass); dpor: [0-9]* executions, .*, complete$' \
  || fail "the pass scenario"
printf '%s\n' "$out" | grep -q '^\[ok\]      example/two-faults-vs-mprotect@no-vma-write-lock: violation:invariant' \
  || fail "the twin"
replay=$(printf '%s\n' "$out" | grep -A1 '^    invariant: I-PT-7' | sed -n 's/^    replay: //p')
case "$replay" in
  "my-mm-checker run example/two-faults-vs-mprotect@no-vma-write-lock --replay="*) ;;
  *) fail "the replay line is '$replay'" ;;
esac
# The line as a user pastes it, from the checker's directory (no globbing of the token's '*').
set -f
again=$(cd "$work/build" && ./$replay)
set +f
printf '%s\n' "$again" | grep -q '^    invariant: I-PT-7' || fail "the token replays to: $again"
echo "ok: installed into a fresh prefix; examples/out-of-tree built with find_package(mmcheck), its 2 scenarios matched, the twin's token replayed"
