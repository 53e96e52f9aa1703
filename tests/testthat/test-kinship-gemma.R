# kinship() and gwas() against GEMMA 0.98.5 (-gk 1, -gk 2, -lmm 4): stored reference values, and live when gemma is
# installed.

# 60 individuals in two groups, 300 SNPs, 90 missing genotypes, two missing phenotypes; SNP 5 is
# monomorphic, SNP 6 has 4 of 58 genotypes missing, SNP 7 is all heterozygous.
make_gemma_test_set <- function(prefix) {
  set.seed(20261201)
  n <- 60
  m <- 300
  pop <- rep(1:2, each = n / 2)
  base <- runif(m, 0.05, 0.95)
  freq <- cbind(pmin(pmax(base + rnorm(m, 0, 0.1), 0.01), 0.99),
                pmin(pmax(base + rnorm(m, 0, 0.1), 0.01), 0.99))
  G <- t(sapply(pop, function(k) rbinom(m, 2, freq[, k])))
  G[sample(length(G), 90)] <- NA
  G[, 5] <- 0
  G[1:4, 6] <- NA
  G[, 7] <- 1
  y <- rnorm(n) + 0.5 * pop
  y[c(3, 17)] <- NA
  ids <- sprintf("s%02d", seq_len(n))
  write_plink(prefix, G, fam = data.frame(fid = ids, iid = ids, father = 0, mother = 0, sex = 1,
                                          phenotype = y))
  read_plink(prefix)
}

# GEMMA 0.98.5 on this set: 292 SNPs analysed; entries [i, i] for i = 1, 7, 30, 60, and sum(K^2).
gemma_reference <- list(
  centered = list(
    K = matrix(c(0.363854261300, -0.026087900460, 0.031624738570, -0.017853536020,
                 -0.026087900460, 0.331490725800, 0.021792253760, -0.007964717095,
                 0.031624738570, 0.021792253760, 0.357900306900, 0.013701950260,
                 -0.017853536020, -0.007964717095, 0.013701950260, 0.355068496700), 4),
    sum_squares = 10.3818056119),
  standardized = list(
    K = matrix(c(1.02148661100, -0.05361381373, 0.12136673310, -0.08480846262,
                 -0.05361381373, 0.88322644750, 0.04851667329, -0.03155440242,
                 0.12136673310, 0.04851667329, 0.96137259590, 0.01648899401,
                 -0.08480846262, -0.03155440242, 0.01648899401, 1.02774567500), 4),
    sum_squares = 80.8582107035))

gemma_kinship_live <- function(set, gk) {
  out <- tempfile("gemma")
  status <- system2("gemma", c("-bfile", sub("\\.bed$", "", set$bed), "-gk", gk, "-o", "k",
                               "-outdir", out), stdout = FALSE, stderr = FALSE)
  if (status != 0) return(NULL)
  as.matrix(utils::read.table(file.path(out, sprintf("k.%sXX.txt", c("c", "s")[gk]))))
}

test_that("kinship() agrees with GEMMA's -gk 1 and -gk 2", {
  set <- make_gemma_test_set(tempfile("gk"))
  with_phenotype <- set$fam$iid[!is.na(set$fam$phenotype)]
  pick <- c(1, 7, 30, 60)
  for (gk in 1:2) {
    type <- names(gemma_reference)[gk]
    K <- kinship(set, type = type, filter_ids = with_phenotype)
    expect_identical(attr(K, "snps")[["used"]], 292L)
    expect_equal(unname(K[pick, pick]), gemma_reference[[type]]$K, tolerance = 1e-9)
    expect_equal(sum(K^2), gemma_reference[[type]]$sum_squares, tolerance = 1e-10)
    if (nzchar(Sys.which("gemma"))) {
      live <- gemma_kinship_live(set, gk)
      expect_false(is.null(live))
      expect_lt(max(abs(live - K)), 1e-8)
    }
  }
})

# A polygenic phenotype for the same set (200 SNPs with effects), missing where the .fam's is.
polygenic_phenotype <- function(set) {
  G <- read_genotypes(set, 1:300)
  G[is.na(G)] <- 1
  set.seed(7)
  S <- G[, 101:300]
  S <- scale(S[, apply(S, 2, sd) > 0])
  score <- drop(S %*% rnorm(ncol(S)))
  y <- 2 * score / sd(score) + rnorm(nrow(G))
  y[c(3, 17)] <- NA
  data.frame(IID = set$fam$iid, y = y)
}

# GEMMA 0.98.5 -gk 1 then -lmm 4 with this phenotype (-p): 292 SNPs; rows 1, 50, 100, 200, 292 of its output.
# The SNP models' ML variance ratios are all at the upper bound 1e5, and snp54's REML one at the lower bound.
gemma_lmm4 <- data.frame(
  rs = c("snp1", "snp54", "snp104", "snp207", "snp300"),
  beta = c(-0.2068623, 0.5027542, 0.2001814, -0.3261220, 0.01029281),
  se = c(0.4762141, 0.3940101, 0.5292410, 0.5143772, 0.4441643),
  l_remle = c(1.119020, 1e-5, 0.8649635, 0.9123348, 0.9451510),
  p_wald = c(0.6656750, 0.2072250, 0.7066806, 0.5286535, 0.9815943),
  p_lrt = c(0.6328685, 0.9909836, 0.9338578, 0.6868143, 0.8619802),
  p_score = c(0.6350600, 0.9910238, 0.9341557, 0.6885560, 0.8626249))
gemma_null <- c(pve = 0.238298, pve_se = 0.384925, vg = 3.39543, ve = 3.8247)

test_that("gwas() agrees with GEMMA's -lmm 4, at interior and boundary variance ratios", {
  set <- make_gemma_test_set(tempfile("lmm"))
  d <- polygenic_phenotype(set)
  res <- gwas(y ~ 1, d, set, test = "all")
  expect_identical(attr(res, "snps")[["tested"]], 292L)
  ours <- res[match(gemma_lmm4$rs, res$rs), ]
  for (p in c("p_wald", "p_lrt", "p_score")) {
    expect_lt(max(abs(log10(ours[[p]]) - log10(gemma_lmm4[[p]]))), 1e-5)
  }
  expect_lt(max(abs(ours$beta - gemma_lmm4$beta) / gemma_lmm4$se), 1e-5)
  expect_equal(ours$l_remle, gemma_lmm4$l_remle, tolerance = 1e-5)
  expect_true(all(ours$l_mle == 1e5))
  null <- attr(res, "null")
  expect_equal(unlist(null[c("pve", "pve_se", "vg", "ve")]), gemma_null, tolerance = 1e-5,
               ignore_attr = TRUE)
  if (nzchar(Sys.which("gemma"))) {
    out <- tempfile("gemma")
    dir.create(out)
    pheno <- file.path(out, "pheno.txt")
    writeLines(ifelse(is.na(d$y), "NA", format(d$y, digits = 17)), pheno)
    bfile <- sub("\\.bed$", "", set$bed)
    gemma <- function(...) system2("gemma", c("-bfile", bfile, "-p", pheno, ..., "-outdir", out), stdout = FALSE,
                                   stderr = FALSE)
    gemma("-gk", "1", "-o", "k")
    gemma("-k", file.path(out, "k.cXX.txt"), "-lmm", "4", "-o", "a")
    live <- utils::read.table(file.path(out, "a.assoc.txt"), header = TRUE)
    expect_identical(live$rs, res$rs)
    for (p in c("p_wald", "p_lrt", "p_score")) {
      expect_lt(max(abs(log10(live[[p]]) - log10(res[[p]]))), 1e-5)
    }
    expect_lt(max(abs(live$beta - res$beta) / live$se), 1e-5)
  }
})
