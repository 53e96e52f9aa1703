# predict() for lmm fits: conditional, marginal, new data, new levels, offsets.

tol <- 1e-4

test_that("predictions on the fitting data agree with lme4", {
  skip_if_not_installed("lme4")
  sleep <- lme4_data("sleepstudy")
  f <- lmm(Reaction ~ Days + (Days | Subject), data = sleep)
  g <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = sleep)
  expect_equal(predict(f), fitted(f))
  expect_equal(predict(f), predict(g), tolerance = tol)
  expect_equal(predict(f, re.form = NA), predict(g, re.form = NA), tolerance = tol)
  expect_equal(predict(f, re.form = ~0), predict(f, re.form = NA))
  expect_equal(predict(f, re.form = ~ (1 | Subject)), predict(g, re.form = ~ (1 | Subject)),
               tolerance = tol)
  expect_equal(predict(f, newdata = sleep), predict(g, newdata = sleep), tolerance = tol)
  expect_equal(predict(f, newdata = sleep, re.form = NA),
               predict(g, newdata = sleep, re.form = NA), tolerance = tol)
})

test_that("new grouping levels are an error unless allowed, then population-level", {
  skip_if_not_installed("lme4")
  sleep <- lme4_data("sleepstudy")
  f <- lmm(Reaction ~ Days + (Days | Subject), data = sleep)
  g <- lme4::lmer(Reaction ~ Days + (Days | Subject), data = sleep)
  nd <- data.frame(Days = c(0, 5, 2, 3), Subject = c("308", "999", "309", "998"))
  expect_error(
    predict(f, newdata = nd),
    paste0("newdata has 2 new levels of grouping factor 'Subject': '999', '998'; ",
           "use allow.new.levels = TRUE to predict them at the population level"),
    fixed = TRUE)
  p <- predict(f, newdata = nd, allow.new.levels = TRUE)
  expect_equal(p, predict(g, newdata = nd, allow.new.levels = TRUE), tolerance = tol)
  expect_equal(p[c(2, 4)], predict(f, newdata = nd[c(2, 4), ], re.form = NA))
})

test_that("nested grouping factors are rebuilt from new data", {
  skip_if_not_installed("lme4")
  pastes <- lme4_data("Pastes")
  f <- lmm(strength ~ 1 + (1 | batch/cask), data = pastes)
  g <- lme4::lmer(strength ~ 1 + (1 | batch/cask), data = pastes)
  nd <- data.frame(batch = c("A", "B", "Z"), cask = c("a", "c", "a"))
  expect_error(predict(f, newdata = nd), "grouping factor 'cask:batch': 'a:Z'", fixed = TRUE)
  expect_equal(predict(f, newdata = nd, allow.new.levels = TRUE),
               predict(g, newdata = nd, allow.new.levels = TRUE), tolerance = tol)
  expect_equal(predict(f, newdata = nd, allow.new.levels = TRUE, re.form = ~ (1 | batch)),
               predict(g, newdata = nd, allow.new.levels = TRUE, re.form = ~ (1 | batch)),
               tolerance = tol)
})

test_that("factors, factor slopes and offsets in new data agree with lme4", {
  skip_if_not_installed("lme4")
  sleep <- transform(lme4_data("sleepstudy"),
                     phase = factor(ifelse(Days < 5, "early", "late")), off = Days / 10)
  f <- lmm(Reaction ~ phase + offset(off) + (phase | Subject), data = sleep)
  g <- lme4::lmer(Reaction ~ phase + offset(off) + (phase | Subject), data = sleep)
  nd <- data.frame(phase = c("late", "early"), off = c(1, 2), Subject = c("308", "309"))
  expect_equal(predict(f, newdata = nd), predict(g, newdata = nd), tolerance = tol)
  expect_equal(predict(f, newdata = nd, re.form = NA),
               predict(g, newdata = nd, re.form = NA), tolerance = tol)
  expect_equal(predict(f, re.form = NA), predict(g, re.form = NA), tolerance = tol)
})

test_that("unseen fixed-effect factor levels and missing variables are named", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  nd <- data.frame(feed = c("during", "after"), bird = pigeons$bird[1])
  expect_error(predict(fit, newdata = nd),
               "newdata has level of 'feed' not present in the fit: 'during'", fixed = TRUE)
  expect_error(predict(fit, newdata = data.frame(bird = pigeons$bird[1])),
               "newdata lacks variable needed for the fixed effects: 'feed'", fixed = TRUE)
  expect_error(predict(fit, newdata = data.frame(feed = "after")),
               "newdata lacks variable needed for the grouping factor 'bird': 'bird'",
               fixed = TRUE)
})

test_that("predictions on pigeons are consistent without lme4", {
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  expect_equal(predict(fit), fitted(fit))
  expect_equal(unname(predict(fit, re.form = NA)), unname(drop(model.matrix(fit) %*% fixef(fit))))
  expect_equal(unname(predict(fit, newdata = pigeons)), unname(fitted(fit)))
  nd <- data.frame(feed = factor(c("before", "after"), levels = c("before", "after")),
                   bird = c(as.character(pigeons$bird[1]), "B99"))
  expect_error(predict(fit, newdata = nd),
               "newdata has 1 new level of grouping factor 'bird': 'B99'", fixed = TRUE)
  p <- predict(fit, newdata = nd, allow.new.levels = TRUE)
  b1 <- ranef(fit)$bird[as.character(pigeons$bird[1]), "(Intercept)"]
  expect_equal(unname(p), unname(fixef(fit)[1] + c(b1, fixef(fit)[2])))
  expect_named(p, c("1", "2"))
  expect_error(predict(fit, re.form = "bird"), "re.form must be NULL, NA or a formula")
})
