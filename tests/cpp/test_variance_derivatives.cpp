// Derivatives for small-sample inference against dense n x n computations.
#include "test_helpers.h"

#include <lmmkit/variance_derivatives.h>

#include <gtest/gtest.h>

using namespace lmmkit_test;

namespace {

// V_i for each variance parameter, built densely: Z D_i Z' for covariance elements, W^{-1} for sigma^2.
std::vector<Matrix> dense_V_derivatives(const Problem& pr) {
  const Matrix Z = Matrix(pr.Zt.transpose());
  std::vector<Matrix> out;
  int col0 = 0;
  for (const TermSpec& t : pr.terms) {
    for (int b = 0; b < t.ncol; ++b) {
      for (int a = b; a < t.ncol; ++a) {
        Matrix D = Matrix::Zero(Z.cols(), Z.cols());
        for (int l = 0; l < t.nlevels; ++l) {
          D(col0 + l * t.ncol + a, col0 + l * t.ncol + b) = 1;
          D(col0 + l * t.ncol + b, col0 + l * t.ncol + a) = 1;
        }
        out.push_back(Z * D * Z.transpose());
      }
    }
    col0 += t.width();
  }
  out.push_back(Matrix(pr.weights.cwiseInverse().asDiagonal()));
  return out;
}

Matrix dense_V(const std::vector<Matrix>& Vi, const Vector& phi) {
  Matrix V = Matrix::Zero(Vi[0].rows(), Vi[0].cols());
  for (size_t i = 0; i < Vi.size(); ++i) V += phi[i] * Vi[i];
  return V;
}

// -2 log-likelihood with beta profiled (ML) or integrated (REML), up to a constant, as a function of phi.
double dense_deviance(const Problem& pr, const std::vector<Matrix>& Vi, const Vector& phi, bool reml) {
  const Matrix V = dense_V(Vi, phi);
  const Eigen::LLT<Matrix> llt(V);
  const Matrix ViX = llt.solve(pr.X);
  const Matrix XtViX = pr.X.transpose() * ViX;
  const Vector y = pr.y - pr.offset;
  const Vector beta = XtViX.ldlt().solve(ViX.transpose() * y);
  const Vector r = y - pr.X * beta;
  double value = 2.0 * Matrix(llt.matrixL()).diagonal().array().log().sum() + r.dot(llt.solve(r));
  if (reml) value += std::log(XtViX.determinant());
  return value;
}

void expect_close(const Matrix& a, const Matrix& b, double tol, const std::string& what) {
  ASSERT_EQ(a.rows(), b.rows()) << what;
  const double scale = std::max(1.0, b.cwiseAbs().maxCoeff());
  EXPECT_LT((a - b).cwiseAbs().maxCoeff(), tol * scale) << what;
}

void check_problem(const Problem& pr, bool reml) {
  lmmkit::FitOptions options;
  options.reml = reml;
  const lmmkit::FitResult fit = lmmkit::fit_lmm(pr.data(), options);
  lmmkit::PreparedModel model(pr.data(), options);
  model(fit.theta);
  const auto d = lmmkit::variance_derivatives(model.factor(), model.covariance(), fit.theta, fit.sigma, reml);
  const std::vector<Matrix> Vi = dense_V_derivatives(pr);
  ASSERT_EQ(d.phi.size(), static_cast<long>(Vi.size()));
  const Matrix V = dense_V(Vi, d.phi);
  const Matrix Vinv = V.inverse();
  const Matrix C = (pr.X.transpose() * Vinv * pr.X).inverse();
  const Matrix P = Vinv - Vinv * pr.X * C * pr.X.transpose() * Vinv;
  expect_close(d.C, C, 1e-8, "C");
  expect_close(d.C, fit.sigma * fit.sigma * fit.vcov_unscaled, 1e-8, "C vs vcov");
  const Matrix& S = reml ? P : Vinv;
  for (size_t i = 0; i < Vi.size(); ++i) {
    expect_close(d.P[i], pr.X.transpose() * Vinv * Vi[i] * Vinv * pr.X, 1e-8, "P_i");
    for (size_t j = 0; j < Vi.size(); ++j) {
      expect_close(d.Q[i][j], pr.X.transpose() * Vinv * Vi[i] * Vinv * Vi[j] * Vinv * pr.X, 1e-8, "Q_ij");
      const double expected = (S * Vi[i] * S * Vi[j]).trace();
      EXPECT_NEAR(d.expected(i, j), expected, 1e-8 * std::max(1.0, std::abs(expected)));
    }
  }
  // The observed Hessian against second differences of the dense deviance.
  const double h = 1e-4;
  for (int i = 0; i < d.phi.size(); ++i) {
    for (int j = 0; j < d.phi.size(); ++j) {
      const double hi = h * std::max(1.0, std::abs(d.phi[i])), hj = h * std::max(1.0, std::abs(d.phi[j]));
      auto f = [&](double di, double dj) {
        Vector phi = d.phi;
        phi[i] += di;
        phi[j] += dj;
        return dense_deviance(pr, Vi, phi, reml);
      };
      const double fd = (f(hi, hj) - f(hi, -hj) - f(-hi, hj) + f(-hi, -hj)) / (4 * hi * hj);
      EXPECT_NEAR(d.hessian(i, j), fd, 1e-4 * std::max(1.0, std::abs(fd)));
    }
  }
}

}  // namespace

TEST(VarianceDerivatives, MatchDenseComputationsForScalarTerms) {
  const Problem pr = simulate(80, {{10, 1}, {6, 1}}, 21);
  check_problem(pr, true);
  check_problem(pr, false);
}

TEST(VarianceDerivatives, MatchDenseComputationsForVectorTermsAndWeights) {
  const Problem pr = simulate(90, {{9, 2}, {4, 1}}, 22, true);
  check_problem(pr, true);
  check_problem(pr, false);
}

TEST(VarianceDerivatives, MatchDenseComputationsOnTheSparseLayout) {
  const Problem pr = simulate(70, {{7, 2}, {5, 2}}, 23);
  lmmkit::FitOptions options;
  options.layout = lmmkit::FactorLayout::sparse;
  const lmmkit::FitResult fit = lmmkit::fit_lmm(pr.data(), options);
  lmmkit::PreparedModel sparse(pr.data(), options);
  sparse(fit.theta);
  lmmkit::PreparedModel blocked(pr.data(), lmmkit::FitOptions());
  blocked(fit.theta);
  const auto a = lmmkit::variance_derivatives(sparse.factor(), sparse.covariance(), fit.theta, fit.sigma, true);
  const auto b = lmmkit::variance_derivatives(blocked.factor(), blocked.covariance(), fit.theta, fit.sigma, true);
  expect_close(a.expected, b.expected, 1e-8, "expected information");
  expect_close(a.hessian, b.hessian, 1e-8, "hessian");
}
