# kinship() against GEMMA 0.98.5 (-gk 1 and -gk 2): stored reference values, and live when gemma is installed.

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
