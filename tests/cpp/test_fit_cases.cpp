// Engine behaviour on boundary fits, conditional variances and invalid input.
#include "test_helpers.h"

#include <gtest/gtest.h>

using namespace lmmkit_test;

TEST(Fit, SingularFitEndsOnTheBoundary) {
  Problem pr = simulate(80, {{10, 1}}, 2);
  std::mt19937 rng(9);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int i = 0; i < pr.y.size(); ++i) pr.y[i] = pr.X(i, 1) + normal(rng);  // no group effect
  const lmmkit::FitResult fit = lmmkit::fit_lmm(pr.data(), lmmkit::FitOptions());
  EXPECT_LT(fit.theta[0], 0.2);
  const double expected = dense_gls_objective(pr, fit.theta, true);
  EXPECT_NEAR(fit.objective, expected, 1e-8 * std::abs(expected));
  // The optimum is no worse than the boundary itself.
  EXPECT_LE(fit.objective, dense_gls_objective(pr, Vector::Zero(1), true) + 1e-8);
}

TEST(Fit, ConditionalVariancesMatchDenseInverse) {
  const Problem pr = simulate(100, {{12, 2}, {5, 1}}, 4, true);
  // Blocked with a dense rest, blocked with a sparse rest (dense_limit 0), and all sparse.
  for (int config = 0; config < 3; ++config) {
    lmmkit::FitOptions options;
    options.layout = config == 2 ? lmmkit::FactorLayout::sparse : lmmkit::FactorLayout::automatic;
    options.dense_limit = config == 1 ? 0 : 4000;
    const lmmkit::FitResult fit = lmmkit::fit_lmm(pr.data(), options);
    EXPECT_EQ(fit.blocked, config != 2);
    EXPECT_EQ(fit.dense_rest, config == 0);
    const lmmkit::RelativeCovariance cov(pr.terms);
    const Matrix lambda = Matrix(cov.lambda(fit.theta, 0));
    const Matrix Z = Matrix(pr.Zt.transpose());
    const Matrix ZL = Z * lambda;
    Matrix M = ZL.transpose() * pr.weights.asDiagonal() * ZL;
    M.diagonal().array() += 1.0;
    const Matrix V = fit.sigma * fit.sigma * lambda * M.inverse() * lambda.transpose();
    int col = 0;
    for (size_t k = 0; k < pr.terms.size(); ++k) {
      const int w = pr.terms[k].width();
      const int p = pr.terms[k].ncol;
      for (int c = 0; c < w; c += p) {
        const Matrix expected = V.block(col + c, col + c, p, p);
        EXPECT_LT((fit.condvar[k].middleCols(c, p) - expected).cwiseAbs().maxCoeff(), 1e-9);
      }
      col += w;
    }
  }
}

TEST(Fit, ConditionalModesSolvePenalizedLeastSquares) {
  const Problem pr = simulate(90, {{9, 1}, {4, 2}}, 8);
  const lmmkit::FitResult fit = lmmkit::fit_lmm(pr.data(), lmmkit::FitOptions());
  const lmmkit::RelativeCovariance cov(pr.terms);
  const Matrix ZL = Matrix(pr.Zt.transpose()) * Matrix(cov.lambda(fit.theta, 0));
  // Normal equations for u given beta: (L'Z'WZL + I) u = L'Z'W (y - offset - X beta).
  Matrix M = ZL.transpose() * pr.weights.asDiagonal() * ZL;
  M.diagonal().array() += 1.0;
  const Vector rhs = ZL.transpose() * pr.weights.asDiagonal() * (pr.y - pr.offset - pr.X * fit.beta);
  EXPECT_LT((M * fit.u - rhs).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(Errors, InvalidInputThrowsStandardExceptions) {
  Problem pr = simulate(40, {{5, 1}}, 1);
  pr.weights[3] = -1.0;
  EXPECT_THROW(lmmkit::fit_lmm(pr.data(), lmmkit::FitOptions()), std::invalid_argument);
  Problem ok = simulate(40, {{5, 1}}, 1);
  lmmkit::FitOptions bad_start;
  bad_start.start = Vector::Constant(1, -1.0);
  EXPECT_THROW(lmmkit::fit_lmm(ok.data(), bad_start), std::invalid_argument);
  ok.terms[0].nlevels = 6;  // Zt no longer matches the terms
  EXPECT_THROW(lmmkit::fit_lmm(ok.data(), lmmkit::FitOptions()), std::invalid_argument);
}

TEST(Covariance, ThetaLayoutFollowsLme4) {
  const lmmkit::RelativeCovariance cov({{3, 2}, {1, 4}});
  EXPECT_EQ(cov.n_theta(), 7);
  const Vector lower = cov.lower_bounds();
  EXPECT_EQ(lower[0], 0.0);
  EXPECT_TRUE(std::isinf(lower[1]));
  EXPECT_EQ(lower[3], 0.0);
  EXPECT_EQ(lower[6], 0.0);
  Vector theta(7);
  theta << 1, 2, 3, 4, 5, 6, 7;
  const Matrix T = cov.template_factor(theta, 0);
  EXPECT_EQ(T(1, 0), 2);
  EXPECT_EQ(T(2, 1), 5);
  EXPECT_EQ(T(0, 1), 0);
  EXPECT_EQ(cov.lambda(theta, 0).rows(), 3 * 2 + 4);
}

TEST(Fit, SettlesOnTheBoundWhenOnlyRoundingSeparatesIt) {
  const Vector lower = Vector::Zero(2);
  const double at_end = 67.763157905632411;
  auto one_ulp_higher_at_zero = [&](const Vector& theta) {
    return theta[0] == 0 ? std::nextafter(at_end, 100.0) : at_end;
  };
  lmmkit::OptimizerResult result;
  result.x = Vector::Constant(2, 0.5);
  result.x[0] = 2.8e-8;
  result.value = at_end;
  lmmkit::detail::settle_on_bounds(one_ulp_higher_at_zero, lower, result);
  EXPECT_EQ(result.x[0], 0.0);
  EXPECT_EQ(result.x[1], 0.5);
  EXPECT_EQ(result.value, std::nextafter(at_end, 100.0));
}

TEST(Fit, StaysOffTheBoundWhenTheBoundIsWorse) {
  const Vector lower = Vector::Zero(1);
  auto worse_at_zero = [](const Vector& theta) { return theta[0] == 0 ? 67.7631579057 : 67.7631579056; };
  lmmkit::OptimizerResult result;
  result.x = Vector::Constant(1, 1e-7);
  result.value = 67.7631579056;
  lmmkit::detail::settle_on_bounds(worse_at_zero, lower, result);
  EXPECT_EQ(result.x[0], 1e-7);
  EXPECT_EQ(result.value, 67.7631579056);
  result.x[0] = 1e-5;  // too far from the bound to be settled at all
  lmmkit::detail::settle_on_bounds([](const Vector&) { return 0.0; }, lower, result);
  EXPECT_EQ(result.x[0], 1e-5);
}
