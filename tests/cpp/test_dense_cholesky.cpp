// The blocked, threaded dense Cholesky factor against Eigen's, and its independence of the number of threads.
#include <gtest/gtest.h>

#include <lmmkit/dense_cholesky.h>

#include <random>

namespace {

// A random symmetric positive definite matrix of order n, well conditioned: B B' / n + I.
lmmkit::Matrix random_spd(int n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  lmmkit::Matrix B(n, n / 2 + 3);
  for (Eigen::Index j = 0; j < B.cols(); ++j)
    for (Eigen::Index i = 0; i < n; ++i) B(i, j) = normal(gen);
  lmmkit::Matrix S = B * B.transpose() / n;
  S.diagonal().array() += 1.0;
  return S;
}

lmmkit::Matrix lower_factor(lmmkit::Matrix S, int threads) {
  lmmkit::DenseKernels kernels;
  kernels.threads = threads;
  EXPECT_TRUE(lmmkit::dense_cholesky(S, kernels));
  return S.triangularView<Eigen::Lower>();
}

TEST(DenseCholesky, MatchesEigenAtOrdersAroundTheBlockSizes) {
  for (int n : {5, 383, 384, 385, 517, 700}) {
    const lmmkit::Matrix S = random_spd(n, 11u + n);
    const lmmkit::Matrix L = lower_factor(S, 2);
    const lmmkit::Matrix reference = Eigen::LLT<lmmkit::Matrix>(S).matrixL();
    EXPECT_LT((L - reference).cwiseAbs().maxCoeff(), 1e-12) << "n = " << n;
    EXPECT_LT((L * L.transpose() - S).cwiseAbs().maxCoeff(), 1e-12) << "n = " << n;
  }
}

TEST(DenseCholesky, SameFactorWhateverTheNumberOfThreads) {
  const lmmkit::Matrix S = random_spd(650, 3u);
  const lmmkit::Matrix one = lower_factor(S, 1);
  for (int threads : {2, 3, 8}) EXPECT_EQ((lower_factor(S, threads) - one).cwiseAbs().maxCoeff(), 0.0);
}

TEST(DenseCholesky, LargeOrdersTakeWiderStepsWithTheSameResult) {
  const int n = 2100;
  const lmmkit::Matrix S = random_spd(n, 8u);
  const lmmkit::Matrix one = lower_factor(S, 1);
  EXPECT_EQ((lower_factor(S, 2) - one).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_LT((one * one.transpose() - S).cwiseAbs().maxCoeff(), 1e-11);
}

TEST(DenseCholesky, RefusesAMatrixThatIsNotPositiveDefinite) {
  for (int n : {50, 600}) {
    lmmkit::Matrix S = random_spd(n, 5u);
    S(n - 3, n - 3) = -1.0;
    lmmkit::DenseKernels kernels;
    kernels.threads = 2;
    EXPECT_FALSE(lmmkit::dense_cholesky(S, kernels)) << "n = " << n;
  }
}

TEST(DenseCholesky, PartialFactorGivesTheLeadingColumnsAndTheSchurComplement) {
  for (int k : {100, 500}) {
    const int n = k + 29;
    const lmmkit::Matrix S = random_spd(n, 21u + k);
    const lmmkit::Matrix full = Eigen::LLT<lmmkit::Matrix>(S).matrixL();
    for (int threads : {1, 2}) {
      lmmkit::Matrix A = S;
      lmmkit::DenseKernels kernels;
      kernels.threads = threads;
      ASSERT_TRUE(lmmkit::dense_cholesky(A, k, kernels));
      const lmmkit::Matrix leading = A.leftCols(k).triangularView<Eigen::Lower>();
      EXPECT_LT((leading - full.leftCols(k)).cwiseAbs().maxCoeff(), 1e-12) << "k = " << k;
      const lmmkit::Matrix schur = A.bottomRightCorner(n - k, n - k).selfadjointView<Eigen::Lower>();
      const lmmkit::Matrix tail = full.bottomRightCorner(n - k, n - k);
      EXPECT_LT((schur - tail * tail.transpose()).cwiseAbs().maxCoeff(), 1e-12) << "k = " << k;
    }
  }
}

TEST(DenseCholesky, UsesTheExternalFactorWhenGivenForLargeBlocks) {
  lmmkit::DenseKernels kernels;
  int calls = 0;
  kernels.external = [&calls](lmmkit::Matrix& S, Eigen::Index k) {
    ++calls;
    Eigen::LLT<Eigen::Ref<lmmkit::Matrix>> llt(S);
    return k == S.rows() && llt.info() == Eigen::Success;
  };
  lmmkit::Matrix small = random_spd(50, 10u);
  EXPECT_TRUE(lmmkit::dense_cholesky(small, kernels));
  EXPECT_EQ(calls, 0);
  lmmkit::Matrix S = random_spd(400, 9u);
  const lmmkit::Matrix reference = Eigen::LLT<lmmkit::Matrix>(S).matrixL();
  EXPECT_TRUE(lmmkit::dense_cholesky(S, kernels));
  EXPECT_EQ(calls, 1);
  EXPECT_LT((lmmkit::Matrix(S.triangularView<Eigen::Lower>()) - reference).cwiseAbs().maxCoeff(), 1e-13);
}

}  // namespace
