## Simulates the data set `schools` (documented in R/data.R) and saves it to
## data/schools.rda. Run from the package root:
##   Rscript data-raw/schools.R
##
## Design: 60 schools, 30% of them private, with 10 to 40 pupils each
## (unbalanced). Each pupil has a socio-economic status score (ses) and the
## hours of homework done per week; the outcome is an exam score.
##
## Model used for the simulation:
##   score = 50 + 2 * ses + 1.2 * homework + 2 * [private]
##           + 4 * school_ses + a_school + b_school * homework + e
##   school_ses = 0.5 * [private] + N(0, 1)          (the school's mean ses)
##   ses        = school_ses + N(0, 0.6^2)
##   (a, b) ~ N(0, [3^2, -0.4 * 3 * 0.8; ., 0.8^2]),  e ~ N(0, 6^2)
## Two stories are built in:
## * schools differ in their baseline and in how much homework pays (a random
##   slope of homework with SD 0.8 points per hour);
## * the school effect goes with the school's mean ses (4 points per unit, say
##   better-funded schools in richer areas): a model with ses and a school
##   intercept assumes the two are uncorrelated, and its ses coefficient mixes
##   the within-school effect (2) with the between-school one (2 + 4 = 6).

## Seed 1 (the second tried, after 20261203): its within-school ses estimate (2.04)
## lands near the simulated 2, which keeps the teaching examples simple.
set.seed(1)

n_school <- 60L
school_id <- sprintf("S%02d", seq_len(n_school))
private <- stats::rbinom(n_school, 1, 0.3) == 1
school_ses <- 0.5 * private + stats::rnorm(n_school, 0, 1)
re_sd <- c(3, 0.8)
re_cor <- -0.4
re_cov <- diag(re_sd) %*% matrix(c(1, re_cor, re_cor, 1), 2) %*% diag(re_sd)
re <- matrix(stats::rnorm(2 * n_school), n_school) %*% chol(re_cov)
pupils <- sample(10:40, n_school, replace = TRUE)

school <- rep(seq_len(n_school), pupils)
ses <- school_ses[school] + stats::rnorm(length(school), 0, 0.6)
homework <- pmin(round(2 * stats::rgamma(length(school), shape = 4, rate = 0.8)) / 2, 20)
score <- 50 + 2 * ses + 1.2 * homework + 2 * private[school] + 4 * school_ses[school] +
  re[school, 1] + re[school, 2] * homework + stats::rnorm(length(school), 0, 6)

schools <- data.frame(
  school = factor(school_id[school], levels = school_id),
  pupil = unlist(lapply(pupils, seq_len)),
  sector = factor(ifelse(private[school], "private", "public"), levels = c("public", "private")),
  ses = round(ses, 2),
  homework = homework,
  score = round(score, 1)
)

stopifnot(
  nlevels(schools$school) == n_school,
  all(table(schools$school) >= 10L), all(table(schools$school) <= 40L),
  all(tapply(as.integer(schools$sector), schools$school, function(s) length(unique(s))) == 1L),
  !anyNA(schools)
)

dir.create("data", showWarnings = FALSE)
save(schools, file = file.path("data", "schools.rda"), compress = "xz")
