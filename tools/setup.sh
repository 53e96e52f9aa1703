#!/usr/bin/env bash
# Sets up lmmkit from a fresh checkout:
#   1. installs the system and R dependencies (tools/install-deps.sh),
#   2. builds the source tarball (R CMD build) and installs it (R CMD INSTALL)
#      into the default R library,
#   3. runs a short demo on the bundled `pigeons` data.
# Non-interactive; run from anywhere:  bash tools/setup.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
exec </dev/null
export MAKEFLAGS="${MAKEFLAGS:--j2}"

bash "$ROOT/tools/install-deps.sh"

pkg=$(sed -n 's/^Package:[[:space:]]*//p' DESCRIPTION | tr -d '[:space:]')
version=$(sed -n 's/^Version:[[:space:]]*//p' DESCRIPTION | tr -d '[:space:]')
out="$ROOT/build/R"
mkdir -p "$out"
rm -f "$out/${pkg}_${version}.tar.gz"

echo "== R CMD build"
(cd "$out" && R CMD build "$ROOT")
echo "== R CMD INSTALL"
R CMD INSTALL "$out/${pkg}_${version}.tar.gz"

echo "== demo"
Rscript -e 'library(lmmkit)
str(pigeons)
fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
print(summary(fit))
print(icc(fit))'
