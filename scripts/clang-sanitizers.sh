# Sourced by scripts/fuzz.sh and scripts/sanitize.sh: configures a clang build with
# AddressSanitizer (MMCHECK_ASAN) and UndefinedBehaviorSanitizer, every UB report fatal.
#   configure_sanitized BUILD_DIR [more cmake arguments]
configure_sanitized() {
  local dir="$1"
  shift
  bash scripts/install-packages.sh clang libclang-rt-14-dev
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DMMCHECK_ASAN=ON -DCMAKE_CXX_FLAGS="-fsanitize=undefined -fno-sanitize-recover=undefined" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=undefined" "$@" >/dev/null
}
