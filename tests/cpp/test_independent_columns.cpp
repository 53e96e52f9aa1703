// Which fixed-effect columns are kept: aliased ones dropped in order, shifted or rescaled ones never.
#include <lmmkit/independent_columns.h>

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace {

using lmmkit::Matrix;
using lmmkit::Vector;

// Intercept, a covariate and two indicators of a three-level factor on 12 rows.
Matrix factor_design() {
  Matrix X(12, 4);
  for (int i = 0; i < 12; ++i) {
    X(i, 0) = 1;
    X(i, 1) = std::sin(1.0 + i) + 0.1 * i;
    X(i, 2) = (i % 3 == 1);
    X(i, 3) = (i % 3 == 2);
  }
  return X;
}

std::vector<int> kept(const Matrix& X) { return lmmkit::independent_columns(X, 1e-7); }

}  // namespace

TEST(IndependentColumns, FullRankKeepsEveryColumn) {
  EXPECT_EQ(kept(factor_design()), (std::vector<int>{0, 1, 2, 3}));
}

TEST(IndependentColumns, LaterCopyOfAColumnIsDropped) {
  Matrix X(12, 5);
  X << factor_design(), 2 * factor_design().col(1);
  EXPECT_EQ(kept(X), (std::vector<int>{0, 1, 2, 3}));
  Matrix Y(12, 5);
  Y << factor_design().leftCols(1), 2 * factor_design().col(1), factor_design().rightCols(3);
  EXPECT_EQ(kept(Y), (std::vector<int>{0, 1, 3, 4})) << "the first of two aliased columns is kept";
}

TEST(IndependentColumns, CombinationOfEarlierColumnsIsDropped) {
  Matrix X(12, 5);
  X << factor_design(), factor_design().col(1) + 3 * factor_design().col(2) - 0.5 * factor_design().col(0);
  EXPECT_EQ(kept(X), (std::vector<int>{0, 1, 2, 3}));
}

TEST(IndependentColumns, ZeroColumnIsDropped) {
  Matrix X = factor_design();
  X.col(2).setZero();
  EXPECT_EQ(kept(X), (std::vector<int>{0, 1, 3}));
}

TEST(IndependentColumns, ShiftedOrRescaledCovariateIsKept) {
  for (double shift : {1e4, 1e8, 1e12, 1e15}) {
    Matrix X = factor_design();
    X.col(1).array() += shift;
    EXPECT_EQ(kept(X), (std::vector<int>{0, 1, 2, 3})) << "shift " << shift;
  }
  for (double scale : {1e-150, 1e-20, 1e20, 1e150}) {
    Matrix X = factor_design();
    X.col(1) *= scale;
    EXPECT_EQ(kept(X), (std::vector<int>{0, 1, 2, 3})) << "scale " << scale;
  }
}

TEST(IndependentColumns, IndicatorsThatPartitionTheRowsCentreACovariate) {
  Matrix X(12, 4);  // cell means: three indicators, no intercept, and a shifted covariate
  for (int i = 0; i < 12; ++i) {
    for (int l = 0; l < 3; ++l) X(i, l) = (i % 3 == l);
    X(i, 3) = 1e12 + std::cos(2.0 * i);
  }
  EXPECT_EQ(kept(X), (std::vector<int>{0, 1, 2, 3}));
  X.col(3) = 5 * X.col(0) - X.col(2);
  EXPECT_EQ(kept(X), (std::vector<int>{0, 1, 2}));
}

TEST(IndependentColumns, NoMoreColumnsThanRows) {
  Matrix X = Matrix::Random(3, 6);
  EXPECT_EQ(kept(X), (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(kept(Matrix(0, 2)).empty());
}

TEST(IndependentColumns, NonFiniteEntriesAreAnError) {
  Matrix X = factor_design();
  X(4, 1) = std::nan("");
  EXPECT_THROW(kept(X), std::invalid_argument);
  X(4, 1) = INFINITY;
  EXPECT_THROW(kept(X), std::invalid_argument);
}
