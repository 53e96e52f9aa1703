# Reading PLINK binary sets: the .fam and .bim tables in R, the .bed genotypes through the engine in blocks.

#' Open a PLINK binary genotype set
#'
#' Reads the `.fam` (individuals) and `.bim` (SNPs) tables of a PLINK binary
#' set and checks the `.bed` file against them: its magic bytes, SNP-major
#' order, and that its size is what the two tables' counts require. The
#' genotypes themselves stay on disk and are read in blocks of SNPs when
#' needed, so a set larger than memory can be used.
#'
#' Genotypes are coded as the number of copies of the `.bim`'s first allele
#' (`allele1`, its fifth column), as PLINK and GEMMA do. A `.fam` with more
#' than six columns is accepted; the first six are used. A phenotype of `-9`
#' or `NA` in the `.fam` is missing.
#'
#' @param prefix Path of the set without extension (`"data/study"` for
#'   `data/study.bed`, `.bim` and `.fam`); a path ending in one of the three
#'   extensions is accepted too.
#' @return An object of class `plink_set`: a list with `bed` (the path of the
#'   `.bed` file), `fam` (a data frame with columns `fid`, `iid`, `father`,
#'   `mother`, `sex`, `phenotype`) and `bim` (columns `chr`, `rs`, `cm`, `ps`,
#'   `allele1`, `allele0`).
#' @seealso [kinship()], [read_genotypes()]
#' @examples
#' prefix <- file.path(system.file("extdata", package = "lmmkit"), "gwas_example")
#' set <- read_plink(prefix)
#' set
#' @export
#' @family genetics
read_plink <- function(prefix) {
  if (!is.character(prefix) || length(prefix) != 1L || is.na(prefix)) {
    stop("`prefix` must be a single path, such as \"data/study\".", call. = FALSE)
  }
  prefix <- sub("\\.(bed|bim|fam)$", "", prefix)
  files <- paste0(prefix, c(".bed", ".bim", ".fam"))
  absent <- files[!file.exists(files)]
  if (length(absent) > 0L) {
    stop("cannot find the PLINK file", if (length(absent) > 1L) "s", " ",
         paste0("'", absent, "'", collapse = ", "), ".", call. = FALSE)
  }
  fam <- read_fam(files[3L])
  bim <- read_bim(files[2L])
  .lmmkit_bed_check(files[1L], nrow(fam), nrow(bim))
  structure(list(bed = files[1L], fam = fam, bim = bim), class = "plink_set")
}

#' @export
print.plink_set <- function(x, ...) {
  cat(sprintf("PLINK set '%s': %d individuals, %d SNPs on %d chromosomes\n",
              sub("\\.bed$", "", x$bed), nrow(x$fam), nrow(x$bim), length(unique(x$bim$chr))))
  invisible(x)
}

#' Whitespace-separated table with at least `ncol` fields per line, all read as text
#' @noRd
read_plink_table <- function(file, ncol, what) {
  fields <- utils::count.fields(file, quote = "", comment.char = "")
  if (length(fields) == 0L) stop("'", file, "' is empty.", call. = FALSE)
  short <- which(is.na(fields) | fields < ncol)
  if (length(short) > 0L) {
    stop(sprintf("'%s' must have at least %d columns (%s), but line %d has %d.", file, ncol, what,
                 short[1L], fields[short[1L]]), call. = FALSE)
  }
  columns <- scan(file, what = as.list(character(max(fields))), quote = "", comment.char = "",
                  fill = TRUE, quiet = TRUE, na.strings = character(0))
  columns[seq_len(ncol)]
}

#' The first six columns of a .fam file
#' @noRd
read_fam <- function(file) {
  cols <- read_plink_table(file, 6L, "FID IID father mother sex phenotype")
  phenotype <- suppressWarnings(as.numeric(cols[[6L]]))
  phenotype[!is.na(phenotype) & phenotype == -9] <- NA
  data.frame(fid = cols[[1L]], iid = cols[[2L]], father = cols[[3L]], mother = cols[[4L]],
             sex = suppressWarnings(as.integer(cols[[5L]])), phenotype = phenotype,
             stringsAsFactors = FALSE)
}

#' The six columns of a .bim file
#' @noRd
read_bim <- function(file) {
  cols <- read_plink_table(file, 6L, "chromosome SNP cM position allele1 allele0")
  ps <- suppressWarnings(as.numeric(cols[[4L]]))
  if (anyNA(ps)) {
    stop(sprintf("'%s': the position (column 4) of SNP '%s' is not a number.", file,
                 cols[[2L]][which(is.na(ps))[1L]]), call. = FALSE)
  }
  data.frame(chr = cols[[1L]], rs = cols[[2L]], cm = suppressWarnings(as.numeric(cols[[3L]])),
             ps = ps, allele1 = cols[[5L]], allele0 = cols[[6L]], stringsAsFactors = FALSE)
}

#' Genotypes of a PLINK set as a matrix
#'
#' Dosages (copies of `allele1`: 0, 1 or 2; `NA` when missing) of chosen SNPs
#' for chosen individuals. Meant for a few SNPs at a time; [kinship()] and
#' genome-wide scans read the file in blocks themselves.
#'
#' @param set A `plink_set` from [read_plink()], or the prefix of one.
#' @param snps SNPs to read: names (the `.bim`'s `rs` column), positions in the
#'   `.bim`, or a logical vector with one value per SNP.
#' @param ids Individual IDs (the `.fam`'s `iid` column) in the order wanted;
#'   `NULL` for all.
#' @return A matrix with one row per individual and one column per SNP,
#'   named by IID and SNP name.
#' @examples
#' prefix <- file.path(system.file("extdata", package = "lmmkit"), "gwas_example")
#' G <- read_genotypes(prefix, snps = c("snp000001", "snp000002"))
#' head(G)
#' colMeans(G, na.rm = TRUE) / 2   # frequencies of the .bim's first allele
#' @export
#' @family genetics
read_genotypes <- function(set, snps, ids = NULL) {
  set <- as_plink_set(set)
  index <- snp_index(set, snps)
  rows <- individual_rows(set, ids)
  G <- .lmmkit_bed_read(set$bed, nrow(set$fam), nrow(set$bim), index - 1L, rows - 1L)
  G[is.nan(G)] <- NA_real_
  dimnames(G) <- list(set$fam$iid[rows], set$bim$rs[index])
  G
}

#' A plink_set from a plink_set or a prefix
#' @noRd
as_plink_set <- function(set) {
  if (inherits(set, "plink_set")) return(set)
  if (is.character(set)) return(read_plink(set))
  stop("the genotypes must be a PLINK set from read_plink() or the prefix of its files.", call. = FALSE)
}

#' 1-based .bim rows of SNPs given by name, position or logical
#' @noRd
snp_index <- function(set, snps, arg = "snps") {
  m <- nrow(set$bim)
  if (is.logical(snps)) {
    if (length(snps) != m || anyNA(snps)) {
      stop(sprintf("`%s` as a logical vector needs one TRUE/FALSE per SNP (%d), without NA.", arg, m),
           call. = FALSE)
    }
    return(which(snps))
  }
  if (is.character(snps)) {
    index <- match(snps, set$bim$rs)
    if (anyNA(index)) {
      stop(sprintf("`%s`: SNP '%s' is not in the .bim file.", arg, snps[is.na(index)][1L]), call. = FALSE)
    }
    return(index)
  }
  if (is.numeric(snps) && !anyNA(snps) && all(snps >= 1 & snps <= m & snps == round(snps))) {
    return(as.integer(snps))
  }
  stop(sprintf("`%s` must be SNP names, positions between 1 and %d, or a logical vector.", arg, m),
       call. = FALSE)
}

#' 1-based .fam rows of individuals given by IID (all when NULL)
#' @noRd
individual_rows <- function(set, ids, arg = "ids") {
  iid <- set$fam$iid
  if (is.null(ids)) {
    if (anyDuplicated(iid)) {
      stop(sprintf("the .fam of '%s' has the IID '%s' more than once; individuals must be unique.",
                   set$bed, iid[anyDuplicated(iid)]), call. = FALSE)
    }
    return(seq_along(iid))
  }
  ids <- as.character(ids)
  if (anyNA(ids) || anyDuplicated(ids)) {
    stop(sprintf("`%s` must be distinct IIDs without NA ('%s' is repeated or missing).", arg,
                 ids[is.na(ids) | duplicated(ids)][1L]), call. = FALSE)
  }
  rows <- match(ids, iid)
  ambiguous <- ids[ids %in% iid[duplicated(iid)]]
  if (length(ambiguous) > 0L) {
    stop(sprintf("the IID '%s' appears more than once in the .fam of '%s'.", ambiguous[1L], set$bed),
         call. = FALSE)
  }
  if (anyNA(rows)) {
    stop(sprintf("`%s`: %d individual(s) not in the .fam file, such as '%s'.", arg, sum(is.na(rows)),
                 ids[is.na(rows)][1L]), call. = FALSE)
  }
  rows
}
