// Smoke test: the C++ toolchain, Eigen and NLopt are usable. The engine's
// real tests live beside this file (tests/cpp/*.cpp, all globbed by CMake).
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <nlopt.h>

#include <cmath>

namespace {

// f(x) = (x0 - 1)^2 + 2 (x1 + 0.5)^2 + 3, minimum 3 at (1, -0.5).
double quadratic(unsigned n, const double* x, double* grad, void* data) {
  (void)n;
  (void)grad;  // derivative-free optimizer: grad is NULL
  int* count = static_cast<int*>(data);
  ++*count;
  const double a = x[0] - 1.0, b = x[1] + 0.5;
  return a * a + 2.0 * b * b + 3.0;
}

}  // namespace

TEST(Smoke, EigenSolvesLinearSystem) {
  Eigen::Matrix2d A;
  A << 4.0, 1.0,
       1.0, 3.0;
  const Eigen::Vector2d b(1.0, 2.0);
  const Eigen::LLT<Eigen::Matrix2d> llt(A);
  ASSERT_EQ(llt.info(), Eigen::Success);
  const Eigen::Vector2d x = llt.solve(b);
  EXPECT_NEAR((A * x - b).norm(), 0.0, 1e-12);
}

TEST(Smoke, NloptBobyqaFindsQuadraticMinimum) {
  nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, 2);
  ASSERT_NE(opt, nullptr);
  int count = 0;
  ASSERT_EQ(nlopt_set_min_objective(opt, quadratic, &count), NLOPT_SUCCESS);
  const double lb[2] = {-10.0, -10.0}, ub[2] = {10.0, 10.0};
  nlopt_set_lower_bounds(opt, lb);
  nlopt_set_upper_bounds(opt, ub);
  nlopt_set_xtol_rel(opt, 1e-10);
  nlopt_set_maxeval(opt, 10000);

  double x[2] = {5.0, 5.0};
  double fmin = 0.0;
  const nlopt_result res = nlopt_optimize(opt, x, &fmin);
  nlopt_destroy(opt);

  EXPECT_GT(res, 0) << "nlopt_optimize returned " << res;
  EXPECT_GT(count, 0);
  EXPECT_NEAR(x[0], 1.0, 1e-5);
  EXPECT_NEAR(x[1], -0.5, 1e-5);
  EXPECT_NEAR(fmin, 3.0, 1e-9);
}
