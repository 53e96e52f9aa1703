// The genome-wide scan over a .bed file: blocks of SNPs filtered as GEMMA, mean-imputed, rotated, tested.
#ifndef LMMKIT_GWAS_SCAN_H
#define LMMKIT_GWAS_SCAN_H

#include "association.h"
#include "kinship.h"
#include "parallel_for.h"

namespace lmmkit {

struct ScanRequest {
  std::vector<int> rows;  // analysed individuals (0-based .fam rows), in the order of the rows of U
  std::vector<int> snps;  // 0-based .bim rows to test, increasing
  SnpFilter filter;
  double r2_max = 0.9999;  // dropped when the uncentred R^2 of the mean-filled SNP on W exceeds this
  TestChoice tests;
  int block_size = 512;
  int threads = 1;
  DenseProducts products;
};

struct ScanResult {
  std::vector<int> status;  // SnpStatus per requested SNP
  std::vector<int> n_miss;
  std::vector<double> af;   // frequency of the .bim's first allele among observed analysed genotypes
  Matrix stats;             // per SNP: beta, se, wald F, l_remle, logl_remle, l_mle, logl_mle, score F
};

// The data of the scan: the analysed individuals' covariates W, and K = U diag(d) U' with the null model
// fitted on U'W, U'y.
struct ScanModel {
  Eigen::Ref<const Matrix> U;  // the caller's eigenvectors, not copied (n x n): they must outlive the model
  Matrix W;
  Eigen::LLT<Matrix> WtW;
  NullModel null;

  ScanModel(const Eigen::Ref<const Matrix>& U_, const Vector& d, Matrix W_, const Vector& y)
      : U(U_), W(std::move(W_)), WtW(W.transpose() * W), null(d, U.transpose() * W, U.transpose() * y) {}
};

namespace detail {

// Dosages of the SNPs `snps[first, last)`, reading each run of consecutive SNPs at once.
inline Matrix read_snp_list(const BedReader& bed, const std::vector<int>& snps, std::size_t first, std::size_t last,
                            const std::vector<int>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(last - first));
  for (std::size_t run = first; run < last;) {
    std::size_t end = run + 1;
    while (end < last && snps[end] == snps[end - 1] + 1) ++end;
    out.middleCols(static_cast<Eigen::Index>(run - first), static_cast<Eigen::Index>(end - run)) =
        bed.read(snps[run], static_cast<int>(end - run), rows);
    run = end;
  }
  return out;
}

// GEMMA's filters on one SNP's dosages, then the uncentred R^2 on the covariates; x is mean-filled in place.
inline SnpStatus prepare_snp(Eigen::Ref<Vector> x, const ScanModel& model, const ScanRequest& request, int& n_miss,
                             double& af) {
  n_miss = 0;
  double sum = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) ++n_miss; else sum += x[i];
  }
  const Eigen::Index observed = x.size() - n_miss;
  af = observed > 0 ? sum / (2.0 * static_cast<double>(observed)) : std::numeric_limits<double>::quiet_NaN();
  const SnpStatus status = filter_status(x, request.filter);
  if (status != snp_used) return status;
  const double mean = sum / static_cast<double>(observed);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) x[i] = mean;
  }
  if (model.W.cols() > 0) {
    const Vector Wx = model.W.transpose() * x;
    if (Wx.dot(model.WtW.solve(Wx)) > request.r2_max * x.squaredNorm()) return snp_collinear;
  }
  return snp_used;
}

// U' X, each SNP's column identical whatever the blocks, chunks or threads. The engine's AVX2/FMA kernel
// computes every column alone, so column ranges go to threads as they are. A BLAS's or Eigen's kernels may
// not: there X goes in panels of panel_width columns aligned to the SNPs' .bim rows, so that the SNP of
// .bim row r is always column r % panel_width of a product of the same shape.
inline Matrix rotate_in_panels(const ScanModel& model, const Matrix& X, const std::vector<int>& bim_rows,
                               const ScanRequest& request) {
  if (!request.products.transposed_product && avx2_fma_available()) {
    constexpr Eigen::Index range = 1026;  // columns per task: a multiple of the kernel's 6-column tiles
    Matrix rotated(X.rows(), X.cols());
    parallel_for(static_cast<std::size_t>((X.cols() + range - 1) / range), request.threads, [&](std::size_t t) {
      const Eigen::Index first = static_cast<Eigen::Index>(t) * range, count = std::min(range, X.cols() - first);
      rotated.middleCols(first, count) = engine_transposed_product(model.U, X.middleCols(first, count));
    });
    return rotated;
  }
  constexpr int panel_width = 256;
  std::vector<std::vector<Eigen::Index>> panels;  // columns of X per aligned panel, in order
  std::vector<int> panel_of;
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    const int panel = bim_rows[static_cast<std::size_t>(j)] / panel_width;
    if (panel_of.empty() || panel_of.back() != panel) {
      panel_of.push_back(panel);
      panels.emplace_back();
    }
    panels.back().push_back(j);
  }
  Matrix rotated(X.rows(), X.cols());
  auto rotate_panel = [&](std::size_t p) {
    Matrix panel = Matrix::Zero(X.rows(), panel_width);
    for (Eigen::Index j : panels[p]) panel.col(bim_rows[static_cast<std::size_t>(j)] % panel_width) = X.col(j);
    const Matrix product = request.products.transposed_product ? request.products.transposed_product(model.U, panel)
                                                               : engine_transposed_product(model.U, panel);
    for (Eigen::Index j : panels[p]) rotated.col(j) = product.col(bim_rows[static_cast<std::size_t>(j)] % panel_width);
  };
  // A BLAS threads its own products; the engine's kernel is threaded over panels.
  parallel_for(panels.size(), request.products.transposed_product ? 1 : request.threads, rotate_panel);
  return rotated;
}

// Filters, rotation and tests of SNPs [first, last) of the request, written into their rows of `out`.
inline void scan_block(const BedReader& bed, const ScanModel& model, const ScanRequest& request, std::size_t first,
                       std::size_t last, ScanResult& out) {
  Matrix X = read_snp_list(bed, request.snps, first, last, request.rows);
  std::vector<Eigen::Index> kept;
  for (std::size_t s = first; s < last; ++s) {
    const Eigen::Index j = static_cast<Eigen::Index>(s - first);
    out.status[s] = prepare_snp(X.col(j), model, request, out.n_miss[s], out.af[s]);
    if (out.status[s] == snp_used) kept.push_back(j);
  }
  if (kept.empty()) return;
  Matrix kept_columns(X.rows(), static_cast<Eigen::Index>(kept.size()));
  std::vector<int> kept_rows(kept.size());
  for (std::size_t k = 0; k < kept.size(); ++k) {
    kept_columns.col(static_cast<Eigen::Index>(k)) = X.col(kept[k]);
    kept_rows[k] = request.snps[first + static_cast<std::size_t>(kept[k])];
  }
  const Matrix rotated = rotate_in_panels(model, kept_columns, kept_rows, request);
  parallel_for(kept.size(), request.threads, [&](std::size_t k) {
    const std::size_t s = first + static_cast<std::size_t>(kept[k]);
    const SnpTests t = test_snp(model.null, rotated.col(static_cast<Eigen::Index>(k)), request.tests);
    if (t.collinear) out.status[s] = snp_collinear;
    out.stats.row(static_cast<Eigen::Index>(s)) << t.beta, t.se, t.wald_F, t.l_remle, t.logl_remle, t.l_mle,
        t.logl_mle, t.score_F;
  });
}

}  // namespace detail

// Every requested SNP: its filter status, n_miss and af, and for those tested the statistics. Blocks of
// SNPs are read in turn; within a block the rotation and the tests are shared among threads. Each SNP's
// numbers do not depend on the blocks or the number of threads.
inline ScanResult scan_bed(const BedReader& bed, const ScanModel& model, const ScanRequest& request) {
  for (std::size_t s = 0; s < request.snps.size(); ++s) {
    if (request.snps[s] < 0 || request.snps[s] >= bed.n_snps() || (s > 0 && request.snps[s] <= request.snps[s - 1])) {
      throw std::invalid_argument("the SNPs to scan must be increasing .bim rows");
    }
  }
  if (static_cast<Eigen::Index>(request.rows.size()) != model.U.rows()) {
    throw std::invalid_argument("one analysed individual per row of the eigenvectors is needed");
  }
  const std::size_t m = request.snps.size(), block = static_cast<std::size_t>(std::max(1, request.block_size));
  ScanResult out;
  out.status.assign(m, snp_excluded);
  out.n_miss.assign(m, 0);
  out.af.assign(m, 0.0);
  out.stats = Matrix::Constant(static_cast<Eigen::Index>(m), 8, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t first = 0; first < m; first += block) {
    detail::scan_block(bed, model, request, first, std::min(m, first + block), out);
  }
  return out;
}

}  // namespace lmmkit

#endif
