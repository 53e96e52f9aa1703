// Derivatives of cov(beta) and of the deviance with respect to the variance parameters, on q- and p-sized blocks.
#ifndef LMMKIT_VARIANCE_DERIVATIVES_H
#define LMMKIT_VARIANCE_DERIVATIVES_H

#include "marginal_precision.h"

namespace lmmkit {

// The variance parameters phi are, term by term, the lower triangle of Sigma_k column by column
// (the order of theta), then sigma^2. V = sum_i phi_i V_i is linear in phi: V_i = Z D_i Z' for a
// covariance element (D_i = I_levels (x) E_ab on the term's columns) and V_sigma = W^{-1}.
struct VarianceDerivatives {
  Vector phi;
  Matrix C;                            // cov(beta) = (X'V^{-1}X)^{-1}
  std::vector<Matrix> P;               // P_i = X'V^{-1} V_i V^{-1} X, so dC/dphi_i = C P_i C
  std::vector<std::vector<Matrix>> Q;  // Q_ij = X'V^{-1} V_i V^{-1} V_j V^{-1} X
  Matrix expected;                     // tr(P V_i P V_j) (REML) or tr(V^{-1} V_i V^{-1} V_j) (ML)
  Matrix hessian;                      // observed Hessian of the deviance, -2 log-likelihood
};

namespace detail {

// One covariance element (a, b) of one term, whose columns start at col0.
struct Component {
  int col0, ncol, nlevels, a, b;
  int width() const { return ncol * nlevels; }
};

inline std::vector<Component> covariance_components(const RelativeCovariance& cov) {
  std::vector<Component> out;
  int col0 = 0;
  for (const TermSpec& t : cov.terms()) {
    for (int b = 0; b < t.ncol; ++b) {
      for (int a = b; a < t.ncol; ++a) out.push_back({col0, t.ncol, t.nlevels, a, b});
    }
    col0 += t.width();
  }
  return out;
}

// M E for a matrix M with the term's columns only, E = I_levels (x) (e_a e_b' + e_b e_a') (or e_a e_a').
inline Matrix times_E(const Matrix& M, const Component& c) {
  Matrix out = Matrix::Zero(M.rows(), M.cols());
  for (int l = 0; l < c.nlevels; ++l) {
    const int base = l * c.ncol;
    out.col(base + c.b) += M.col(base + c.a);
    if (c.a != c.b) out.col(base + c.a) += M.col(base + c.b);
  }
  return out;
}

// tr(S D_i S D_j) = sum of (E_i B) .* (B E_j) with B the (i, j) block of the symmetric S.
inline double trace_SDSD(const Matrix& S, const Component& ci, const Component& cj) {
  const Matrix B = S.block(ci.col0, cj.col0, ci.width(), cj.width());
  const Matrix left = times_E(Matrix(B.transpose()), ci).transpose();
  return (left.array() * times_E(B, cj).array()).sum();
}

inline double trace_SD(const Matrix& S, const Component& c) {
  return times_E(Matrix(S.block(c.col0, c.col0, c.width(), c.width())), c).trace();
}

// Raw quantities for the covariance elements: a_i = tr(S D_i), T_ij = tr(S D_i S D_j),
// p_i = Kxz D_i Kzx, q_ij = Kxz D_i Kzz D_j Kzx, u_i = e' D_i e, w_ij = e' D_i Pzz D_j e.
struct RawTerms {
  Vector a, u;
  Matrix T, w;
  std::vector<Matrix> p;
  std::vector<std::vector<Matrix>> q;
};

inline RawTerms raw_terms(const std::vector<Component>& comps, const Matrix& S, const Matrix& Kzz,
                          const Matrix& Pzz, const Matrix& Kxz, const Vector& e) {
  const int r = static_cast<int>(comps.size());
  RawTerms raw{Vector(r), Vector(r), Matrix(r, r), Matrix(r, r), {}, {}};
  std::vector<Matrix> KxzE;
  std::vector<Vector> eE;
  for (const Component& c : comps) {
    KxzE.push_back(times_E(Matrix(Kxz.middleCols(c.col0, c.width())), c));
    eE.push_back(times_E(Matrix(e.segment(c.col0, c.width()).transpose()), c).transpose());
  }
  for (int i = 0; i < r; ++i) {
    raw.a[i] = trace_SD(S, comps[i]);
    raw.u[i] = e.segment(comps[i].col0, comps[i].width()).dot(eE[i]);
    raw.p.push_back(KxzE[i] * Kxz.middleCols(comps[i].col0, comps[i].width()).transpose());
    raw.q.emplace_back();
    for (int j = 0; j < r; ++j) {
      const auto Kb = Kzz.block(comps[i].col0, comps[j].col0, comps[i].width(), comps[j].width());
      const auto Pb = Pzz.block(comps[i].col0, comps[j].col0, comps[i].width(), comps[j].width());
      raw.T(i, j) = trace_SDSD(S, comps[i], comps[j]);
      raw.w(i, j) = eE[i].dot(Pb * eE[j]);
      raw.q[i].push_back(KxzE[i] * Kb * KxzE[j].transpose());
    }
  }
  return raw;
}

// Adds sigma^2 to the raw quantities: D~_sigma = -sum_k (phi_k / sigma^2) D_k and s_sigma = 1 / sigma^2,
// from W^{-1} = (V - Z G Z') / sigma^2.
inline VarianceDerivatives combine(const RawTerms& raw, const Vector& phi, const Matrix& Kxx, double yPy,
                                   double trace_dof) {
  const int r = static_cast<int>(raw.a.size());
  const int m = r + 1;
  const double sigma2 = phi[r];
  Matrix G = Matrix::Zero(m, r);
  G.topRows(r).setIdentity();
  G.row(r) = -phi.head(r).transpose() / sigma2;
  Vector s = Vector::Zero(m);
  s[r] = 1.0 / sigma2;
  VarianceDerivatives out;
  out.phi = phi;
  const Vector Ga = G * raw.a, Gu = G * raw.u;
  const Matrix trace_part = G * raw.T * G.transpose() + Ga * s.transpose() + s * Ga.transpose() +
                            trace_dof * s * s.transpose();
  const Matrix y_part = G * raw.w * G.transpose() + Gu * s.transpose() + s * Gu.transpose() +
                        yPy * s * s.transpose();
  out.expected = trace_part;
  out.hessian = -trace_part + 2.0 * y_part;
  std::vector<Matrix> Gp(m, Matrix::Zero(Kxx.rows(), Kxx.cols()));
  for (int i = 0; i < m; ++i) {
    for (int k = 0; k < r; ++k) Gp[i] += G(i, k) * raw.p[k];
    out.P.push_back(Gp[i] + s[i] * Kxx);
  }
  for (int i = 0; i < m; ++i) {
    out.Q.emplace_back();
    for (int j = 0; j < m; ++j) {
      Matrix Qij = s[j] * Gp[i] + s[i] * Gp[j].transpose() + s[i] * s[j] * Kxx;
      for (int k = 0; k < r; ++k) {
        for (int l = 0; l < r; ++l) Qij += G(i, k) * G(j, l) * raw.q[k][l];
      }
      out.Q[i].push_back(Qij);
    }
  }
  return out;
}

inline Vector variance_parameters(const RelativeCovariance& cov, const Vector& theta, double sigma) {
  Vector phi(cov.n_theta() + 1);
  int pos = 0;
  for (int k = 0; k < cov.n_terms(); ++k) {
    const Matrix T = cov.template_factor(theta, k);
    const Matrix Sigma = sigma * sigma * T * T.transpose();
    for (int b = 0; b < T.cols(); ++b) {
      for (int a = b; a < T.rows(); ++a) phi[pos++] = Sigma(a, b);
    }
  }
  phi[pos] = sigma * sigma;
  return phi;
}

}  // namespace detail

// Everything small-sample inference needs, at (theta, sigma) of a fitted model.
inline VarianceDerivatives variance_derivatives(const PlsFactor& factor, const RelativeCovariance& cov,
                                                const Vector& theta, double sigma, bool reml) {
  const CrossProducts& cp = factor.cross_products();
  const int q = cp.q1 + cp.q2;
  const int p = cp.p;
  const Matrix K = marginal_precision(factor, cov, theta) / (sigma * sigma);
  const Matrix Kzz = K.topLeftCorner(q, q);
  const Matrix Kxz = K.block(q, 0, p, q);
  const Matrix Kxx = K.block(q, q, p, p);
  const Vector kxy = K.block(q, q + p, p, 1);
  // Profiling out beta. Without fixed effects (p = 0) there is nothing to profile, and no product with an
  // empty operand may be formed: Eigen's kernels would bind references to their null data.
  Matrix C(0, 0), Pzz = Kzz;
  Vector e = K.block(0, q + p, q, 1);
  double yPy = K(q + p, q + p);
  if (p > 0) {
    C = Eigen::LLT<Matrix>(Kxx).solve(Matrix::Identity(p, p));
    const Vector beta = C * kxy;
    e -= Kxz.transpose() * beta;
    yPy -= kxy.dot(beta);
    Pzz -= Kxz.transpose() * C * Kxz;
  }
  const auto comps = detail::covariance_components(cov);
  const detail::RawTerms raw = detail::raw_terms(comps, reml ? Pzz : Kzz, Kzz, Pzz, Kxz, e);
  VarianceDerivatives out = detail::combine(raw, detail::variance_parameters(cov, theta, sigma), Kxx, yPy,
                                            reml ? cp.n - p : cp.n);
  out.C = C;
  return out;
}

}  // namespace lmmkit

#endif
