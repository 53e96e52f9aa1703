# profile() in lme4's layout: the zeta curves, confint() from them and the plot, against lme4's profile.

test_that("profile() of sleepstudy matches lme4's profile and its confint()", {
  skip_if_not_installed("lme4")
  sleepstudy <- lme4_data("sleepstudy")
  fit <- lmm(Reaction ~ Days + (Days | Subject), sleepstudy)
  pr <- profile(fit)
  expect_s3_class(pr, c("lmm_profile", "data.frame"))
  expect_identical(names(pr), c(".zeta", ".sig01", ".sig02", ".sig03", ".sigma", "(Intercept)", "Days", ".par"))
  expect_identical(levels(pr$.par), c(".sig01", ".sig02", ".sig03", ".sigma", "(Intercept)", "Days"))
  for (p in levels(pr$.par)) {
    rows <- pr[pr$.par == p, ]
    expect_true(all(diff(rows$.zeta) > 0), label = paste(p, "zeta increases with the parameter"))
    expect_true(min(rows$.zeta) < -2.5 || min(rows[[p]]) <= attr(pr, "lower")[[p]], label = p)
  }
  # lme4 1.1-31 confint(profile(lmer fit)):
  ref <- rbind(c(14.3814182, 37.7159953), c(-0.4815008, 0.6849863), c(3.8011641, 8.7533808),
               c(22.8982669, 28.8579965), c(237.6806955, 265.1295147), c(7.3586533, 13.5759188))
  ci <- confint(pr)
  expect_equal(unname(ci), ref, tolerance = 2e-5)
  expect_identical(colnames(ci), c("2.5 %", "97.5 %"))
  expect_equal(ci, confint(fit, method = "profile"), tolerance = 2e-5)
  if (requireNamespace("lme4", quietly = TRUE)) {
    m <- lme4::lmer(Reaction ~ Days + (Days | Subject), sleepstudy)
    expect_equal(unname(ci), unname(stats::confint(stats::profile(m))), tolerance = 2e-5)
  }
  one <- profile(fit, which = c(".sig02", "Days"), signames = FALSE)
  expect_identical(levels(one$.par), c("cor_Days.(Intercept)|Subject", "Days"))
  expect_identical(rownames(confint(one, level = 0.9)), c("cor_Days.(Intercept)|Subject", "Days"))
  png_file <- tempfile(fileext = ".png")
  grDevices::png(png_file, 900, 600)
  old_par <- graphics::par("mfrow")
  plot(pr)
  plot(pr, absVal = TRUE)
  grDevices::dev.off()
  expect_identical(readBin(png_file, "raw", 8L), as.raw(c(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)))
  expect_error(profile(fit, which = "nope"), "`which` must name or number parameters")
  expect_error(profile(fit, alphamax = 2), "`alphamax`")
})

test_that("a variance at its boundary gives the boundary as the lower bound", {
  skip_if_not_installed("lme4")
  fit <- suppressMessages(lmm(Yield ~ 1 + (1 | Batch), lme4_data("Dyestuff2")))
  ci <- confint(profile(fit))
  # lme4 1.1-31 confint(profile(lmer(Yield ~ 1 + (1 | Batch), Dyestuff2))): a singular fit.
  ref <- rbind(c(0, 2.084043), c(2.892831, 4.815833), c(4.312100, 7.019092))
  expect_identical(unname(ci[1, 1]), 0)
  expect_equal(unname(ci), ref, tolerance = 1e-3)
})
