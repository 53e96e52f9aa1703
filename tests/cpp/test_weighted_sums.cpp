// The one-pass weighted sums of a likelihood evaluation against their definition, for any number of columns.
#include <lmmkit/weighted_sums.h>
#include <lmmkit/types.h>

#include <gtest/gtest.h>

#include <random>

TEST(WeightedSums, MatchTheirDefinitionForAnyColumnCountAndRowCount) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> uniform(0, 5);
  for (int n : {1, 3, 4, 37, 1000}) {
    for (int k : {0, 1, 6, 7, 13}) {
      lmmkit::Vector d(n);
      for (int i = 0; i < n; ++i) d[i] = i % 5 == 0 ? 0.0 : uniform(rng);  // zero eigenvalues too
      const lmmkit::Matrix P = lmmkit::Matrix::Random(n, k);
      std::vector<const double*> columns;
      for (int p = 0; p < k; ++p) columns.push_back(P.col(p).data());
      const double lambda = 0.7;
      lmmkit::Vector with_h(k), with_hdh(k);
      double trace_HD = -1;
      lmmkit::weighted_sums(d.data(), n, lambda, columns, with_h.data(), with_hdh.data(), trace_HD);
      const lmmkit::Vector h = (lambda * d.array() + 1.0).inverse().matrix();
      const lmmkit::Vector hdh = h.cwiseAbs2().cwiseProduct(d);
      EXPECT_NEAR(trace_HD, h.dot(d), 1e-12 * n) << n << " rows, " << k << " columns";
      if (k == 0) continue;
      EXPECT_LT((with_h - P.transpose() * h).cwiseAbs().maxCoeff(), 1e-12 * n);
      EXPECT_LT((with_hdh - P.transpose() * hdh).cwiseAbs().maxCoeff(), 1e-12 * n);
    }
  }
}
