// Rcpp glue: turns R objects into engine views, runs the engine, and is the one place C++ errors become R errors.
#define USE_FC_LEN_T  // Fortran character-length arguments for the BLAS calls
#include <RcppEigen.h>
#include <R_ext/BLAS.h>
#include <R_ext/Lapack.h>
#include <nloptrAPI.h>  // NLopt's C API through nloptr; must precede the engine
#include <lmmkit/lmmkit.h>

#include <climits>

namespace {

// The scan's dense products through the BLAS R is linked to (chosen in R when it is an optimized one).
lmmkit::DenseProducts r_blas_products(bool use_blas) {
  lmmkit::DenseProducts products;
  if (!use_blas) return products;
  products.transposed_product = [](const Eigen::Ref<const lmmkit::Matrix>& U, const lmmkit::Matrix& B) {
    const int m = static_cast<int>(U.cols()), n = static_cast<int>(B.cols()), k = static_cast<int>(U.rows());
    const double one = 1, zero = 0;
    lmmkit::Matrix C(m, n);
    const int ldu = static_cast<int>(U.outerStride());
    F77_CALL(dgemm)("T", "N", &m, &n, &k, &one, U.data(), &ldu, B.data(), &k, &zero, C.data(), &m FCONE FCONE);
    return C;
  };
  products.add_outer = [](const lmmkit::Matrix& B, lmmkit::Matrix& K) {
    const int n = static_cast<int>(B.rows()), k = static_cast<int>(B.cols());
    const double one = 1;
    F77_CALL(dsyrk)("L", "N", &n, &k, &one, B.data(), &n, &one, K.data(), &n FCONE FCONE);
  };
  return products;
}

// A view of a dgCMatrix's slots, checked so that no index can reach outside them.
lmmkit::SparseColumnsView sparse_view(const Rcpp::S4& m) {
  if (!m.is("dgCMatrix")) throw std::invalid_argument("the random-effect design must be a dgCMatrix");
  const Rcpp::IntegerVector dim = m.slot("Dim");
  const Rcpp::IntegerVector p = m.slot("p");
  const Rcpp::IntegerVector i = m.slot("i");
  const Rcpp::NumericVector x = m.slot("x");
  if (dim.size() != 2 || dim[0] < 0 || dim[1] < 0) throw std::invalid_argument("sparse matrix has a bad Dim slot");
  if (p.size() != static_cast<R_xlen_t>(dim[1]) + 1) {
    throw std::invalid_argument("sparse matrix slot p must have one more entry than there are columns");
  }
  if (i.size() != x.size()) throw std::invalid_argument("sparse matrix slots i and x differ in length");
  const lmmkit::SparseColumnsView view{dim[0], dim[1], p.begin(), i.begin(), x.begin(),
                                       static_cast<std::size_t>(i.size())};
  view.validate();
  return view;
}

lmmkit::SparseMatrix to_sparse(const Rcpp::S4& m) {
  const lmmkit::SparseColumnsView v = sparse_view(m);
  return Eigen::Map<const lmmkit::SparseMatrix>(v.rows, v.cols, v.outer[v.cols], v.outer, v.inner, v.values);
}

std::vector<lmmkit::TermSpec> term_specs(const Rcpp::IntegerVector& ncol, const Rcpp::IntegerVector& nlevels) {
  if (ncol.size() != nlevels.size()) throw std::invalid_argument("term_ncol and term_nlevels differ in length");
  std::vector<lmmkit::TermSpec> terms;
  for (R_xlen_t k = 0; k < ncol.size(); ++k) terms.push_back({ncol[k], nlevels[k]});
  lmmkit::validate_terms(terms);
  return terms;
}

// dense_cholesky(S, k) through R's LAPACK and BLAS (chosen in R when they are optimized ones): the leading
// block by dpotrf, the rows below it by dtrsm, their Schur complement by dsyrk.
bool lapack_cholesky(Eigen::MatrixXd& S, Eigen::Index k) {
  const int n = static_cast<int>(S.rows()), kk = static_cast<int>(k), rest = n - kk;
  int info = 0;
  F77_CALL(dpotrf)("L", &kk, S.data(), &n, &info FCONE);
  if (info != 0) return false;
  if (rest == 0) return true;
  const double one = 1.0, minus_one = -1.0;
  double* below = S.data() + kk;
  F77_CALL(dtrsm)("R", "L", "T", "N", &rest, &kk, &one, S.data(), &n, below, &n FCONE FCONE FCONE FCONE);
  F77_CALL(dsyrk)("L", "N", &rest, &kk, &minus_one, below, &n, &one, S.data() + static_cast<R_xlen_t>(kk) * n + kk, &n
                  FCONE FCONE);
  return S.bottomLeftCorner(rest, kk).allFinite();
}

lmmkit::FactorLayout parse_layout(const std::string& name) {
  if (name == "auto") return lmmkit::FactorLayout::automatic;
  if (name == "blocked") return lmmkit::FactorLayout::blocked;
  if (name == "sparse") return lmmkit::FactorLayout::sparse;
  throw std::invalid_argument("unknown factor layout '" + name + "'");
}

lmmkit::OptimizerChoice parse_optimizer(const std::string& name) {
  if (name == "auto") return lmmkit::OptimizerChoice::automatic;
  if (name == "bobyqa") return lmmkit::OptimizerChoice::bobyqa;
  if (name == "lbfgs") return lmmkit::OptimizerChoice::lbfgs;
  throw std::invalid_argument("unknown optimizer '" + name + "'");
}

lmmkit::FitOptions fit_options(bool reml, const Rcpp::List& control, const Rcpp::NumericVector& start) {
  lmmkit::FitOptions options;
  options.reml = reml;
  if (control.containsElementNamed("standardize")) options.standardize = Rcpp::as<bool>(control["standardize"]);
  options.layout = parse_layout(Rcpp::as<std::string>(control["factor"]));
  options.dense_limit = Rcpp::as<int>(control["dense_limit"]);
  if (control.containsElementNamed("optimizer")) {
    options.optimizer.method = parse_optimizer(Rcpp::as<std::string>(control["optimizer"]));
  }
  options.optimizer.ftol_abs = Rcpp::as<double>(control["ftol_abs"]);
  options.optimizer.ftol_rel = Rcpp::as<double>(control["ftol_rel"]);
  options.optimizer.xtol_abs = Rcpp::as<double>(control["xtol_abs"]);
  options.optimizer.max_evaluations = Rcpp::as<int>(control["maxeval"]);
  options.conditional_variances = Rcpp::as<bool>(control["condvar"]);
  options.start = Rcpp::as<Eigen::VectorXd>(start);
  if (control.containsElementNamed("threads") && !Rf_isNull(control["threads"])) {
    options.kernels.threads = Rcpp::as<int>(control["threads"]);
  }
  if (control.containsElementNamed("blas") && !Rf_isNull(control["blas"]) && Rcpp::as<bool>(control["blas"])) {
    options.kernels.external = lapack_cholesky;
  }
  return options;
}

// A view of R's REAL storage; other types would be copied into a temporary, so they are refused.
const double* real_data(SEXP x, const char* what) {
  if (TYPEOF(x) != REALSXP) throw std::invalid_argument(std::string(what) + " must be stored as double");
  return REAL(x);
}

Eigen::Map<const Eigen::VectorXd> real_vector(SEXP x, const char* what) {
  const R_xlen_t n = Rf_xlength(x);
  if (n > INT_MAX) throw std::invalid_argument(std::string(what) + " is too long");
  return Eigen::Map<const Eigen::VectorXd>(real_data(x, what), static_cast<int>(n));
}

// The engine's view of the model list built by engine_data() in R/fit_engine.R.
lmmkit::ModelData model_data(const Rcpp::List& model) {
  const SEXP X = model["X"];
  if (!Rf_isMatrix(X)) throw std::invalid_argument("X must be a matrix");
  const int n = Rf_nrows(X), p = Rf_ncols(X);
  return {Eigen::Map<const Eigen::MatrixXd>(real_data(X, "X"), n, p), real_vector(model["y"], "y"),
          real_vector(model["weights"], "weights"), real_vector(model["offset"], "offset"),
          sparse_view(model["Zt"]), term_specs(model["term_ncol"], model["term_nlevels"])};
}

// The model prepared once, in the engine's internal parametrisation, answering in the user's.
std::unique_ptr<lmmkit::StandardizedModel> prepared(const Rcpp::List& model, bool reml, const Rcpp::List& control) {
  return std::make_unique<lmmkit::StandardizedModel>(model_data(model),
                                                     fit_options(reml, control, Rcpp::NumericVector()));
}

Rcpp::List wrap_fit(const lmmkit::FitResult& fit) {
  Rcpp::List condvar;
  for (const auto& m : fit.condvar) condvar.push_back(Rcpp::wrap(m));
  return Rcpp::List::create(
      Rcpp::Named("theta") = fit.theta, Rcpp::Named("theta_internal") = fit.theta_internal,
      Rcpp::Named("beta") = fit.beta, Rcpp::Named("u") = fit.u,
      Rcpp::Named("b") = fit.b, Rcpp::Named("sigma") = fit.sigma, Rcpp::Named("objective") = fit.objective,
      Rcpp::Named("pieces") = Rcpp::List::create(Rcpp::Named("ldL2") = fit.pieces.ldL2,
                                                 Rcpp::Named("ldRX2") = fit.pieces.ldRX2,
                                                 Rcpp::Named("pwrss") = fit.pieces.pwrss),
      Rcpp::Named("vcov_unscaled") = fit.vcov_unscaled, Rcpp::Named("condvar") = condvar,
      Rcpp::Named("gradient") = fit.gradient, Rcpp::Named("curvature") = fit.curvature,
      Rcpp::Named("feval") = fit.optimizer.evaluations, Rcpp::Named("geval") = fit.optimizer.gradients,
      Rcpp::Named("method") = fit.optimizer.method,
      Rcpp::Named("status") = fit.optimizer.status, Rcpp::Named("message") = fit.optimizer.message,
      Rcpp::Named("converged") = fit.optimizer.converged, Rcpp::Named("blocked") = fit.blocked,
      Rcpp::Named("dense_rest") = fit.dense_rest);
}

// Every engine call goes through here, so that a C++ exception becomes an R error with a clear prefix.
template <class Body>
auto guarded(Body body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    throw Rcpp::exception((std::string("lmmkit engine: ") + e.what()).c_str(), false);
  }
}

}  // namespace

// [[Rcpp::export(.lmmkit_fit)]]
Rcpp::List lmmkit_fit(const Rcpp::List& model, bool reml, const Rcpp::List& control,
                      const Rcpp::NumericVector& start) {
  return guarded([&] { return wrap_fit(lmmkit::fit_lmm(model_data(model), fit_options(reml, control, start))); });
}

// [[Rcpp::export(.lmmkit_objective)]]
Rcpp::NumericMatrix lmmkit_objective(const Rcpp::List& model, bool reml, const Rcpp::List& control,
                                     const Rcpp::NumericMatrix& thetas) {
  return guarded([&] {
    const auto engine = prepared(model, reml, control);
    Rcpp::NumericMatrix values(4, thetas.ncol());
    for (int j = 0; j < thetas.ncol(); ++j) {
      values(0, j) = engine->objective(Eigen::Map<const Eigen::VectorXd>(thetas.begin() + static_cast<R_xlen_t>(j) * thetas.nrow(), thetas.nrow()));
      const lmmkit::ObjectivePieces pieces = engine->pieces();
      values(1, j) = pieces.ldL2;
      values(2, j) = pieces.ldRX2;
      values(3, j) = pieces.pwrss;
    }
    Rcpp::rownames(values) = Rcpp::CharacterVector::create("objective", "ldL2", "ldRX2", "pwrss");
    return values;
  });
}

// [[Rcpp::export(.lmmkit_variance_derivatives)]]
Rcpp::List lmmkit_variance_derivatives(const Rcpp::List& model, bool reml, const Rcpp::List& control,
                                       const Eigen::Map<Eigen::VectorXd> theta, double sigma) {
  return guarded([&] {
    const auto d = prepared(model, reml, control)->variance_derivatives(theta, sigma);
    Rcpp::List P, Q;
    for (size_t i = 0; i < d.P.size(); ++i) {
      P.push_back(Rcpp::wrap(d.P[i]));
      Rcpp::List row;
      for (const auto& Qij : d.Q[i]) row.push_back(Rcpp::wrap(Qij));
      Q.push_back(row);
    }
    return Rcpp::List::create(Rcpp::Named("phi") = d.phi, Rcpp::Named("C") = d.C, Rcpp::Named("P") = P,
                              Rcpp::Named("Q") = Q, Rcpp::Named("expected") = d.expected,
                              Rcpp::Named("hessian") = d.hessian);
  });
}

// [[Rcpp::export(.lmmkit_conditional_variances)]]
Rcpp::List lmmkit_conditional_variances(const Rcpp::List& model, bool reml, const Rcpp::List& control,
                                        const Eigen::Map<Eigen::VectorXd> theta) {
  return guarded([&] {
    Rcpp::List out;
    for (const auto& m : prepared(model, reml, control)->conditional_variances(theta)) out.push_back(Rcpp::wrap(m));
    return out;
  });
}

// [[Rcpp::export(.lmmkit_prediction_variances)]]
Eigen::VectorXd lmmkit_prediction_variances(const Rcpp::List& model, bool reml, const Rcpp::List& control,
                                            const Eigen::Map<Eigen::VectorXd> theta,
                                            const Eigen::Map<Eigen::MatrixXd> X_new, const Rcpp::S4& Zt_new) {
  return guarded([&] {
    return prepared(model, reml, control)->prediction_variances(theta, X_new, to_sparse(Zt_new));
  });
}

// [[Rcpp::export(.lmmkit_independent_columns)]]
Rcpp::IntegerVector lmmkit_independent_columns(const Eigen::Map<Eigen::MatrixXd> X, double tolerance) {
  return guarded([&] {
    const std::vector<int> kept = lmmkit::independent_columns(X, tolerance);
    Rcpp::IntegerVector out(kept.begin(), kept.end());
    return Rcpp::IntegerVector(out + 1);
  });
}

// [[Rcpp::export(.lmmkit_bed_check)]]
bool lmmkit_bed_check(const std::string& path, double n_individuals, double n_snps) {
  return guarded([&] {
    lmmkit::BedReader(path, static_cast<long long>(n_individuals), static_cast<long long>(n_snps));
    return true;
  });
}

// [[Rcpp::export(.lmmkit_bed_read)]]
Eigen::MatrixXd lmmkit_bed_read(const std::string& path, double n_individuals, double n_snps,
                                const std::vector<int>& snps, const std::vector<int>& rows) {
  return guarded([&] {
    const lmmkit::BedReader bed(path, static_cast<long long>(n_individuals), static_cast<long long>(n_snps));
    Eigen::MatrixXd G(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(snps.size()));
    for (std::size_t j = 0; j < snps.size(); ++j) G.col(static_cast<Eigen::Index>(j)) = bed.read(snps[j], 1, rows);
    return G;
  });
}

// [[Rcpp::export(.lmmkit_kinship)]]
Rcpp::List lmmkit_kinship(const std::string& path, double n_individuals, double n_snps, const std::vector<int>& rows,
                          const std::vector<int>& filter_rows, const Rcpp::LogicalVector& candidate, double maf,
                          double miss, bool standardize, int block_size, int threads, bool use_blas) {
  return guarded([&] {
    const lmmkit::BedReader bed(path, static_cast<long long>(n_individuals), static_cast<long long>(n_snps));
    lmmkit::KinshipRequest request;
    request.rows = rows;
    request.filter_rows = filter_rows;
    request.candidate.assign(candidate.begin(), candidate.end());
    request.filter.maf = maf;
    request.filter.miss = miss;
    request.standardize = standardize;
    request.block_size = block_size;
    request.threads = threads;
    request.products = r_blas_products(use_blas);
    const lmmkit::KinshipResult result = lmmkit::kinship_from_bed(bed, request);
    return Rcpp::List::create(Rcpp::Named("K") = result.K, Rcpp::Named("status") = result.status,
                              Rcpp::Named("n_used") = result.n_used);
  });
}

// [[Rcpp::export(.lmmkit_association_rotated)]]
Rcpp::List lmmkit_association_rotated(const Eigen::Map<Eigen::VectorXd> d, const Eigen::Map<Eigen::MatrixXd> W,
                                      const Eigen::Map<Eigen::VectorXd> y, const Eigen::Map<Eigen::MatrixXd> X) {
  return guarded([&] {
    if (W.rows() != d.size() || y.size() != d.size() || X.rows() != d.size()) {
      throw std::invalid_argument("the rotated data must have one row per eigenvalue");
    }
    const lmmkit::NullModel null(d, W, y);
    const Eigen::Index m = X.cols();
    Eigen::MatrixXd stats(m, 8);
    Rcpp::LogicalMatrix flags(m, 3);
    for (Eigen::Index j = 0; j < m; ++j) {
      const lmmkit::SnpTests t = lmmkit::test_snp(null, X.col(j));
      stats.row(j) << t.beta, t.se, t.wald_F, t.l_remle, t.logl_remle, t.l_mle, t.logl_mle, t.score_F;
      flags(j, 0) = t.collinear;
      flags(j, 1) = t.remle_at_boundary;
      flags(j, 2) = t.mle_at_boundary;
    }
    return Rcpp::List::create(
        Rcpp::Named("stats") = stats, Rcpp::Named("flags") = flags,
        Rcpp::Named("null") = Rcpp::List::create(Rcpp::Named("l_mle") = null.mle.lambda,
                                                 Rcpp::Named("logl_mle") = null.mle.logl,
                                                 Rcpp::Named("l_remle") = null.remle.lambda,
                                                 Rcpp::Named("logl_remle") = null.remle.logl));
  });
}

// [[Rcpp::export(.lmmkit_association_null)]]
Rcpp::List lmmkit_association_null(const Eigen::Map<Eigen::VectorXd> d, const Eigen::Map<Eigen::MatrixXd> UtW,
                                   const Eigen::Map<Eigen::VectorXd> Uty) {
  return guarded([&] {
    const lmmkit::NullModel null(d, UtW, Uty);
    const lmmkit::RotatedLikelihood& L = null.likelihood;
    const lmmkit::RotatedFit at_remle = L.fit(null.remle.lambda);
    const double lambda = null.remle.lambda, step = 1e-3 * lambda;
    const double curvature =
        (L.reml_derivative(L.fit(lambda + step)) - L.reml_derivative(L.fit(lambda - step))) / (2 * step);
    return Rcpp::List::create(
        Rcpp::Named("l_remle") = lambda, Rcpp::Named("logl_remle") = null.remle.logl,
        Rcpp::Named("remle_at_boundary") = null.remle.at_boundary, Rcpp::Named("l_mle") = null.mle.lambda,
        Rcpp::Named("logl_mle") = null.mle.logl, Rcpp::Named("mle_at_boundary") = null.mle.at_boundary,
        Rcpp::Named("yPy_remle") = at_remle.yPy, Rcpp::Named("reml_curvature") = curvature);
  });
}

// [[Rcpp::export(.lmmkit_gwas_scan)]]
Rcpp::List lmmkit_gwas_scan(const std::string& path, double n_individuals, double n_snps, const std::vector<int>& rows,
                            const std::vector<int>& snps, const Eigen::Map<Eigen::MatrixXd> U,
                            const Eigen::Map<Eigen::VectorXd> d, const Eigen::Map<Eigen::MatrixXd> W,
                            const Eigen::Map<Eigen::VectorXd> y, double maf, double miss, double r2_max,
                            const Rcpp::LogicalVector& tests, bool fixed_lambda, int block_size, int threads,
                            bool use_blas) {
  return guarded([&] {
    if (U.rows() != U.cols() || d.size() != U.rows() || W.rows() != U.rows() || y.size() != U.rows()) {
      throw std::invalid_argument("the eigenvectors, eigenvalues, covariates and phenotype do not match");
    }
    if (tests.size() != 3) throw std::invalid_argument("three test flags (Wald, LRT, score) are needed");
    const lmmkit::BedReader bed(path, static_cast<long long>(n_individuals), static_cast<long long>(n_snps));
    const lmmkit::ScanModel model(U, d, W, y);
    lmmkit::ScanRequest request;
    request.rows = rows;
    request.snps = snps;
    request.filter.maf = maf;
    request.filter.miss = miss;
    request.r2_max = r2_max;
    request.tests = {static_cast<bool>(tests[0]), static_cast<bool>(tests[1]), static_cast<bool>(tests[2]), fixed_lambda};
    request.block_size = block_size;
    request.threads = threads;
    request.products = r_blas_products(use_blas);
    const lmmkit::ScanResult result = lmmkit::scan_bed(bed, model, request);
    return Rcpp::List::create(Rcpp::Named("status") = result.status, Rcpp::Named("n_miss") = result.n_miss,
                              Rcpp::Named("af") = result.af, Rcpp::Named("stats") = result.stats);
  });
}

// [[Rcpp::export(.lmmkit_symmetric_eigen)]]
Rcpp::List lmmkit_symmetric_eigen(const Eigen::Map<Eigen::MatrixXd> A, int threads) {
  return guarded([&] {
    const lmmkit::SymmetricEigen e = lmmkit::symmetric_eigen(A, threads);
    return Rcpp::List::create(Rcpp::Named("values") = e.values, Rcpp::Named("vectors") = e.vectors);
  });
}

// [[Rcpp::export(.lmmkit_engine_kernels)]]
std::string lmmkit_engine_kernels() { return lmmkit::avx2_fma_available() ? "AVX2/FMA" : "Eigen"; }
