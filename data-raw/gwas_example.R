## Simulates the small PLINK set in inst/extdata (gwas_example.bed/.bim/.fam
## and gwas_example.csv) for the GWAS examples and vignette. Run from the
## package root:
##   Rscript data-raw/gwas_example.R   (with lmmkit installed: it writes with write_plink())
##
## 400 individuals from two subpopulations (alternating; Balding-Nichols
## allele frequencies with Fst 0.05) typed at 4,000 SNPs on 10 chromosomes,
## 0.5% of genotypes missing. The phenotype y has 5 causal SNPs that explain
## half of its variance between them, a mean 0.5 higher in subpopulation 2
## (population structure that inflates ordinary regression's tests) and a
## small age effect; 2% of phenotypes are missing. The csv holds IID, y, age,
## sex and the subpopulation. The simulator is bench/simulate_gwas_data.R.

source(file.path("bench", "simulate_gwas_data.R"))
dir.create(file.path("inst", "extdata"), recursive = TRUE, showWarnings = FALSE)
example <- simulate_gwas_data(file.path("inst", "extdata", "gwas_example"), n = 400L, m = 4000L,
                              seed = 20261203L, fst = 0.05, n_causal = 5L, heritability = 0.5,
                              shift_sd = 0.5)
cat("causal SNPs:", example$causal, "\n")
