// The exact gradient of the profiled objective against finite differences of the objective itself.
#include "test_helpers.h"

#include <lmmkit/objective_gradient.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

using namespace lmmkit_test;

namespace {

struct Case {
  std::vector<TermDesign> design;
  bool weighted;
};

Vector test_theta(const std::vector<TermSpec>& terms) {
  const lmmkit::RelativeCovariance cov(terms);
  Vector theta = cov.default_start();
  for (int i = 0; i < theta.size(); ++i) theta[i] = theta[i] > 0 ? 0.4 + 0.3 * i : 0.2 - 0.15 * i;
  return theta;
}

// Fourth-order central differences, or second-order one-sided ones (forward) where `one_sided` is set.
Vector finite_difference_gradient(lmmkit::Objective& f, const Vector& theta, const std::vector<bool>& one_sided) {
  Vector g(theta.size());
  for (int i = 0; i < theta.size(); ++i) {
    auto at = [&](double step) {
      Vector t = theta;
      t[i] += step;
      return f(t);
    };
    if (one_sided[i]) {
      const double h = 1e-5;
      g[i] = (-3 * at(0) + 4 * at(h) - at(2 * h)) / (2 * h);
    } else {
      const double h = 1e-3;
      g[i] = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
    }
  }
  return g;
}

// Exact and numerical gradients agree to about 1e-6 relative to the gradient's size (or 1e-6 absolute).
void expect_gradient_matches(const Problem& pr, const Vector& theta, bool reml, bool blocked,
                             const std::vector<bool>& one_sided) {
  const lmmkit::RelativeCovariance cov(pr.terms);
  const lmmkit::CrossProducts cp = lmmkit::form_cross_products(pr.data(), blocked);
  lmmkit::Objective f(cp, cov, reml, true);
  const Vector numerical = finite_difference_gradient(f, theta, one_sided);
  f(theta);
  const Vector exact = lmmkit::objective_gradient(f.factor(), cov, theta, reml);
  const double scale = std::max(1.0, numerical.cwiseAbs().maxCoeff());
  EXPECT_LT((exact - numerical).cwiseAbs().maxCoeff(), 1e-6 * scale)
      << "reml " << reml << " blocked " << blocked << " q1 " << cp.q1 << " q2 " << cp.q2 << "\nexact     "
      << exact.transpose() << "\nnumerical " << numerical.transpose();
}

const std::vector<Case> cases = {
    {{{12, 1}}, false},                 // one scalar term
    {{{10, 2}}, true},                  // a 2 x 2 template, weights and offset
    {{{9, 3}}, false},                  // a 3 x 3 template
    {{{15, 1}, {7, 1}}, false},         // crossed scalar terms: a dense rest with fill
    {{{14, 2}, {6, 1}, {4, 2}}, true},  // three terms of mixed sizes, weighted
    {{{6, 1}, {8, 3}}, true},           // a 3 x 3 template in the rest
};

}  // namespace

TEST(ObjectiveGradient, MatchesFiniteDifferencesForMlAndReml) {
  for (const Case& c : cases) {
    const Problem pr = simulate(90, c.design, 7, c.weighted);
    const Vector theta = test_theta(pr.terms);
    const std::vector<bool> central(theta.size(), false);
    for (bool reml : {false, true}) expect_gradient_matches(pr, theta, reml, true, central);
  }
}

TEST(ObjectiveGradient, MatchesWithoutABlockDiagonalFirstTerm) {
  const Problem pr = simulate(80, {{9, 2}, {5, 1}}, 3, true);
  const Vector theta = test_theta(pr.terms);
  const std::vector<bool> central(theta.size(), false);
  for (bool reml : {false, true}) expect_gradient_matches(pr, theta, reml, false, central);
}

TEST(ObjectiveGradient, MatchesOnTheBoundary) {
  const Problem pr = simulate(100, {{10, 2}, {6, 1}, {5, 1}}, 5, true);
  Vector theta = test_theta(pr.terms);
  theta[0] = 0.0;  // T_1(0, 0): the intercept's own variance at its bound
  theta[4] = 0.0;  // the last term's variance at its bound
  std::vector<bool> one_sided(theta.size(), false);
  one_sided[0] = one_sided[4] = true;
  for (bool reml : {false, true}) {
    expect_gradient_matches(pr, theta, reml, true, one_sided);
    expect_gradient_matches(pr, theta, reml, false, one_sided);
  }
  theta.setZero();
  std::vector<bool> all_one_sided(theta.size(), false);
  const lmmkit::RelativeCovariance cov(pr.terms);
  const std::vector<bool> mask = cov.diagonal_mask();
  for (int i = 0; i < theta.size(); ++i) all_one_sided[i] = mask[i];
  for (bool reml : {false, true}) expect_gradient_matches(pr, theta, reml, true, all_one_sided);
}

TEST(ObjectiveGradient, PreparedModelOverloadAndSparseLayout) {
  const Problem pr = simulate(90, {{10, 2}, {6, 1}}, 9, true);
  const Vector theta = test_theta(pr.terms);
  lmmkit::FitOptions options;
  options.layout = lmmkit::FactorLayout::blocked;
  lmmkit::PreparedModel model(pr.data(), options);
  const Vector g = lmmkit::objective_gradient(model, theta);
  EXPECT_EQ(g.size(), theta.size());
  const lmmkit::RelativeCovariance cov(pr.terms);
  const lmmkit::CrossProducts cp = lmmkit::form_cross_products(pr.data(), true);
  lmmkit::Objective f(cp, cov, true, true);
  f(theta);
  EXPECT_LT((g - lmmkit::objective_gradient(f.factor(), cov, theta, true)).cwiseAbs().maxCoeff(), 1e-12);
  options.layout = lmmkit::FactorLayout::sparse;
  lmmkit::PreparedModel sparse(pr.data(), options);
  EXPECT_THROW(lmmkit::objective_gradient(sparse, theta), std::invalid_argument);
}

TEST(CholeskyInverse, MatchesTheInverseOfTheFactoredMatrix) {
  for (int q : {1, 50, 700}) {  // one block; Eigen's products; the product kernel with a partial last block
    const Matrix B = Matrix::Random(q, q);
    const Matrix S = B * B.transpose() + q * Matrix::Identity(q, q);
    Matrix factor = Matrix::Zero(q + 3, q + 3);  // a factor with rows below the block, as the rest factor holds
    factor.topLeftCorner(q, q) = Matrix(Eigen::LLT<Matrix>(S).matrixL());
    const Matrix inverse = lmmkit::cholesky_inverse(factor, q, 2);
    EXPECT_LT((inverse * S - Matrix::Identity(q, q)).cwiseAbs().maxCoeff(), 1e-10) << q;
    EXPECT_LT((inverse - inverse.transpose()).cwiseAbs().maxCoeff(), 1e-15) << q;
  }
}

// Prints the time of one gradient against one objective evaluation with a dense rest of 1,000 columns.
TEST(ObjectiveGradient, CostAgainstOneEvaluation) {
  const Problem pr = simulate(12000, {{1500, 1}, {600, 1}, {200, 2}}, 4, true);
  const lmmkit::RelativeCovariance cov(pr.terms);
  const lmmkit::CrossProducts cp = lmmkit::form_cross_products(pr.data(), true);
  ASSERT_EQ(cp.q2, 1000);
  const Vector theta = test_theta(pr.terms);
  for (bool reml : {false, true}) {
    lmmkit::Objective f(cp, cov, reml, true);
    f(theta);
    const auto t0 = std::chrono::steady_clock::now();
    f(theta);
    const auto t1 = std::chrono::steady_clock::now();
    const Vector g = lmmkit::objective_gradient(f.factor(), cov, theta, reml);
    const auto t2 = std::chrono::steady_clock::now();
    const double objective_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    const double gradient_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
    std::printf("[ cost ] q1 %d, q2 %d, %s: objective %.1f ms, gradient %.1f ms, ratio %.2f\n", cp.q1, cp.q2,
                reml ? "REML" : "ML", objective_ms, gradient_ms, gradient_ms / objective_ms);
    EXPECT_TRUE(g.allFinite());
  }
}
