# The optimizer choice: L-BFGS on the exact gradient reaches BOBYQA's and lme4's optimum, in fewer evaluations.

fit_by <- function(optimizer, formula, data, REML = TRUE) {
  suppressMessages(lmm(formula, data, REML = REML, control = lmm_control(optimizer = optimizer)))
}

test_that("lmm_control() takes the optimizer by name and refuses others", {
  expect_identical(lmm_control()$optimizer, "auto")
  expect_identical(lmm_control(optimizer = "lb")$optimizer, "lbfgs")
  expect_error(lmm_control(optimizer = "Nelder_Mead"), "`optimizer` must be one of \"auto\", \"bobyqa\", \"lbfgs\"")
})

test_that("auto takes L-BFGS from 3 variance parameters and BOBYQA below", {
  sleep <- fit_by("auto", Reaction ~ Days + (Days | Subject), lme4::sleepstudy)
  expect_match(sleep$optinfo$optimizer, "^lbfgs")
  expect_gt(sleep$optinfo$geval, 0)
  pen <- fit_by("auto", diameter ~ 1 + (1 | plate) + (1 | sample), lme4::Penicillin)
  expect_match(pen$optinfo$optimizer, "^bobyqa")
  expect_identical(pen$optinfo$geval, 0L)
  sparse <- suppressMessages(lmm(Reaction ~ Days + (Days | Subject), lme4::sleepstudy,
                                 control = lmm_control(optimizer = "lbfgs", factor = "sparse")))
  expect_match(sparse$optinfo$optimizer, "^bobyqa")
  expect_identical(sleep$optinfo$optimizer, "lbfgs with exact gradient (NLopt)")
  expect_identical(sleep$optinfo$method, "lbfgs")
  expect_identical(sleep$optinfo$message, "converged: gradient below 1e-4")
})

# lme4's logLik at its tightest refit (lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12)),
# from its default optimum), lme4 1.1-31, generated 2026-12-03.
optimizer_cases <- list(
  machines = list(formula = score ~ Machine + (Machine | Worker), data = "Machines", REML = TRUE,
                  lme4 = -104.15560915821),
  cake = list(formula = angle ~ temp + (temp | replicate) + (1 | recipe), data = "cake", REML = FALSE,
              lme4 = -832.39571540891),
  orthodont = list(formula = distance ~ age * Sex + (age | Subject), data = "Orthodont", REML = TRUE,
                   lme4 = -216.29083075130)
)

case_data <- function(name) {
  switch(name, Machines = as.data.frame(nlme::Machines), cake = lme4::cake,
         Orthodont = as.data.frame(nlme::Orthodont))
}

test_that("L-BFGS and BOBYQA reach the same optimum as lme4's tightest fit", {
  skip_if_not_installed("nlme")
  for (name in names(optimizer_cases)) {
    cs <- optimizer_cases[[name]]
    data <- case_data(cs$data)
    by_gradient <- fit_by("lbfgs", cs$formula, data, cs$REML)
    by_bobyqa <- fit_by("bobyqa", cs$formula, data, cs$REML)
    expect_true(by_gradient$optinfo$converged, label = name)
    expect_lt(by_gradient$optinfo$feval, by_bobyqa$optinfo$feval)
    expect_gt(as.numeric(logLik(by_gradient)), as.numeric(logLik(by_bobyqa)) - 1e-8)
    expect_lt(abs(as.numeric(logLik(by_gradient)) - cs$lme4), 1e-7, label = name)
    expect_equal(by_gradient$theta, by_bobyqa$theta, tolerance = 1e-4, label = name)
    expect_identical(isSingular(by_gradient), isSingular(by_bobyqa), label = name)
  }
})

test_that("the stored lme4 optima are lme4's (live)", {
  skip_if_not_installed("lme4")
  skip_if_not_installed("nlme")
  ctrl <- lme4::lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e6),
                            check.conv.singular = "ignore", calc.derivs = FALSE)
  for (name in names(optimizer_cases)) {
    cs <- optimizer_cases[[name]]
    data <- case_data(cs$data)
    # lme4's default fit of cake by ML warns that it did not converge; the refit from there does.
    first <- suppressWarnings(suppressMessages(lme4::lmer(cs$formula, data, REML = cs$REML)))
    tight <- suppressMessages(update(first, start = lme4::getME(first, "theta"), control = ctrl))
    expect_lt(abs(as.numeric(logLik(tight)) - cs$lme4), 1e-7, label = name)
  }
})

# Subjects and items crossed, a random slope of `a` for subjects only: the items' slope variance is zero.
simulate_small_maximal <- function() {
  set.seed(11)
  grid <- expand.grid(subject = factor(1:30), item = factor(1:20))
  grid$a <- ifelse((as.integer(grid$subject) + as.integer(grid$item)) %% 2 == 0, -0.5, 0.5)
  s <- matrix(rnorm(60), 30) %*% diag(c(0.6, 0.4))
  grid$rt <- 5 + 0.3 * grid$a + s[grid$subject, 1] + s[grid$subject, 2] * grid$a +
    rnorm(20, 0, 0.4)[grid$item] + rnorm(nrow(grid), 0, 0.8)
  grid
}

test_that("a singular fit with several parameters ends on the boundary with either optimizer", {
  maximal <- simulate_small_maximal()
  by_gradient <- fit_by("lbfgs", rt ~ a + (1 + a | subject) + (1 + a | item), maximal)
  by_bobyqa <- fit_by("bobyqa", rt ~ a + (1 + a | subject) + (1 + a | item), maximal)
  expect_true(isSingular(by_bobyqa))
  expect_true(isSingular(by_gradient))
  expect_gt(as.numeric(logLik(by_gradient)), as.numeric(logLik(by_bobyqa)) - 1e-8)
})

test_that("a variance whose optimum is a rounding error away from zero is reported as exactly zero, as lme4 does", {
  # 6 clusters of 4 with a cluster-level covariate: the REML optimum is at theta = 0, but
  # BOBYQA ended at 2.8e-8, where the objective is one unit in the last place lower than at 0
  set.seed(1)
  for (i in 1:82) {
    g <- factor(rep(1:6, each = 4))
    d <- data.frame(g = g, x = rnorm(6)[g])
    d$y <- rnorm(6)[g] + rnorm(24)
  }
  fit <- lmm(y ~ x + (1 | g), data = d, control = lmm_control(check.singular = "ignore"))
  expect_identical(unname(getME(fit, "theta")), 0)
  expect_identical(as.data.frame(VarCorr(fit))$sdcor[1], 0)
  expect_output(print(VarCorr(fit)), "(Intercept) 0.0000", fixed = TRUE)
  # lme4 1.1-31's REML criterion at its optimum, theta = 0
  expect_equal(fit$objective, 67.763157905632411, tolerance = 1e-13)
  if (requireNamespace("lme4", quietly = TRUE)) {
    ref <- suppressMessages(lme4::lmer(y ~ x + (1 | g), data = d))
    expect_identical(unname(lme4::getME(ref, "theta")), 0)
    expect_equal(fit$objective, lme4::REMLcrit(ref), tolerance = 1e-13)
  }
})

test_that("an end near a zero variance is left to BOBYQA, which goes on to the optimum", {
  f <- strength ~ 1 + (1 | batch/cask) + (1 | cask)
  default <- suppressMessages(lmm(f, lme4::Pastes))
  tiny <- suppressMessages(lmm(f, lme4::Pastes, start = c(1, 1e-9, 1),
                               control = lmm_control(optimizer = "lbfgs")))
  expect_identical(tiny$optinfo$optimizer, "lbfgs with exact gradient, then bobyqa (NLopt)")
  expect_lt(abs(as.numeric(logLik(tiny)) - as.numeric(logLik(default))), 1e-7)
})

test_that("an error at a trial theta of the gradient search sends BOBYQA from the start", {
  # A response fitted almost exactly by Subject-specific lines: the unbounded search reaches theta where the
  # factor fails; BOBYQA does not.
  ss <- lme4::sleepstudy
  set.seed(2)
  ss$y <- as.numeric(ss$Subject) * ss$Days + as.numeric(ss$Subject)^2 + rnorm(180) * 1e-6
  by_gradient <- fit_by("lbfgs", y ~ Days + (Days | Subject), ss)
  by_bobyqa <- fit_by("bobyqa", y ~ Days + (Days | Subject), ss)
  expect_identical(by_gradient$optinfo$optimizer, "lbfgs with exact gradient, then bobyqa (NLopt)")
  expect_gt(as.numeric(logLik(by_gradient)), as.numeric(logLik(by_bobyqa)) - 1e-6)
})

test_that("a search that stalls far out (residual SD 1e-6 of the random effects) ends no worse than BOBYQA", {
  # theta is about 1e6 and the objective changes with log theta: the gradient test is scaled by |theta|, and
  # BOBYQA goes on from L-BFGS's end with its own first step (from a small one it stalled 9 logLik short).
  set.seed(5)
  for (noise in c(1e-2, 1e-4, 1e-6)) {
    d <- expand.grid(s = factor(1:12), it = factor(1:8), rep = 1:3)
    d$x <- rnorm(nrow(d))
    d$y <- rnorm(12)[d$s] + rnorm(12)[d$s] * d$x + rnorm(8)[d$it] + noise * rnorm(nrow(d))
  }
  f <- y ~ x + (x | s) + (1 | it)
  by_gradient <- suppressWarnings(fit_by("lbfgs", f, d, REML = FALSE))
  by_bobyqa <- suppressWarnings(fit_by("bobyqa", f, d, REML = FALSE))
  expect_identical(by_gradient$optinfo$optimizer, "lbfgs with exact gradient, then bobyqa (NLopt)")
  expect_gt(as.numeric(logLik(by_gradient)), as.numeric(logLik(by_bobyqa)) - 1e-6)
})
