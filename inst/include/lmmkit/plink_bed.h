// Reads a PLINK .bed file (SNP-major) in blocks of SNPs as dosages of the .bim's first allele.
#ifndef LMMKIT_PLINK_BED_H
#define LMMKIT_PLINK_BED_H

#include "types.h"

#include <array>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace lmmkit {

// A .bed file checked against the counts of its .fam (individuals) and .bim (SNPs). Each SNP takes
// ceil(n / 4) bytes after a three-byte header; each individual two bits, low bits first: 00 two copies
// of the first allele, 10 one copy, 11 none, 01 missing (PLINK's coding, as GEMMA reads it).
class BedReader {
 public:
  BedReader(std::string path, long long n_individuals, long long n_snps)
      : path_(std::move(path)), n_(n_individuals), m_(n_snps), bytes_per_snp_((n_individuals + 3) / 4) {
    if (n_ <= 0 || m_ <= 0) throw std::invalid_argument("a PLINK set needs at least one individual and one SNP");
    if (n_ > std::numeric_limits<int>::max() || m_ > std::numeric_limits<int>::max()) {
      throw std::invalid_argument("'" + path_ + "' has more individuals or SNPs than lmmkit can index");
    }
    check_header_and_size();
  }

  int n_individuals() const { return static_cast<int>(n_); }
  int n_snps() const { return static_cast<int>(m_); }

  // Dosages of SNPs [first, first + count) for the given individuals (0-based rows of the .fam), one
  // column per SNP; a missing genotype is NaN.
  Matrix read(int first, int count, const std::vector<int>& individuals) const {
    if (first < 0 || count < 0 || first > m_ - count) throw std::out_of_range("SNP block outside the .bed file");
    for (int i : individuals) {
      if (i < 0 || i >= n_) throw std::out_of_range("individual index outside the .fam file");
    }
    std::vector<unsigned char> bytes(static_cast<std::size_t>(count) * bytes_per_snp_);
    std::ifstream in(path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(3 + static_cast<long long>(first) * bytes_per_snp_));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!in) throw std::runtime_error("could not read SNPs from '" + path_ + "'");
    Matrix dosages(static_cast<Eigen::Index>(individuals.size()), count);
    for (int s = 0; s < count; ++s) {
      const unsigned char* snp = bytes.data() + static_cast<std::size_t>(s) * bytes_per_snp_;
      for (std::size_t r = 0; r < individuals.size(); ++r) {
        const int i = individuals[r];
        dosages(static_cast<Eigen::Index>(r), s) = decode((snp[i / 4] >> (2 * (i % 4))) & 3);
      }
    }
    return dosages;
  }

 private:
  static double decode(int code) {
    static const std::array<double, 4> dosage = {2.0, std::numeric_limits<double>::quiet_NaN(), 1.0, 0.0};
    return dosage[code];
  }

  void check_header_and_size() const {
    std::ifstream in(path_, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error("cannot open '" + path_ + "'");
    const long long size = static_cast<long long>(in.tellg());
    unsigned char magic[3] = {0, 0, 0};
    in.seekg(0);
    in.read(reinterpret_cast<char*>(magic), 3);
    if (!in || magic[0] != 0x6c || magic[1] != 0x1b) {
      throw std::runtime_error("'" + path_ + "' is not a PLINK .bed file (its first two bytes are not 0x6c 0x1b)");
    }
    if (magic[2] != 0x01) {
      throw std::runtime_error("'" + path_ + "' is individual-major; only SNP-major .bed files are read "
                               "(convert with plink --make-bed)");
    }
    const long long expected = 3 + m_ * bytes_per_snp_;
    if (size != expected) {
      throw std::runtime_error("'" + path_ + "' has " + std::to_string(size) + " bytes, but " +
                               std::to_string(m_) + " SNPs (.bim) and " + std::to_string(n_) +
                               " individuals (.fam) need " + std::to_string(expected) +
                               (size < expected ? " (truncated?)" : ""));
    }
  }

  std::string path_;
  long long n_, m_, bytes_per_snp_;
};

}  // namespace lmmkit

#endif
