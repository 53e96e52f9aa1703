// The threaded symmetric eigendecomposition against Eigen's solver, on singular and tiny matrices.
#include <lmmkit/symmetric_eigen.h>

#include <gtest/gtest.h>

#include <random>

namespace {

lmmkit::Matrix low_rank_psd(int n, int rank, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  lmmkit::Matrix X(n, rank);
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = normal(rng);
  return X * X.transpose() / rank;
}

}  // namespace

TEST(SymmetricEigen, ReconstructsASingularMatrixWithOrthonormalVectors) {
  const lmmkit::Matrix A = low_rank_psd(150, 40, 2);
  const lmmkit::SymmetricEigen e = lmmkit::symmetric_eigen(A, 2);
  const lmmkit::Matrix rebuilt = e.vectors * e.values.asDiagonal() * e.vectors.transpose();
  EXPECT_LT((rebuilt - A).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((e.vectors.transpose() * e.vectors - lmmkit::Matrix::Identity(150, 150)).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::SelfAdjointEigenSolver<lmmkit::Matrix> reference(A);
  EXPECT_LT((e.values - reference.eigenvalues()).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT(std::abs(e.values.head(110).maxCoeff()), 1e-12);  // rank 40: 110 zero eigenvalues
}

TEST(SymmetricEigen, ResultDoesNotDependOnTheNumberOfThreads) {
  const lmmkit::Matrix A = low_rank_psd(300, 300, 5);
  const lmmkit::SymmetricEigen one = lmmkit::symmetric_eigen(A, 1), three = lmmkit::symmetric_eigen(A, 3);
  EXPECT_EQ(one.values, three.values);
  EXPECT_EQ(one.vectors, three.vectors);
}

TEST(SymmetricEigen, TinyAndInvalidMatrices) {
  const lmmkit::SymmetricEigen one = lmmkit::symmetric_eigen(lmmkit::Matrix::Constant(1, 1, 2.5), 2);
  EXPECT_DOUBLE_EQ(one.values[0], 2.5);
  EXPECT_DOUBLE_EQ(std::abs(one.vectors(0, 0)), 1.0);
  EXPECT_EQ(lmmkit::symmetric_eigen(lmmkit::Matrix(0, 0), 1).values.size(), 0);
  EXPECT_THROW(lmmkit::symmetric_eigen(lmmkit::Matrix(2, 3), 1), std::invalid_argument);
}

TEST(SymmetricEigen, ALargeClusterOfZeroEigenvalues) {
  const lmmkit::Matrix A = low_rank_psd(400, 30, 9);
  const lmmkit::SymmetricEigen e = lmmkit::symmetric_eigen(A, 2);
  EXPECT_LT((e.vectors * e.values.asDiagonal() * e.vectors.transpose() - A).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((e.vectors.transpose() * e.vectors - lmmkit::Matrix::Identity(400, 400)).cwiseAbs().maxCoeff(), 1e-11);
  EXPECT_LT(std::abs(e.values.head(370).maxCoeff()), 1e-12);
}

TEST(SymmetricEigen, BlockedTridiagonalizationReproducesTheMatrix) {
  if (!lmmkit::avx2_fma_available()) GTEST_SKIP() << "the blocked reduction needs AVX2/FMA";
  // 700 rows: many panels of reflectors, and symmetric products split into column ranges.
  const lmmkit::Matrix A = low_rank_psd(700, 500, 21);
  const lmmkit::Tridiagonal one = lmmkit::tridiagonalize(A, 1), two = lmmkit::tridiagonalize(A, 2);
  EXPECT_EQ(one.reflectors, two.reflectors);
  lmmkit::Matrix T = lmmkit::Matrix::Zero(700, 700);
  T.diagonal() = one.diagonal;
  T.diagonal(-1) = one.off_diagonal;
  T.diagonal(1) = one.off_diagonal;
  lmmkit::Matrix Q = lmmkit::Matrix::Identity(700, 700);
  lmmkit::detail::apply_reflectors(one.reflectors, one.tau, 48, Q);
  EXPECT_LT((Q * T * Q.transpose() - A).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((Q.transpose() * Q - lmmkit::Matrix::Identity(700, 700)).cwiseAbs().maxCoeff(), 1e-13);
  const Eigen::SelfAdjointEigenSolver<lmmkit::Matrix> reference(A);
  EXPECT_LT((lmmkit::symmetric_eigen(A, 2).values - reference.eigenvalues()).cwiseAbs().maxCoeff(), 1e-12);
}
