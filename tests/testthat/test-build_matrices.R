# Tests of stage 2, build_lmm_matrices(): frame, X and Zt, checked against lme4::lFormula().

build <- function(formula, data, ...) {
  build_lmm_matrices(parse_lmm_formula(formula), data, ...)
}

strip_x <- function(X) {
  attributes(X) <- attributes(X)[c("dim", "dimnames")]
  X
}

make_crossed <- function(seed = 1) {
  set.seed(seed)
  d <- expand.grid(a = factor(c("p", "q", "r")), b = factor(1:4), rep = 1:3)
  d$f <- factor(rep(c("u", "v", "w"), each = 12))
  d$g <- factor(sample(letters[1:6], nrow(d), replace = TRUE))
  d$x <- rnorm(nrow(d))
  d$y <- rnorm(nrow(d))
  d
}

# re$Zt, theta_start, lower, cnms, flist, X and y must equal lFormula()'s.
expect_matches_lformula <- function(formula, data) {
  lf <- lme4::lFormula(formula, data)
  m <- build(formula, data)
  expect_identical(m$re$Zt, lf$reTrms$Zt)
  expect_identical(m$re$theta_start, lf$reTrms$theta)
  expect_identical(m$re$lower, lf$reTrms$lower)
  expect_identical(m$re$cnms, lf$reTrms$cnms)
  expect_identical(m$re$flist, lf$reTrms$flist)
  expect_identical(strip_x(m$X), strip_x(lf$X))
  expect_identical(attr(m$X, "assign"), attr(lf$X, "assign"))
  expect_identical(attr(m$X, "contrasts"), attr(lf$X, "contrasts"))
  expect_identical(m$y, unname(as.numeric(stats::model.response(lf$fr))))
  invisible(m)
}

test_that("sleepstudy, correlated and uncorrelated slopes, match lme4", {
  skip_if_not_installed("lme4")
  ss <- lme4::sleepstudy
  expect_matches_lformula(Reaction ~ Days + (Days | Subject), ss)
  expect_matches_lformula(Reaction ~ Days + (Days || Subject), ss)
})

test_that("Dyestuff and Penicillin (crossed) match lme4", {
  skip_if_not_installed("lme4")
  expect_matches_lformula(Yield ~ 1 + (1 | Batch), lme4::Dyestuff)
  expect_matches_lformula(diameter ~ 1 + (1 | plate) + (1 | sample),
                          lme4::Penicillin)
})

test_that("Pastes, nested, matches lme4 including the name cask:batch", {
  skip_if_not_installed("lme4")
  m <- expect_matches_lformula(strength ~ 1 + (1 | batch / cask), lme4::Pastes)
  expect_identical(names(m$re$flist), c("cask:batch", "batch"))
})

test_that("Orthodont, with an ordered grouping factor, matches lme4", {
  skip_if_not_installed("lme4")
  m <- expect_matches_lformula(distance ~ age + (age | Subject), nlme::Orthodont)
  expect_true(is.ordered(m$re$flist$Subject))
  expect_identical(m$re$terms[[1L]]$levels, levels(nlme::Orthodont$Subject))
})

test_that("Machines, nested and with a factor slope, matches lme4", {
  skip_if_not_installed("lme4")
  machines <- as.data.frame(nlme::Machines)
  expect_matches_lformula(score ~ Machine + (1 | Worker / Machine), machines)
  expect_matches_lformula(score ~ Machine + (0 + Machine | Worker), machines)
})

test_that("an interaction grouping and a factor slope match lme4", {
  skip_if_not_installed("lme4")
  d <- make_crossed()
  m <- expect_matches_lformula(y ~ x + (1 | a:b), d)
  expect_identical(levels(m$re$flist[["a:b"]])[1:3], c("p:1", "p:2", "p:3"))
  expect_matches_lformula(y ~ x + (0 + f | g), d)
  expect_matches_lformula(y ~ x + (f || g), d)
})

test_that("terms with equal numbers of levels are ordered as lme4 orders them", {
  skip_if_not_installed("lme4")
  d <- make_crossed()
  d$h <- factor(rep(1:12, 3))
  m <- expect_matches_lformula(y ~ (1 | g) + (0 + x | g) + (1 | h), d)
  expect_identical(names(m$re$cnms), c("h", "g", "g"))
  expect_matches_lformula(y ~ (1 | g) + (0 + x | g) + (1 | a), d)
})

test_that("InstEval, large and crossed, matches lme4", {
  skip_if_not_installed("lme4")
  expect_matches_lformula(y ~ service + (1 | s) + (1 | d), lme4::InstEval)
})

test_that("mlmRev's Exam matches lme4", {
  skip_if_not_installed("lme4")
  skip_if_not_installed("mlmRev")
  expect_matches_lformula(normexam ~ standLRT + (standLRT | school), mlmRev::Exam)
})

test_that("X matches lme4 for poly(), I(), interactions and contrasts", {
  skip_if_not_installed("lme4")
  d <- make_crossed()
  d$y[3] <- NA
  expect_matches_lformula(y ~ poly(x, 2) + I(x^3) + a * f + (1 | g), d)
})

test_that("re$terms describes the layout of Zt and theta", {
  skip_if_not_installed("lme4")
  m <- build(Reaction ~ Days + (1 | Subject) + (0 + Days | Subject) +
               (1 | Days), lme4::sleepstudy)
  offsets <- vapply(m$re$terms, function(t) t$col_start + t$ncol * t$nlevels, 0)
  expect_identical(offsets[length(offsets)], nrow(m$re$Zt) + 0)
  expect_identical(vapply(m$re$terms, `[[`, 0L, "col_start"), c(0L, 18L, 36L))
  expect_identical(vapply(m$re$terms, `[[`, 0L, "theta_start"), 0:2)
  term <- m$re$terms[[1L]]
  expect_identical(term$group, "Subject")
  expect_identical(term$cnms, "(Intercept)")
  expect_length(term$factor, 180L)
  expect_identical(term$levels, levels(lme4::sleepstudy$Subject))
  expect_identical(m$re$terms[[3L]]$group, "Days")
  expect_identical(m$re$terms[[2L]]$label, "0 + Days | Subject")
  expect_equal(m$re$terms[[2L]]$lhs, ~ 0 + Days, ignore_formula_env = TRUE)
})

test_that("theta of a 3 x 3 block is the lower triangle, column by column", {
  skip_if_not_installed("lme4")
  machines <- as.data.frame(nlme::Machines)
  m <- build(score ~ Machine + (Machine | Worker), machines)
  expect_identical(m$re$theta_start, c(1, 0, 0, 1, 0, 1))
  expect_identical(m$re$lower, c(0, -Inf, -Inf, 0, -Inf, 0))
})

test_that("the mats list has the documented fields and defaults", {
  skip_if_not_installed("lme4")
  m <- build(Reaction ~ Days + (Days | Subject), lme4::sleepstudy)
  expect_named(m, c("formula", "fixed_formula", "frame", "y", "X", "weights",
                    "offset", "re"))
  expect_named(m$re, c("Zt", "terms", "flist", "cnms", "theta_start", "lower"))
  expect_s4_class(m$re$Zt, "dgCMatrix")
  expect_identical(m$weights, rep(1, 180))
  expect_identical(m$offset, rep(0, 180))
  expect_identical(attr(m$X, "dropped"), character(0))
  expect_equal(m$fixed_formula, Reaction ~ Days, ignore_formula_env = TRUE)
  expect_identical(attr(attr(m$frame, "term"), "term.labels"), "Days")
})

test_that("rows with NA in any used variable are dropped and levels dropped", {
  d <- make_crossed()
  d$y[1] <- NA
  d$x[2] <- NA
  d$g <- factor(d$g, levels = c(levels(d$g), "unused"))
  d$g[3] <- NA
  d$z <- NA
  m <- build(y ~ x + (1 | g), d)
  expect_identical(nrow(m$frame), nrow(d) - 3L)
  expect_length(m$y, nrow(d) - 3L)
  expect_identical(ncol(m$re$Zt), nrow(d) - 3L)
  expect_false("unused" %in% levels(m$re$flist$g))
  expect_identical(rownames(m$X), as.character(4:nrow(d)))
})

test_that("a level seen only in rows with NA disappears from Zt", {
  d <- make_crossed()
  d$x[d$g == "a"] <- NA
  m <- build(y ~ x + (1 | g), d)
  expect_false("a" %in% rownames(m$re$Zt))
  expect_identical(nrow(m$re$Zt), 5L)
})

test_that("weights, offset and subset are applied like lm()", {
  d <- make_crossed()
  d$w <- seq_len(nrow(d)) / 10
  d$o <- rnorm(nrow(d))
  d$y[5] <- NA
  keep <- d$x > -1
  m <- build(y ~ x + offset(2 * x) + (1 | g), d, weights = d$w,
             offset = d$o, subset = keep)
  ref <- stats::lm(y ~ x + offset(2 * x), d, weights = w, offset = o,
                   subset = x > -1)
  expect_equal(m$weights, unname(stats::weights(ref)))
  expect_equal(m$offset, unname(stats::model.offset(stats::model.frame(ref))))
  expect_identical(rownames(m$X), names(stats::residuals(ref)))
})

test_that("eval_lmm_arg() finds bare column names, then the calling environment", {
  d <- make_crossed()
  d$weights <- rep(2, nrow(d))
  w_outside <- rep(3, nrow(d))
  expect_identical(eval_lmm_arg(quote(weights), d, environment(), "weights"),
                   d$weights)
  expect_identical(eval_lmm_arg(quote(w_outside), d, environment(), "weights"),
                   w_outside)
  expect_identical(eval_lmm_arg(quote(x > 0), d, environment(), "subset"),
                   d$x > 0)
  expect_null(eval_lmm_arg(NULL, d, environment(), "offset"))
  expect_error(eval_lmm_arg(quote(nowhere), d, environment(), "weights"),
               "Cannot evaluate `weights = nowhere`")
})

test_that("eval_lmm_arg() serves a wrapper written like lmm()", {
  d <- make_crossed()
  d$w <- rep(2, nrow(d))
  fit <- function(formula, data, weights = NULL, subset = NULL) {
    build_lmm_matrices(parse_lmm_formula(formula), data,
      weights = eval_lmm_arg(substitute(weights), data, parent.frame(), "weights"),
      subset = eval_lmm_arg(substitute(subset), data, parent.frame(), "subset"))
  }
  m <- fit(y ~ x + (1 | g), d, weights = w, subset = rep > 1)
  expect_identical(m$weights, rep(2, sum(d$rep > 1)))
})

test_that("a rank-deficient X loses its aliased columns with a message", {
  d <- make_crossed()
  d$x2 <- 2 * d$x
  expect_message(m <- build(y ~ x + x2 + (1 | g), d),
                 "rank deficient so dropping 1 column / coefficient")
  expect_identical(colnames(m$X), c("(Intercept)", "x"))
  expect_identical(attr(m$X, "dropped"), "x2")
  expect_identical(attr(m$X, "assign"), 0:1)
  d$x3 <- d$x + 1
  expect_message(build(y ~ x + x2 + x3 + (1 | g), d),
                 "dropping 2 columns / coefficients")
})

test_that("dropped columns match lme4's choice", {
  skip_if_not_installed("lme4")
  d <- make_crossed()
  d$x2 <- 2 * d$x
  lf <- suppressMessages(lme4::lFormula(y ~ x2 + a + x + (1 | g), d))
  m <- suppressMessages(build(y ~ x2 + a + x + (1 | g), d))
  expect_identical(colnames(m$X), colnames(lf$X))
  expect_identical(attr(m$X, "dropped"), names(attr(lf$X, "col.dropped")))
})

test_that("interactions with empty cells drop the columns lme4 drops", {
  skip_if_not_installed("lme4")
  oats <- MASS::oats
  designs <- list(
    list(f = Y ~ N * V + (1 | B), d = oats[!(oats$N == "0.6cwt" & oats$V == "Victory"), ]),
    list(f = Y ~ V * N + (1 | B), d = oats[!(oats$N == "0.2cwt" & oats$V != "Marvellous"), ]),
    list(f = y ~ 1 + service * dept + (1 | s),
         d = subset(lme4::InstEval, s %in% 1:500 & !(service == 1 & dept %in% c("1", "5")))),
    list(f = distance ~ Sex * age + I(age + 1e9) + (1 | Subject), d = nlme::Orthodont))
  for (case in designs) {
    lf <- suppressMessages(lme4::lFormula(case$f, case$d))
    m <- suppressMessages(build(case$f, case$d))
    expect_identical(colnames(m$X), colnames(lf$X))
    expect_identical(attr(m$X, "dropped"), as.character(names(attr(lf$X, "col.dropped"))))
  }
})

test_that("a design column that overflows is named in the error", {
  d <- make_crossed()
  d$big <- d$x * 1e200 + 1e200
  expect_error(build(y ~ big:x2 + (1 | g), transform(d, x2 = big)),
               "not finite in column 'big:x2'")
})

test_that("the contrasts argument changes X only", {
  d <- make_crossed()
  m <- build(y ~ a + (1 | g), d, contrasts = list(a = "contr.sum"))
  expect_identical(colnames(m$X), c("(Intercept)", "a1", "a2"))
  expect_identical(attr(m$X, "contrasts"), list(a = "contr.sum"))
})

test_that("a numeric grouping variable becomes a factor, as in lme4", {
  d <- make_crossed()
  d$gnum <- as.integer(d$g) * 10
  m <- build(y ~ x + (1 | gnum), d)
  expect_s3_class(m$re$flist$gnum, "factor")
  expect_identical(levels(m$re$flist$gnum), as.character(sort(unique(d$gnum))))
})

test_that("a character grouping variable becomes a factor", {
  d <- make_crossed()
  d$gchr <- as.character(d$g)
  m <- build(y ~ x + (1 | gchr), d)
  expect_identical(levels(m$re$flist$gchr), sort(unique(d$gchr)))
})

test_that("a model without fixed effects has an n x 0 X", {
  d <- make_crossed()
  m <- build(y ~ 0 + (1 | g), d)
  expect_identical(dim(m$X), c(nrow(d), 0L))
})

test_that("the frame carries the fixed part's terms with predvars for poly()", {
  d <- make_crossed()
  m <- build(y ~ poly(x, 2) + (1 | g), d, na.action = "na.omit")
  tt <- attr(m$frame, "terms")
  expect_identical(attr(tt, "term.labels"), "poly(x, 2)")
  pv <- attr(tt, "predvars")[[3L]]
  expect_identical(pv[[1L]], quote(poly))
  expect_false(is.null(pv$coefs))
  expect_identical(names(attr(tt, "dataClasses")), c("y", "poly(x, 2)"))
})
