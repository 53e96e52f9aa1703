// L-BFGS on the exact gradient: the same optimum as BOBYQA, the sign map of T_k's columns, the test of its
// end, and no stop on a diagonal held at zero.
#include "test_helpers.h"

#include <gtest/gtest.h>

namespace {

using lmmkit::Matrix;
using lmmkit::Vector;
using lmmkit_test::Problem;
using lmmkit_test::simulate;

lmmkit::FitResult fit_with(const Problem& pr, bool reml, lmmkit::OptimizerChoice method,
                           lmmkit::FactorLayout layout = lmmkit::FactorLayout::automatic) {
  lmmkit::FitOptions options;
  options.reml = reml;
  options.layout = layout;
  options.optimizer.method = method;
  return lmmkit::fit_lmm(pr.data(), options);
}

TEST(GradientSearch, PositiveDiagonalsKeepEveryCovariance) {
  const lmmkit::RelativeCovariance cov({{1, 5}, {3, 4}, {2, 6}});
  Vector theta(cov.n_theta());
  for (int i = 0; i < theta.size(); ++i) theta[i] = (i % 3 == 0 ? -1.0 : 1.0) * (0.3 + 0.1 * i);
  const Vector mapped = cov.with_positive_diagonals(theta);
  for (int k = 0; k < cov.n_terms(); ++k) {
    const Matrix before = cov.template_factor(theta, k), after = cov.template_factor(mapped, k);
    EXPECT_LT((before * before.transpose() - after * after.transpose()).cwiseAbs().maxCoeff(), 1e-15);
    EXPECT_TRUE((after.diagonal().array() >= 0).all()) << "term " << k;
  }
  const std::vector<bool> diagonal = cov.diagonal_mask();
  for (int i = 0; i < theta.size(); ++i) {
    if (diagonal[i] && theta[i] < 0) {
      EXPECT_EQ(mapped[i], -theta[i]);
    }
  }
}

// On every design the gradient search ends at BOBYQA's optimum or lower; automatic picks it from 3 theta.
TEST(GradientSearch, ReachesBobyqasOptimum) {
  const std::vector<std::vector<lmmkit_test::TermDesign>> designs = {
      {{30, 2}}, {{20, 3}}, {{25, 2}, {8, 1}}, {{15, 1}, {6, 2}}, {{40, 1}, {9, 1}, {5, 1}}};
  for (size_t d = 0; d < designs.size(); ++d) {
    for (bool reml : {true, false}) {
      const Problem pr = simulate(500, designs[d], 23 + static_cast<unsigned>(d), d % 2 == 0);
      const lmmkit::FitResult bobyqa = fit_with(pr, reml, lmmkit::OptimizerChoice::bobyqa);
      const lmmkit::FitResult chosen = fit_with(pr, reml, lmmkit::OptimizerChoice::automatic);
      EXPECT_EQ(chosen.optimizer.method.substr(0, 5), "lbfgs") << "design " << d;
      EXPECT_TRUE(chosen.optimizer.converged) << "design " << d;
      EXPECT_GT(chosen.optimizer.gradients, 0);
      EXPECT_LE(chosen.objective, bobyqa.objective + 1e-8 * std::abs(bobyqa.objective))
          << "design " << d << (reml ? " REML" : " ML");
      const Vector lower = lmmkit::RelativeCovariance(pr.terms).lower_bounds();
      EXPECT_TRUE((chosen.theta_internal.array() >= lower.array()).all()) << "design " << d;
    }
  }
}

TEST(GradientSearch, AutomaticKeepsBobyqaForTwoThetaAndTheSparseLayout) {
  const Problem pr = simulate(400, {{30, 1}, {7, 1}}, 5);
  EXPECT_EQ(fit_with(pr, true, lmmkit::OptimizerChoice::automatic).optimizer.method, "bobyqa");
  const Problem slopes = simulate(400, {{30, 2}}, 5);
  EXPECT_EQ(fit_with(slopes, true, lmmkit::OptimizerChoice::lbfgs, lmmkit::FactorLayout::sparse).optimizer.method,
            "bobyqa");
}

// The test is scale-free in large theta (the objective then changes with log theta) and leaves ends near a
// zero diagonal to BOBYQA.
TEST(GradientSearch, InteriorMinimumNeedsSmallScaledGradientsAwayFromZero) {
  const Vector lower = lmmkit::RelativeCovariance({{2, 5}}).lower_bounds();  // diagonal, free, diagonal
  const Vector small = Vector::Constant(3, 1e-5);
  EXPECT_TRUE(lmmkit::interior_minimum(Vector::Constant(3, 0.5), small, lower));
  EXPECT_FALSE(lmmkit::interior_minimum((Vector(3) << 1e6, 0.5, 0.5).finished(), small, lower));
  EXPECT_FALSE(lmmkit::interior_minimum((Vector(3) << 0.5, 0.5, 1e-6).finished(), small, lower));
  EXPECT_TRUE(lmmkit::interior_minimum((Vector(3) << 0.5, 1e-6, 0.5).finished(), small, lower));
  EXPECT_FALSE(lmmkit::interior_minimum(Vector::Constant(3, 0.5), Vector::Constant(3, 2e-4), lower));
}

// A start with a diagonal of zero: the gradient in it vanishes by symmetry, so L-BFGS cannot leave it; the
// end is not taken for a minimum and BOBYQA goes on to the optimum, where that diagonal is positive.
TEST(GradientSearch, DiagonalHeldAtZeroIsNotTakenForAMinimum) {
  const Problem pr = simulate(800, {{40, 2}}, 9);
  lmmkit::FitOptions options;
  options.standardize = false;
  lmmkit::PreparedModel model(pr.data(), options);
  const Vector lower = model.covariance().lower_bounds();
  Vector start = model.covariance().default_start();
  start[2] = 0;
  const lmmkit::OptimizerResult result = lmmkit::minimize_by_gradient(model, start, lower, options.optimizer);
  const lmmkit::OptimizerResult reference =
      lmmkit::minimize_bobyqa([&model](const Vector& t) { return model(t); }, model.covariance().default_start(),
                              lower, options.optimizer);
  EXPECT_FALSE(result.stationary);
  EXPECT_EQ(result.method, "lbfgs+bobyqa");
  EXPECT_GT(result.x[2], 0.05);
  EXPECT_LE(result.value, reference.value + 1e-8 * std::abs(reference.value));
}

}  // namespace
