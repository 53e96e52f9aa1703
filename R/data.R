#' Flight times of homing pigeons before and after a change of feed
#'
#' Simulated training-flight times of 30 homing pigeons kept in 6 lofts.
#' Each bird was timed on 4 to 8 flights over the same course (unbalanced):
#' its first 2 to 4 flights on the old feed, the rest after a switch to a new
#' feed. Flights of the same bird are correlated (the intraclass correlation
#' is about 0.5 on the old feed), and the new feed shortens the flight time by
#' about 4 minutes on average but by different amounts in different birds, so
#' the data suit a random-intercept model such as
#' `lmm(time ~ feed + (1 | bird), data = pigeons)` and its extension with a
#' random slope, `(feed | bird)`; `loft` allows the nested model
#' `(1 | loft/bird)` and `weight` a bird-level covariate.
#'
#' @format A data frame with 192 rows and 6 columns:
#' \describe{
#'   \item{`bird`}{Factor with 30 levels `"B01"` to `"B30"`: the pigeon.}
#'   \item{`loft`}{Factor with 6 levels `"L1"` to `"L6"`: the loft the bird
#'     lives in (5 birds per loft; birds are nested in lofts).}
#'   \item{`flight`}{Integer: the number of the flight within the bird,
#'     `1, 2, ...` in time order.}
#'   \item{`feed`}{Factor with levels `"before"` (the old feed, the reference
#'     level) and `"after"` (the new feed).}
#'   \item{`time`}{Numeric: the flight time in minutes.}
#'   \item{`weight`}{Numeric: the bird's body weight in grams, measured once
#'     (constant within a bird).}
#' }
#' @source Simulated, not real measurements: generated with a fixed seed by
#'   `data-raw/pigeons.R` in the package sources (loft SD 3, bird SD 4, SD
#'   of the birds' responses to the feed 4, residual SD 5 minutes; feed
#'   effect -4 minutes on average; 0.02 minutes per gram).
#' @examples
#' str(pigeons)
#' with(pigeons, tapply(time, feed, mean))
#' @family data sets
"pigeons"

#' Exam scores of pupils in schools
#'
#' Simulated exam scores of 1,423 pupils in 60 schools (10 to 40 pupils per
#' school), with a pupil's socio-economic status and homework time and the
#' school's sector. Two stories are built in. Schools differ in their baseline
#' and in how much an hour of homework pays, so the data suit a random slope,
#' `lmm(score ~ ses + homework + sector + (homework | school), data = schools)`.
#' And the school effect goes with the school's mean socio-economic status, so
#' the random intercept is correlated with `ses`: the pooled `ses` coefficient
#' of that model mixes the within-school effect (2 points per unit in the
#' simulation) with the between-school one (6), which [check_confounding()]
#' detects and its within-between decomposition separates.
#'
#' @format A data frame with 1,423 rows and 6 columns:
#' \describe{
#'   \item{`school`}{Factor with 60 levels `"S01"` to `"S60"`: the school.}
#'   \item{`pupil`}{Integer: the pupil's number within the school.}
#'   \item{`sector`}{Factor with levels `"public"` (the reference level) and
#'     `"private"`: the school's sector (constant within a school).}
#'   \item{`ses`}{Numeric: the pupil's socio-economic status score (school
#'     means range over about 4 units; pupils vary with SD 0.6 around them).}
#'   \item{`homework`}{Numeric: hours of homework per week, in half hours.}
#'   \item{`score`}{Numeric: the exam score.}
#' }
#' @source Simulated, not real measurements: generated with a fixed seed by
#'   `data-raw/schools.R` in the package sources (school intercept SD 3,
#'   homework-slope SD 0.8, their correlation -0.4, residual SD 6; effects:
#'   `ses` 2 within schools, 4 more per unit of the school's mean `ses`,
#'   homework 1.2 per hour, private sector 2).
#' @seealso [check_confounding()], and the `pigeons` data for repeated measures.
#' @examples
#' str(schools)
#' fit <- lmm(score ~ ses + homework + sector + (homework | school), data = schools)
#' VarCorr(fit)
#' check_confounding(fit, covariates = "ses")
#' @family data sets
"schools"

#' A small PLINK data set for genome-wide association examples
#'
#' Simulated genotypes of 400 individuals at 4,000 SNPs, in PLINK's binary
#' format (`gwas_example.bed`, `.bim`, `.fam`), with a phenotype and
#' covariates in `gwas_example.csv`, installed in the package's `extdata`
#' folder. The individuals come from two subpopulations whose allele
#' frequencies differ (Fst 0.05) and whose phenotype means differ by 0.5:
#' population structure that inflates the tests of ordinary regression
#' (genomic-control lambda about 2) but not those of the mixed model with a
#' kinship matrix (about 1). Five SNPs are causal and explain half of the
#' phenotype's variance between them.
#'
#' @format Files, found with
#'   `system.file("extdata", "gwas_example.bed", package = "lmmkit")`:
#' \describe{
#'   \item{`gwas_example.bed`}{SNP-major genotypes, 0.5% of them missing.}
#'   \item{`gwas_example.bim`}{SNPs `"snp000001"` to `"snp004000"`, 400 on
#'     each of chromosomes 1 to 10, alleles `A` and `G`.}
#'   \item{`gwas_example.fam`}{Individuals `"id00001"` to `"id00400"`.}
#'   \item{`gwas_example.csv`}{Columns `IID` (matching the `.fam`), `y` (the
#'     phenotype, 2% missing), `age` (years), `sex` (`"male"` or
#'     `"female"`) and `pop` (the subpopulation, 1 or 2, alternating).}
#' }
#' @source Simulated by `data-raw/gwas_example.R` in the package sources
#'   (with the simulator `bench/simulate_gwas_data.R`): causal SNPs
#'   `snp000568`, `snp000984`, `snp001989`, `snp003260` and `snp003992`.
#' @seealso [gwas()], [read_plink()], [kinship()], [gc_lambda()]
#' @keywords datasets
#' @name gwas_example
#' @examples
#' prefix <- file.path(system.file("extdata", package = "lmmkit"), "gwas_example")
#' pheno <- read.csv(paste0(prefix, ".csv"))
#' table(pheno$pop)
#' read_plink(prefix)
#' @family data sets
NULL
