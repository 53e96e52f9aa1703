# gwas() on PLINK files: brute-force agreement, filters, individuals, LOCO, parallel chunks, bad input.

# Two subpopulations with different allele frequencies and a phenotype shift; `extra` SNPs appended.
structured_set <- function(n = 200, m = 400, seed = 3, shift = 1, extra = NULL) {
  set.seed(seed)
  pop <- rep(1:2, length.out = n)
  base <- runif(m, 0.1, 0.9)
  freq <- cbind(pmin(pmax(base + rnorm(m, 0, 0.15), 0.02), 0.98), pmin(pmax(base + rnorm(m, 0, 0.15), 0.02), 0.98))
  G <- matrix(rbinom(n * m, 2, freq[cbind(rep(seq_len(m), each = n), rep(pop, m))]), n)
  G[sample(length(G), 0.003 * length(G))] <- NA
  G <- cbind(G, extra)
  ids <- sprintf("p%03d", seq_len(n))
  dimnames(G) <- list(ids, sprintf("s%04d", seq_len(ncol(G))))
  age <- round(runif(n, 20, 70))
  y <- shift * pop + 0.3 * ifelse(is.na(G[, 1]), 1, G[, 1]) + 0.01 * age + rnorm(n)
  prefix <- tempfile("gwas")
  bim <- data.frame(chr = rep(c("1", "2"), length.out = ncol(G))[order(rep(1:2, length.out = ncol(G)))],
                    rs = colnames(G), cm = 0, ps = seq_len(ncol(G)) * 100, allele1 = "A", allele0 = "G")
  write_plink(prefix, G, bim = bim)
  list(prefix = prefix, G = G, data = data.frame(IID = ids, y = y, age = age, pop = factor(pop)))
}

double_centred <- function(K) {
  K <- K - rowMeans(K)
  K - rep(colMeans(K), each = nrow(K))
}

test_that("gwas() agrees with the scan kernel and with per-SNP lmm() fits with the kinship matrix", {
  ex <- structured_set(n = 120, m = 300)
  res <- gwas(y ~ age, ex$data, ex$prefix, test = "all")
  set <- read_plink(ex$prefix)
  K <- double_centred(kinship(set))
  G <- ex$G[, res$rs]
  G <- apply(G, 2, function(x) replace(x, is.na(x), mean(x, na.rm = TRUE)))
  kernel <- association_tests(ex$data$y, cbind(1, ex$data$age), G, K)
  for (column in c("beta", "se", "l_remle", "l_mle", "p_wald", "p_lrt", "p_score")) {
    expect_equal(res[[column]], kernel[[column]], tolerance = 1e-6, label = column)
  }
  d <- ex$data
  for (j in 1:2) {
    d$x <- G[, j]
    fit <- lmm(y ~ age + x + (1 | IID), d, relmat = list(IID = K))
    expect_equal(res$beta[j], unname(fixef(fit)["x"]), tolerance = 1e-6)
    expect_equal(res$se[j], sqrt(vcov(fit)["x", "x"]), tolerance = 1e-5)
  }
  null <- attr(res, "null")
  fit0 <- lmm(y ~ age + (1 | IID), d, relmat = list(IID = K))
  expect_equal(null$vg, VarCorr(fit0)$IID[1, 1], tolerance = 1e-5)
  expect_equal(null$ve, sigma(fit0)^2, tolerance = 1e-5)
  expect_equal(res$log10p_wald, -log10(res$p_wald), tolerance = 1e-10)
  expect_equal(res$n_miss, unname(colSums(is.na(ex$G[, res$rs]))))
  expect_equal(res$af, unname(colMeans(ex$G[, res$rs], na.rm = TRUE) / 2), tolerance = 1e-12)
})

test_that("on structured data the LMM's genomic-control lambda is near 1 and ordinary regression's is inflated", {
  ex <- structured_set(n = 300, m = 600, shift = 1.5)
  res <- gwas(y ~ 1, ex$data, ex$prefix)
  G <- apply(ex$G[, res$rs], 2, function(x) replace(x, is.na(x), mean(x, na.rm = TRUE)))
  r <- cor(G, ex$data$y)
  t_ols <- r * sqrt((nrow(G) - 2) / (1 - r^2))
  p_ols <- 2 * pt(-abs(t_ols), nrow(G) - 2)
  expect_gt(gc_lambda(p_ols), 1.5)
  expect_lt(abs(gc_lambda(res$p_wald) - 1), 0.15)
})

test_that("SNP filters follow GEMMA's order and say how many each removed", {
  set.seed(8)
  n <- 150
  rare <- c(1, rep(0, n - 1))
  missing <- replace(rbinom(n, 2, 0.5), 1:10, NA)
  one_class <- rep(1, n)
  ex <- structured_set(n = n, m = 80, extra = cbind(rare, missing, one_class, collinear = rbinom(n, 2, 0.4)))
  ex$data$covariate <- ex$G[, 84]
  res <- gwas(y ~ covariate, ex$data, ex$prefix)
  counts <- attr(res, "snps")
  expect_equal(counts[c("missingness", "allele_frequency", "one_class", "collinear")],
               c(missingness = 1L, allele_frequency = 1L, one_class = 1L, collinear = 1L))
  expect_equal(counts[["tested"]], 80L)
  expect_false(any(c("s0081", "s0082", "s0083", "s0084") %in% res$rs))
  expect_output(print(res), "80 tested, 1 missingness, 1 allele frequency, 1 one class, 1 collinear")
})

test_that("individuals without phenotype or covariates, or not in the .fam, are dropped and counted", {
  ex <- structured_set(n = 100, m = 60)
  d <- ex$data
  d$y[1:3] <- NA
  d$age[4] <- NA
  d <- rbind(d, data.frame(IID = "stranger", y = 1, age = 30, pop = "1"))
  res <- gwas(y ~ age, d, ex$prefix)
  expect_equal(attr(res, "individuals"),
               c(data = 101L, missing_values = 4L, not_in_fam = 1L, analysed = 96L))
  kept <- d[-c(1:4, 101), ]
  again <- gwas(y ~ age, kept, ex$prefix)
  expect_equal(res$p_wald, again$p_wald)
})

test_that("factors as covariates, a phenotype with a large mean, and the approximate mode", {
  ex <- structured_set(n = 120, m = 80)
  base <- gwas(y ~ age + pop, ex$data, ex$prefix, test = "all")
  shifted <- ex$data
  shifted$y <- shifted$y + 1e6
  far <- gwas(y ~ age + pop, shifted, ex$prefix, test = "all")
  expect_equal(far$log10p_wald, base$log10p_wald, tolerance = 1e-6)
  expect_equal(far$log10p_lrt, base$log10p_lrt, tolerance = 1e-6)
  expect_equal(far$beta, base$beta, tolerance = 1e-6)
  approx <- gwas(y ~ age + pop, ex$data, ex$prefix, approximate = TRUE)
  expect_true(all(approx$l_remle == attr(approx, "null")$l_remle))
  expect_equal(approx$log10p_wald, base$log10p_wald, tolerance = 0.05)
})

test_that("LOCO tests each chromosome with a kinship matrix that leaves it out", {
  ex <- structured_set(n = 100, m = 120)
  set <- read_plink(ex$prefix)
  res <- gwas(y ~ 1, ex$data, ex$prefix, loco = TRUE)
  expect_equal(rownames(attr(res, "null")), c("1", "2"))
  K1 <- kinship(set, exclude_chr = "1")
  direct <- gwas(y ~ 1, ex$data, ex$prefix, kinship = K1)
  on1 <- res$chr == "1"
  expect_equal(res$p_wald[on1], direct$p_wald[direct$chr == "1"], tolerance = 1e-10)
  expect_false(isTRUE(all.equal(res$p_wald[!on1], direct$p_wald[direct$chr == "2"])))
  given <- gwas(y ~ 1, ex$data, ex$prefix, loco = TRUE,
                kinship = list("1" = K1, "2" = kinship(set, exclude_chr = "2")))
  expect_equal(given$p_wald, res$p_wald)
})

test_that("the scan gives identical results in chunks, on threads and on parallel workers", {
  skip_on_cran()
  ex <- structured_set(n = 100, m = 150)
  serial <- gwas(y ~ age, ex$data, ex$prefix, test = "all", threads = 1)
  threaded <- gwas(y ~ age, ex$data, ex$prefix, test = "all", threads = 3, block_size = 7, chunk_size = 40)
  expect_identical(as.data.frame(threaded), as.data.frame(serial))
  old <- future::plan(future::multicore, workers = 2)
  on.exit(future::plan(old), add = TRUE)
  parallel <- gwas(y ~ age, ex$data, ex$prefix, test = "all", chunk_size = 30)
  expect_identical(as.data.frame(parallel), as.data.frame(serial))
})

test_that("bad input to gwas() gets clear errors", {
  ex <- structured_set(n = 60, m = 40)
  d <- ex$data
  expect_error(gwas(y ~ age, d, ex$prefix, id = "person"), "no column 'person'")
  expect_error(gwas(y ~ age, rbind(d, d[1, ]), ex$prefix), "repeated value.*p001")
  expect_error(gwas(y ~ age + (1 | pop), d, ex$prefix), "covariates only")
  expect_error(gwas(y ~ age, transform(d, IID = paste0("x", IID)), ex$prefix), "no individual is left")
  expect_error(gwas(y ~ age, transform(d, y = 2), ex$prefix), "phenotype 'y' is constant")
  expect_error(gwas(y ~ age, d, ex$prefix, maf = 0.5), "every SNP was filtered out")
  expect_error(gwas(y ~ age, d, ex$prefix, test = "t"), "`test` must be")
  K <- kinship(ex$prefix)
  asym <- K
  asym[1, 2] <- asym[1, 2] + 1
  expect_error(gwas(y ~ age, d, ex$prefix, kinship = asym), "kinship is not symmetric")
  expect_error(gwas(y ~ age, d, ex$prefix, kinship = K - diag(2, nrow(K))), "not positive semi-definite")
  expect_error(gwas(y ~ age, d, ex$prefix, kinship = unname(K)), "must have row and column names")
  expect_error(gwas(y ~ age, d, ex$prefix, kinship = K[-1, -1]), "lacks 1 level.*p001")
  expect_error(gwas(y ~ age, d, ex$prefix, loco = TRUE, kinship = list("1" = K)), "lacks chromosome '2'")
  expect_error(gwas(y ~ age, d, paste0(ex$prefix, "_absent")), "cannot find the PLINK files")
})

test_that("Manhattan and QQ plots draw every tested SNP and check the test asked for", {
  ex <- structured_set(n = 80, m = 60)
  res <- gwas(y ~ 1, ex$data, ex$prefix, test = c("wald", "score"))
  file <- tempfile(fileext = ".png")
  grDevices::png(file)
  expect_identical(plot(res), res)
  expect_identical(plot(res, type = "qq", test = "score"), res)
  grDevices::dev.off()
  expect_gt(file.size(file), 1000)
  expect_error(plot(res, test = "lrt"), "one of the scan's tests: 'wald' and 'score'")
})

test_that("the scan runs when its eigenvectors exceed future's limit on task size, and restores the limit", {
  ex <- structured_set(n = 60, m = 30)
  old <- options(future.globals.maxSize = 1000)
  on.exit(options(old), add = TRUE)
  res <- gwas(y ~ 1, ex$data, ex$prefix)
  expect_gt(nrow(res), 0)
  expect_identical(getOption("future.globals.maxSize"), 1000)
})

test_that("rows and columns of a scan's result keep its description for printing and plotting", {
  ex <- structured_set(n = 80, m = 60)
  res <- gwas(y ~ 1, ex$data, ex$prefix)
  top <- res[order(res$p_wald)[1:3], ]
  expect_s3_class(top, "lmm_gwas")
  expect_identical(attr(top, "null"), attr(res, "null"))
  expect_output(print(top), sprintf("3 rows of a gwas\\(\\) scan of %d SNPs; the 3 with the smallest p \\(wald\\)", nrow(res)))
  expect_output(print(res[, c("rs", "beta")]), "the first 10:")
  expect_output(print(res), "Genomic-control lambda")
  expect_type(res$p_wald, "double")
  expect_identical(res[["rs"]], res$rs)
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot(res[res$chr == "1", ]), res[res$chr == "1", ])
})
