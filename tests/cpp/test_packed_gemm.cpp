// The AVX2/FMA product kernel against Eigen's, for every transposition, edge tiles and strided operands.
#include <lmmkit/dense_products.h>

#include <gtest/gtest.h>

#include <random>

namespace {

lmmkit::Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  lmmkit::Matrix X(rows, cols);
  for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = normal(rng);
  return X;
}

lmmkit::Matrix op(const lmmkit::Matrix& X, bool transposed) { return transposed ? X.transpose() : X; }

}  // namespace

TEST(PackedGemm, MatchesEigenForEveryTranspositionAndShape) {
  if (!lmmkit::avx2_fma_available()) GTEST_SKIP() << "this CPU has no AVX2/FMA";
  // Shapes cross the tile (8 x 6), row-block (96) and depth-block (256) edges.
  const int shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {8, 6, 256}, {97, 13, 257}, {200, 61, 700}, {33, 250, 40}};
  unsigned seed = 1;
  for (const auto& shape : shapes) {
    const int m = shape[0], n = shape[1], depth = shape[2];
    for (int t = 0; t < 4; ++t) {
      const bool a_t = t & 1, b_t = t & 2;
      const lmmkit::Matrix A = random_matrix(a_t ? depth : m, a_t ? m : depth, seed++);
      const lmmkit::Matrix B = random_matrix(b_t ? n : depth, b_t ? depth : n, seed++);
      lmmkit::Matrix C = random_matrix(m, n, seed++);
      const lmmkit::Matrix expected = C + op(A, a_t) * op(B, b_t);
      lmmkit::packed_gemm(m, n, depth, {A.data(), A.outerStride(), a_t}, {B.data(), B.outerStride(), b_t},
                          C.data(), C.outerStride());
      EXPECT_LT((C - expected).cwiseAbs().maxCoeff(), 1e-12 * depth) << m << "x" << n << "x" << depth << " op " << t;
    }
  }
}

TEST(PackedGemm, EngineProductsHonourBlocksOfLargerMatrices) {
  const lmmkit::Matrix U = random_matrix(150, 150, 7), B = random_matrix(150, 40, 8);
  const lmmkit::Matrix rotated = lmmkit::engine_transposed_product(U.block(0, 10, 150, 100), B);
  EXPECT_LT((rotated - U.block(0, 10, 150, 100).transpose() * B).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(PackedGemm, LowerProductFillsTheLowerTriangleWhateverTheThreads) {
  if (!lmmkit::avx2_fma_available()) GTEST_SKIP() << "this CPU has no AVX2/FMA";
  const lmmkit::Matrix L = random_matrix(203, 300, 9), R = random_matrix(203, 300, 10);
  const lmmkit::Matrix expected = L * R.transpose();
  lmmkit::Matrix one = lmmkit::Matrix::Zero(203, 203), three = one;
  lmmkit::packed_lower_product(203, 300, {L.data(), 203, false}, {R.data(), 203, false}, one.data(), 203, 1);
  lmmkit::packed_lower_product(203, 300, {L.data(), 203, false}, {R.data(), 203, false}, three.data(), 203, 3);
  EXPECT_EQ(one, three);
  const lmmkit::Matrix difference = (one - expected).triangularView<Eigen::Lower>();
  EXPECT_LT(difference.cwiseAbs().maxCoeff(), 1e-12);
}

TEST(PackedGemm, EachColumnDependsOnlyOnItsOwnOperands) {
  if (!lmmkit::avx2_fma_available()) GTEST_SKIP() << "this CPU has no AVX2/FMA";
  // A column of the product is bit-identical whatever the other columns beside it.
  const lmmkit::Matrix U = random_matrix(300, 300, 11), B = random_matrix(300, 20, 12);
  lmmkit::Matrix other = random_matrix(300, 20, 13);
  other.col(9) = B.col(4);
  const lmmkit::Matrix first = lmmkit::engine_transposed_product(U, B);
  const lmmkit::Matrix second = lmmkit::engine_transposed_product(U, other);
  EXPECT_EQ(first.col(4), second.col(9));
}
