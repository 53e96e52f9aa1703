// The internal parametrisation: same answers as the data as given, and the precision kept under shifts and scales.
#include "test_helpers.h"

#include <gtest/gtest.h>

using namespace lmmkit_test;

namespace {

lmmkit::FitOptions options_with(bool standardize, bool reml = true) {
  lmmkit::FitOptions options;
  options.standardize = standardize;
  options.reml = reml;
  return options;
}

double max_rel_diff(const Matrix& a, const Matrix& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(1.0, b.cwiseAbs().maxCoeff());
}

// The problem with the covariate of the random slopes (column 1 of X and of every term) shifted by `shift`.
Problem shifted(const Problem& pr, double shift, double y_shift) {
  Problem out = pr;
  out.X.col(1).array() += shift;
  out.y.array() += y_shift;
  for (int j = 0; j < out.Zt.outerSize(); ++j) {
    for (SparseMatrix::InnerIterator it(out.Zt, j); it; ++it) {
      if (it.row() % 2 == 1) it.valueRef() += shift;  // the slope column of each level block (ncol 2)
    }
  }
  return out;
}

}  // namespace

TEST(ColumnTransform, ReconstructsColumnsAndOrthonormalises) {
  const Problem pr = simulate(60, {{6, 1}}, 3, true);
  Matrix M = pr.X;
  M.col(1).array() += 1e9;
  const lmmkit::ColumnTransform map(M, pr.weights);
  const Matrix Mstar = map.apply(M);
  EXPECT_LT(max_rel_diff(Mstar * map.T(), M), 1e-15 * 1e9 * 4);
  const Matrix gram = Mstar.transpose() * pr.weights.asDiagonal() * Mstar / pr.weights.sum();
  EXPECT_LT((gram - Matrix::Identity(3, 3)).cwiseAbs().maxCoeff(), 1e-8);
  // Centring is exact: the shifted column gives the same internal columns as the unshifted one.
  const Matrix unshifted = lmmkit::ColumnTransform(pr.X, pr.weights).apply(pr.X);
  EXPECT_LT((Mstar - unshifted).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(ColumnTransform, LeavesAnInterceptAloneAndFallsBackOnCollinearColumns) {
  const Vector w = Vector::Ones(5);
  const lmmkit::ColumnTransform intercept(Matrix::Ones(5, 1), w);
  EXPECT_DOUBLE_EQ(intercept.T()(0, 0), 1.0);
  Matrix collinear(5, 2);
  collinear << 1, 2, 1, 2, 1, 2, 1, 2, 1, 2;
  const lmmkit::ColumnTransform fallback(collinear, w);
  EXPECT_TRUE(fallback.T().isDiagonal());
}

TEST(Standardization, AnswersAsTheDataAsGivenAtAnyTheta) {
  const Problem pr = simulate(120, {{10, 2}, {4, 1}}, 5, true);
  for (bool reml : {true, false}) {
    lmmkit::StandardizedModel raw(pr.data(), options_with(false, reml));
    lmmkit::StandardizedModel internal(pr.data(), options_with(true, reml));
    Vector theta(4);
    theta << 0.8, -0.3, 0.5, 1.2;
    const double expected = dense_gls_objective(pr, theta, reml);
    EXPECT_NEAR(raw.objective(theta), expected, 1e-9 * std::abs(expected));
    EXPECT_NEAR(internal.objective(theta), expected, 1e-9 * std::abs(expected));
    const lmmkit::ObjectivePieces a = raw.pieces(), b = internal.pieces();
    EXPECT_NEAR(a.ldL2, b.ldL2, 1e-9 * std::abs(a.ldL2));
    EXPECT_NEAR(a.ldRX2, b.ldRX2, 1e-9 * std::abs(a.ldRX2));
    EXPECT_NEAR(a.pwrss, b.pwrss, 1e-9 * a.pwrss);
    const auto da = raw.variance_derivatives(theta, 0.7), db = internal.variance_derivatives(theta, 0.7);
    EXPECT_LT(max_rel_diff(db.phi, da.phi), 1e-9);
    EXPECT_LT(max_rel_diff(db.C, da.C), 1e-9);
    EXPECT_LT(max_rel_diff(db.expected, da.expected), 1e-8);
    EXPECT_LT(max_rel_diff(db.hessian, da.hessian), 1e-8);
    for (size_t i = 0; i < da.P.size(); ++i) {
      EXPECT_LT(max_rel_diff(db.P[i], da.P[i]), 1e-8);
      for (size_t j = 0; j < da.P.size(); ++j) EXPECT_LT(max_rel_diff(db.Q[i][j], da.Q[i][j]), 1e-8);
    }
    const SparseMatrix Zt_new = pr.Zt.leftCols(6);
    const Vector va = raw.prediction_variances(theta, pr.X.topRows(6), Zt_new);
    const Vector vb = internal.prediction_variances(theta, pr.X.topRows(6), Zt_new);
    EXPECT_LT(max_rel_diff(vb, va), 1e-9);
  }
}

TEST(Standardization, FitsAsTheDataAsGivenAndNoWorse) {
  const Problem pr = simulate(150, {{12, 2}, {5, 1}}, 7, true);
  const lmmkit::FitResult raw = lmmkit::fit_lmm(pr.data(), options_with(false));
  const lmmkit::FitResult internal = lmmkit::fit_lmm(pr.data(), options_with(true));
  EXPECT_LE(internal.objective, raw.objective + 1e-8);
  EXPECT_LT(max_rel_diff(internal.theta, raw.theta), 1e-4);
  EXPECT_LT(max_rel_diff(internal.beta, raw.beta), 1e-5);
  EXPECT_NEAR(internal.sigma, raw.sigma, 1e-5 * raw.sigma);
  // The estimates are those of the user's parametrisation: b = Lambda(theta) u and the dense GLS beta.
  const lmmkit::RelativeCovariance cov(pr.terms);
  EXPECT_LT(max_rel_diff(cov.lambda(internal.theta, 0) * internal.u, internal.b), 1e-10);
  Vector beta;
  dense_gls_objective(pr, internal.theta, true, &beta);
  EXPECT_LT(max_rel_diff(internal.beta, beta), 1e-9);
  for (size_t k = 0; k < raw.condvar.size(); ++k) EXPECT_LT(max_rel_diff(internal.condvar[k], raw.condvar[k]), 1e-3);
  EXPECT_LT(max_rel_diff(internal.vcov_unscaled, raw.vcov_unscaled), 1e-4);
}

TEST(Standardization, ShiftsAndScalesReachTheSameOptimum) {
  const Problem pr = simulate(200, {{15, 2}}, 11);
  const lmmkit::FitResult base = lmmkit::fit_lmm(pr.data(), options_with(true, false));
  for (double shift : {1e3, 1e6, 1e9}) {
    const Problem moved = shifted(pr, shift, 1e9);
    const lmmkit::FitResult fit = lmmkit::fit_lmm(moved.data(), options_with(true, false));
    EXPECT_NEAR(fit.objective, base.objective, 1e-6 * std::abs(base.objective)) << "shift " << shift;
    EXPECT_NEAR(fit.sigma, base.sigma, 1e-5 * base.sigma) << "shift " << shift;
    EXPECT_NEAR(fit.beta[1], base.beta[1], 1e-5 * std::abs(base.beta[1]) + 1e-6) << "shift " << shift;
  }
  for (double scale : {1e-150, 1e150}) {
    Problem scaled = pr;
    scaled.y *= scale;
    const lmmkit::FitResult fit = lmmkit::fit_lmm(scaled.data(), options_with(true, false));
    const double n = static_cast<double>(pr.y.size());
    EXPECT_NEAR(fit.objective - 2 * n * std::log(scale), base.objective, 1e-8 * std::abs(base.objective));
    EXPECT_NEAR(fit.sigma / scale, base.sigma, 1e-8 * base.sigma);
    EXPECT_LT(max_rel_diff(fit.theta, base.theta), 1e-6);
  }
}

TEST(Standardization, ExactFitsAreErrors) {
  Problem pr = simulate(60, {{6, 1}}, 13);
  Problem by_x = pr;
  by_x.y = by_x.X * Vector::LinSpaced(3, 1.0, 3.0);
  EXPECT_THROW(lmmkit::fit_lmm(by_x.data(), lmmkit::FitOptions()), std::domain_error);
  Problem by_group = pr;
  for (int i = 0; i < by_group.y.size(); ++i) {
    for (SparseMatrix::InnerIterator it(by_group.Zt, i); it; ++it) by_group.y[i] = 3.0 * it.row();
  }
  EXPECT_THROW(lmmkit::fit_lmm(by_group.data(), lmmkit::FitOptions()), std::domain_error);
  EXPECT_LT(lmmkit::unexplained_fraction(by_group.X, by_group.y, by_group.weights, by_group.offset, by_group.Zt),
            1e-12);
  Problem nearly = by_group;
  std::mt19937 rng(3);
  std::normal_distribution<double> noise;
  for (int i = 0; i < nearly.y.size(); ++i) nearly.y[i] += 1e-7 * noise(rng);
  EXPECT_GT(lmmkit::unexplained_fraction(nearly.X, nearly.y, nearly.weights, nearly.offset, nearly.Zt), 1e-9);
  EXPECT_NO_THROW(lmmkit::fit_lmm(nearly.data(), lmmkit::FitOptions()));
}

TEST(Standardization, NoFixedEffects) {
  Problem pr = simulate(80, {{8, 1}, {3, 2}}, 17);
  pr.X.resize(80, 0);
  const lmmkit::FitResult fit = lmmkit::fit_lmm(pr.data(), lmmkit::FitOptions());
  EXPECT_EQ(fit.beta.size(), 0);
  const double expected = dense_gls_objective(pr, fit.theta, true);
  EXPECT_NEAR(fit.objective, expected, 1e-8 * std::abs(expected));
  lmmkit::StandardizedModel model(pr.data(), lmmkit::FitOptions());
  const auto d = model.variance_derivatives(fit.theta, fit.sigma);
  EXPECT_EQ(d.C.rows(), 0);
  EXPECT_TRUE(d.hessian.allFinite());
  const Vector v = model.prediction_variances(fit.theta, Matrix(3, 0), pr.Zt.leftCols(3));
  EXPECT_TRUE(v.allFinite());
}
