// The LMM y ~ N(W b, s2 (lambda K + I)) on data rotated by K's eigenvectors: likelihoods in lambda, O(n c^2).
#ifndef LMMKIT_ROTATED_LMM_H
#define LMMKIT_ROTATED_LMM_H

#include "types.h"
#include "weighted_sums.h"

#include <cmath>
#include <limits>
#include <vector>

namespace lmmkit {

// With K = U diag(d) U', the rotated data U'y, U'W have independent rows of variance s2 (lambda d_i + 1).
// At a given lambda this holds the weighted least-squares fit of y on the columns of W (weights
// h_i = 1 / (lambda d_i + 1)) and what the likelihoods' first derivatives in lambda need: y'Py (P the
// REML projection), y'PDPy, tr(PD) and log|W'H^-1 W|, all from two weighted cross products of [W y].
struct RotatedFit {
  double lambda = 0;
  double yPy = 0;        // weighted residual sum of squares
  double yPDPy = 0;      // sum_i d_i (h_i r_i)^2
  double trace_PD = 0;   // sum h_i d_i - tr((W'HW)^-1 W' H D H W)
  double trace_HD = 0;   // sum h_i d_i
  double log_det_WHW = 0;
  double log_det_H = std::numeric_limits<double>::quiet_NaN();  // sum log(lambda d_i + 1), when known
  Vector beta;
  Matrix WHW_inverse;
  bool full_rank = true;
};

// The weights h = 1 / (lambda d + 1) and h^2 d at chosen lambdas, one column each: a search grid shared by
// every SNP's likelihood.
struct LambdaWeights {
  std::vector<double> lambda;
  Matrix h, hdh;
  Matrix both;       // [h hdh], for products with both at once
  Vector trace_HD;   // sum h_i d_i per lambda
  Vector log_det_H;  // sum log(lambda d_i + 1) per lambda

  LambdaWeights(const Vector& d, std::vector<double> lambdas)
      : lambda(std::move(lambdas)), h(d.size(), static_cast<Eigen::Index>(lambda.size())), hdh(h.rows(), h.cols()),
        trace_HD(h.cols()), log_det_H(h.cols()) {
    for (Eigen::Index j = 0; j < h.cols(); ++j) {
      h.col(j) = (lambda[j] * d.array() + 1.0).inverse().matrix();
      hdh.col(j) = h.col(j).cwiseAbs2().cwiseProduct(d);
      trace_HD[j] = h.col(j).dot(d);
      log_det_H[j] = (lambda[j] * d.array()).log1p().sum();
    }
    both.resize(h.rows(), 2 * h.cols());
    both << h, hdh;
  }
};

// Profiled log-likelihoods in lambda as GEMMA writes them (s2 and b profiled out). The REML form includes
// + log|W'W| / 2, which makes it invariant to the scaling of W's columns. The elementwise products of every
// pair of columns of [W y] are formed once, so that the cross products at a lambda are matrix-vector
// products. A SNP's likelihood (covariates [W x]) is built on the null model's: it forms only the
// products with x, and takes the null's cross products on the search grid from its cache.
class RotatedLikelihood {
 public:
  RotatedLikelihood(const Vector& d, const Matrix& W, const Vector& y)
      : d_(d), k_(W.cols() + 1), A_(W.rows(), W.cols() + 1), WW_llt_(W.transpose() * W) {
    A_ << W, y;
    products_.resize(W.rows(), k_ * (k_ + 1) / 2);
    for (Eigen::Index b = 0, column = 0; b < k_; ++b) {
      for (Eigen::Index a = 0; a <= b; ++a) products_.col(column++) = A_.col(a).cwiseProduct(A_.col(b));
    }
    for (Eigen::Index j = 0; j < k_; ++j) logical_.push_back(j);
    log_det_WW_ = W.cols() > 0 ? 2.0 * WW_llt_.matrixLLT().diagonal().array().log().sum() : 0.0;
  }

  // The likelihood with covariates [W x], built on `base` (covariates W), which must outlive it.
  RotatedLikelihood(const RotatedLikelihood& base, const Vector& x)
      : d_(base.d_), k_(base.k_ + 1), base_(&base), products_(x.size(), base.k_ + 1) {
    const Eigen::Index c0 = base.k_ - 1;
    for (Eigen::Index a = 0; a < base.k_; ++a) products_.col(a) = base.A_.col(a).cwiseProduct(x);
    products_.col(base.k_) = x.cwiseAbs2();
    for (Eigen::Index j = 0; j < c0; ++j) logical_.push_back(j);
    logical_.push_back(c0 + 1);  // y stays last among the logical columns [W x y]
    logical_.push_back(c0);
    const double xx = x.squaredNorm();
    if (c0 == 0) {
      log_det_WW_ = std::log(xx);
    } else {
      const Vector Wx = base.A_.leftCols(c0).transpose() * x;
      log_det_WW_ = base.log_det_WW_ + std::log(xx - Wx.dot(base.WW_llt_.solve(Wx)));
    }
  }

  int n() const { return static_cast<int>(d_.size()); }
  int c() const { return static_cast<int>(k_) - 1; }
  const Vector& d() const { return d_; }

  RotatedFit fit(double lambda) const {
    std::vector<const double*> columns;
    if (base_) {
      for (Eigen::Index p = 0; p < base_->products_.cols(); ++p) columns.push_back(base_->products_.col(p).data());
    }
    for (Eigen::Index p = 0; p < products_.cols(); ++p) columns.push_back(products_.col(p).data());
    Vector with_h(static_cast<Eigen::Index>(columns.size())), with_hdh(with_h.size());
    double trace_HD = 0;
    weighted_sums(d_.data(), d_.size(), lambda, columns, with_h.data(), with_hdh.data(), trace_HD);
    return from_cross_products(lambda, trace_HD, with_h, with_hdh);
  }

  // Fits at every lambda of a weight grid, by matrix products (the base's part from its cache if it has one).
  std::vector<RotatedFit> fit(const LambdaWeights& grid) const {
    const Eigen::Index points = static_cast<Eigen::Index>(grid.lambda.size());
    Matrix m;
    if (base_ && base_->grid_lambda_ == grid.lambda) {
      m.resize(base_->grid_products_.rows() + products_.cols(), 2 * points);
      m << base_->grid_products_, products_.transpose() * grid.both;
    } else {
      m = packed_cross_products(grid.both);
    }
    std::vector<RotatedFit> fits;
    for (Eigen::Index j = 0; j < points; ++j) {
      fits.push_back(from_cross_products(grid.lambda[j], grid.trace_HD[j], m.col(j), m.col(points + j)));
      fits.back().log_det_H = grid.log_det_H[j];
    }
    return fits;
  }

  // Keeps this likelihood's cross products on a grid, for the likelihoods built on it.
  void cache_grid(const LambdaWeights& grid) {
    grid_products_ = packed_cross_products(grid.both);
    grid_lambda_ = grid.lambda;
  }

  double ml(const RotatedFit& f) const {
    const double n = this->n();
    return 0.5 * n * (std::log(n) - std::log(2 * M_PI) - 1.0) - 0.5 * log_det_H(f) - 0.5 * n * std::log(f.yPy);
  }
  double reml(const RotatedFit& f) const {
    const double df = n() - c();
    return 0.5 * df * (std::log(df) - std::log(2 * M_PI) - 1.0) - 0.5 * log_det_H(f) -
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
  // Packed upper triangles (physical columns, column by column) of [W y]' diag(w) [W y] for each column w.
  Matrix packed_cross_products(const Matrix& weights) const {
    if (!base_) return products_.transpose() * weights;
    Matrix m(base_->products_.cols() + products_.cols(), weights.cols());
    m << base_->products_.transpose() * weights, products_.transpose() * weights;
    return m;
  }

  // The fit from the packed [W y]' H [W y] (m0) and [W y]' H D H [W y] (m1).
  RotatedFit from_cross_products(double lambda, double trace_HD, const Vector& m0, const Vector& m1) const {
    const Eigen::Index c = k_ - 1;
    const Matrix M0 = unpack(m0), M1 = unpack(m1);
    RotatedFit f;
    f.lambda = lambda;
    f.trace_HD = trace_HD;
    if (c == 0) {
      f.yPy = M0(0, 0);
      f.yPDPy = M1(0, 0);
      f.trace_PD = f.trace_HD;
      return f;
    }
    const Eigen::LLT<Matrix> llt(M0.topLeftCorner(c, c));
    if (llt.info() != Eigen::Success || !(llt.matrixLLT().diagonal().minCoeff() > 0)) {
      f.full_rank = false;
      return f;
    }
    f.beta = llt.solve(M0.col(c).head(c));
    f.WHW_inverse = llt.solve(Matrix::Identity(c, c));
    f.log_det_WHW = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
    f.yPy = M0(c, c) - M0.col(c).head(c).dot(f.beta);
    f.yPDPy = M1(c, c) - 2.0 * M1.col(c).head(c).dot(f.beta) + f.beta.dot(M1.topLeftCorner(c, c) * f.beta);
    f.trace_PD = f.trace_HD - f.WHW_inverse.cwiseProduct(M1.topLeftCorner(c, c)).sum();
    return f;
  }

  // The symmetric matrix in the logical column order [W (x) y] from its packed physical form.
  Matrix unpack(const Vector& packed) const {
    Matrix M(k_, k_);
    for (Eigen::Index b = 0, column = 0; b < k_; ++b) {
      for (Eigen::Index a = 0; a <= b; ++a, ++column) {
        M(logical_[a], logical_[b]) = M(logical_[b], logical_[a]) = packed[column];
      }
    }
    return M;
  }

  // log|lambda K + I| = sum log(1 + lambda d_i)
  double log_det_H(const RotatedFit& f) const {
    return std::isnan(f.log_det_H) ? (f.lambda * d_.array()).log1p().sum() : f.log_det_H;
  }

  Vector d_;
  Eigen::Index k_;                          // columns of [W y], x included
  const RotatedLikelihood* base_ = nullptr; // the null model's likelihood, for a SNP's
  Matrix A_;                                // [W y] (base likelihoods only)
  Eigen::LLT<Matrix> WW_llt_;               // of W'W (base likelihoods only)
  Matrix products_;                         // elementwise products of column pairs not in the base
  std::vector<Eigen::Index> logical_;       // position of each physical column in [W (x) y]
  double log_det_WW_ = 0;
  std::vector<double> grid_lambda_;         // the grid whose cross products are cached
  Matrix grid_products_;                    // packed cross products there: h columns, then hdh columns
};

}  // namespace lmmkit

#endif
