# The PLINK set in inst/extdata: its layout, and the population-structure story it is documented to tell.

example_prefix <- function() file.path(system.file("extdata", package = "lmmkit"), "gwas_example")

test_that("the shipped PLINK set has the documented layout", {
  set <- read_plink(example_prefix())
  pheno <- utils::read.csv(paste0(example_prefix(), ".csv"))
  expect_identical(nrow(set$fam), 400L)
  expect_identical(nrow(set$bim), 4000L)
  expect_identical(as.character(set$fam$iid), pheno$IID)
  expect_setequal(unique(set$bim$chr), as.character(1:10))
  expect_identical(names(pheno), c("IID", "y", "age", "sex", "pop"))
})

test_that("structure inflates ordinary regression's tests, not the LMM's, and the hits are the causal SNPs", {
  prefix <- example_prefix()
  pheno <- utils::read.csv(paste0(prefix, ".csv"))
  res <- gwas(y ~ age + sex, pheno, prefix)
  expect_lt(abs(gc_lambda(res$p_wald) - 1), 0.1)
  kept <- !is.na(pheno$y)
  G <- read_genotypes(prefix, snps = res$rs)[kept, ]
  G <- apply(G, 2, function(x) replace(x, is.na(x), mean(x, na.rm = TRUE)))
  covariates <- qr(cbind(1, pheno$age, pheno$sex == "female")[kept, ])
  y <- qr.resid(covariates, pheno$y[kept])
  G <- qr.resid(covariates, G)
  r <- drop(crossprod(G, y)) / sqrt(colSums(G^2) * sum(y^2))
  df <- sum(kept) - 4
  p_ols <- 2 * stats::pt(-abs(r * sqrt(df / (1 - r^2))), df)
  expect_gt(gc_lambda(p_ols), 1.5)
  hits <- res$rs[res$p_wald < 5e-8]
  expect_gte(length(hits), 2)
  expect_true(all(hits %in% c("snp000568", "snp000984", "snp001989", "snp003260", "snp003992")))
})

test_that("leaving the tested chromosome out of the kinship matrix strengthens the true hits", {
  prefix <- example_prefix()
  pheno <- utils::read.csv(paste0(prefix, ".csv"))
  res <- gwas(y ~ age + sex, pheno, prefix)
  res_loco <- gwas(y ~ age + sex, pheno, prefix, loco = TRUE)
  hits <- res$p_wald < 5e-8
  expect_identical(res_loco$rs, res$rs)
  expect_true(all(res_loco$log10p_wald[hits] > res$log10p_wald[hits]))
})
