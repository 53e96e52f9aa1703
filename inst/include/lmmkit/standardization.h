// The model in the engine's internal, well-conditioned parametrisation, and the maps back to the user's.
#ifndef LMMKIT_STANDARDIZATION_H
#define LMMKIT_STANDARDIZATION_H

#include "column_transform.h"
#include "cross_products.h"

#include <limits>

namespace lmmkit {

// Data owned by the standardization, in the internal parametrisation (offset folded into y).
struct InternalData {
  Matrix X;
  Vector y, weights, offset;
  SparseMatrix Zt;
  std::vector<TermSpec> terms;

  ModelData view() const { return {X, y, weights, offset, SparseColumnsView::of(Zt), terms}; }
};

// M = L Q' with L lower triangular (non-negative diagonal) and Q orthogonal: L L' = M M'.
inline void lower_triangular_factor(const Matrix& M, Matrix& L, Matrix& Q) {
  const Eigen::HouseholderQR<Matrix> qr(M.transpose());
  Matrix R = qr.matrixQR().triangularView<Eigen::Upper>();
  Q = qr.householderQ();
  for (int j = 0; j < R.rows(); ++j) {
    if (R(j, j) < 0) {
      R.row(j) *= -1.0;
      Q.col(j) *= -1.0;
    }
  }
  L = R.transpose();
}

// Internally the engine fits y* = X* beta* + Z* b* + e* with weights w* = w / c, where
//   X = X* T_x                         (ColumnTransform of X),
//   z = z* T_k per level of term k     (ColumnTransform of the term's columns), A_k = T_k^{-1},
//   y - offset = s0 X* gamma + s y*    (y* orthogonal to X* and of unit weighted mean square),
// so that beta = T_x^{-1} (s0 gamma + s beta*), b_l = s A_k b*_l, sigma = s sqrt(c) sigma* and the
// relative covariance factor of term k is the triangular factor of A_k T*_k / sqrt(c). Every
// likelihood is the same in both parametrisations up to known constants.
class Standardization {
 public:
  Standardization(const ModelData& data, bool enabled) : enabled_(enabled) {
    data.validate();
    const int n = data.n_obs();
    weight_scale_ = enabled ? std::ldexp(1.0, std::ilogb(data.weights.maxCoeff())) : 1.0;
    internal_.weights = data.weights / weight_scale_;
    internal_.offset = Vector::Zero(n);
    internal_.terms = data.terms;
    x_map_ = enabled ? ColumnTransform(data.X, internal_.weights) : ColumnTransform::identity(data.n_fixed());
    internal_.X = enabled ? x_map_.apply(data.X) : Matrix(data.X);
    standardize_response(data, enabled);
    standardize_terms(data, enabled);
  }

  const InternalData& data() const { return internal_; }
  bool enabled() const { return enabled_; }
  int n_fixed() const { return static_cast<int>(internal_.X.cols()); }
  double sigma_scale() const { return y_scale_ * std::sqrt(weight_scale_); }

  // The constant that turns the internal objective into the user's.
  double objective_shift(bool reml) const {
    const double n = static_cast<double>(internal_.y.size()), p = n_fixed();
    const double dof = reml ? n - p : n;
    double shift = dof * (2.0 * std::log(y_scale_) + std::log(weight_scale_)) - n * std::log(weight_scale_);
    if (reml) shift += p * std::log(weight_scale_) + 2.0 * x_log_det();
    return shift;
  }

  ObjectivePieces pieces_to_user(const ObjectivePieces& internal) const {
    ObjectivePieces out = internal;
    out.ldRX2 += n_fixed() * std::log(weight_scale_) + 2.0 * x_log_det();
    out.pwrss *= y_scale_ * y_scale_ * weight_scale_;
    return out;
  }

  Vector theta_to_user(const Vector& theta) const { return map_theta(theta, true); }
  Vector theta_to_internal(const Vector& theta) const { return map_theta(theta, false); }

  Vector beta_to_user(const Vector& beta) const {
    const Vector combined = shift_scale_ * gamma_ + y_scale_ * beta;
    return x_map_.T_inverse() * combined;
  }

  Matrix vcov_unscaled_to_user(const Matrix& vcov) const {
    return x_map_.T_inverse() * vcov * x_map_.T_inverse().transpose() / weight_scale_;
  }

  // b_l = s A_k b*_l for every level block of every term.
  Vector b_to_user(const Vector& b) const {
    Vector out(b.size());
    for_each_level([&](int k, int col) {
      out.segment(col, ncol(k)) = y_scale_ * (A(k) * b.segment(col, ncol(k)));
    });
    return out;
  }

  // u_l = s sqrt(c) Q_k' u*_l, where A_k T*_k / sqrt(c) = T_k Q_k' (so that b = Lambda u holds).
  Vector u_to_user(const Vector& u, const Vector& theta_internal) const {
    std::vector<Matrix> Q(internal_.terms.size());
    for (size_t k = 0; k < Q.size(); ++k) {
      Matrix L;
      lower_triangular_factor(A(k) * template_of(theta_internal, k) / std::sqrt(weight_scale_), L, Q[k]);
    }
    Vector out(u.size());
    for_each_level([&](int k, int col) {
      out.segment(col, ncol(k)) = sigma_scale() * (Q[k].transpose() * u.segment(col, ncol(k)));
    });
    return out;
  }

  // Conditional covariances per term (p_k x p_k blocks side by side): s^2 A_k V A_k'.
  std::vector<Matrix> condvar_to_user(const std::vector<Matrix>& condvar) const {
    std::vector<Matrix> out = condvar;
    for (size_t k = 0; k < out.size(); ++k) {
      const int p = ncol(static_cast<int>(k));
      for (int c = 0; c < out[k].cols(); c += p) {
        out[k].middleCols(c, p) = y_scale_ * y_scale_ * A(k) * out[k].middleCols(c, p) * A(k).transpose();
      }
    }
    return out;
  }

  // New design rows in the internal parametrisation (X_new: m x p; Zt_new: q x m).
  Matrix X_to_internal(const Matrix& X_new) const { return x_map_.apply(X_new); }
  SparseMatrix Zt_to_internal(const SparseMatrix& Zt_new) const {
    const SparseColumnsView view = SparseColumnsView::of(Zt_new);
    return mapped_Zt(view, term_blocks(view, internal_.terms, Vector()));
  }

  // The internal covariance of term k is s^2 A_k Sigma*_k A_k'; sigma^2 is s^2 c sigma*^2.
  const Matrix& A(int k) const { return term_maps_[k].T_inverse(); }
  const Matrix& A_inverse(int k) const { return term_maps_[k].T(); }
  const ColumnTransform& x_map() const { return x_map_; }
  double y_scale() const { return y_scale_; }
  double weight_scale() const { return weight_scale_; }

 private:
  double x_log_det() const { return x_map_.log_abs_det(); }
  int ncol(int k) const { return internal_.terms[k].ncol; }

  template <class Visit>
  void for_each_level(Visit visit) const {
    int col = 0;
    for (int k = 0; k < static_cast<int>(internal_.terms.size()); ++k) {
      for (int l = 0; l < internal_.terms[k].nlevels; ++l, col += ncol(k)) visit(k, col);
    }
  }

  Matrix template_of(const Vector& theta, int k) const {
    int pos = 0;
    for (int j = 0; j < k; ++j) pos += internal_.terms[j].n_theta();
    const int p = ncol(k);
    Matrix T = Matrix::Zero(p, p);
    for (int j = 0; j < p; ++j) {
      for (int i = j; i < p; ++i) T(i, j) = theta[pos++];
    }
    return T;
  }

  Vector map_theta(const Vector& theta, bool to_user) const {
    const int expected = total_theta(internal_.terms);
    if (theta.size() != expected) {
      throw std::invalid_argument("theta must have " + std::to_string(expected) + " values");
    }
    if (!theta.allFinite()) throw std::invalid_argument("theta must be finite");
    Vector out(theta.size());
    int pos = 0;
    for (int k = 0; k < static_cast<int>(internal_.terms.size()); ++k) {
      const Matrix T = template_of(theta, k);
      const Matrix M = to_user ? Matrix(A(k) * T / std::sqrt(weight_scale_))
                               : Matrix(term_maps_[k].T() * T * std::sqrt(weight_scale_));
      Matrix L, Q;
      lower_triangular_factor(M, L, Q);
      for (int j = 0; j < L.cols(); ++j) {
        for (int i = j; i < L.rows(); ++i) out[pos++] = L(i, j);
      }
    }
    return out;
  }

  // y* = (y - offset - s0 X* gamma) / s, with two passes of the projection for accuracy.
  void standardize_response(const ModelData& data, bool enabled) {
    Vector y = data.y - data.offset;
    if (!y.allFinite()) throw std::invalid_argument("the response minus the offset is not finite");
    const double largest = y.cwiseAbs().maxCoeff();
    shift_scale_ = enabled && largest > 0 ? std::ldexp(1.0, std::ilogb(largest)) : 1.0;
    y /= shift_scale_;
    gamma_ = Vector::Zero(n_fixed());
    if (enabled && n_fixed() > 0) {
      const Matrix XtWX = internal_.X.transpose() * internal_.weights.asDiagonal() * internal_.X;
      const Eigen::LDLT<Matrix> ldlt(XtWX);
      for (int pass = 0; pass < 2; ++pass) {
        const Vector step = ldlt.solve(internal_.X.transpose() * internal_.weights.cwiseProduct(y));
        y.noalias() -= internal_.X * step;
        gamma_ += step;
      }
    }
    if (!enabled) {
      shift_scale_ = 1.0;
      internal_.y = data.y - data.offset;
      return;
    }
    const double rms = std::sqrt(internal_.weights.dot(y.cwiseAbs2()) / internal_.weights.sum());
    if (!(rms > 64 * std::numeric_limits<double>::epsilon())) {
      throw std::domain_error(
          "the response (less the offset) is fitted exactly by the fixed effects: no variation is left");
    }
    y_scale_ = shift_scale_ * rms;
    internal_.y = y / rms;
  }

  // Each term's map from its level blocks (all observations' rows of the term, with their weights), and
  // Zt with every level block z of term k replaced by z A_k (unchanged when disabled).
  void standardize_terms(const ModelData& data, bool enabled) {
    const TermBlocks blocks = term_blocks(data.Zt, data.terms, data.weights);
    for (size_t k = 0; k < data.terms.size(); ++k) {
      const int p = data.terms[k].ncol;
      term_maps_.push_back(enabled ? ColumnTransform(blocks.rows(k, p), blocks.weight_vector(k))
                                   : ColumnTransform::identity(p));
    }
    internal_.Zt = mapped_Zt(data.Zt, blocks);
  }

  // Every observation's level blocks, term by term in observation order: values row by row, and the
  // observations' weights relative to the largest (none kept when `weights` is empty).
  struct TermBlocks {
    std::vector<std::vector<double>> values, weights;
    Matrix rows(size_t k, int ncol) const {
      const Eigen::Index n = static_cast<Eigen::Index>(values[k].size()) / ncol;
      return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          values[k].data(), n, ncol);
    }
    Eigen::Map<const Vector> weight_vector(size_t k) const {
      return Eigen::Map<const Vector>(weights[k].data(), static_cast<Eigen::Index>(weights[k].size()));
    }
  };

  static TermBlocks term_blocks(const SparseColumnsView& Zt, const std::vector<TermSpec>& terms,
                                const Vector& weights) {
    TermBlocks out{std::vector<std::vector<double>>(terms.size()), std::vector<std::vector<double>>(terms.size())};
    const double c = weights.size() > 0 ? weights.maxCoeff() : 1.0;
    detail::LevelBlocks blocks(terms);
    for (int i = 0; i < Zt.cols; ++i) {
      blocks.visit(Zt, i, [&](const detail::LevelBlock& b) {
        out.values[b.term].insert(out.values[b.term].end(), b.z, b.z + b.ncol);
        if (weights.size() > 0) out.weights[b.term].push_back(weights[i] / c);
      });
    }
    return out;
  }

  // Zt with each term's blocks mapped by its ColumnTransform (as they are when disabled), taken in the
  // order term_blocks() visited them; zeros are dropped.
  SparseMatrix mapped_Zt(const SparseColumnsView& Zt, const TermBlocks& blocks) const {
    std::vector<Matrix> mapped(internal_.terms.size());
    for (size_t k = 0; k < mapped.size(); ++k) {
      const Matrix rows = blocks.rows(k, internal_.terms[k].ncol);
      mapped[k] = enabled_ ? term_maps_[k].apply(rows) : rows;
    }
    std::vector<Eigen::Index> next(mapped.size(), 0);
    std::vector<Eigen::Triplet<double>> entries;
    entries.reserve(static_cast<size_t>(Zt.outer[Zt.cols]));
    detail::LevelBlocks visitor(internal_.terms);
    for (int i = 0; i < Zt.cols; ++i) {
      visitor.visit(Zt, i, [&](const detail::LevelBlock& b) {
        const Eigen::Index row = next[b.term]++;
        for (int r = 0; r < b.ncol; ++r) {
          const double z = mapped[b.term](row, r);
          if (z != 0) entries.emplace_back(b.row0 + r, i, z);
        }
      });
    }
    SparseMatrix out(Zt.rows, Zt.cols);
    out.setFromTriplets(entries.begin(), entries.end());
    out.makeCompressed();
    return out;
  }

  bool enabled_;
  InternalData internal_;
  ColumnTransform x_map_;
  std::vector<ColumnTransform> term_maps_;
  Vector gamma_;
  double shift_scale_ = 1, y_scale_ = 1, weight_scale_ = 1;
};

}  // namespace lmmkit

#endif
