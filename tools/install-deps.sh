#!/usr/bin/env bash
# Installs everything lmmkit needs to build, test and check, on Debian 12.
# Idempotent and non-interactive: when every Debian package is installed and
# every R package loads, it changes nothing and returns in a few seconds.
#   1. apt-get the Debian packages below (apt-get update only if some are
#      missing); as root directly, otherwise through sudo when available;
#   2. install from CRAN any R package that still does not load.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
CRAN_REPO="${LMMKIT_CRAN_REPO:-https://cloud.r-project.org}"

APT_PKGS=(
  r-cran-rcpp r-cran-rcppeigen r-cran-nloptr r-cran-matrix r-cran-nlme
  r-cran-testthat r-cran-roxygen2 r-cran-knitr r-cran-rmarkdown
  r-cran-lme4 r-cran-lmertest r-cran-pbkrtest r-cran-mlmrev
  r-cran-future r-cran-future.apply r-cran-progressr r-cran-minqa
  r-cran-generics r-cran-broom r-cran-broom.mixed r-cran-emmeans r-cran-estimability
  r-cran-car r-cran-performance r-cran-insight r-cran-mass
  pandoc qpdf libnlopt-dev libeigen3-dev libgtest-dev liblapack-dev cmake g++ pkg-config
)
# R packages that must load (Imports, LinkingTo, Suggests, test/vignette tools).
R_PKGS=(
  Rcpp RcppEigen nloptr Matrix nlme testthat roxygen2 knitr rmarkdown
  lme4 lmerTest pbkrtest mlmRev future future.apply progressr minqa
  generics broom broom.mixed emmeans estimability car performance insight MASS tibble
)

say() { printf '[install-deps] %s\n' "$*"; }

# ---- 1. Debian packages --------------------------------------------------
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    SUDO=(__none__)
  fi
fi

missing_apt=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PKGS[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing_apt+=("$p")
  done
else
  say "no dpkg-query: not a Debian system, skipping apt-get"
fi

run_apt_get() {
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "$@" </dev/null
}

if [ "${#missing_apt[@]}" -gt 0 ]; then
  if [ "${SUDO[0]:-}" = "__none__" ]; then
    say "WARNING: not root and no passwordless sudo; cannot apt-get install: ${missing_apt[*]}"
  else
    say "apt-get installing: ${missing_apt[*]}"
    run_apt_get update -qq || say "WARNING: apt-get update failed"
    if ! run_apt_get install -y -q "${missing_apt[@]}"; then
      # One unavailable package must not block the others: retry one by one.
      say "WARNING: batch install failed; retrying package by package"
      for p in "${missing_apt[@]}"; do
        run_apt_get install -y -q "$p" || say "WARNING: apt-get could not install $p"
      done
    fi
  fi
else
  say "all ${#APT_PKGS[@]} Debian packages already installed"
fi

# ---- 2. R packages still missing: CRAN ------------------------------------
if ! command -v Rscript >/dev/null 2>&1; then
  say "ERROR: Rscript not found"; exit 1
fi

Rscript --vanilla - "$CRAN_REPO" "${R_PKGS[@]}" <<'RSCRIPT'
args <- commandArgs(trailingOnly = TRUE)
repo <- args[1]; pkgs <- args[-1]
loads <- function(p) suppressWarnings(suppressMessages(
  requireNamespace(p, quietly = TRUE)))
missing <- pkgs[!vapply(pkgs, loads, logical(1))]
if (length(missing) == 0L) {
  cat("[install-deps] all", length(pkgs), "R packages load\n")
  quit(status = 0)
}
cat("[install-deps] installing from CRAN:", missing, "\n")
writable <- Filter(function(d) file.access(d, 2) == 0, .libPaths())
lib <- if (length(writable)) writable[[1]] else {
  d <- Sys.getenv("R_LIBS_USER"); dir.create(d, recursive = TRUE, showWarnings = FALSE)
  .libPaths(c(d, .libPaths())); d
}
options(repos = c(CRAN = repo), Ncpus = 2L)
install.packages(missing, lib = lib, dependencies = c("Depends", "Imports", "LinkingTo"))
still <- missing[!vapply(missing, loads, logical(1))]
if (length(still)) {
  cat("[install-deps] ERROR: R packages still not loadable:", still, "\n")
  quit(status = 1)
}
cat("[install-deps] all", length(pkgs), "R packages load\n")
RSCRIPT

# ---- 3. tools the scripts call --------------------------------------------
for tool in cmake ctest g++ pandoc; do
  command -v "$tool" >/dev/null 2>&1 || say "WARNING: $tool not found on PATH"
done
say "done"
