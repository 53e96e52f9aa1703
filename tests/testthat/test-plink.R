# PLINK sets: writing and reading genotypes, the checks on the files, and kinship() against its definition.

simulated_genotypes <- function(n = 37, m = 60, seed = 7, missing = 0.02) {
  set.seed(seed)
  freq <- runif(m, 0.05, 0.5)
  G <- matrix(vapply(freq, function(p) as.numeric(rbinom(n, 2, p)), numeric(n)), n, m)
  G[sample(length(G), round(missing * length(G)))] <- NA
  dimnames(G) <- list(sprintf("ind%02d", seq_len(n)), sprintf("rs%d", seq_len(m)))
  G
}

# The matrix alone: no names, no attributes.
plain <- function(K) matrix(as.vector(K), nrow(K))

write_set <- function(G, ...) {
  prefix <- tempfile("plink")
  write_plink(prefix, G, ...)
  prefix
}

# K = W W' / m over the SNPs with two or more genotype classes, W centred (and scaled) over the
# matrix's individuals, NA -> 0.
kinship_by_definition <- function(G, standardize = FALSE) {
  G <- G[, apply(G, 2, function(x) length(unique(x[!is.na(x)])) >= 2), drop = FALSE]
  W <- apply(G, 2, function(x) {
    mu <- mean(x, na.rm = TRUE)
    x[is.na(x)] <- mu
    s <- sqrt(mean((x - mu)^2))
    (x - mu) / if (standardize && s > 0) s else 1
  })
  tcrossprod(W) / ncol(W)
}

test_that("genotypes written as a PLINK set read back unchanged", {
  for (n in c(1, 4, 7, 37)) {
    G <- simulated_genotypes(n = n, m = 9)
    prefix <- write_set(G)
    set <- read_plink(prefix)
    expect_s3_class(set, "plink_set")
    expect_identical(set$fam$iid, rownames(G))
    expect_identical(set$bim$rs, colnames(G))
    expect_equal(file.size(paste0(prefix, ".bed")), 3 + 9 * ceiling(n / 4))
    expect_identical(read_genotypes(set, snps = colnames(G)), G)
    expect_identical(read_genotypes(prefix, snps = c(3, 1), ids = rev(rownames(G))),
                     G[rev(rownames(G)), c(3, 1), drop = FALSE])
  }
  expect_output(print(read_plink(prefix)), "37 individuals, 9 SNPs on 1 chromosomes")
})

test_that("the first allele of the .bim is the one counted, as in PLINK", {
  prefix <- tempfile("plink")
  bytes <- as.raw(c(0x6c, 0x1b, 0x01, 0xd8))  # 11 01 10 00 from the last individual to the first
  writeBin(bytes, paste0(prefix, ".bed"))
  writeLines("1 rs1 0 100 A G", paste0(prefix, ".bim"))
  writeLines(paste("f", c("a", "b", "c", "d"), "0 0 1 -9 extra columns"), paste0(prefix, ".fam"))
  set <- read_plink(prefix)
  expect_identical(set$bim$allele1, "A")
  expect_identical(unname(read_genotypes(set, "rs1")[, 1]), c(2, 1, NA, 0))
  expect_true(all(is.na(set$fam$phenotype)))
})

test_that("kinship() is W W' / m, centred or standardized, with missing genotypes at the mean", {
  G <- simulated_genotypes()
  prefix <- write_set(G)
  K <- kinship(prefix, maf = 0, miss = 1)
  expect_equal(plain(K), plain(kinship_by_definition(G)), tolerance = 1e-12)
  expect_identical(dimnames(K), list(rownames(G), rownames(G)))
  expect_identical(attr(K, "snps")[["used"]], ncol(G))
  S <- kinship(prefix, type = "standardized", maf = 0, miss = 1)
  expect_equal(plain(S), plain(kinship_by_definition(G, standardize = TRUE)), tolerance = 1e-12)
  ids <- rownames(G)[c(5, 2, 9, 30)]
  expect_equal(plain(kinship(prefix, ids = ids, maf = 0, miss = 1)),
               plain(kinship_by_definition(G[ids, ])), tolerance = 1e-12)
})

test_that("the result does not depend on the number of threads or the block size", {
  G <- simulated_genotypes(n = 150, m = 80)
  prefix <- write_set(G)
  one <- kinship(prefix, threads = 1, block_size = 80)
  expect_identical(kinship(prefix, threads = 2, block_size = 80), one)
  expect_identical(kinship(prefix, threads = 3, block_size = 80), one)
  expect_equal(kinship(prefix, threads = 2, block_size = 7), one, tolerance = 1e-13)
})

test_that("SNPs are filtered as GEMMA filters them, and the counts are reported", {
  n <- 50
  G <- simulated_genotypes(n = n, m = 10, missing = 0)
  G[1:3, 1] <- NA                  # 6% missing: above miss = 0.05
  G[1:2, 2] <- NA                  # 4% missing: kept
  G[, 3] <- 0                      # allele frequency 0
  G[, 4] <- c(1, rep(0, n - 1))    # frequency 0.01 exactly: kept
  G[, 5] <- 1                      # frequency 0.5, but one genotype class
  G[, 6] <- c(2, rep(2, n - 1))    # frequency 1
  prefix <- write_set(G)
  K <- kinship(prefix)
  expect_identical(attr(K, "snps"), c(used = 6L, excluded = 0L, missingness = 1L,
                                      allele_frequency = 2L, one_class = 1L))
  expect_equal(plain(K), plain(kinship_by_definition(G[, c(2, 4, 7:10)])), tolerance = 1e-12)
  K_filter_rows <- kinship(prefix, filter_ids = rownames(G)[4:n])  # SNP 1 has no missing there
  expect_identical(attr(K_filter_rows, "snps")[["missingness"]], 0L)
})

test_that("leaving out a chromosome (LOCO) and choosing SNPs", {
  G <- simulated_genotypes(m = 30)
  bim <- data.frame(chr = rep(c("1", "2", "X"), each = 10), rs = colnames(G), cm = 0,
                    ps = seq_len(30), allele1 = "A", allele0 = "C")
  prefix <- write_set(G, bim = bim)
  K <- kinship(prefix, exclude_chr = "2", maf = 0, miss = 1)
  expect_identical(attr(K, "snps")[["excluded"]], 10L)
  expect_equal(plain(K), plain(kinship_by_definition(G[, -(11:20)])), tolerance = 1e-12)
  K_snps <- kinship(prefix, snps = colnames(G)[1:5], maf = 0, miss = 1)
  expect_equal(plain(K_snps), plain(kinship_by_definition(G[, 1:5])), tolerance = 1e-12)
  expect_error(kinship(prefix, exclude_chr = "7"), "chromosome '7' is not in the .bim")
})

test_that("malformed PLINK files are clear errors that name the file", {
  G <- simulated_genotypes(n = 10, m = 5)
  prefix <- write_set(G)
  bed <- paste0(prefix, ".bed")
  expect_error(read_plink(tempfile("absent")), "cannot find the PLINK files")
  bytes <- readBin(bed, "raw", 100)
  writeBin(c(as.raw(c(0x6c, 0x1c)), bytes[-(1:2)]), bed)
  expect_error(read_plink(prefix), "is not a PLINK .bed file")
  writeBin(c(bytes[1:2], as.raw(0x00), bytes[-(1:3)]), bed)
  expect_error(read_plink(prefix), "individual-major")
  writeBin(bytes[-length(bytes)], bed)
  expect_error(read_plink(prefix), "has 17 bytes, but 5 SNPs \\(.bim\\) and 10 individuals \\(.fam\\) need 18 \\(truncated\\?\\)")
  writeBin(bytes, bed)
  write("1 extra 0 9 A C", paste0(prefix, ".bim"), append = TRUE)
  expect_error(read_plink(prefix), "need 21")
  writeLines("f i 0 0 1", paste0(prefix, ".fam"))
  expect_error(read_plink(prefix), "\\.fam' must have at least 6 columns .* line 1 has 5")
})

test_that("bad arguments name themselves", {
  G <- simulated_genotypes(n = 10, m = 5)
  prefix <- write_set(G)
  expect_error(read_genotypes(prefix, snps = "rs99"), "SNP 'rs99' is not in the .bim")
  expect_error(read_genotypes(prefix, snps = 6), "positions between 1 and 5")
  expect_error(kinship(prefix, ids = c("ind01", "nobody")), "`ids`: 1 individual\\(s\\) not in the .fam file, such as 'nobody'")
  expect_error(kinship(prefix, ids = c("ind01", "ind01")), "`ids` must be distinct")
  expect_error(kinship(prefix, maf = 0.7), "`maf` must be a single number between 0 and 0.5")
  expect_error(kinship(prefix, threads = 0), "`threads` must be a single whole number")
  expect_error(kinship(prefix, snps = 1, maf = 0.49), "no SNP is left .* 0 used, 1 allele frequency, 4 excluded|no SNP is left")
  expect_error(write_plink(tempfile(), G + 0.5), "dosages 0, 1, 2 or NA; found 2.5")
  expect_error(write_plink(tempfile(), G, fam = data.frame(iid = 1)), "`fam` must be a data frame")
  withr_threads <- options(lmmkit.threads = "two")
  on.exit(options(withr_threads))
  expect_error(lmmkit_threads(), "whole number of at least 1")
})
