# anova() types I-III against lmerTest on unbalanced models with interactions, under treatment and sum contrasts.

anova_type_models <- list(
  oats = list(formula = Y ~ N * V + (1 | B/V), sum = c("N", "V"),
              data = function() MASS::oats[-c(1, 2, 5, 10, 20, 33), ]),
  cake = list(formula = angle ~ recipe * temperature + (1 | recipe:replicate), sum = c("recipe", "temperature"),
              data = function() lme4_data("cake")[-c(3, 50, 51, 100, 170, 200), ]),
  chick = list(formula = weight ~ Time * Diet + (1 | Chick), sum = "Diet",
               data = function() as.data.frame(datasets::ChickWeight)),
  ortho = list(formula = distance ~ age * Sex + I(age^2) + (1 | Subject), sum = "Sex",
               data = function() as.data.frame(nlme::Orthodont)[-c(2, 7, 30, 61), ])
)

# lmerTest 3.1-3 (lme4 1.1-31), anova(lmer(formula, data), type, ddf) with treatment contrasts:
# NumDF, DenDF and F value of each term in turn.
anova_type_reference <- list(
  "oats 1 Satterthwaite" = c(3, 38.396649, 30.337997, 2, 9.0616711, 1.1554852, 6, 38.203623, 0.21983284),
  "oats 1 Kenward-Roger" = c(3, 39.867107, 30.154445, 2, 9.8563702, 1.153194, 6, 39.68509, 0.21826138),
  "oats 2 Satterthwaite" = c(3, 38.087629, 30.324015, 2, 9.0616711, 1.1554852, 6, 38.201557, 0.21983284),
  "oats 2 Kenward-Roger" = c(3, 39.577999, 30.135701, 2, 9.8563702, 1.153194, 6, 39.68509, 0.21826138),
  "oats 3 Satterthwaite" = c(3, 38.108921, 30.20476, 2, 9.1090908, 1.235117, 6, 38.201557, 0.21983284),
  "oats 3 Kenward-Roger" = c(3, 39.599495, 30.013955, 2, 9.9066519, 1.2321763, 6, 39.68509, 0.21826138),
  "cake 1 Satterthwaite" = c(2, 42.031803, 0.2252828, 5, 204.21959, 20.076735, 10, 204.22196, 1.0398558),
  "cake 1 Kenward-Roger" = c(2, 41.985679, 0.22528189, 5, 204.17366, 20.076377, 10, 204.17605, 1.0398166),
  "cake 2 Satterthwaite" = c(2, 42.033398, 0.22353911, 5, 204.21959, 20.076735, 10, 204.22186, 1.0398558),
  "cake 2 Kenward-Roger" = c(2, 41.987272, 0.2235382, 5, 204.17366, 20.076377, 10, 204.17605, 1.0398166),
  "cake 3 Satterthwaite" = c(2, 42.04178, 0.21751588, 5, 204.22336, 20.095475, 10, 204.22191, 1.0398558),
  "cake 3 Kenward-Roger" = c(2, 41.995647, 0.21751491, 5, 204.1775, 20.09511, 10, 204.17605, 1.0398166),
  "chick 1 Satterthwaite" = c(1, 536.00225, 3066.1074, 3, 46.094924, 6.4940373, 3, 526.55625, 43.465714),
  "chick 1 Kenward-Roger" = c(1, 535.61649, 3065.4176, 3, 45.588599, 6.4929396, 3, 526.06672, 43.452754),
  "chick 2 Satterthwaite" = c(1, 528.02061, 3045.2411, 3, 69.516503, 0.58376345, 3, 526.52861, 43.465714),
  "chick 2 Kenward-Roger" = c(1, 527.55146, 3044.4508, 3, 68.787685, 0.58375548, 3, 526.06672, 43.452754),
  "chick 3 Satterthwaite" = c(1, 526.14642, 3141.6571, 3, 69.516503, 0.58376345, 3, 526.52861, 43.465714),
  "chick 3 Kenward-Roger" = c(1, 525.65809, 3141.2843, 3, 68.787685, 0.58375548, 3, 526.06672, 43.452754),
  "ortho 1 Satterthwaite" = c(1, 74.340236, 124.55973, 1, 24.826007, 9.6018891, 1, 74.201591, 0.14225905, 1, 74.043099, 6.5342903),
  "ortho 1 Kenward-Roger" = c(1, 74.414715, 124.5328, 1, 24.900985, 9.60165, 1, 74.276357, 0.14220505, 1, 74.118175, 6.5332535),
  "ortho 2 Satterthwaite" = c(1, 74.213777, 0.25927874, 1, 98.999999, 0.4336853, 1, 74.202528, 0.12958748, 1, 74.043099, 6.5342903),
  "ortho 2 Kenward-Roger" = c(1, 74.288518, 0.25917595, 1, 98.999999, 0.43361874, 1, 74.277292, 0.12953812, 1, 74.118175, 6.5332535),
  "ortho 3 Satterthwaite" = c(1, 74.212671, 0.24185121, 1, 98.999999, 0.4336853, 1, 74.202528, 0.12958748, 1, 74.043099, 6.5342903),
  "ortho 3 Kenward-Roger" = c(1, 74.287415, 0.24175571, 1, 98.999999, 0.43361874, 1, 74.277292, 0.12953812, 1, 74.118175, 6.5332535)
)

anova_columns <- c("NumDF", "DenDF", "F value")

expect_anova_close <- function(got, ref, label, ddf_tol = 1e-4, f_tol = 1e-5) {
  got <- unname(as.matrix(got[anova_columns]))
  ref <- unname(ref)
  expect_equal(got[, 1], ref[, 1], label = paste(label, "NumDF"))
  expect_lt(max(abs(got[, 2] / ref[, 2] - 1)), ddf_tol, label = paste(label, "DenDF"))
  expect_lt(max(abs(got[, 3] / ref[, 3] - 1)), f_tol, label = paste(label, "F value"))
}

sum_contrasts <- function(vars) stats::setNames(rep(list("contr.sum"), length(vars)), vars)

skip_without_data <- function(key) {
  if (key == "cake") skip_if_not_installed("lme4")
  if (key == "oats") skip_if_not_installed("MASS")
}

for (key in names(anova_type_models)) {
  test_that(paste("anova() types I-III agree with lmerTest and do not depend on the coding:", key), {
    skip_without_data(key)
    spec <- anova_type_models[[key]]
    data <- spec$data()
    treatment <- lmm(spec$formula, data)
    summed <- lmm(spec$formula, data, contrasts = sum_contrasts(spec$sum))
    live <- if (requireNamespace("lmerTest", quietly = TRUE)) lmerTest::lmer(spec$formula, data)
    for (type in 1:3) for (ddf in c("Satterthwaite", "Kenward-Roger")) {
      label <- paste(key, "type", type, ddf)
      stored <- matrix(anova_type_reference[[paste(key, type, ddf)]], ncol = 3, byrow = TRUE,
                       dimnames = list(NULL, anova_columns))
      a_trt <- anova(treatment, type = type, ddf = ddf)
      a_sum <- anova(summed, type = type, ddf = ddf)
      expect_anova_close(a_trt, stored, paste(label, "treatment vs stored"))
      # Satterthwaite's multi-row df rotates within tied eigenvalues of L C L', so allow 1e-3 across codings.
      expect_anova_close(a_sum, stored, paste(label, "sum vs stored"), ddf_tol = 1e-3)
      expect_equal(a_sum[["F value"]], a_trt[["F value"]], tolerance = 1e-7, label = paste(label, "sum vs treatment F"))
      if (!is.null(live)) {
        ref <- as.matrix(stats::anova(live, type = type, ddf = ddf)[anova_columns])
        expect_anova_close(a_trt, ref, paste(label, "treatment vs live lmerTest"))
        expect_identical(rownames(a_trt), rownames(ref))
      }
    }
  })
}

test_that("balanced oats: every type gives the classical split-plot F tests", {
  skip_if_not_installed("MASS")
  fit <- lmm(Y ~ N * V + (1 | B/V), MASS::oats)
  for (type in 1:3) {
    a <- anova(fit, type = type)
    expect_equal(a[["F value"]], c(37.68560, 1.485297, 0.3028067), tolerance = 1e-5)
    expect_equal(a$DenDF, c(45, 10, 45), tolerance = 1e-6)
  }
})

test_that("term containment follows SAS: covariates must match, the intercept is no term", {
  tt <- attr(stats::model.frame(y ~ f * x + g + f:g + I(x^2), data.frame(
    y = 1:8, f = gl(2, 4), g = gl(2, 2, 8), x = rnorm(8))), "terms")
  got <- lmmkit:::term_containment(tt)
  expect_identical(got$f, c("f:g"))
  expect_identical(got$g, c("f:g"))
  expect_identical(got$x, c("f:x"))
  expect_identical(got[["I(x^2)"]], character(0))
  expect_identical(got[["f:x"]], character(0))
})
