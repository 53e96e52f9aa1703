// The optimizer's moment-estimate start: close to the truth on large samples, absent when it cannot
// be estimated, and never a worse optimum than the default start.
#include "test_helpers.h"

#include <gtest/gtest.h>

namespace {

using lmmkit_test::Problem;
using lmmkit_test::simulate;

// moment_start() on the internal data, mapped to the user's theta.
lmmkit::Vector user_moment_start(const Problem& pr) {
  const lmmkit::Standardization map(pr.data(), true);
  const lmmkit::RelativeCovariance cov(pr.terms);
  const lmmkit::Vector internal = lmmkit::moment_start(map.data().view(), cov);
  return internal.size() == 0 ? internal : map.theta_to_user(internal);
}

// simulate() draws column j of a term with SD 1 / (j + 1) and residuals with SD 0.5.
TEST(MomentStart, ScalarTermIsNearTheTruth) {
  const Problem pr = simulate(20000, {{200, 1}}, 11);
  const lmmkit::Vector theta = user_moment_start(pr);
  ASSERT_EQ(theta.size(), 1);
  EXPECT_NEAR(theta[0], 2.0, 0.25);
}

TEST(MomentStart, AbsentForATermWithSeveralColumns) {
  EXPECT_EQ(user_moment_start(simulate(2000, {{50, 1}, {40, 2}}, 5)).size(), 0);
}

TEST(MomentStart, AbsentWithTooFewObservationsForTheLevels) {
  const Problem pr = simulate(30, {{27, 1}}, 3);  // 30 - 3 fixed - 27 levels: no residual dof
  EXPECT_EQ(user_moment_start(pr).size(), 0);
}

TEST(MomentStart, NeverAWorseOptimumThanTheDefaultStart) {
  const std::vector<std::vector<lmmkit_test::TermDesign>> designs = {
      {{40, 1}, {7, 1}}, {{60, 1}}, {{25, 1}, {6, 1}, {4, 1}}, {{20, 1}}};
  for (size_t d = 0; d < designs.size(); ++d) {
    for (bool reml : {true, false}) {
      const Problem pr = simulate(600, designs[d], 17 + static_cast<unsigned>(d), d % 2 == 1);
      lmmkit::FitOptions options;
      options.reml = reml;
      const lmmkit::FitResult chosen = lmmkit::fit_lmm(pr.data(), options);
      const lmmkit::Standardization map(pr.data(), true);
      options.start = map.theta_to_user(lmmkit::RelativeCovariance(pr.terms).default_start());
      const lmmkit::FitResult from_default = lmmkit::fit_lmm(pr.data(), options);
      EXPECT_LE(chosen.objective, from_default.objective + 1e-8 * std::abs(from_default.objective))
          << "design " << d << (reml ? " REML" : " ML");
    }
  }
}

}  // namespace
