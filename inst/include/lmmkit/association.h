// Per-SNP association tests on rotated data: the variance ratio searched as GEMMA does, Wald, LRT and score.
#ifndef LMMKIT_ASSOCIATION_H
#define LMMKIT_ASSOCIATION_H

#include "rotated_lmm.h"

#include <functional>
#include <limits>
#include <vector>

namespace lmmkit {

struct LambdaSearch {
  double l_min = 1e-5;
  double l_max = 1e5;
  int n_region = 10;
};

struct LambdaOptimum {
  double lambda = std::numeric_limits<double>::quiet_NaN();
  double logl = -std::numeric_limits<double>::infinity();
  bool at_boundary = false;
};

namespace detail {

// Brent-Dekker root of g on [a, b] with g(a) g(b) <= 0, to a relative width of 1e-10 in lambda.
inline double brent_root(const std::function<double(double)>& g, double a, double b, double ga, double gb) {
  double c = a, gc = ga, d = b - a, e = d;
  for (int iteration = 0; iteration < 200; ++iteration) {
    if ((gb > 0) == (gc > 0)) {
      c = a;
      gc = ga;
      d = e = b - a;
    }
    if (std::abs(gc) < std::abs(gb)) {
      a = b; b = c; c = a;
      ga = gb; gb = gc; gc = ga;
    }
    const double tolerance = 1e-10 * std::abs(b), middle = 0.5 * (c - b);
    if (std::abs(middle) <= tolerance || gb == 0) return b;
    if (std::abs(e) >= tolerance && std::abs(ga) > std::abs(gb)) {
      double p, q, s = gb / ga;
      if (a == c) {
        p = 2 * middle * s;
        q = 1 - s;
      } else {
        const double r = gb / gc, t = ga / gc;
        p = s * (2 * middle * t * (t - r) - (b - a) * (r - 1));
        q = (t - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      p = std::abs(p);
      if (2 * p < std::min(3 * middle * q - std::abs(tolerance * q), std::abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = e = middle;
      }
    } else {
      d = e = middle;
    }
    a = b;
    ga = gb;
    b += std::abs(d) > tolerance ? d : (middle > 0 ? tolerance : -tolerance);
    gb = g(b);
  }
  return b;
}

}  // namespace detail

// GEMMA's search grid: n_region + 1 log-spaced lambdas from l_min to l_max.
inline std::vector<double> search_grid(const LambdaSearch& search) {
  const double step = std::log(search.l_max / search.l_min) / search.n_region;
  std::vector<double> grid(search.n_region + 1);
  for (int i = 0; i <= search.n_region; ++i) grid[i] = i == search.n_region ? search.l_max : search.l_min * std::exp(i * step);
  return grid;
}

// The maximum of the ML or REML log-likelihood over the grid's range: the endpoints, and every interval
// of the grid where the derivative changes from positive to negative, its root found by Brent's method.
// at_boundary says the maximum is an endpoint.
inline LambdaOptimum maximise_lambda(const RotatedLikelihood& L, bool reml, const std::vector<RotatedFit>& fits) {
  auto value = [&](const RotatedFit& f) { return reml ? L.reml(f) : L.ml(f); };
  auto slope = [&](const RotatedFit& f) { return reml ? L.reml_derivative(f) : L.ml_derivative(f); };
  LambdaOptimum best;
  for (const RotatedFit* endpoint : {&fits.front(), &fits.back()}) {
    const double v = value(*endpoint);
    if (v > best.logl) best = {endpoint->lambda, v, true};
  }
  for (std::size_t i = 0; i + 1 < fits.size(); ++i) {
    const double lower = slope(fits[i]), upper = slope(fits[i + 1]);
    if (!(lower > 0 && upper <= 0)) continue;
    const double root = detail::brent_root([&](double lambda) { return slope(L.fit(lambda)); }, fits[i].lambda,
                                           fits[i + 1].lambda, lower, upper);
    const double v = value(L.fit(root));
    if (v > best.logl) best = {root, v, false};
  }
  return best;
}

inline LambdaOptimum maximise_lambda(const RotatedLikelihood& L, bool reml, const LambdaWeights& grid) {
  return maximise_lambda(L, reml, L.fit(grid));
}

inline LambdaOptimum maximise_lambda(const RotatedLikelihood& L, bool reml, const LambdaSearch& search = {}) {
  return maximise_lambda(L, reml, LambdaWeights(L.d(), search_grid(search)));
}

struct SnpTests {
  double beta = nan(), se = nan(), wald_F = nan();  // Wald at the SNP's REML lambda
  double l_remle = nan(), logl_remle = nan();
  double l_mle = nan(), logl_mle = nan();          // the SNP's ML fit, for the likelihood ratio
  double score_F = nan();                          // score at the null model's ML lambda
  bool remle_at_boundary = false, mle_at_boundary = false;
  bool collinear = false;                          // x is (nearly) a combination of the covariates: no tests

  static double nan() { return std::numeric_limits<double>::quiet_NaN(); }
};

// Which tests to compute; fixed_lambda keeps the null model's REML (Wald) and ML (LRT) lambdas for every
// SNP instead of searching each SNP's own (EMMAX / P3D).
struct TestChoice {
  bool wald = true, lrt = true, score = true;
  bool fixed_lambda = false;
};

// The null model (covariates only): its ML and REML lambdas, and at the ML lambda the weights and the
// projection pieces that the score test of every SNP uses.
struct NullModel {
  Vector d, y;
  Matrix W;
  LambdaOptimum mle, remle;
  LambdaWeights grid;            // the search grid's weights, shared by every SNP
  RotatedLikelihood likelihood;  // of the null model, with its cross products on the grid cached
  Vector h;               // 1 / (lambda d_i + 1) at the ML lambda
  Matrix WHW_inverse;     // (W' H^-1 W)^-1 there
  double yPy = 0;

  NullModel(Vector d_, Matrix W_, Vector y_, const LambdaSearch& search = {})
      : d(std::move(d_)), y(std::move(y_)), W(std::move(W_)), grid(d, search_grid(search)), likelihood(d, W, y) {
    likelihood.cache_grid(grid);
    const std::vector<RotatedFit> fits = likelihood.fit(grid);
    mle = maximise_lambda(likelihood, false, fits);
    remle = maximise_lambda(likelihood, true, fits);
    const RotatedFit at_mle = likelihood.fit(mle.lambda);
    h = (mle.lambda * d.array() + 1.0).inverse().matrix();
    WHW_inverse = at_mle.WHW_inverse;
    yPy = at_mle.yPy;
  }

  // P0 x at the ML lambda.
  Vector project(const Vector& x) const {
    Vector r = x;
    if (W.cols() > 0) r -= W * (WHW_inverse * (W.transpose() * h.cwiseProduct(x)));
    return h.cwiseProduct(r);
  }
};

// Wald, likelihood-ratio and score statistics of one rotated SNP x against the null model.
inline SnpTests test_snp(const NullModel& null, const Vector& x, const TestChoice& choice = {}) {
  const Eigen::Index n = null.y.size(), c = null.W.cols();
  SnpTests out;
  const Vector P0x = null.project(x);
  const double xPx = P0x.dot(x);
  if (!(xPx > 1e-10 * x.dot(null.h.cwiseProduct(x)))) {
    out.collinear = true;
    return out;
  }
  if (choice.score) out.score_F = static_cast<double>(n) * std::pow(P0x.dot(null.y), 2) / (null.yPy * xPx);
  if (!choice.wald && !choice.lrt) return out;
  const RotatedLikelihood L1(null.likelihood, x);
  const std::vector<RotatedFit> grid_fits = choice.fixed_lambda ? std::vector<RotatedFit>() : L1.fit(null.grid);
  if (choice.wald) {
    const LambdaOptimum remle = choice.fixed_lambda ? null.remle : maximise_lambda(L1, true, grid_fits);
    const RotatedFit at_remle = L1.fit(remle.lambda);
    out.l_remle = remle.lambda;
    out.logl_remle = choice.fixed_lambda ? L1.reml(at_remle) : remle.logl;
    out.remle_at_boundary = remle.at_boundary;
    out.beta = at_remle.beta[c];
    out.se = std::sqrt(at_remle.yPy / static_cast<double>(n - c - 1) * at_remle.WHW_inverse(c, c));
    out.wald_F = out.beta * out.beta / (out.se * out.se);
  }
  if (choice.lrt) {
    const LambdaOptimum mle = choice.fixed_lambda ? null.mle : maximise_lambda(L1, false, grid_fits);
    out.l_mle = mle.lambda;
    out.logl_mle = choice.fixed_lambda ? L1.ml(L1.fit(mle.lambda)) : mle.logl;
    out.mle_at_boundary = mle.at_boundary;
  }
  return out;
}

}  // namespace lmmkit

#endif
