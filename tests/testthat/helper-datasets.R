# A data set shipped with a package (lme4 by default), loaded without attaching the package.

lme4_data <- function(name, package = "lme4") {
  env <- new.env()
  utils::data(list = name, package = package, envir = env)
  env[[name]]
}
