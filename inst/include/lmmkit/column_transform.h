// Well-conditioned columns for a matrix M: M = M* T, with power-of-two scales, centring and a QR factor.
#ifndef LMMKIT_COLUMN_TRANSFORM_H
#define LMMKIT_COLUMN_TRANSFORM_H

#include "types.h"

#include <cmath>

namespace lmmkit {

// M* = M T^{-1} is computed in three exact-as-possible steps: columns divided by powers of two (exact),
// columns centred when the constant vector lies in the span of M (a subtraction of nearby numbers is
// exact, so a large mean costs no precision), then orthonormalised by a weighted QR factor, so that
// M*' W M* = sum(w) I. A reparametrisation M -> M* T^{-1} leaves every mixed model fitted to the
// columns unchanged; only the conditioning of the computation improves.
class ColumnTransform {
 public:
  ColumnTransform() = default;

  // The identity on k columns.
  static ColumnTransform identity(int k) {
    ColumnTransform t;
    t.scale_ = Vector::Ones(k);
    t.centre_ = Vector::Zero(k);
    t.R_ = Matrix::Identity(k, k);
    t.form_transforms();
    return t;
  }

  ColumnTransform(const Matrix& M, const Vector& weights) {
    const int k = static_cast<int>(M.cols());
    if (M.rows() == 0) {
      *this = identity(k);
      return;
    }
    scale_ = power_of_two_scales(M);
    const Matrix M1 = M * scale_.cwiseInverse().asDiagonal();
    anchor_ = constant_in_span(M1);
    centre_ = Vector::Zero(k);
    if (anchor_.size() > 0) centre_ = column_means(M1, weights, anchor_);
    const Matrix M2 = centred(M1);
    R_ = normalised_qr_factor(M2, weights);
    if (!full_rank(R_, M2, weights)) {  // collinear columns: keep the exact power-of-two scaling only
      anchor_.resize(0);
      centre_.setZero();
      R_.setIdentity();
    }
    form_transforms();
  }

  int size() const { return static_cast<int>(R_.cols()); }
  const Matrix& T() const { return T_; }                  // M = M* T
  const Matrix& T_inverse() const { return T_inverse_; }  // M* = M T^{-1} (up to rounding)
  double log_abs_det() const { return log_abs_det_; }     // log |det T|

  // M T^{-1} for rows of the same kind as the ones the transform was made from (new data included).
  Matrix apply(const Matrix& M) const {
    if (M.cols() != size()) throw std::invalid_argument("matrix has the wrong number of columns");
    if (size() == 0 || M.rows() == 0) return M;
    Matrix out = centred(M * scale_.cwiseInverse().asDiagonal());
    R_.triangularView<Eigen::Upper>().solveInPlace<Eigen::OnTheRight>(out);
    return out;
  }

 private:
  static Vector power_of_two_scales(const Matrix& M) {
    Vector d = Vector::Ones(M.cols());
    for (int j = 0; j < M.cols(); ++j) {
      const double largest = M.col(j).cwiseAbs().maxCoeff();
      if (largest > 0 && std::isfinite(largest)) d[j] = std::ldexp(1.0, std::ilogb(largest));
    }
    return d;
  }

  // Columns whose entries are all 0 or one common value v (constants, indicators) are exact; when the
  // constant vector is a combination c of them, M c = 1 and the other columns can be centred.
  static Vector constant_in_span(const Matrix& M) {
    std::vector<int> exact;
    for (int j = 0; j < M.cols(); ++j) {
      if (two_valued(M.col(j))) exact.push_back(j);
    }
    if (exact.empty() || M.rows() == 0) return Vector();
    Matrix B(M.rows(), exact.size());
    for (size_t a = 0; a < exact.size(); ++a) B.col(a) = M.col(exact[a]);
    const Vector ones = Vector::Ones(M.rows());
    Vector c = B.colPivHouseholderQr().solve(ones);
    for (int a = 0; a < c.size(); ++a) {
      if (std::abs(c[a] - std::round(c[a])) < 1e-12) c[a] = std::round(c[a]);
    }
    if (!c.allFinite() || (B * c - ones).cwiseAbs().maxCoeff() > 1e-10) return Vector();
    Vector anchor = Vector::Zero(M.cols());
    for (size_t a = 0; a < exact.size(); ++a) anchor[exact[a]] = c[a];
    return anchor;
  }

  static bool two_valued(const Eigen::Ref<const Vector>& x) {
    double v = 0;
    for (int i = 0; i < x.size(); ++i) {
      if (x[i] == 0) continue;
      if (v == 0) v = x[i];
      if (x[i] != v) return false;
    }
    return v != 0;
  }

  // Weighted means of the columns outside the anchor (zero for the anchor's own columns).
  static Vector column_means(const Matrix& M, const Vector& w, const Vector& anchor) {
    Vector m = (M.transpose() * w) / w.sum();
    for (int j = 0; j < M.cols(); ++j) {
      if (anchor[j] != 0 || !std::isfinite(m[j])) m[j] = 0;
    }
    return m;
  }

  // Each row r becomes r - (r c) m': with r c = 1 for the model's rows, x_j - m_j is taken directly.
  Matrix centred(const Matrix& M) const {
    if (anchor_.size() == 0) return M;
    Matrix out = M;
    out.noalias() -= (M * anchor_) * centre_.transpose();
    return out;
  }

  static Matrix normalised_qr_factor(const Matrix& M, const Vector& w) {
    const Matrix weighted = w.cwiseSqrt().asDiagonal() * M;
    const Eigen::HouseholderQR<Matrix> qr(weighted);
    const int k = static_cast<int>(M.cols());
    if (k == 0 || M.rows() < k) return Matrix::Zero(k, k);
    Matrix R = qr.matrixQR().topRows(k).triangularView<Eigen::Upper>();
    for (int j = 0; j < k; ++j) {
      if (R(j, j) < 0) R.row(j) *= -1.0;  // a positive diagonal: an intercept maps to itself
    }
    R /= std::sqrt(w.sum());
    return R;
  }

  // Each column keeps more than 1e-11 of its own length once the columns before it are projected out.
  static bool full_rank(const Matrix& R, const Matrix& M, const Vector& w) {
    if (!R.allFinite() || M.rows() < M.cols()) return false;
    for (int j = 0; j < R.cols(); ++j) {
      const double length = std::sqrt(w.dot(M.col(j).cwiseAbs2()) / w.sum());
      if (!(std::abs(R(j, j)) > 1e-11 * length)) return false;
    }
    return true;
  }

  // T = R G^{-1} D with G = I - c m' (so G^{-1} = I + c m', as m' c = 0) and D the column scales.
  void form_transforms() {
    const int k = size();
    Matrix G_inverse = Matrix::Identity(k, k);
    Matrix G = Matrix::Identity(k, k);
    if (anchor_.size() > 0) {
      G_inverse += anchor_ * centre_.transpose();
      G -= anchor_ * centre_.transpose();
    }
    T_ = R_ * G_inverse * scale_.asDiagonal();
    Matrix R_inverse = Matrix::Identity(k, k);
    R_.triangularView<Eigen::Upper>().solveInPlace(R_inverse);
    T_inverse_ = scale_.cwiseInverse().asDiagonal() * G * R_inverse;
    log_abs_det_ = scale_.array().log().sum() + R_.diagonal().array().abs().log().sum();
  }

  Vector scale_, anchor_, centre_;
  Matrix R_, T_, T_inverse_;
  double log_abs_det_ = 0;
};

}  // namespace lmmkit

#endif
