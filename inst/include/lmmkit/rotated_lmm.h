// The LMM y ~ N(W b, s2 (lambda K + I)) on data rotated by K's eigenvectors: likelihoods in lambda, O(n c^2).
#ifndef LMMKIT_ROTATED_LMM_H
#define LMMKIT_ROTATED_LMM_H

#include "types.h"

#include <cmath>

namespace lmmkit {

// With K = U diag(d) U', the rotated data U'y, U'W have independent rows of variance s2 (lambda d_i + 1).
// At a given lambda this holds the weighted least-squares fit of y on the columns of W (weights
// h_i = 1 / (lambda d_i + 1)) and what the likelihoods and their first derivatives in lambda need:
// y'Py (P the REML projection), y'PDPy, tr(PD), log|W'H^-1 W| and sum log(lambda d_i + 1).
struct RotatedFit {
  double lambda = 0;
  double yPy = 0;        // weighted residual sum of squares
  double yPDPy = 0;      // sum_i d_i (h_i r_i)^2
  double trace_PD = 0;   // sum h_i d_i - tr((W'HW)^-1 W' H D H W)
  double trace_HD = 0;   // sum h_i d_i
  double log_det_H = 0;  // sum log(lambda d_i + 1)
  double log_det_WHW = 0;
  Vector beta;
  Matrix WHW_inverse;
  bool full_rank = true;

  RotatedFit(const Vector& d, const Matrix& W, const Vector& y, double lambda_) : lambda(lambda_) {
    const Eigen::Index c = W.cols();
    const Vector h = (lambda * d.array() + 1.0).inverse().matrix();
    log_det_H = -h.array().log().sum();
    trace_HD = h.dot(d);
    const Matrix HW = h.asDiagonal() * W;
    const Eigen::LLT<Matrix> llt(W.transpose() * HW);
    if (c > 0 && (llt.info() != Eigen::Success || !(llt.matrixLLT().diagonal().minCoeff() > 0))) {
      full_rank = false;
      return;
    }
    beta = c > 0 ? Vector(llt.solve(HW.transpose() * y)) : Vector();
    WHW_inverse = c > 0 ? Matrix(llt.solve(Matrix::Identity(c, c))) : Matrix(0, 0);
    log_det_WHW = c > 0 ? 2.0 * llt.matrixLLT().diagonal().array().log().sum() : 0.0;
    const Vector residual = c > 0 ? Vector(y - W * beta) : y;
    const Vector Py = h.cwiseProduct(residual);
    yPy = residual.dot(Py);
    yPDPy = Py.cwiseAbs2().dot(d);
    const Matrix HDHW = (h.cwiseAbs2().cwiseProduct(d)).asDiagonal() * W;
    trace_PD = trace_HD - (c > 0 ? (WHW_inverse * (W.transpose() * HDHW)).trace() : 0.0);
  }
};

// Profiled log-likelihoods in lambda as GEMMA writes them (s2 and b profiled out). The REML form includes
// + log|W'W| / 2, which makes it invariant to the scaling of W's columns.
class RotatedLikelihood {
 public:
  RotatedLikelihood(const Vector& d, const Matrix& W, const Vector& y) : d_(d), W_(W), y_(y) {
    const Eigen::LLT<Matrix> llt(W.transpose() * W);
    log_det_WW_ = W.cols() > 0 ? 2.0 * llt.matrixLLT().diagonal().array().log().sum() : 0.0;
  }

  int n() const { return static_cast<int>(y_.size()); }
  int c() const { return static_cast<int>(W_.cols()); }
  RotatedFit fit(double lambda) const { return RotatedFit(d_, W_, y_, lambda); }

  double ml(const RotatedFit& f) const {
    const double n = this->n();
    return 0.5 * n * (std::log(n) - std::log(2 * M_PI) - 1.0) - 0.5 * f.log_det_H - 0.5 * n * std::log(f.yPy);
  }
  double reml(const RotatedFit& f) const {
    const double df = n() - c();
    return 0.5 * df * (std::log(df) - std::log(2 * M_PI) - 1.0) - 0.5 * f.log_det_H -
           0.5 * (f.log_det_WHW - log_det_WW_) - 0.5 * df * std::log(f.yPy);
  }
  // First derivatives in lambda: ML -tr(H^-1 D)/2 + n y'PDPy / (2 y'Py); REML with tr(PD) and n - c.
  double ml_derivative(const RotatedFit& f) const {
    return -0.5 * f.trace_HD + 0.5 * n() * f.yPDPy / f.yPy;
  }
  double reml_derivative(const RotatedFit& f) const {
    return -0.5 * f.trace_PD + 0.5 * (n() - c()) * f.yPDPy / f.yPy;
  }

 private:
  Vector d_;
  Matrix W_;
  Vector y_;
  double log_det_WW_ = 0;
};

}  // namespace lmmkit

#endif
