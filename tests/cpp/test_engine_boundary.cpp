// Every entry point of the engine refuses malformed sizes, indices and parameters with an exception.
#include "test_helpers.h"

#include <gtest/gtest.h>

#include <climits>

using namespace lmmkit_test;

TEST(EngineBoundary, SparseStructureIsChecked) {
  const Problem pr = simulate(30, {{5, 1}}, 19);
  std::vector<int> outer(pr.Zt.outerIndexPtr(), pr.Zt.outerIndexPtr() + 31);
  std::vector<int> inner(pr.Zt.innerIndexPtr(), pr.Zt.innerIndexPtr() + pr.Zt.nonZeros());
  const std::vector<double> values(pr.Zt.valuePtr(), pr.Zt.valuePtr() + pr.Zt.nonZeros());
  auto view = [&] { return lmmkit::SparseColumnsView{5, 30, outer.data(), inner.data(), values.data(), values.size()}; };
  EXPECT_NO_THROW(view().validate());
  inner[3] = 5;  // a row index past the last row
  EXPECT_THROW(view().validate(), std::invalid_argument);
  inner[3] = -1;
  EXPECT_THROW(view().validate(), std::invalid_argument);
  inner[3] = pr.Zt.innerIndexPtr()[3];
  outer[30] += 1;  // claims more entries than are stored
  EXPECT_THROW(view().validate(), std::invalid_argument);
  outer[30] -= 1;
  outer[2] = outer[3] + 1;  // decreasing column starts
  EXPECT_THROW(view().validate(), std::invalid_argument);
}

TEST(EngineBoundary, ModelDataIsChecked) {
  const Problem pr = simulate(30, {{5, 1}}, 23);
  const Vector short_y = pr.y.head(10);
  lmmkit::ModelData data = pr.data();
  EXPECT_THROW((lmmkit::ModelData{pr.X, short_y, pr.weights, pr.offset, data.Zt, pr.terms}.validate()),
               std::invalid_argument);
  EXPECT_THROW((lmmkit::ModelData{pr.X, pr.y, pr.weights, pr.offset, data.Zt, {{1, 4}}}.validate()),
               std::invalid_argument);
  EXPECT_THROW((lmmkit::ModelData{pr.X, pr.y, pr.weights, pr.offset, data.Zt, {{0, 5}}}.validate()),
               std::invalid_argument);
  const std::vector<TermSpec> huge{{1000, INT_MAX / 100}};
  EXPECT_THROW(lmmkit::validate_terms(huge), std::invalid_argument);
  EXPECT_THROW(lmmkit::validate_terms({{70000, 1}}), std::invalid_argument);
  EXPECT_THROW(lmmkit::RelativeCovariance{huge}, std::invalid_argument);
}

TEST(EngineBoundary, ThetaAndNewDesignsAreChecked) {
  const Problem pr = simulate(40, {{5, 2}}, 29);
  lmmkit::StandardizedModel model(pr.data(), lmmkit::FitOptions());
  EXPECT_THROW(model.objective(Vector::Ones(2)), std::invalid_argument);
  Vector nan_theta = Vector::Ones(3);
  nan_theta[1] = std::nan("");
  EXPECT_THROW(model.objective(nan_theta), std::invalid_argument);
  lmmkit::PreparedModel raw(pr.data(), lmmkit::FitOptions());
  EXPECT_THROW(raw(Vector::Ones(4)), std::invalid_argument);
  const Vector theta = Vector::Ones(3);
  EXPECT_THROW(model.variance_derivatives(theta, -1.0), std::invalid_argument);
  EXPECT_THROW(model.prediction_variances(theta, Matrix::Ones(2, 2), pr.Zt.leftCols(2)), std::invalid_argument);
  EXPECT_THROW(model.prediction_variances(theta, pr.X.topRows(2), pr.Zt.leftCols(3)), std::invalid_argument);
  EXPECT_THROW(model.prediction_variances(theta, pr.X.topRows(2), SparseMatrix(4, 2)), std::invalid_argument);
}
