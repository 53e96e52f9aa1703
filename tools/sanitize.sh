#!/usr/bin/env bash
# Runs the R test suite against lmmkit built with AddressSanitizer and UBSan.
#
#   bash tools/sanitize.sh            # prints findings; exit 1 if lmmkit has any
#
# The package is built (R CMD build) and installed into a private library with
# -fsanitize=address,undefined (a private R_MAKEVARS_USER, so the user's own
# Makevars and library are untouched); R, which is not instrumented, loads the
# sanitizer run-times through LD_PRELOAD. A canary overflow checks first that
# reports are made. Findings are not fatal, so one run reports them all; they
# are read from the test log (build/sanitize/testthat.log) and attributed: a
# report whose stack passes through lmmkit.so or lmmkit's sources is lmmkit's,
# any other is printed as outside lmmkit (build/sanitize/findings.txt). Leak detection is off: R frees memory at exit
# by design. LMMKIT_SLOW_TESTS is passed through unchanged (off by default).
# The last line is "sanitize: N findings in lmmkit (M outside)".
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
exec </dev/null

out="$ROOT/build/sanitize"
lib="$out/lib"
rm -rf "$out"
mkdir -p "$lib"

say() { printf '[sanitize] %s\n' "$*"; }

runtime() { "${CXX:-g++}" -print-file-name="$1"; }
asan_rt=$(runtime libasan.so)
ubsan_rt=$(runtime libubsan.so)
for rt in "$asan_rt" "$ubsan_rt"; do
  if [ ! -e "$rt" ]; then
    say "sanitizer run-time $rt not found (install g++ with libasan/libubsan)"
    echo "sanitize: could not run"
    exit 2
  fi
done

flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fsanitize-recover=all"
makevars="$out/Makevars"
cat >"$makevars" <<EOF
CFLAGS = $flags
CXXFLAGS = $flags
CXX11FLAGS = $flags
CXX14FLAGS = $flags
CXX17FLAGS = $flags
LDFLAGS = -fsanitize=address,undefined
EOF

pkg=$(sed -n 's/^Package:[[:space:]]*//p' DESCRIPTION | tr -d '[:space:]')
version=$(sed -n 's/^Version:[[:space:]]*//p' DESCRIPTION | tr -d '[:space:]')
say "building ${pkg}_${version}.tar.gz"
if ! (cd "$out" && R CMD build --no-build-vignettes --no-manual "$ROOT") >"$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log"; echo "sanitize: could not run"; exit 2
fi
say "installing with: $flags"
if ! R_MAKEVARS_USER="$makevars" MAKEFLAGS="${MAKEFLAGS:--j2}" \
    R CMD INSTALL --no-test-load --library="$lib" "$out/${pkg}_${version}.tar.gz" \
    >"$out/install.log" 2>&1; then
  tail -n 40 "$out/install.log"; echo "sanitize: could not run"; exit 2
fi
if ! grep -q -- "-fsanitize=address" "$out/install.log"; then
  say "the install did not use the sanitizer flags"; echo "sanitize: could not run"; exit 2
fi

# A canary: a heap overflow in a sanitized shared library must be reported, or the set-up is broken.
canary="$out/canary"
mkdir -p "$canary"
printf '%s\n' '#include <stdlib.h>' \
  'void lmmkit_sanitize_canary(int *out) { int *a = malloc(2 * sizeof(int)); out[0] = a[2]; free(a); }' \
  >"$canary/canary.c"
(cd "$canary" && R_MAKEVARS_USER="$makevars" R CMD SHLIB -o canary.so canary.c) >"$canary/build.log" 2>&1
LD_PRELOAD="$asan_rt $ubsan_rt" ASAN_OPTIONS="detect_leaks=0:halt_on_error=0" \
  Rscript -e "dyn.load('$canary/canary.so'); invisible(.C('lmmkit_sanitize_canary', integer(1)))" \
  >"$canary/run.log" 2>&1
if ! grep -qs "heap-buffer-overflow" "$canary/run.log"; then
  say "the sanitizers did not report the canary's heap overflow: the set-up does not work"
  cat "$canary/build.log" "$canary/run.log"
  echo "sanitize: could not run"
  exit 2
fi
say "canary heap overflow reported: the sanitizers are active"

say "running tests/testthat under ASan + UBSan (LD_PRELOAD)"
counts="$out/testthat-counts.txt"
LD_PRELOAD="$asan_rt $ubsan_rt" \
  ASAN_OPTIONS="detect_leaks=0:halt_on_error=0:detect_odr_violation=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0" \
  R_LIBS="$lib${R_LIBS:+:$R_LIBS}" NOT_CRAN=true \
  Rscript --no-save --no-restore "$ROOT/tools/run-testthat.R" "$counts" "$pkg" \
  "$ROOT/tests/testthat" >"$out/testthat.log" 2>&1
status=$?
tail -n 30 "$out/testthat.log"

# The run-times report on stderr (in the test log): an ASan report runs from its ERROR line to its
# SUMMARY line, a UBSan report is its "runtime error" line and the stack frames below it.
split_reports() {
  awk '
    function start(kind) { printf "\x1e"; state = kind }
    state == 2 && !/^ *#[0-9]+ / { state = 0 }
    state == 0 && /ERROR: AddressSanitizer/ { start(1) }
    state == 0 && /runtime error:/ { start(2) }
    state == 1 { print; if (/^SUMMARY: AddressSanitizer/) state = 0; next }
    state == 2 { print }
    END { printf "\x1e" }' "$1"
}
ours=0 theirs=0
report_file="$out/findings.txt"
: >"$report_file"
while IFS= read -r -d $'\x1e' report; do
  [ -n "${report//[[:space:]]/}" ] || continue
  if grep -qE 'lmmkit\.so|inst/include/lmmkit|src/lmmkit' <<<"$report"; then
    ours=$((ours + 1)); printf '=== lmmkit finding\n%s\n' "$report" >>"$report_file"
  else
    theirs=$((theirs + 1)); printf '=== outside lmmkit\n%s\n' "$report" >>"$report_file"
  fi
done < <(split_reports "$out/testthat.log")
if [ -s "$report_file" ]; then
  say "findings (also in $report_file):"; head -n 400 "$report_file"
fi
if [ ! -s "$counts" ]; then
  say "the test run did not finish (exit status $status)"
  echo "sanitize: $ours findings in lmmkit ($theirs outside); test run aborted"
  exit 1
fi
say "test blocks: $(tr '\n' ' ' <"$counts")"
echo "sanitize: $ours findings in lmmkit ($theirs outside)"
[ "$ours" -eq 0 ] && grep -q '^failed=0$' "$counts"
