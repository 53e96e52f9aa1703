# Likelihood-ratio tests between lmm fits: agreement with lme4's anova.merMod, and the errors.

sleep_data <- function() {
  env <- new.env()
  utils::data("sleepstudy", package = "lme4", envir = env)
  env$sleepstudy
}

# Until the lead wires anova.lmm(): the multi-model entry point with explicit names.
lrt <- function(...) {
  mods <- list(...)
  do.call(lmmkit:::anova_lmm_models, c(unname(mods), list(model_names = names(mods))))
}

expect_lrt_agrees <- function(ours, ref) {
  expect_s3_class(ours, c("anova", "data.frame"), exact = TRUE)
  expect_identical(names(ours), c("npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)"))
  expect_identical(rownames(ours), rownames(ref))
  expect_identical(ours$npar, ref$npar)
  expect_identical(ours$Df, ref$Df)
  for (col in c("AIC", "BIC", "logLik", "deviance", "Chisq")) {
    expect_equal(ours[[col]], ref[[col]], tolerance = 1e-6, label = col)
  }
  expect_equal(ours[["Pr(>Chisq)"]], ref[["Pr(>Chisq)"]], tolerance = 1e-4)
}

test_that("random-effect comparison agrees with lme4's anova(), REML fits refitted by ML", {
  skip_if_not_installed("lme4")
  ss <- sleep_data()
  fit1 <- lmm(Reaction ~ Days + (1 | Subject), data = ss)
  fit2 <- lmm(Reaction ~ Days + (Days | Subject), data = ss)
  ref1 <- lme4::lmer(Reaction ~ Days + (1 | Subject), data = ss)
  ref2 <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = ss)
  expect_message(ours <- lrt(fit2 = fit2, fit1 = fit1),
                 "refitting model(s) with ML (instead of REML)", fixed = TRUE)
  ref <- suppressMessages(anova(ref2, ref1, model.names = c("fit2", "fit1")))
  expect_lrt_agrees(ours, ref)
  expect_identical(rownames(ours), c("fit1", "fit2")) # ordered by number of parameters
  expect_identical(attr(ours, "heading"), c("Data: ss", "Models:",
                                            "fit1: Reaction ~ Days + (1 | Subject)",
                                            "fit2: Reaction ~ Days + (Days | Subject)"))
  expect_output(print(ours), "Pr(>Chisq)", fixed = TRUE)
})

test_that("fixed-effect comparison agrees with lme4's anova()", {
  skip_if_not_installed("lme4")
  ss <- sleep_data()
  fit1 <- lmm(Reaction ~ 1 + (Days | Subject), data = ss)
  fit2 <- lmm(Reaction ~ Days + (Days | Subject), data = ss)
  ref1 <- lme4::lmer(Reaction ~ 1 + (Days | Subject), data = ss)
  ref2 <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = ss)
  ours <- suppressMessages(lrt(fit1 = fit1, fit2 = fit2))
  ref <- suppressMessages(anova(ref1, ref2, model.names = c("fit1", "fit2")))
  expect_lrt_agrees(ours, ref)
  # ML fits are used as they are (no message), and give the same table
  ml1 <- lmm(Reaction ~ 1 + (Days | Subject), data = ss, REML = FALSE)
  ml2 <- lmm(Reaction ~ Days + (Days | Subject), data = ss, REML = FALSE)
  expect_silent(ours_ml <- lrt(fit1 = ml1, fit2 = ml2))
  expect_equal(ours_ml$Chisq, ours$Chisq, tolerance = 1e-6)
})

test_that("three models are ordered and each is tested against the previous one", {
  skip_if_not_installed("lme4")
  ss <- sleep_data()
  m0 <- lmm(Reaction ~ Days + (1 | Subject), data = ss, REML = FALSE)
  m1 <- lmm(Reaction ~ Days + (Days || Subject), data = ss, REML = FALSE)
  m2 <- lmm(Reaction ~ Days + (Days | Subject), data = ss, REML = FALSE)
  r0 <- lme4::lmer(Reaction ~ Days + (1 | Subject), data = ss, REML = FALSE)
  r1 <- lme4::lmer(Reaction ~ Days + (Days || Subject), data = ss, REML = FALSE)
  r2 <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = ss, REML = FALSE)
  ours <- lrt(m2 = m2, m0 = m0, m1 = m1)
  ref <- anova(r2, r0, r1, model.names = c("m2", "m0", "m1"))
  expect_identical(rownames(ours), c("m0", "m1", "m2"))
  expect_lrt_agrees(ours, ref)
})

test_that("refit = FALSE keeps REML fits and warns when criteria are mixed", {
  ss <- sleep_data()
  reml <- lmm(Reaction ~ Days + (1 | Subject), data = ss)
  ml <- lmm(Reaction ~ Days + (Days | Subject), data = ss, REML = FALSE)
  expect_warning(tab <- lmmkit:::anova_lmm_models(reml, ml, model_names = c("a", "b"), refit = FALSE),
                 "some models fit with REML = TRUE, some not")
  expect_equal(tab["a", "logLik"], as.numeric(logLik(reml)))
})

test_that("model names are deparsed from the call, generic names when they clash", {
  ss <- sleep_data()
  fit1 <- lmm(Reaction ~ Days + (1 | Subject), data = ss)
  names_of <- function(object, ...) lmmkit:::anova_model_names(match.call(expand.dots = FALSE))
  expect_identical(names_of(fit1, update(fit1, REML = FALSE)), c("fit1", "update(fit1, REML = FALSE)"))
  expect_warning(nms <- names_of(fit1, fit1), "generic names")
  expect_identical(nms, c("MODEL1", "MODEL2"))
  expect_error(lmmkit:::anova_lmm_models(fit1, fit1, model_names = "a"), "one per model, not 1")
  expect_warning(tab <- suppressMessages(lmmkit:::anova_lmm_models(fit1, fit1, model_names = c("a", "a"))),
                 "generic names")
  expect_identical(rownames(tab), c("MODEL1", "MODEL2"))
  expect_identical(tab$Df[2], 0)
})

test_that("models fitted to different data are an error that says why", {
  ss <- sleep_data()
  fit1 <- lmm(Reaction ~ Days + (1 | Subject), data = ss, REML = FALSE)
  fewer <- lmm(Reaction ~ Days + (Days | Subject), data = ss[ss$Days < 9, ], REML = FALSE)
  expect_error(lrt(fit1 = fit1, fewer = fewer),
               "models were not all fitted to the same data: 'fewer' has 162 observations, 'fit1' has 180")
  logged <- lmm(log(Reaction) ~ Days + (Days | Subject), data = ss, REML = FALSE)
  expect_error(lrt(fit1 = fit1, logged = logged),
               "not all fitted to the same data: the response values of 'logged' differ from those of 'fit1'")
  weighted <- lmm(Reaction ~ Days + (Days | Subject), data = ss, REML = FALSE,
                  weights = rep(1:2, 90))
  expect_error(lrt(fit1 = fit1, weighted = weighted), "the prior weights of 'weighted' differ")
})

test_that("models that are not nested are an error that names them", {
  ss <- sleep_data()
  ss$Days2 <- ss$Days^2
  ss$block <- factor(rep(1:6, each = 30))
  a <- lmm(Reaction ~ Days + (1 | Subject), data = ss, REML = FALSE)
  # same number of parameters, different formula and log-likelihood
  b <- lmm(Reaction ~ Days2 + (1 | Subject), data = ss, REML = FALSE)
  expect_error(lrt(a = a, b = b), "models 'a' and 'b' are not nested: both have 4 parameters")
  # more parameters, but the fixed effect Days is not in the larger model
  c2 <- lmm(Reaction ~ Days2 + (Days | Subject), data = ss, REML = FALSE)
  expect_error(lrt(a = a, c2 = c2),
               "models 'a' and 'c2' are not nested: the fixed-effect column\\(s\\) 'Days'")
  # the grouping factor Subject is not in the larger model
  d <- lmm(Reaction ~ Days + (Days | block), data = ss, REML = FALSE)
  expect_error(lrt(a = a, d = d), "grouping factor\\(s\\) 'Subject' of the smaller model")
  # a random slope of the smaller model that the larger one lacks
  e <- suppressMessages(lmm(Reaction ~ Days + (0 + Days | Subject), data = ss, REML = FALSE))
  f <- lmm(Reaction ~ Days + Days2 + (1 | Subject), data = ss, REML = FALSE)
  expect_error(lrt(e = e, f = f), "the random effect\\(s\\) 'Days' of 'Subject'")
  # a reparametrised fixed part is still nested
  g <- lmm(Reaction ~ I(Days - 4.5) + (Days | Subject), data = ss, REML = FALSE)
  expect_silent(lrt(a = a, g = g))
})

test_that("objects that are not lmm fits are an error", {
  ss <- sleep_data()
  fit1 <- lmm(Reaction ~ Days + (1 | Subject), data = ss)
  lmfit <- lm(Reaction ~ Days, data = ss)
  expect_error(lrt(fit1 = fit1, lmfit = lmfit),
               "'lmfit' is not an lmm fit \\(class 'lm'\\)")
})
