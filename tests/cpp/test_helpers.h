// Small simulated problems and a dense GLS reference for the engine tests.
#ifndef LMMKIT_TEST_HELPERS_H
#define LMMKIT_TEST_HELPERS_H

#include <lmmkit/lmmkit.h>

#include <random>

namespace lmmkit_test {

using lmmkit::Matrix;
using lmmkit::SparseMatrix;
using lmmkit::TermSpec;
using lmmkit::Vector;

// A data set owned by the test: the engine gets views of it.
struct Problem {
  Matrix X;
  Vector y, weights, offset;
  SparseMatrix Zt;
  std::vector<TermSpec> terms;

  lmmkit::ModelData data() const {
    return {X, y, weights, offset, lmmkit::SparseColumnsView::of(Zt), terms};
  }
};

// Grouping terms: each term has `ncol` columns per level (intercept, then covariates).
struct TermDesign {
  int nlevels;
  int ncol;
};

inline Problem simulate(int n, const std::vector<TermDesign>& design, unsigned seed, bool weighted = false) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.5, 2.0);
  Problem pr;
  const int p = 3;
  pr.X = Matrix::Ones(n, p);
  for (int i = 0; i < n; ++i) {
    pr.X(i, 1) = normal(rng);
    pr.X(i, 2) = (i % 3 == 0) ? 1.0 : 0.0;
  }
  pr.y = pr.X * Vector::LinSpaced(p, 1.0, 2.0);
  pr.weights = Vector::Ones(n);
  pr.offset = Vector::Zero(n);
  if (weighted) {
    for (int i = 0; i < n; ++i) pr.weights[i] = uniform(rng);
    for (int i = 0; i < n; ++i) pr.offset[i] = 0.1 * (i % 5);
  }
  std::vector<Eigen::Triplet<double>> entries;
  int row0 = 0;
  for (const TermDesign& t : design) {
    pr.terms.push_back({t.ncol, t.nlevels});
    Matrix effects(t.nlevels, t.ncol);
    for (int l = 0; l < t.nlevels; ++l) {
      for (int j = 0; j < t.ncol; ++j) effects(l, j) = normal(rng) / (j + 1);
    }
    for (int i = 0; i < n; ++i) {
      const int level = static_cast<int>((i * 7919u + seed * 31u * (row0 + 1)) % t.nlevels);
      for (int j = 0; j < t.ncol; ++j) {
        const double z = (j == 0) ? 1.0 : pr.X(i, 1) * j;
        entries.emplace_back(row0 + level * t.ncol + j, i, z);
        pr.y[i] += z * effects(level, j);
      }
    }
    row0 += t.nlevels * t.ncol;
  }
  for (int i = 0; i < n; ++i) pr.y[i] += 0.5 * normal(rng) / std::sqrt(pr.weights[i]);
  pr.Zt.resize(row0, n);
  pr.Zt.setFromTriplets(entries.begin(), entries.end());
  pr.Zt.makeCompressed();
  return pr;
}

// The profiled objective at theta computed the slow way, from V = Z Lambda Lambda' Z' + W^{-1}.
inline double dense_gls_objective(const Problem& pr, const Vector& theta, bool reml, Vector* beta = nullptr) {
  const lmmkit::RelativeCovariance cov(pr.terms);
  const Matrix Z = Matrix(pr.Zt.transpose());
  const Matrix ZL = Z * Matrix(cov.lambda(theta, 0));
  const int n = static_cast<int>(pr.y.size());
  const int p = static_cast<int>(pr.X.cols());
  Matrix V = ZL * ZL.transpose();
  V.diagonal() += pr.weights.cwiseInverse();
  const Eigen::LLT<Matrix> llt(V);
  const Matrix ViX = p > 0 ? Matrix(llt.solve(pr.X)) : Matrix(n, 0);
  const Vector y = pr.y - pr.offset;
  const Matrix XtViX = pr.X.transpose() * ViX;
  const Vector b = p > 0 ? Vector(XtViX.ldlt().solve(ViX.transpose() * y)) : Vector(0);
  if (beta) *beta = b;
  const Vector r = p > 0 ? Vector(y - pr.X * b) : y;
  const double rss = r.dot(llt.solve(r));
  const double logdetV = 2.0 * Matrix(llt.matrixL()).diagonal().array().log().sum();
  const double dof = reml ? n - p : n;
  double value = logdetV + dof * (1.0 + std::log(lmmkit::two_pi * rss / dof));
  if (reml && p > 0) value += std::log(XtViX.determinant());
  return value;
}

}  // namespace lmmkit_test

#endif
