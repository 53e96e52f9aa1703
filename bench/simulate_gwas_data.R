# Simulated GWAS data: a PLINK set with two subpopulations, causal SNPs, missing genotypes and phenotypes.
# Usage: Rscript bench/simulate_gwas_data.R OUT_PREFIX [n] [m] [seed]   (defaults 2000, 20000, 1)
# Or source() it and call simulate_gwas_data(prefix, n, m, seed).

# Balding-Nichols allele frequencies: an ancestral frequency p per SNP, and for each of two
# subpopulations a draw from Beta(p (1 - Fst) / Fst, (1 - p) (1 - Fst) / Fst).
subpopulation_frequencies <- function(m, fst) {
  ancestral <- stats::runif(m, 0.05, 0.95)
  shape <- (1 - fst) / fst
  sapply(1:2, function(k) stats::rbeta(m, ancestral * shape, (1 - ancestral) * shape))
}

# Genotypes of individuals in subpopulation `pop` (1 or 2) for SNPs with frequencies `freq` (m x 2).
draw_genotypes <- function(pop, freq) {
  p <- freq[cbind(rep(seq_len(nrow(freq)), each = length(pop)), rep(pop, nrow(freq)))]
  matrix(stats::rbinom(length(p), 2, p), length(pop))
}

simulate_gwas_data <- function(prefix, n = 2000L, m = 20000L, seed = 1L, fst = 0.05, n_causal = 20L,
                               heritability = 0.4, shift_sd = 0.5, miss_geno = 0.005, miss_pheno = 0.02) {
  set.seed(seed)
  pop <- rep(1:2, length.out = n)
  freq <- subpopulation_frequencies(m, fst)
  G <- draw_genotypes(pop, freq)
  causal <- sort(sample(m, n_causal))
  effect <- stats::rnorm(n_causal)
  genetic <- drop(scale(G[, causal, drop = FALSE], scale = FALSE) %*% effect)
  genetic <- genetic * sqrt(heritability / stats::var(genetic))
  age <- round(stats::runif(n, 20, 70))
  sex <- sample(1:2, n, replace = TRUE)
  y <- genetic + shift_sd * (pop == 2) + 0.01 * (age - 45) + stats::rnorm(n, sd = sqrt(1 - heritability))
  y[sample(n, round(miss_pheno * n))] <- NA
  G[sample(length(G), round(miss_geno * length(G)))] <- NA
  ids <- sprintf("id%05d", seq_len(n))
  chr <- rep(1:10, each = ceiling(m / 10))[seq_len(m)]
  bim <- data.frame(chr = chr, rs = sprintf("snp%06d", seq_len(m)), cm = 0, ps = 1000L * seq_len(m),
                    allele1 = "A", allele0 = "G")
  fam <- data.frame(fid = ids, iid = ids, father = 0, mother = 0, sex = sex, phenotype = y)
  lmmkit::write_plink(prefix, G, fam = fam, bim = bim)
  covariates <- data.frame(IID = ids, y = y, age = age, sex = factor(sex, labels = c("male", "female")),
                           pop = pop)
  utils::write.csv(covariates, paste0(prefix, ".csv"), row.names = FALSE)
  invisible(list(prefix = prefix, causal = bim$rs[causal], effect = effect))
}

if (sys.nframe() == 0L) {
  args <- commandArgs(trailingOnly = TRUE)
  if (length(args) < 1L) stop("usage: Rscript bench/simulate_gwas_data.R OUT_PREFIX [n] [m] [seed]")
  num <- function(i, default) if (length(args) >= i) as.integer(args[[i]]) else default
  out <- simulate_gwas_data(args[[1]], num(2, 2000L), num(3, 20000L), num(4, 1L))
  cat(sprintf("wrote %s.bed/.bim/.fam and %s.csv; causal SNPs: %s\n", out$prefix, out$prefix,
              paste(out$causal, collapse = " ")))
}
