// The .bed reader (coding, checks on the file) and the kinship sums (filters, threads, blocks).
#include <lmmkit/kinship.h>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace {

using lmmkit::Matrix;
using lmmkit::Vector;

std::string write_bytes(const std::string& name, const std::vector<unsigned char>& bytes) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Five individuals (two bytes per SNP), three SNPs.
std::string small_bed() {
  return write_bytes("small.bed", {0x6c, 0x1b, 0x01,
                                   0xd8, 0x03,    // 2, 1, NA, 0 | 0
                                   0x00, 0x00,    // 2, 2, 2, 2 | 2
                                   0xbe, 0x02});  // 1, 0, 0, 1 | 1
}

std::vector<int> all_rows(int n) {
  std::vector<int> rows(n);
  for (int i = 0; i < n; ++i) rows[i] = i;
  return rows;
}

}  // namespace

TEST(BedReader, DecodesDosagesOfTheFirstAllele) {
  const lmmkit::BedReader bed(small_bed(), 5, 3);
  const Matrix G = bed.read(0, 3, all_rows(5));
  EXPECT_EQ(G(0, 0), 2);
  EXPECT_EQ(G(1, 0), 1);
  EXPECT_TRUE(std::isnan(G(2, 0)));
  EXPECT_EQ(G(3, 0), 0);
  EXPECT_EQ(G(4, 0), 0);
  EXPECT_EQ(G.col(1), Vector::Constant(5, 2));
  EXPECT_EQ(G.col(2), (Vector(5) << 1, 0, 0, 1, 1).finished());
  const Matrix some = bed.read(2, 1, {4, 0});
  EXPECT_EQ(some, (Matrix(2, 1) << 1, 1).finished());
}

TEST(BedReader, RejectsFilesThatDoNotMatch) {
  EXPECT_THROW(lmmkit::BedReader(small_bed(), 5, 4), std::runtime_error);
  EXPECT_THROW(lmmkit::BedReader(small_bed(), 9, 3), std::runtime_error);
  EXPECT_THROW(lmmkit::BedReader(write_bytes("magic.bed", {0x6c, 0x1c, 0x01, 0}), 1, 1), std::runtime_error);
  EXPECT_THROW(lmmkit::BedReader(write_bytes("major.bed", {0x6c, 0x1b, 0x00, 0}), 1, 1), std::runtime_error);
  EXPECT_THROW(lmmkit::BedReader(::testing::TempDir() + "absent.bed", 1, 1), std::runtime_error);
  const lmmkit::BedReader bed(small_bed(), 5, 3);
  EXPECT_THROW(bed.read(2, 2, {0}), std::out_of_range);
  EXPECT_THROW(bed.read(0, 1, {5}), std::out_of_range);
}

TEST(Kinship, FiltersInGemmasOrder) {
  const lmmkit::SnpFilter filter;
  Vector x = Vector::Zero(100);
  EXPECT_EQ(lmmkit::filter_status(x, filter), lmmkit::snp_allele_frequency);
  x[0] = 2;  // frequency 0.01 exactly: kept
  EXPECT_EQ(lmmkit::filter_status(x, filter), lmmkit::snp_used);
  x.tail(6).setConstant(std::nan(""));  // 6% missing
  EXPECT_EQ(lmmkit::filter_status(x, filter), lmmkit::snp_missingness);
  EXPECT_EQ(lmmkit::filter_status(Vector::Ones(10), filter), lmmkit::snp_one_class);
  EXPECT_THROW(lmmkit::filter_status(Vector::Constant(3, 0.5), filter), std::invalid_argument);
}

TEST(Kinship, SumDoesNotDependOnThreads) {
  const Matrix B = Matrix::Random(300, 40);
  lmmkit::KinshipSum one(300, 1), three(300, 3);
  one.add(B);
  three.add(B);
  EXPECT_EQ(one.result(40), three.result(40));
  const Matrix direct = B * B.transpose() / 40.0;
  EXPECT_LT((one.result(40) - direct).cwiseAbs().maxCoeff(), 1e-12);
}
