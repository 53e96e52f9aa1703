#!/usr/bin/env bash
# Runs every test of lmmkit and ends with the line `N passed, N failed`.
#
#   bash tools/test.sh
#
# Suites (run in this order, each counted separately):
#   C++      cmake + ctest in build/ (tests/cpp/*.cpp, GoogleTest): one count
#            per test reported by ctest. Every test runs twice: optimised, and
#            built with -fsanitize=address,undefined (ctest names "sanitized.*"),
#            where any sanitizer finding aborts the test and so fails it
#            (LMMKIT_SANITIZE=OFF skips the sanitized build).
#   R        the package is built (R CMD build) and installed into a temporary
#            library, then tests/testthat is run against the installed package
#            with LMMKIT_SLOW_TESTS=true and NOT_CRAN=true: one count per
#            test_that() block (a block with any failure or error fails, a
#            skipped block is reported but counted neither way).
#   sanitize tools/sanitize.sh: the R tests against the package built with
#            ASan + UBSan: ONE test, failed if lmmkit has any sanitizer finding
#            or a test fails (LMMKIT_SANITIZE=OFF skips it).
#   check    R CMD check --as-cran --no-manual on the built tarball: ONE test,
#            failed if the build or the check gives any ERROR or WARNING.
# Exit status is non-zero when anything failed. Needs no stdin and no network
# (CRAN incoming checks are switched off). Artifacts: build/ (cmake) and
# build/R/ (tarball, logs, lmmkit.Rcheck/).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ---------------------------------------------------------------------------
# Parsers (kept as functions so they can be exercised on canned output:
#   source tools/test.sh; parse_ctest_log some.log)
# ---------------------------------------------------------------------------

# ctest log -> "PASSED FAILED" on stdout; returns 1 if no summary line.
# Reads "NN% tests passed, M tests failed out of T" (also "1 test failed").
parse_ctest_log() {
  local line failed total
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1)
  if [ -z "$line" ]; then
    return 1
  fi
  failed=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  echo "$((total - failed)) $failed"
}

# R counts file written by the testthat runner -> "PASSED FAILED SKIPPED";
# returns 1 if the file is missing or malformed.
parse_r_counts() {
  local f="$1" p fl s
  [ -s "$f" ] || return 1
  p=$(sed -n 's/^passed=\([0-9][0-9]*\)$/\1/p' "$f" | tail -n 1)
  fl=$(sed -n 's/^failed=\([0-9][0-9]*\)$/\1/p' "$f" | tail -n 1)
  s=$(sed -n 's/^skipped=\([0-9][0-9]*\)$/\1/p' "$f" | tail -n 1)
  [ -n "$p" ] && [ -n "$fl" ] && [ -n "$s" ] || return 1
  echo "$p $fl $s"
}

# 00check.log -> prints the Status text; returns 0 if no ERROR/WARNING,
# 1 if there are, 2 if there is no Status line (check aborted).
parse_check_log() {
  local f="$1" status
  [ -f "$f" ] || return 2
  status=$(grep -E '^Status: ' "$f" | tail -n 1)
  [ -n "$status" ] || return 2
  echo "${status#Status: }"
  if grep -qE 'ERROR|WARNING' <<<"$status"; then
    return 1
  fi
  return 0
}

# 00check.log -> the NOTE/WARNING/ERROR sections in full (header line up to
# the next "* " line).
check_problem_sections() {
  awk '/^\* /{ show = ($0 ~ /\.\.\. *(NOTE|WARNING|ERROR)/) } show' "$1"
}

# ---------------------------------------------------------------------------

section() { printf '\n===== %s =====\n' "$*"; }
note() { printf '[test.sh] %s\n' "$*"; }

main() {
  cd "$ROOT" || exit 2
  exec </dev/null

  local pkg version tarball build_dir
  pkg=$(sed -n 's/^Package:[[:space:]]*//p' DESCRIPTION | tr -d '[:space:]')
  version=$(sed -n 's/^Version:[[:space:]]*//p' DESCRIPTION | tr -d '[:space:]')
  tarball="${pkg}_${version}.tar.gz"
  build_dir="$ROOT/build/R"
  export MAKEFLAGS="${MAKEFLAGS:--j2}"

  local cpp_pass=0 cpp_fail=0 cpp_note=""
  local r_pass=0 r_fail=0 r_skip=0 r_note=""
  local chk_pass=0 chk_fail=0 chk_note=""
  local san_pass=0 san_fail=0 san_note=""

  # --- dependencies ---------------------------------------------------------
  section "dependencies"
  if ! bash "$ROOT/tools/install-deps.sh"; then
    note "WARNING: tools/install-deps.sh failed; carrying on"
  fi

  # --- C++ tests ------------------------------------------------------------
  section "C++ tests (cmake + ctest)"
  local cpp_log="$ROOT/build/ctest.log" counts
  mkdir -p "$ROOT/build"
  if ! cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=Release \
      -DLMMKIT_SANITIZE="${LMMKIT_SANITIZE:-ON}"; then
    cpp_fail=1; cpp_note="cmake configure failed"
  elif ! cmake --build "$ROOT/build" -j 2; then
    cpp_fail=1; cpp_note="C++ build failed"
  else
    ctest --test-dir "$ROOT/build" --output-on-failure -j 2 --timeout 1200 \
      2>&1 | tee "$cpp_log"
    if counts=$(parse_ctest_log "$cpp_log"); then
      read -r cpp_pass cpp_fail <<<"$counts"
      if [ "$((cpp_pass + cpp_fail))" -eq 0 ]; then
        cpp_fail=1; cpp_note="ctest ran no test"
      fi
    else
      cpp_fail=1; cpp_note="no ctest summary line (no tests found?)"
    fi
  fi

  # --- R: build and install -------------------------------------------------
  section "R: build ${tarball}"
  rm -rf "$build_dir"
  mkdir -p "$build_dir"
  # temporary library for the installed package (global: used by the trap)
  LMMKIT_TMP_LIB=$(mktemp -d "${TMPDIR:-/tmp}/lmmkit-lib.XXXXXX")
  trap 'rm -rf "${LMMKIT_TMP_LIB:-}"' EXIT
  local build_ok=0 build_vignettes=1
  if (cd "$build_dir" && R CMD build "$ROOT") >"$build_dir/build.log" 2>&1; then
    build_ok=1
    cat "$build_dir/build.log"
  else
    cat "$build_dir/build.log"
    note "R CMD build failed; retrying without vignettes so the tests can run"
    build_vignettes=0
    if (cd "$build_dir" && R CMD build --no-build-vignettes "$ROOT") \
        >"$build_dir/build-novignettes.log" 2>&1; then
      build_ok=1
    else
      cat "$build_dir/build-novignettes.log"
    fi
  fi
  [ -f "$build_dir/$tarball" ] || build_ok=0

  local install_ok=0
  if [ "$build_ok" -eq 1 ]; then
    section "R: install into a temporary library"
    if R CMD INSTALL --library="$LMMKIT_TMP_LIB" "$build_dir/$tarball" \
        >"$build_dir/install.log" 2>&1; then
      install_ok=1
      tail -n 5 "$build_dir/install.log"
    else
      note "R CMD INSTALL failed:"
      tail -n 80 "$build_dir/install.log"
    fi
  fi

  # --- R: testthat ----------------------------------------------------------
  section "R tests (testthat, LMMKIT_SLOW_TESTS=true)"
  local r_counts="$build_dir/testthat-counts.txt" r_runner="$ROOT/tools/run-testthat.R"
  if [ "$install_ok" -ne 1 ]; then
    r_fail=1; r_note="package not built/installed, R tests not run"
  elif ! ls "$ROOT"/tests/testthat/test*.R >/dev/null 2>&1; then
    r_fail=1; r_note="no test files in tests/testthat"
  else
    rm -f "$r_counts"
    R_LIBS="$LMMKIT_TMP_LIB${R_LIBS:+:$R_LIBS}" LMMKIT_SLOW_TESTS=true NOT_CRAN=true \
      Rscript --no-save --no-restore "$r_runner" "$r_counts" "$pkg" \
      "$ROOT/tests/testthat" 2>&1 | tee "$build_dir/testthat.log"
    if counts=$(parse_r_counts "$r_counts"); then
      read -r r_pass r_fail r_skip <<<"$counts"
      if [ "$((r_pass + r_fail + r_skip))" -eq 0 ]; then
        r_fail=1; r_note="testthat ran no test"
      fi
    else
      r_fail=1; r_note="testthat run aborted (see above)"
    fi
  fi

  # --- R tests under the sanitizers -------------------------------------------
  section "R tests under AddressSanitizer + UBSan (tools/sanitize.sh)"
  local san_log="$ROOT/build/sanitize.log"
  if [ "${LMMKIT_SANITIZE:-ON}" = "OFF" ]; then
    san_note="skipped (LMMKIT_SANITIZE=OFF)"
  elif bash "$ROOT/tools/sanitize.sh" 2>&1 | tee "$san_log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
    san_pass=1; san_note="$(tail -n 1 "$san_log")"
  else
    san_fail=1; san_note="$(tail -n 1 "$san_log")"
  fi

  # --- R CMD check ------------------------------------------------------------
  section "R CMD check --as-cran --no-manual"
  local check_log="$build_dir/${pkg}.Rcheck/00check.log" status rc
  if [ "$build_ok" -ne 1 ]; then
    chk_fail=1; chk_note="R CMD build failed"
  else
    (cd "$build_dir" && env -u LMMKIT_SLOW_TESTS -u NOT_CRAN \
      _R_CHECK_CRAN_INCOMING_=false _R_CHECK_CRAN_INCOMING_REMOTE_=false \
      _R_CHECK_SYSTEM_CLOCK_=0 _R_CHECK_FUTURE_FILE_TIMESTAMPS_=false \
      _R_CHECK_TESTS_NLINES_=0 \
      R CMD check --as-cran --no-manual "$tarball") \
      >"$build_dir/check.log" 2>&1
    status=$(parse_check_log "$check_log"); rc=$?
    note "check summary:"
    grep -E '\.\.\. *(NOTE|WARNING|ERROR)' "$check_log" 2>/dev/null | sed 's/^/  /'
    if [ "$rc" -eq 0 ] && [ "$build_vignettes" -eq 1 ]; then
      chk_pass=1; chk_note="Status: $status"
    else
      chk_fail=1
      if [ "$rc" -eq 2 ]; then
        chk_note="check aborted (no Status line)"
      else
        chk_note="Status: $status"
      fi
      [ "$build_vignettes" -eq 1 ] || chk_note="$chk_note; vignettes failed to build"
      if [ "$rc" -eq 2 ]; then
        note "R CMD check aborted; tail of its output:"
        if [ -f "$check_log" ]; then tail -n 80 "$check_log"; else tail -n 80 "$build_dir/check.log"; fi
        if [ -f "$build_dir/${pkg}.Rcheck/00install.out" ]; then
          note "tail of 00install.out:"
          tail -n 80 "$build_dir/${pkg}.Rcheck/00install.out"
        fi
      else
        note "R CMD check failed; the sections that are not OK (00check.log):"
        check_problem_sections "$check_log" | head -n 600
        note "tail of 00check.log:"
        tail -n 12 "$check_log"
      fi
    fi
  fi

  # --- summary ----------------------------------------------------------------
  local total_pass total_fail
  total_pass=$((cpp_pass + r_pass + san_pass + chk_pass))
  total_fail=$((cpp_fail + r_fail + san_fail + chk_fail))
  section "summary"
  printf '%-26s %4d passed, %4d failed%s\n' "C++ (ctest)" "$cpp_pass" "$cpp_fail" "${cpp_note:+  ($cpp_note)}"
  printf '%-26s %4d passed, %4d failed, %d skipped%s\n' "R (test_that blocks)" "$r_pass" "$r_fail" "$r_skip" "${r_note:+  ($r_note)}"
  printf '%-26s %4d passed, %4d failed%s\n' "R under sanitizers" "$san_pass" "$san_fail" "${san_note:+  ($san_note)}"
  printf '%-26s %4d passed, %4d failed%s\n' "R CMD check --as-cran" "$chk_pass" "$chk_fail" "${chk_note:+  ($chk_note)}"
  printf '%d passed, %d failed\n' "$total_pass" "$total_fail"
  [ "$total_fail" -eq 0 ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
  exit $?
fi
