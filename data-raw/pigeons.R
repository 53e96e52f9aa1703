## Simulates the demo data set `pigeons` (documented in R/data.R) and saves
## it to data/pigeons.rda. Run from the package root:
##   Rscript data-raw/pigeons.R
##
## Design: 30 homing pigeons kept in 6 lofts (5 birds per loft). Each bird
## is timed on 4 to 8 training flights over the same course (unbalanced):
## the first 2 to 4 flights on the old feed ("before"), the rest after the
## switch to a new feed ("after").
##
## Model used for the simulation (time in minutes):
##   time = 52 + (-4 + c_bird) * [feed == "after"] + 0.02 * (weight - 450)
##          + b_loft + b_bird + e
##   b_loft ~ N(0, 3^2), b_bird ~ N(0, 4^2), c_bird ~ N(0, 4^2), e ~ N(0, 5^2)
## all independent. The flight time improves by 4 minutes on the new feed on
## average, but the birds differ in their response as much as in their
## baseline (c_bird, the random slope of feed). On the old feed the
## intraclass correlation of a bird's flights is (9 + 16) / 50 = 0.5 (about
## 0.32 for birds alone once loft is in the model).

set.seed(20240611)

n_loft <- 6L
birds_per_loft <- 5L
n_bird <- n_loft * birds_per_loft

beta_0 <- 52        # mean flight time on the old feed, minutes
beta_feed <- -4     # change with the new feed, minutes
beta_weight <- 0.02 # minutes per gram above 450 g
sd_loft <- 3
sd_bird <- 4
sd_feed <- 4        # SD of the birds' responses to the new feed
sd_resid <- 5

bird_id <- sprintf("B%02d", seq_len(n_bird))
loft_id <- sprintf("L%d", seq_len(n_loft))
bird_loft <- rep(loft_id, each = birds_per_loft)
bird_weight <- round(rnorm(n_bird, mean = 450, sd = 35))
b_loft <- stats::setNames(rnorm(n_loft, 0, sd_loft), loft_id)
b_bird <- stats::setNames(rnorm(n_bird, 0, sd_bird), bird_id)
c_bird <- stats::setNames(rnorm(n_bird, 0, sd_feed), bird_id)

n_before <- sample(2:4, n_bird, replace = TRUE)
n_after <- sample(2:4, n_bird, replace = TRUE)
n_flight <- n_before + n_after

rows <- lapply(seq_len(n_bird), function(i) {
  k <- n_flight[i]
  data.frame(
    bird = bird_id[i],
    loft = bird_loft[i],
    flight = seq_len(k),
    feed = rep(c("before", "after"), c(n_before[i], n_after[i])),
    weight = bird_weight[i],
    stringsAsFactors = FALSE
  )
})
pigeons <- do.call(rbind, rows)

mu <- beta_0 + (beta_feed + c_bird[pigeons$bird]) * (pigeons$feed == "after") +
  beta_weight * (pigeons$weight - 450) +
  b_loft[pigeons$loft] + b_bird[pigeons$bird]
pigeons$time <- round(unname(mu) + rnorm(nrow(pigeons), 0, sd_resid), 2)

pigeons$bird <- factor(pigeons$bird, levels = bird_id)
pigeons$loft <- factor(pigeons$loft, levels = loft_id)
pigeons$feed <- factor(pigeons$feed, levels = c("before", "after"))
pigeons$flight <- as.integer(pigeons$flight)
pigeons$weight <- as.numeric(pigeons$weight)
pigeons <- pigeons[, c("bird", "loft", "flight", "feed", "time", "weight")]
rownames(pigeons) <- NULL

stopifnot(
  nlevels(pigeons$bird) == n_bird,
  all(table(pigeons$bird) >= 4L), all(table(pigeons$bird) <= 8L),
  !anyNA(pigeons)
)

dir.create("data", showWarnings = FALSE)
save(pigeons, file = file.path("data", "pigeons.rda"), compress = "xz")
