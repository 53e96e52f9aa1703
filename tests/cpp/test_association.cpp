// The rotated-data likelihoods: derivatives against finite differences, the lambda search against a fine grid.
#include <lmmkit/association.h>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {

using lmmkit::Matrix;
using lmmkit::Vector;

struct Rotated {
  Vector d, y;
  Matrix W;
};

Rotated example(int n = 80, unsigned seed = 4) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.0, 3.0);
  Rotated r{Vector(n), Vector(n), Matrix(n, 2)};
  for (int i = 0; i < n; ++i) {
    r.d[i] = i < 5 ? 0.0 : uniform(rng);
    r.W(i, 0) = 1.0 + 0.1 * normal(rng);
    r.W(i, 1) = normal(rng);
    r.y[i] = 0.5 * r.W(i, 1) + std::sqrt(1.5 * r.d[i] + 1.0) * normal(rng);
  }
  return r;
}

}  // namespace

TEST(RotatedLikelihood, DerivativesMatchFiniteDifferences) {
  const Rotated r = example();
  const lmmkit::RotatedLikelihood L(r.d, r.W, r.y);
  for (double lambda : {0.01, 0.3, 2.0, 40.0}) {
    const double h = 1e-6 * lambda;
    const auto f = L.fit(lambda), up = L.fit(lambda + h), down = L.fit(lambda - h);
    EXPECT_NEAR(L.ml_derivative(f), (L.ml(up) - L.ml(down)) / (2 * h), 1e-5 * (1 + std::abs(L.ml_derivative(f))));
    EXPECT_NEAR(L.reml_derivative(f), (L.reml(up) - L.reml(down)) / (2 * h),
                1e-5 * (1 + std::abs(L.reml_derivative(f))));
  }
}

TEST(RotatedLikelihood, SearchFindsTheMaximumOfAFineGrid) {
  const Rotated r = example();
  const lmmkit::RotatedLikelihood L(r.d, r.W, r.y);
  for (bool reml : {false, true}) {
    const lmmkit::LambdaOptimum best = lmmkit::maximise_lambda(L, reml);
    double grid_best = -INFINITY;
    for (int i = 0; i <= 4000; ++i) {
      const auto f = L.fit(1e-5 * std::pow(1e10, i / 4000.0));
      grid_best = std::max(grid_best, reml ? L.reml(f) : L.ml(f));
    }
    EXPECT_GE(best.logl, grid_best - 1e-12);
    EXPECT_LT(best.logl - grid_best, 1e-4);
    EXPECT_FALSE(best.at_boundary);
  }
}

TEST(RotatedLikelihood, NoGeneticVarianceGivesASmallLambdaAndAnHonestBoundaryFlag) {
  Rotated r = example();
  std::mt19937 rng(9);
  std::normal_distribution<double> normal;
  for (int i = 0; i < r.y.size(); ++i) r.y[i] = normal(rng);  // no lambda d_i term: lambda near 0
  const lmmkit::RotatedLikelihood L(r.d, r.W, r.y);
  const lmmkit::LambdaOptimum best = lmmkit::maximise_lambda(L, true);
  EXPECT_LT(best.lambda, 1.0);
  EXPECT_EQ(best.at_boundary, best.lambda == 1e-5 || best.lambda == 1e5);
  EXPECT_TRUE(std::isfinite(best.logl));
}

TEST(Association, CollinearSnpIsFlagged) {
  const Rotated r = example();
  const lmmkit::NullModel null(r.d, r.W, r.y);
  const lmmkit::SnpTests t = lmmkit::test_snp(null, 3.0 * r.W.col(1));
  EXPECT_TRUE(t.collinear);
  const lmmkit::SnpTests ok = lmmkit::test_snp(null, r.W.col(1).cwiseAbs2());
  EXPECT_FALSE(ok.collinear);
  EXPECT_GT(ok.se, 0);
}

TEST(RotatedLikelihood, GridFitsEqualSingleFits) {
  const Rotated r = example();
  const lmmkit::RotatedLikelihood L(r.d, r.W, r.y);
  const lmmkit::LambdaWeights grid(r.d, {1e-3, 0.5, 7.0});
  const std::vector<lmmkit::RotatedFit> fits = L.fit(grid);
  for (std::size_t j = 0; j < fits.size(); ++j) {
    const lmmkit::RotatedFit single = L.fit(grid.lambda[j]);
    EXPECT_NEAR(fits[j].yPy, single.yPy, 1e-10 * single.yPy);
    EXPECT_NEAR(fits[j].trace_PD, single.trace_PD, 1e-10 * std::abs(single.trace_PD));
    EXPECT_NEAR(L.reml(fits[j]), L.reml(single), 1e-9);
    EXPECT_NEAR(L.ml(fits[j]), L.ml(single), 1e-9);
  }
}

TEST(Association, FixedLambdaUsesTheNullModelsRatios) {
  const Rotated r = example();
  const lmmkit::NullModel null(r.d, r.W, r.y);
  lmmkit::TestChoice choice;
  choice.fixed_lambda = true;
  const lmmkit::SnpTests t = lmmkit::test_snp(null, r.W.col(1).cwiseAbs2(), choice);
  EXPECT_EQ(t.l_remle, null.remle.lambda);
  EXPECT_EQ(t.l_mle, null.mle.lambda);
  EXPECT_TRUE(std::isfinite(t.wald_F) && std::isfinite(t.logl_mle) && std::isfinite(t.score_F));
  lmmkit::TestChoice score_only;
  score_only.wald = score_only.lrt = false;
  const lmmkit::SnpTests s = lmmkit::test_snp(null, r.W.col(1).cwiseAbs2(), score_only);
  EXPECT_TRUE(std::isnan(s.beta) && std::isnan(s.logl_mle));
  EXPECT_DOUBLE_EQ(s.score_F, t.score_F);
}

TEST(RotatedLikelihood, ASnpLikelihoodBuiltOnTheNullEqualsAStandaloneOne) {
  const Rotated r = example();
  const lmmkit::LambdaWeights grid(r.d, lmmkit::search_grid({}));
  lmmkit::RotatedLikelihood base(r.d, r.W, r.y);
  base.cache_grid(grid);
  const Vector x = r.W.col(1).cwiseAbs2() + r.d;
  Matrix W1(r.W.rows(), 3);
  W1 << r.W, x;
  const lmmkit::RotatedLikelihood standalone(r.d, W1, r.y), built(base, x);
  const std::vector<lmmkit::RotatedFit> on_grid = built.fit(grid), reference = standalone.fit(grid);
  for (std::size_t j = 0; j < on_grid.size(); ++j) {
    EXPECT_NEAR(built.reml(on_grid[j]), standalone.reml(reference[j]), 1e-9);
    EXPECT_NEAR(built.ml_derivative(on_grid[j]), standalone.ml_derivative(reference[j]), 1e-9);
    EXPECT_NEAR(on_grid[j].beta[2], reference[j].beta[2], 1e-12);
  }
  const lmmkit::RotatedFit a = built.fit(0.7), b = standalone.fit(0.7);
  EXPECT_NEAR(built.reml(a), standalone.reml(b), 1e-9);
  EXPECT_NEAR(built.reml_derivative(a), standalone.reml_derivative(b), 1e-9);
  EXPECT_NEAR(a.WHW_inverse(2, 2), b.WHW_inverse(2, 2), 1e-12);
}
