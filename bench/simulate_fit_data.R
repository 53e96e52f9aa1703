# Simulated data sets for bench/bench_fit.R: a maximal crossed random-slopes design and MovieLens-1M-shaped ratings.

# A 2 x 2 within-subject, within-item experiment in a Latin square (each subject sees each item once, in one of
# the four conditions), with correlated random intercepts and slopes of a, b and a:b for subjects and items.
simulate_maximal_design <- function(subjects = 40L, items = 24L, seed = 1L) {
  set.seed(seed)
  grid <- expand.grid(subject = seq_len(subjects), item = seq_len(items))
  condition <- (grid$subject + grid$item) %% 4L
  a <- ifelse(condition %in% c(0L, 1L), -0.5, 0.5)
  b <- ifelse(condition %in% c(0L, 2L), -0.5, 0.5)
  covariance <- function(sd, rho) {
    R <- matrix(rho, 4, 4)
    diag(R) <- 1
    diag(sd) %*% R %*% diag(sd)
  }
  draw <- function(n, sd, rho) matrix(stats::rnorm(4 * n), n) %*% chol(covariance(sd, rho))
  s <- draw(subjects, c(0.60, 0.30, 0.25, 0.20), 0.3)[grid$subject, , drop = FALSE]
  i <- draw(items, c(0.40, 0.20, 0.15, 0.10), 0.2)[grid$item, , drop = FALSE]
  design <- cbind(1, a, b, a * b)
  fixed <- c(6, 0.3, 0.2, 0.1)
  rt <- drop(design %*% fixed) + rowSums(design * s) + rowSums(design * i) + stats::rnorm(nrow(grid), 0, 0.8)
  data.frame(rt = rt, a = a, b = b, subject = factor(grid$subject), item = factor(grid$item))
}

# Ratings shaped like MovieLens-1M: `rows` ratings by `users` users of `items` items, at least 20 per user
# and a long tail (log-normal counts, at most `max_per_user`, as in MovieLens-1M), items drawn by Zipf-like popularity without
# repeats within a user; a user-level, an item-level and a row-level covariate.
simulate_ratings <- function(rows = 1e6, users = 6040L, items = 3706L, max_per_user = 2314L, seed = 2L) {
  set.seed(seed)
  raw <- stats::rlnorm(users, 4.2, 1.1)
  counts <- pmin(20L + floor(raw * (rows - 20 * users) / sum(raw)), max_per_user)
  short <- rows - sum(counts)
  while (short > 0) {
    room <- which(counts < max_per_user)
    add <- sample(room, min(short, length(room)))
    counts[add] <- counts[add] + 1L
    short <- rows - sum(counts)
  }
  popularity <- sample(1 / seq_len(items)^0.9)
  item <- unlist(lapply(counts, function(k) order(stats::rexp(items) / popularity)[seq_len(k)]))
  user <- rep(seq_len(users), counts)
  age <- stats::runif(users, 18, 60)[user]
  year <- stats::runif(items, 1930, 2000)[item]
  weekend <- stats::rbinom(rows, 1, 2 / 7)
  rating <- 3.5 + 0.01 * (age - 35) + 0.005 * (year - 1980) + 0.05 * weekend +
    stats::rnorm(users, 0, 0.4)[user] + stats::rnorm(items, 0, 0.5)[item] + stats::rnorm(rows, 0, 0.9)
  data.frame(rating = rating, age = age, year = year, weekend = weekend,
             user = factor(user), item = droplevels(factor(item, levels = seq_len(items))))
}
