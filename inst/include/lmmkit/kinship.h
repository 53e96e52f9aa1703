// Genetic relationship matrices from a .bed file: SNP filters, centred or standardized dosages, threaded sums.
#ifndef LMMKIT_KINSHIP_H
#define LMMKIT_KINSHIP_H

#include "dense_products.h"
#include "parallel_for.h"
#include "plink_bed.h"

#include <algorithm>
#include <cmath>

namespace lmmkit {

// Why a SNP was or was not used, in the order the filters are applied (GEMMA's order).
enum SnpStatus : int {
  snp_used = 0, snp_excluded = 1, snp_missingness = 2, snp_allele_frequency = 3, snp_one_class = 4,
  snp_collinear = 5  // association only: the SNP is (nearly) a combination of the covariates
};

struct SnpFilter {
  double maf = 0.01;   // dropped when the first allele's frequency is below maf or above 1 - maf
  double miss = 0.05;  // dropped when the share of missing genotypes is above miss
};

// The filters on one SNP's dosages (NaN = missing): missingness, allele frequency, then a SNP whose
// observed genotypes fall in a single class (all 0, all 1 or all 2).
inline SnpStatus filter_status(const Eigen::Ref<const Vector>& x, const SnpFilter& filter) {
  int n_miss = 0;
  std::array<int, 3> counts = {0, 0, 0};
  double sum = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) {
      ++n_miss;
      continue;
    }
    if (x[i] != 0 && x[i] != 1 && x[i] != 2) throw std::invalid_argument("a dosage is not 0, 1, 2 or missing");
    ++counts[static_cast<int>(x[i])];
    sum += x[i];
  }
  const double n = static_cast<double>(x.size());
  if (n_miss / n > filter.miss) return snp_missingness;
  const double frequency = sum / (2.0 * (n - n_miss));
  if (!(frequency >= filter.maf) || frequency > 1.0 - filter.maf) return snp_allele_frequency;
  const int classes = (counts[0] > 0) + (counts[1] > 0) + (counts[2] > 0);
  return classes < 2 ? snp_one_class : snp_used;
}

// A SNP's dosages centred at the mean of the observed ones, a missing genotype set to the mean (0 once
// centred); standardized, also divided by the standard deviation of the mean-filled dosages (divisor n).
inline void centre_dosages(Eigen::Ref<Vector> x, bool standardize) {
  double sum = 0, sum_squares = 0;
  int observed = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) continue;
    sum += x[i];
    sum_squares += x[i] * x[i];
    ++observed;
  }
  const double mean = observed > 0 ? sum / observed : 0;
  const double n = static_cast<double>(x.size());
  const double variance = (sum_squares + (n - observed) * mean * mean) / n - mean * mean;
  for (Eigen::Index i = 0; i < x.size(); ++i) x[i] = std::isnan(x[i]) ? 0 : x[i] - mean;
  if (standardize && variance > 0) x /= std::sqrt(variance);
}

// K += B B' over panels of columns of K's lower triangle, shared among threads. The panels do not depend on
// the number of threads, so neither does the result.
class KinshipSum {
 public:
  KinshipSum(int n, int threads, std::function<void(const Matrix&, Matrix&)> add_outer = {})
      : K_(Matrix::Zero(n, n)), threads_(std::max(1, threads)), add_outer_(std::move(add_outer)) {}

  void add(const Matrix& B) {
    if (add_outer_) {
      add_outer_(B, K_);
      return;
    }
    const int n = static_cast<int>(K_.rows());
    if (avx2_fma_available()) {
      packed_lower_product(n, B.cols(), {B.data(), n, false}, {B.data(), n, false}, K_.data(), n, threads_);
      return;
    }
    const int panels = (n + panel_width - 1) / panel_width;
    parallel_for(static_cast<std::size_t>(panels), threads_, [&](std::size_t j) {
      const int c0 = static_cast<int>(j) * panel_width, w = std::min(panel_width, n - c0);
      K_.block(c0, c0, n - c0, w).noalias() += B.bottomRows(n - c0) * B.middleRows(c0, w).transpose();
    });
  }

  // The symmetric sum divided by the number of SNPs.
  Matrix result(int n_snps) const {
    Matrix K = K_.triangularView<Eigen::Lower>();
    K.triangularView<Eigen::StrictlyUpper>() = K.transpose();
    return n_snps > 0 ? Matrix(K / n_snps) : K;
  }

 private:
  static constexpr int panel_width = 64;
  Matrix K_;
  int threads_;
  std::function<void(const Matrix&, Matrix&)> add_outer_;
};

namespace detail {

// Where each of `wanted` is in `rows`; empty when one is not there.
inline std::vector<int> positions_in(const std::vector<int>& wanted, const std::vector<int>& rows) {
  if (rows.empty() || *std::min_element(rows.begin(), rows.end()) < 0) return {};
  std::vector<int> where(static_cast<std::size_t>(*std::max_element(rows.begin(), rows.end())) + 1, -1);
  for (std::size_t r = 0; r < rows.size(); ++r) where[static_cast<std::size_t>(rows[r])] = static_cast<int>(r);
  std::vector<int> out;
  for (int w : wanted) {
    if (w < 0 || w >= static_cast<int>(where.size()) || where[static_cast<std::size_t>(w)] < 0) return {};
    out.push_back(where[static_cast<std::size_t>(w)]);
  }
  return out;
}

inline Matrix select_rows(const Matrix& A, const std::vector<int>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), A.cols());
  for (Eigen::Index c = 0; c < A.cols(); ++c) {
    for (std::size_t r = 0; r < rows.size(); ++r) out(static_cast<Eigen::Index>(r), c) = A(rows[r], c);
  }
  return out;
}

}  // namespace detail

struct KinshipRequest {
  std::vector<int> rows;         // individuals of the matrix (0-based .fam rows)
  std::vector<int> filter_rows;  // individuals on which the SNP filters are computed
  std::vector<char> candidate;   // per SNP: considered at all (false: excluded, e.g. the left-out chromosome)
  SnpFilter filter;
  bool standardize = false;
  int block_size = 2048;
  int threads = 1;
  DenseProducts products;
};

struct KinshipResult {
  Matrix K;
  std::vector<int> status;  // SnpStatus per SNP
  int n_used = 0;
};

inline KinshipResult kinship_from_bed(const BedReader& bed, const KinshipRequest& request) {
  if (static_cast<int>(request.candidate.size()) != bed.n_snps()) {
    throw std::invalid_argument("one candidate flag per SNP is needed");
  }
  if (request.rows.empty() || request.filter_rows.empty()) throw std::invalid_argument("no individuals");
  KinshipResult out;
  out.status.assign(bed.n_snps(), snp_excluded);
  KinshipSum sum(static_cast<int>(request.rows.size()), request.threads, request.products.add_outer);
  const std::vector<int> filter_positions = detail::positions_in(request.filter_rows, request.rows);
  const int block = std::max(1, request.block_size);
  for (int first = 0; first < bed.n_snps(); first += block) {
    const int count = std::min(block, bed.n_snps() - first);
    const Matrix dosages = bed.read(first, count, request.rows);
    const Matrix filtered = filter_positions.empty() ? bed.read(first, count, request.filter_rows)
                                                     : detail::select_rows(dosages, filter_positions);
    parallel_for(static_cast<std::size_t>(count), request.threads, [&](std::size_t s) {
      if (request.candidate[first + s]) out.status[first + s] = filter_status(filtered.col(s), request.filter);
    });
    std::vector<int> used;
    for (int s = 0; s < count; ++s) {
      if (request.candidate[first + s] && out.status[first + s] == snp_used) used.push_back(s);
    }
    if (used.empty()) continue;
    Matrix B(dosages.rows(), static_cast<Eigen::Index>(used.size()));
    parallel_for(used.size(), request.threads, [&](std::size_t u) {
      B.col(static_cast<Eigen::Index>(u)) = dosages.col(used[u]);
      centre_dosages(B.col(static_cast<Eigen::Index>(u)), request.standardize);
    });
    sum.add(B);
    out.n_used += static_cast<int>(used.size());
  }
  out.K = sum.result(out.n_used);
  return out;
}

}  // namespace lmmkit

#endif
