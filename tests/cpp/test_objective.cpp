// The engine's objective and estimates against a direct dense GLS computation.
#include "test_helpers.h"

#include <gtest/gtest.h>

using namespace lmmkit_test;

namespace {

struct Case {
  std::vector<TermDesign> design;
  bool weighted;
};

double engine_objective(const Problem& pr, const Vector& theta, bool reml, lmmkit::FactorLayout layout) {
  lmmkit::FitOptions options;
  options.reml = reml;
  options.layout = layout;
  lmmkit::PreparedModel model(pr.data(), options);
  return model(theta);
}

Vector test_theta(const std::vector<TermSpec>& terms) {
  const lmmkit::RelativeCovariance cov(terms);
  Vector theta = cov.default_start();
  for (int i = 0; i < theta.size(); ++i) theta[i] = theta[i] > 0 ? 0.4 + 0.3 * i : 0.2;
  return theta;
}

const std::vector<Case> cases = {
    {{{12, 1}}, false},                 // one scalar term
    {{{10, 2}}, true},                  // correlated intercept and slope, weights and offset
    {{{15, 1}, {7, 1}}, false},         // crossed scalar terms
    {{{14, 2}, {6, 1}, {4, 2}}, true},  // three terms, mixed sizes
};

}  // namespace

TEST(Objective, MatchesDenseGlsForEveryLayout) {
  for (const Case& c : cases) {
    const Problem pr = simulate(90, c.design, 7, c.weighted);
    const Vector theta = test_theta(pr.terms);
    for (bool reml : {true, false}) {
      const double expected = dense_gls_objective(pr, theta, reml);
      for (auto layout : {lmmkit::FactorLayout::blocked, lmmkit::FactorLayout::sparse,
                          lmmkit::FactorLayout::automatic}) {
        EXPECT_NEAR(engine_objective(pr, theta, reml, layout), expected, 1e-8 * std::abs(expected));
      }
    }
  }
}

TEST(Objective, HandlesThetaOnTheBoundary) {
  const Problem pr = simulate(60, {{8, 2}, {5, 1}}, 3);
  Vector theta = test_theta(pr.terms);
  theta.setZero();
  const double expected = dense_gls_objective(pr, theta, true);
  EXPECT_NEAR(engine_objective(pr, theta, true, lmmkit::FactorLayout::blocked), expected, 1e-8 * std::abs(expected));
  EXPECT_NEAR(engine_objective(pr, theta, true, lmmkit::FactorLayout::sparse), expected, 1e-8 * std::abs(expected));
}

TEST(Fit, EstimatesMatchDenseGlsAtTheOptimum) {
  for (const Case& c : cases) {
    const Problem pr = simulate(120, c.design, 11, c.weighted);
    lmmkit::FitOptions options;
    const lmmkit::FitResult fit = lmmkit::fit_lmm(pr.data(), options);
    Vector beta;
    const double expected = dense_gls_objective(pr, fit.theta, true, &beta);
    EXPECT_NEAR(fit.objective, expected, 1e-8 * std::abs(expected));
    EXPECT_LT((fit.beta - beta).cwiseAbs().maxCoeff(), 1e-7);
    EXPECT_TRUE(fit.optimizer.converged) << fit.optimizer.message;
  }
}

TEST(Fit, BlockedAndSparseLayoutsAgree) {
  const Problem pr = simulate(150, {{20, 2}, {9, 1}}, 5, true);
  lmmkit::FitOptions blocked, sparse;
  blocked.layout = lmmkit::FactorLayout::blocked;
  sparse.layout = lmmkit::FactorLayout::sparse;
  const auto a = lmmkit::fit_lmm(pr.data(), blocked);
  const auto b = lmmkit::fit_lmm(pr.data(), sparse);
  EXPECT_TRUE(a.blocked);
  EXPECT_FALSE(b.blocked);
  EXPECT_NEAR(a.objective, b.objective, 1e-7 * std::abs(a.objective));
  EXPECT_LT((a.theta - b.theta).cwiseAbs().maxCoeff(), 1e-3);
  EXPECT_LT((a.u - b.u).cwiseAbs().maxCoeff(), 1e-3);
  for (size_t k = 0; k < a.condvar.size(); ++k) {
    EXPECT_LT((a.condvar[k] - b.condvar[k]).cwiseAbs().maxCoeff(), 1e-3);
  }
}
