// A model fitted in the internal parametrisation that answers in the user's: objective, inference, prediction.
#ifndef LMMKIT_STANDARDIZED_MODEL_H
#define LMMKIT_STANDARDIZED_MODEL_H

#include "prediction_variance.h"
#include "conditional_variance.h"
#include "prepared_model.h"
#include "standardization.h"
#include "variance_derivatives.h"

namespace lmmkit {

namespace detail {

// vech (lower triangle, column by column) of a symmetric matrix, and the symmetric basis element E_ab.
inline Vector vech(const Matrix& S) {
  Vector out(S.rows() * (S.rows() + 1) / 2);
  int pos = 0;
  for (int b = 0; b < S.cols(); ++b) {
    for (int a = b; a < S.rows(); ++a) out[pos++] = S(a, b);
  }
  return out;
}

inline Matrix symmetric_basis(int p, int index) {
  Matrix E = Matrix::Zero(p, p);
  for (int b = 0, pos = 0; b < p; ++b) {
    for (int a = b; a < p; ++a, ++pos) {
      if (pos == index) E(a, b) = E(b, a) = 1.0;
    }
  }
  return E;
}

// The linear map of the variance parameters, vech(Sigma_k) -> vech(factor * M Sigma_k M'), per term.
inline Matrix covariance_map(const std::vector<Matrix>& M, double factor, double sigma_factor) {
  int m = 1;
  for (const Matrix& Mk : M) m += static_cast<int>(Mk.rows() * (Mk.rows() + 1) / 2);
  Matrix J = Matrix::Zero(m, m);
  int pos = 0;
  for (const Matrix& Mk : M) {
    const int p = static_cast<int>(Mk.rows()), r = p * (p + 1) / 2;
    for (int i = 0; i < r; ++i) J.block(pos, pos + i, r, 1) = vech(factor * Mk * symmetric_basis(p, i) * Mk.transpose());
    pos += r;
  }
  J(m - 1, m - 1) = sigma_factor;
  return J;
}

}  // namespace detail

class StandardizedModel {
 public:
  StandardizedModel(const ModelData& data, const FitOptions& options)
      : map_(data, options.standardize), model_(map_.data().view(), options) {}

  PreparedModel& internal() { return model_; }
  const Standardization& standardization() const { return map_; }

  // The user's objective (REML criterion or ML deviance) at the user's theta.
  double objective(const Vector& theta) {
    return model_(map_.theta_to_internal(theta)) + map_.objective_shift(model_.reml());
  }
  ObjectivePieces pieces() const { return map_.pieces_to_user(model_.factor().pieces()); }

  VarianceDerivatives variance_derivatives(const Vector& theta, double sigma) {
    if (!(sigma > 0) || !std::isfinite(sigma)) throw std::invalid_argument("sigma must be positive and finite");
    const Vector t = map_.theta_to_internal(theta);
    model_(t);
    const VarianceDerivatives d = lmmkit::variance_derivatives(model_.factor(), model_.covariance(), t,
                                                               sigma / map_.sigma_scale(), model_.reml());
    return derivatives_to_user(d);
  }

  // Conditional covariances of the random effects at the user's theta, as fit_lmm() reports them (sigma profiled).
  std::vector<Matrix> conditional_variances(const Vector& theta) {
    const Vector t = map_.theta_to_internal(theta);
    model_(t);
    const CrossProducts& cp = model_.cross_products();
    const double sigma = profiled_sigma(model_.factor().pieces(), cp.n, cp.p, model_.reml());
    return map_.condvar_to_user(lmmkit::conditional_variances(model_.factor(), model_.covariance(), t, sigma));
  }

  // Var(x'beta_hat + z'b_hat - x'beta - z'b) / sigma^2 for rows of X_new (m x p) and columns of Zt_new (q x m).
  Vector prediction_variances(const Vector& theta, const Matrix& X_new, const SparseMatrix& Zt_new) {
    const CrossProducts& cp = model_.cross_products();
    if (X_new.cols() != cp.p) throw std::invalid_argument("X_new must have one column per fixed effect");
    if (Zt_new.rows() != cp.q1 + cp.q2) throw std::invalid_argument("Zt_new must have one row per random effect");
    if (Zt_new.cols() != X_new.rows()) throw std::invalid_argument("Zt_new must have one column per row of X_new");
    if (!X_new.allFinite()) throw std::invalid_argument("X_new must be finite");
    const Vector t = map_.theta_to_internal(theta);
    model_(t);
    const SparseMatrix Zt = map_.Zt_to_internal(Zt_new);
    return prediction_variances_internal(t, map_.X_to_internal(X_new), Zt) / map_.weight_scale();
  }

 private:
  Vector prediction_variances_internal(const Vector& t, const Matrix& X, const SparseMatrix& Zt) const {
    return lmmkit::prediction_variances(model_.factor(), model_.covariance(), t, X, Zt);
  }

  // phi = J phi*; C, P and Q follow beta = T_x^{-1} (...) and V = s^2 V*; second derivatives use J^{-1}.
  VarianceDerivatives derivatives_to_user(const VarianceDerivatives& d) const {
    const double s = map_.y_scale(), c = map_.weight_scale();
    std::vector<Matrix> A, A_inverse;
    for (size_t k = 0; k < map_.data().terms.size(); ++k) {
      A.push_back(map_.A(static_cast<int>(k)));
      A_inverse.push_back(map_.A_inverse(static_cast<int>(k)));
    }
    const Matrix J = detail::covariance_map(A, s * s, s * s * c);
    const Matrix Jinv = detail::covariance_map(A_inverse, 1.0 / (s * s), 1.0 / (s * s * c));
    const Matrix& Tx = map_.x_map().T();
    const Matrix& Tx_inverse = map_.x_map().T_inverse();
    const int m = static_cast<int>(J.rows());
    VarianceDerivatives out;
    out.phi = J * d.phi;
    out.C = s * s * Tx_inverse * d.C * Tx_inverse.transpose();
    out.expected = Jinv.transpose() * d.expected * Jinv;
    out.hessian = Jinv.transpose() * d.hessian * Jinv;
    for (int i = 0; i < m; ++i) {
      Matrix Pi = Matrix::Zero(d.C.rows(), d.C.cols());
      for (int j = 0; j < m; ++j) Pi += Jinv(j, i) * d.P[j];
      out.P.push_back(Tx.transpose() * Pi * Tx / (s * s));
      out.Q.emplace_back();
      for (int j = 0; j < m; ++j) {
        Matrix Qij = Matrix::Zero(d.C.rows(), d.C.cols());
        for (int k = 0; k < m; ++k) {
          for (int l = 0; l < m; ++l) {
            if (Jinv(k, i) != 0 && Jinv(l, j) != 0) Qij += Jinv(k, i) * Jinv(l, j) * d.Q[k][l];
          }
        }
        out.Q[i].push_back(Tx.transpose() * Qij * Tx / (s * s));
      }
    }
    return out;
  }

  Standardization map_;
  PreparedModel model_;
};

}  // namespace lmmkit

#endif
