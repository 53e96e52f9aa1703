# Writing a genotype matrix as a PLINK binary set (.bed/.bim/.fam), all three files or none.

#' Write genotypes as a PLINK binary set
#'
#' Writes a SNP-major `.bed` file with its `.bim` and `.fam`, for simulated
#' data or to pass genotypes to other tools. The three files are written
#' under temporary names and renamed at the end, so an error leaves no
#' partial set behind.
#'
#' @param prefix Path of the set without extension.
#' @param genotypes A numeric matrix, one row per individual and one column
#'   per SNP, of dosages 0, 1, 2 (copies of `allele1`) or `NA`.
#' @param fam A data frame with the `.fam` columns `fid`, `iid`, `father`,
#'   `mother`, `sex`, `phenotype` (`NA` written as `-9`); by default the row
#'   names of `genotypes` (or `id1`, `id2`, ...) as FID and IID and unknown
#'   parents, sex and phenotype.
#' @param bim A data frame with the `.bim` columns `chr`, `rs`, `cm`, `ps`,
#'   `allele1`, `allele0`; by default chromosome 1, the column names of
#'   `genotypes` (or `snp1`, ...), positions 1, 2, ... and alleles A and B.
#' @return `prefix`, invisibly.
#' @seealso [read_plink()]
#' @examples
#' G <- matrix(c(0, 1, 2, NA, 2, 1), 3, 2)
#' prefix <- file.path(tempdir(), "tiny")
#' write_plink(prefix, G)
#' read_genotypes(prefix, snps = 1:2)
#' @export
#' @family genetics
write_plink <- function(prefix, genotypes, fam = NULL, bim = NULL) {
  check_genotype_matrix(genotypes)
  n <- nrow(genotypes)
  m <- ncol(genotypes)
  fam <- fam %||% default_fam(rownames(genotypes) %||% paste0("id", seq_len(n)))
  bim <- bim %||% default_bim(colnames(genotypes) %||% paste0("snp", seq_len(m)))
  check_table(fam, c("fid", "iid", "father", "mother", "sex", "phenotype"), n, "fam", "individuals (rows)")
  check_table(bim, c("chr", "rs", "cm", "ps", "allele1", "allele0"), m, "bim", "SNPs (columns)")
  files <- paste0(prefix, c(".bed", ".bim", ".fam"))
  temporary <- paste0(files, ".partial")
  on.exit(unlink(temporary[file.exists(temporary)]), add = TRUE)
  write_bed(temporary[1L], genotypes)
  utils::write.table(bim[c("chr", "rs", "cm", "ps", "allele1", "allele0")], temporary[2L],
                     quote = FALSE, sep = "\t", row.names = FALSE, col.names = FALSE)
  fam$phenotype[is.na(fam$phenotype)] <- -9
  utils::write.table(fam[c("fid", "iid", "father", "mother", "sex", "phenotype")], temporary[3L],
                     quote = FALSE, sep = " ", row.names = FALSE, col.names = FALSE)
  if (!all(file.rename(temporary, files))) stop("could not write the PLINK set '", prefix, "'.", call. = FALSE)
  invisible(prefix)
}

#' Write the .bed file: the magic bytes, then the SNPs in chunks of 1,000
#' @noRd
write_bed <- function(file, genotypes) {
  con <- file(file, "wb")
  on.exit(close(con))
  writeBin(as.raw(c(0x6c, 0x1b, 0x01)), con)
  for (first in seq(1L, ncol(genotypes), by = 1000L)) {
    chunk <- first:min(ncol(genotypes), first + 999L)
    writeBin(encode_bed(genotypes[, chunk, drop = FALSE]), con)
  }
}

#' The bytes of a SNP-major .bed body: four genotypes a byte, low bits first
#' @noRd
encode_bed <- function(genotypes) {
  n <- nrow(genotypes)
  per_snp <- (n + 3L) %/% 4L
  code <- c(3L, 2L, 0L)[genotypes + 1L]  # 0 copies: 11, 1 copy: 10, 2 copies: 00
  code[is.na(code)] <- 1L                 # missing: 01
  dim(code) <- dim(genotypes)
  padded <- matrix(0L, 4L * per_snp, ncol(genotypes))
  padded[seq_len(n), ] <- code
  quads <- array(padded, c(4L, per_snp * ncol(genotypes)))
  as.raw(colSums(quads * c(1L, 4L, 16L, 64L)))
}

#' Stop unless genotypes is a numeric matrix of 0, 1, 2 and NA
#' @noRd
check_genotype_matrix <- function(genotypes) {
  if (!is.matrix(genotypes) || !is.numeric(genotypes) || nrow(genotypes) == 0L || ncol(genotypes) == 0L) {
    stop("`genotypes` must be a numeric matrix with at least one individual (row) and one SNP (column).",
         call. = FALSE)
  }
  bad <- !is.na(genotypes) & !(genotypes %in% c(0, 1, 2))
  if (any(bad)) {
    stop("`genotypes` must hold dosages 0, 1, 2 or NA; found ", genotypes[bad][1L], ".", call. = FALSE)
  }
}

#' Stop unless a .fam/.bim table has the columns and rows needed
#' @noRd
check_table <- function(table, columns, rows, arg, what) {
  if (!is.data.frame(table) || !all(columns %in% names(table)) || nrow(table) != rows) {
    stop(sprintf("`%s` must be a data frame with columns %s and one row per %s (%d).", arg,
                 paste(columns, collapse = ", "), sub(" .*", "", what), rows), call. = FALSE)
  }
}

#' .fam rows for IDs with unknown parents, sex and phenotype
#' @noRd
default_fam <- function(ids) {
  data.frame(fid = ids, iid = ids, father = 0, mother = 0, sex = 0, phenotype = NA_real_)
}

#' .bim rows on chromosome 1 at positions 1, 2, ...
#' @noRd
default_bim <- function(rs) {
  data.frame(chr = "1", rs = rs, cm = 0, ps = seq_along(rs), allele1 = "A", allele0 = "B")
}
