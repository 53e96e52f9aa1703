# Diagnostic plots: plot.lmm(), qqnorm.lmm() and plot.ranef.lmm() write PNG files, par() untouched.


# Draws `draw()` into PNG files (one per page) in a fresh temporary directory; returns their paths.
draw_png <- function(draw, width = 700, height = 600) {
  dir <- tempfile("lmmkit-plots-")
  dir.create(dir)
  grDevices::png(file.path(dir, "page-%02d.png"), width = width, height = height)
  device <- grDevices::dev.cur()
  on.exit(if (device %in% grDevices::dev.list()) grDevices::dev.off(device))
  draw()
  grDevices::dev.off(device)
  sort(list.files(dir, full.names = TRUE))
}

expect_png_pages <- function(paths, pages) {
  expect_length(paths, pages)
  magic <- as.raw(c(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))
  for (path in paths) {
    expect_true(file.exists(path))
    expect_identical(readBin(path, "raw", n = 8L), magic)
    expect_gt(file.size(path), 5000)
  }
}

# The par() settings a user sets, leaving out those every plot moves (axis ranges, current figure).
user_par <- function() {
  drawn <- c("usr", "xaxp", "yaxp", "fig", "fin", "plt", "pin", "mfg", "new")
  settings <- graphics::par(no.readonly = TRUE)
  settings[setdiff(names(settings), drawn)]
}

skip_without_png <- function() {
  skip_if_not(isTRUE(capabilities("png")), "no png() device")
}

test_that("plot.lmm draws one page per panel and leaves par() as it was", {
  skip_without_png()
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  paths <- draw_png(function() {
    before <- user_par()
    expect_invisible(plot(fit))
    expect_identical(user_par(), before)
  })
  expect_png_pages(paths, 4)
})

test_that("plot.lmm's which picks panels and rejects what is not in 1:4", {
  skip_without_png()
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  expect_png_pages(draw_png(function() plot(fit, which = 1)), 1)
  expect_png_pages(draw_png(function() plot(fit, which = c(3, 1))), 2)
  expect_png_pages(draw_png(function() plot(fit, which = c(2, 4), id.n = 0)), 2)
  expect_error(plot(fit, which = 5), "`which` must pick panels from 1:4.*not 5")
  expect_error(plot(fit, which = "qq"), "`which` must pick panels from 1:4.*character")
  expect_error(plot(fit, which = integer()), "`which` must pick panels from 1:4")
  expect_error(plot(fit, which = c(1, NA)), "`which` must pick panels from 1:4")
})

test_that("plot.lmm of a random-slope model draws a QQ panel per random-effect column", {
  skip_if_not_installed("lme4")
  skip_without_png()
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = lme4_data("sleepstudy"))
  expect_png_pages(draw_png(function() plot(fit)), 5)
  expect_png_pages(draw_png(function() plot(fit, which = 4)), 2)
  paths <- draw_png(function() {
    graphics::par(mfrow = c(2, 2))
    plot(fit)
    expect_identical(graphics::par("mfrow"), c(2L, 2L))
  }, width = 1000, height = 900)
  expect_png_pages(paths, 2)
})

test_that("plot.lmm and plot.ranef.lmm of crossed random intercepts", {
  skip_if_not_installed("lme4")
  skip_without_png()
  fit <- lmm(diameter ~ 1 + (1 | plate) + (1 | sample), data = lme4_data("Penicillin"))
  expect_png_pages(draw_png(function() plot(fit)), 5)
  expect_png_pages(draw_png(function() plot(ranef(fit))), 2)
  expect_png_pages(draw_png(function() plot(ranef(fit, condVar = FALSE))), 2)
})

test_that("qqnorm of a fit plots the standardized residuals", {
  skip_without_png()
  fit <- lmm(time ~ feed + (1 | bird), data = pigeons)
  qq <- NULL
  expect_png_pages(draw_png(function() qq <<- qqnorm(fit)), 1)
  expect_equal(unname(qq$y), unname(residuals(fit, type = "pearson", scaled = TRUE)))
  expect_equal(qq$x, stats::qqnorm(qq$y, plot.it = FALSE)$x)
})

test_that("plot.ranef.lmm draws a caterpillar per factor and column and restores par()", {
  skip_if_not_installed("lme4")
  skip_without_png()
  fit <- lmm(Reaction ~ Days + (Days | Subject), data = lme4_data("sleepstudy"))
  re <- ranef(fit)
  paths <- draw_png(function() {
    graphics::par(mar = c(3, 3, 2, 1), las = 2)
    before <- user_par()
    expect_identical(plot(re), re)
    expect_identical(user_par(), before)
  })
  expect_png_pages(paths, 2)
  expect_error(plot(re, level = 1.5), "`level` must be a number between 0 and 1")
})

test_that("plot.ranef.lmm names a readable subset of many levels", {
  skip_without_png()
  groups <- factor(sprintf("participant_%03d", rep(1:300, each = 3)))
  d <- data.frame(g = groups, x = cos(seq_len(900)))
  d$y <- 1 + d$x + sin(1.7 * as.integer(groups)) + sin(2.3 * seq_len(900))
  fit <- lmm(y ~ x + (1 | g), data = d)
  expect_png_pages(draw_png(function() plot(ranef(fit)), width = 600, height = 500), 1)
})
