// Prediction-error variances against the inverse of the dense penalized system.
#include "test_helpers.h"

#include <lmmkit/prediction_variance.h>

#include <gtest/gtest.h>

using namespace lmmkit_test;

TEST(PredictionVariance, MatchesDensePenalizedSystemOnEveryLayout) {
  const Problem pr = simulate(90, {{9, 2}, {5, 1}}, 31, true);
  for (int config = 0; config < 3; ++config) {
    lmmkit::FitOptions options;
    options.layout = config == 2 ? lmmkit::FactorLayout::sparse : lmmkit::FactorLayout::automatic;
    options.dense_limit = config == 1 ? 0 : 4000;
    const lmmkit::FitResult fit = lmmkit::fit_lmm(pr.data(), options);
    lmmkit::PreparedModel model(pr.data(), options);
    model(fit.theta);
    // New rows: the first 7 observations' designs, with the second term dropped from row 3.
    SparseMatrix Zt_new = pr.Zt.leftCols(7);
    const Matrix X_new = pr.X.topRows(7);
    Matrix Zt_dense = Matrix(Zt_new);
    Zt_dense.block(18, 3, 5, 1).setZero();
    Zt_new = Zt_dense.sparseView();
    const Vector v = lmmkit::prediction_variances(model.factor(), model.covariance(), fit.theta, X_new, Zt_new);

    const lmmkit::RelativeCovariance cov(pr.terms);
    const Matrix lambda = Matrix(cov.lambda(fit.theta, 0));
    const Matrix ZL = Matrix(pr.Zt.transpose()) * lambda;
    const int q = static_cast<int>(ZL.cols()), p = static_cast<int>(pr.X.cols());
    Matrix U(ZL.rows(), q + p);
    U << ZL, pr.X;
    Matrix omega = U.transpose() * pr.weights.asDiagonal() * U;
    omega.topLeftCorner(q, q).diagonal().array() += 1.0;
    const Matrix omega_inv = omega.inverse();
    for (int i = 0; i < 7; ++i) {
      Vector a(q + p);
      a << lambda.transpose() * Zt_dense.col(i), X_new.row(i).transpose();
      const double expected = a.dot(omega_inv * a);
      EXPECT_NEAR(v[i], expected, 1e-9 * std::max(1.0, expected)) << "config " << config << " row " << i;
    }
  }
}
