// Tests for decode/: every file is generated here from the shipped forms with
// the real libraries (libtiff and its tiffcp tool, Poppler, qpdf and its CLI,
// OpenCV), then decoded from bytes.
#define POINTERHOLDER_TRANSITION 4  // qpdf 11: PointerHolder is std::shared_ptr
#include "decode/decode.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <tiffio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFAcroFormDocumentHelper.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace intake {
namespace {

using testing::ReadFile;
using testing::SharedDir;
using testing::SourceDir;
using testing::TempDir;
using testing::WriteFile;
using Bytes = std::vector<std::uint8_t>;

constexpr char kStation[] = "HIS TEST FAX";
constexpr char kDateTime[] = "2026:11:27 23:59:05";

const Bytes& FormPdf(const std::string& name) {
  static std::map<std::string, Bytes> cache;
  auto [it, added] = cache.try_emplace(name);
  if (added) it->second = ReadFile(SourceDir() / "forms" / (name + ".pdf"));
  return it->second;
}

// Both pages of HIS-AUTH-EN as a fax machine scans them at 204 x dpi_y.
const std::vector<GrayImage>& FaxPages(double dpi_y) {
  static std::map<double, std::vector<GrayImage>> cache;
  auto [it, added] = cache.try_emplace(dpi_y);
  if (added) {
    for (int page = 1; page <= 2; ++page) {
      Result<GrayImage> image = RenderPdfPage(FormPdf("HIS-AUTH-EN"), page, 204, dpi_y);
      if (!image) throw std::runtime_error(image.error().message);
      it->second.push_back(std::move(*image));
    }
  }
  return it->second;
}

GrayImage Thresholded(GrayImage image) {
  for (std::uint8_t& p : image.pixels) p = p < 128 ? 0 : 255;
  return image;
}

double MeanAbsDifference(const GrayImage& a, const GrayImage& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(a.pixels[i] - b.pixels[i]);
  return sum / static_cast<double>(a.pixels.size());
}

Bytes EncodeOrDie(const std::vector<GrayImage>& pages, FaxCompression compression) {
  Result<Bytes> tiff = EncodeTiff(pages, {.compression = compression, .station_id = kStation, .date_time = kDateTime});
  if (!tiff) throw std::runtime_error(tiff.error().message);
  return *tiff;
}

int Shell(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

// Writes a one-page stripped TIFF with libtiff from raw scanlines; `tags`
// adds what the test is about (photometric, resolution ...).
void WriteTiffFile(const std::filesystem::path& path, std::uint32_t width, std::uint32_t height, int bits, int samples,
                   const Bytes& scanlines, const std::function<void(TIFF*)>& tags) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(tif, nullptr);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bits);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, samples);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, height);
  tags(tif);
  const std::size_t row_bytes = scanlines.size() / height;
  for (std::uint32_t y = 0; y < height; ++y) {
    ASSERT_EQ(TIFFWriteScanline(tif, const_cast<std::uint8_t*>(&scanlines[y * row_bytes]), y, 0), 1);
  }
  TIFFClose(tif);
}

// A little-endian TIFF laid out by hand with its IFD before the pixels (as
// some scanners write it): 8-bit gray, one uncompressed strip of `data`.
Bytes HandMadeTiff(std::uint32_t width, std::uint32_t height, const Bytes& data) {
  Bytes out = {'I', 'I', 42, 0, 8, 0, 0, 0};
  auto put = [&](std::uint64_t value, int size) {
    for (int i = 0; i < size; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  };
  const std::vector<std::array<std::uint32_t, 3>> entries = {
      {256, 4, width}, {257, 4, height}, {258, 3, 8},
      {259, 3, 1},     {262, 3, 1},      {273, 4, 0},
      {277, 3, 1},     {278, 4, height}, {279, 4, static_cast<std::uint32_t>(width * height)}};
  const std::uint32_t data_offset = 8 + 2 + 12 * static_cast<std::uint32_t>(entries.size()) + 4;
  put(entries.size(), 2);
  for (const auto& [tag, type, value] : entries) {
    put(tag, 2);
    put(type, 2);
    put(1, 4);
    put(tag == 273 ? data_offset : value, 4);  // LONG and SHORT values both sit left-justified
  }
  put(0, 4);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::uint32_t Crc32(const std::uint8_t* data, std::size_t size) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
  }
  return ~crc;
}

void PutBigEndian32(Bytes& bytes, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
}

// A document page: white paper, a black bar, gray text-like stripes.
cv::Mat SamplePhoto(int width, int height) {
  cv::Mat image(height, width, CV_8UC1, cv::Scalar(255));
  image(cv::Rect(width / 10, height / 10, width / 2, height / 20)).setTo(0);
  for (int y = height / 3; y < height * 2 / 3; y += 12) image(cv::Rect(width / 10, y, width * 3 / 4, 4)).setTo(90);
  return image;
}

Bytes Encode(const std::string& extension, const cv::Mat& image) {
  std::vector<std::uint8_t> bytes;
  cv::imencode(extension, image, bytes);
  return bytes;
}

Bytes SaveQpdf(QPDF& pdf) {
  QPDFWriter writer(pdf);
  writer.setOutputMemory();
  writer.write();
  std::shared_ptr<Buffer> buffer = writer.getBufferSharedPointer();
  return Bytes(buffer->getBuffer(), buffer->getBuffer() + buffer->getSize());
}

// Runs Decode in a child process whose address space may grow by only
// 256 MiB: a decoder that allocated the claimed pixels would die there.
struct CappedRun {
  bool too_large = false;
  double seconds = 0;
};
CappedRun DecodeUnderMemoryCap(const Bytes& bytes, const DecodeLimits& limits = {}) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = fork();
  if (child == 0) {
    long pages = 0;
    FILE* statm = std::fopen("/proc/self/statm", "r");
    if (!statm || std::fscanf(statm, "%ld", &pages) != 1) _exit(3);
    const rlim_t cap = static_cast<rlim_t>(pages) * sysconf(_SC_PAGESIZE) + (rlim_t{256} << 20);
    const rlimit limit{cap, cap};
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(4);
    Result<DecodedFile> file = Decode(bytes, limits);
    _exit(!file && file.error().code == ErrorCode::kTooLarge ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return {.too_large = WIFEXITED(status) && WEXITSTATUS(status) == 0,
          .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

// ---- Sniffing ---------------------------------------------------------------

TEST(SniffKind, RecognisesEachKindFromItsBytes) {
  const Bytes tiff = EncodeOrDie({GrayImage::Blank(64, 8, 204, 196)}, FaxCompression::kG4);
  const Bytes jpeg = Encode(".jpg", SamplePhoto(64, 64));
  const Bytes png = Encode(".png", SamplePhoto(64, 64));
  auto bytes = [](std::string_view text) { return Bytes(text.begin(), text.end()); };
  using namespace std::string_view_literals;

  EXPECT_EQ(SniffKind(tiff), FileKind::kTiff);
  EXPECT_EQ(SniffKind(bytes("MM\0*\0\0\0\x08"sv)), FileKind::kTiff);
  EXPECT_EQ(SniffKind(FormPdf("HIS-AMEND-EN")), FileKind::kPdf);
  EXPECT_EQ(SniffKind(bytes(std::string(300, ' ') + "%PDF-1.7\n")), FileKind::kPdf);
  EXPECT_EQ(SniffKind(bytes(std::string(1100, ' ') + "%PDF-1.7\n")), FileKind::kUnknown);
  EXPECT_EQ(SniffKind(jpeg), FileKind::kJpeg);
  EXPECT_EQ(SniffKind(png), FileKind::kPng);
  EXPECT_EQ(SniffKind(bytes("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0"sv)), FileKind::kWord);
  EXPECT_EQ(SniffKind(bytes("PK\x03\x04\x14\0\0\0\0\0[Content_Types].xml...PK\x03\x04word/document.xml"sv)),
            FileKind::kWord);
  EXPECT_EQ(SniffKind(bytes("PK\x03\x04\x14\0\0\0\0\0scan.pdf"sv)), FileKind::kZip);
  EXPECT_EQ(SniffKind(bytes("Return-Path: <clinic@example.org>\r\nReceived: from mx\r\n\tby his-mx01\r\n\r\nbody")),
            FileKind::kEmail);
  EXPECT_EQ(SniffKind(bytes("X-Spam-Score: 0\nDKIM-Signature: v=1;\n a=rsa\nSubject: records\n\nbody")),
            FileKind::kEmail);
  EXPECT_EQ(SniffKind(bytes("Note: this is a plain text file\n\nhello")), FileKind::kUnknown);
  EXPECT_EQ(SniffKind(bytes("GIF89a....")), FileKind::kUnknown);
}

TEST(Decode, RefusesWordZipEmailAndUnknownFilesWithClerkMessages) {
  auto decode = [](std::string_view text) { return Decode(Bytes(text.begin(), text.end()), DecodeLimits{}); };
  using namespace std::string_view_literals;
  Result<DecodedFile> word = decode("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0"sv);
  ASSERT_FALSE(word);
  EXPECT_EQ(word.error().code, ErrorCode::kUnsupportedFormat);
  EXPECT_EQ(word.error().message, "Word document: ask the sender to send a PDF or a fax");

  Result<DecodedFile> email = decode("From: a@example.org\nSubject: x\n\nbody");
  ASSERT_FALSE(email);
  EXPECT_EQ(email.error().code, ErrorCode::kUnsupportedFormat);
  EXPECT_NE(email.error().message.find("e-mail message"), std::string::npos);

  Result<DecodedFile> zip = decode("PK\x03\x04\x14\0\0\0\0\0scan.pdf"sv);
  ASSERT_FALSE(zip);
  EXPECT_EQ(zip.error().code, ErrorCode::kUnsupportedFormat);

  Bytes garbage(4096);
  std::uint32_t state = 12345;
  for (std::uint8_t& b : garbage) b = static_cast<std::uint8_t>((state = state * 1103515245 + 12345) >> 16);
  Result<DecodedFile> unknown = Decode(garbage, DecodeLimits{});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnsupportedFormat);
  EXPECT_EQ(unknown.error().message, "not a PDF, TIFF, JPEG or PNG file");
}

TEST(Decode, EmptyFileIsEmptyFile) {
  Result<DecodedFile> file = Decode({}, DecodeLimits{});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kEmptyFile);
}

TEST(Decode, FileOverMaxBytesIsTooLarge) {
  Result<DecodedFile> file = Decode(FormPdf("HIS-AMEND-EN"), {.max_bytes = 1000});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kTooLarge);
}

// ---- Faxes ------------------------------------------------------------------

struct FaxCase {
  FaxCompression compression;
  double dpi_y;
  const char* name;
};

void PrintTo(const FaxCase& c, std::ostream* out) { *out << c.name; }

class FaxRoundTrip : public ::testing::TestWithParam<FaxCase> {};

TEST_P(FaxRoundTrip, DecodesPagesTagsResolutionAndPixelsAsEncoded) {
  const FaxCase& c = GetParam();
  const std::vector<GrayImage>& pages = FaxPages(c.dpi_y);
  Result<DecodedFile> file = Decode(EncodeOrDie(pages, c.compression), DecodeLimits{});
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->kind, FileKind::kTiff);
  EXPECT_EQ(file->station_id, kStation);
  EXPECT_EQ(file->received_time, kDateTime);
  EXPECT_TRUE(file->form_values.empty());
  ASSERT_EQ(file->pages.size(), 2u);
  const bool bilevel = c.compression != FaxCompression::kLzw && c.compression != FaxCompression::kJpeg &&
                       c.compression != FaxCompression::kNone;
  for (int i = 0; i < 2; ++i) {
    const DecodedPage& page = file->pages[i];
    SCOPED_TRACE("page " + std::to_string(i + 1));
    EXPECT_EQ(page.number, i + 1);
    EXPECT_EQ(page.bilevel, bilevel);
    EXPECT_EQ(page.image.width, pages[i].width);
    EXPECT_EQ(page.image.height, pages[i].height);
    EXPECT_DOUBLE_EQ(page.image.dpi_x, 204);
    EXPECT_DOUBLE_EQ(page.image.dpi_y, c.dpi_y);
    if (c.compression == FaxCompression::kJpeg) {
      EXPECT_LT(MeanAbsDifference(page.image, pages[i]), 2.0);
    } else {
      EXPECT_TRUE(page.image.pixels == (bilevel ? Thresholded(pages[i]) : pages[i]).pixels);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Compressions, FaxRoundTrip,
    ::testing::Values(FaxCase{FaxCompression::kModifiedHuffman, 196, "MhFine"},
                      FaxCase{FaxCompression::kModifiedHuffman, 98, "MhNormal"},
                      FaxCase{FaxCompression::kG3_1D, 196, "G3OneDFine"},
                      FaxCase{FaxCompression::kG3_1D, 98, "G3OneDNormal"},
                      FaxCase{FaxCompression::kG3_2D, 196, "G3TwoDFine"},
                      FaxCase{FaxCompression::kG3_2D, 98, "G3TwoDNormal"}, FaxCase{FaxCompression::kG4, 196, "G4Fine"},
                      FaxCase{FaxCompression::kG4, 98, "G4Normal"}, FaxCase{FaxCompression::kLzw, 196, "LzwFine"},
                      FaxCase{FaxCompression::kLzw, 98, "LzwNormal"}, FaxCase{FaxCompression::kJpeg, 196, "JpegFine"},
                      FaxCase{FaxCompression::kJpeg, 98, "JpegNormal"}, FaxCase{FaxCompression::kNone, 196, "NoneFine"},
                      FaxCase{FaxCompression::kNone, 98, "NoneNormal"}),
    [](const auto& info) { return std::string(info.param.name); });

struct TiffcpCase {
  const char* options;
  FaxCompression source;
  const char* name;
};

void PrintTo(const TiffcpCase& c, std::ostream* out) { *out << "tiffcp " << c.options; }

class TiffcpCrossCheck : public ::testing::TestWithParam<TiffcpCase> {};

// Files written by libtiff's own tool, not by EncodeTiff.
TEST_P(TiffcpCrossCheck, DecodesTiffcpOutputToTheSamePixels) {
  const TiffcpCase& c = GetParam();
  const std::vector<GrayImage>& pages = FaxPages(98);
  TempDir dir;
  WriteFile(dir.path() / "in.tif", EncodeOrDie(pages, c.source));
  ASSERT_EQ(Shell("tiffcp " + std::string(c.options) + " " + (dir.path() / "in.tif").string() + " " +
                  (dir.path() / "out.tif").string()),
            0);
  Result<DecodedFile> file = Decode(ReadFile(dir.path() / "out.tif"), DecodeLimits{});
  ASSERT_TRUE(file) << file.error().message;
  ASSERT_EQ(file->pages.size(), 2u);
  EXPECT_EQ(file->station_id, kStation);
  const bool bilevel = c.source == FaxCompression::kG4;
  for (int i = 0; i < 2; ++i) {
    EXPECT_DOUBLE_EQ(file->pages[i].image.dpi_y, 98);
    EXPECT_EQ(file->pages[i].bilevel, bilevel);
    EXPECT_TRUE(file->pages[i].image.pixels == (bilevel ? Thresholded(pages[i]) : pages[i]).pixels) << "page " << i + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(Tiffcp, TiffcpCrossCheck,
                         ::testing::Values(TiffcpCase{"-c g3:1d", FaxCompression::kG4, "G3OneD"},
                                           TiffcpCase{"-c g3:2d", FaxCompression::kG4, "G3TwoD"},
                                           TiffcpCase{"-c g3:2d -f msb2lsb", FaxCompression::kG4, "G3TwoDMsbFirst"},
                                           TiffcpCase{"-c g4 -B", FaxCompression::kG4, "G4BigEndian"},
                                           TiffcpCase{"-c lzw", FaxCompression::kG4, "LzwBilevel"},
                                           TiffcpCase{"-c g4 -t -w 256 -l 256", FaxCompression::kG4, "G4Tiled"},
                                           TiffcpCase{"-c zip", FaxCompression::kNone, "DeflateGray"},
                                           TiffcpCase{"-c lzw -t -w 256 -l 256", FaxCompression::kNone,
                                                      "LzwGrayTiled"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DecodeTiff, OneBitMinIsBlackMapsSetBitsToWhite) {
  TempDir dir;
  Bytes rows;
  for (int y = 0; y < 8; ++y) rows.insert(rows.end(), {0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF});
  WriteTiffFile(dir.path() / "b.tif", 64, 8, 1, 1, rows,
                [](TIFF* t) { TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK); });
  Result<DecodedFile> file = Decode(ReadFile(dir.path() / "b.tif"), DecodeLimits{});
  ASSERT_TRUE(file) << file.error().message;
  const GrayImage& image = file->pages.at(0).image;
  EXPECT_TRUE(file->pages[0].bilevel);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 64; ++x) ASSERT_EQ(image.At(x, y), x < 32 ? 0 : 255) << x << "," << y;
  }
}

TEST(DecodeTiff, RgbPagesBecomeGrayThroughEveryReader) {
  TempDir dir;
  // Four quadrants: red, green, blue, white.
  const std::array<std::array<int, 3>, 4> colors = {{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}}};
  Bytes rows;
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      for (int v : colors[(y >= 32) * 2 + (x >= 32)]) rows.push_back(static_cast<std::uint8_t>(v));
    }
  }
  WriteTiffFile(dir.path() / "rgb.tif", 64, 64, 8, 3, rows,
                [](TIFF* t) { TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB); });
  const std::string in = (dir.path() / "rgb.tif").string();
  ASSERT_EQ(Shell("tiffcp -c jpeg:90 -r 16 " + in + " " + (dir.path() / "jpeg.tif").string()), 0);
  ASSERT_EQ(Shell("tiffcp -p separate " + in + " " + (dir.path() / "planar.tif").string()), 0);
  for (const auto& [name, tolerance] : {std::pair{"rgb.tif", 1}, {"jpeg.tif", 12}, {"planar.tif", 1}}) {
    SCOPED_TRACE(name);
    Result<DecodedFile> file = Decode(ReadFile(dir.path() / name), DecodeLimits{});
    ASSERT_TRUE(file) << file.error().message;
    const GrayImage& image = file->pages.at(0).image;
    EXPECT_FALSE(file->pages[0].bilevel);
    for (int q = 0; q < 4; ++q) {
      const auto& [r, g, b] = colors[q];
      const double luma = 0.299 * r + 0.587 * g + 0.114 * b;
      EXPECT_NEAR(image.At((q % 2) * 32 + 16, (q / 2) * 32 + 16), luma, tolerance) << "quadrant " << q;
    }
  }
}

TEST(DecodeTiff, ResolutionInCentimetresBecomesDpiAndMissingResolutionGetsDefaults) {
  TempDir dir;
  const Bytes fax_rows(1728 / 8 * 4, 0);
  WriteTiffFile(dir.path() / "cm.tif", 1728, 4, 1, 1, fax_rows, [](TIFF* t) {
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(t, TIFFTAG_XRESOLUTION, 80.0f);
    TIFFSetField(t, TIFFTAG_YRESOLUTION, 38.5f);
    TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
  });
  WriteTiffFile(dir.path() / "fax.tif", 1728, 4, 1, 1, fax_rows,
                [](TIFF* t) { TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE); });
  WriteTiffFile(dir.path() / "gray.tif", 100, 4, 8, 1, Bytes(400, 200),
                [](TIFF* t) { TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK); });
  auto dpi = [&](const char* name) {
    Result<DecodedFile> file = Decode(ReadFile(dir.path() / name), DecodeLimits{});
    if (!file) throw std::runtime_error(file.error().message);
    return std::pair(file->pages.at(0).image.dpi_x, file->pages.at(0).image.dpi_y);
  };
  const auto [cm_x, cm_y] = dpi("cm.tif");
  EXPECT_NEAR(cm_x, 203.2, 0.01);
  EXPECT_NEAR(cm_y, 97.79, 0.01);
  EXPECT_EQ(dpi("fax.tif"), std::pair(204.0, 196.0));
  EXPECT_EQ(dpi("gray.tif"), std::pair(200.0, 200.0));
}

TEST(EncodeTiff, WritesClassFTagsOnEveryPage) {
  const std::vector<GrayImage> pages = {GrayImage::Blank(1728, 40, 204, 98), GrayImage::Blank(1728, 40, 204, 98)};
  TempDir dir;
  WriteFile(dir.path() / "f.tif", EncodeOrDie(pages, FaxCompression::kG3_2D));
  TIFF* tif = TIFFOpen((dir.path() / "f.tif").c_str(), "r");
  ASSERT_NE(tif, nullptr);
  for (std::uint16_t page = 0; page < 2; ++page) {
    SCOPED_TRACE("page " + std::to_string(page + 1));
    ASSERT_TRUE(TIFFSetDirectory(tif, page));
    std::uint16_t bits = 0, photometric = 0, fill = 0, compression = 0, unit = 0, number = 0, total = 0;
    std::uint32_t subfile = 0, t4 = 0;
    float x = 0, y = 0;
    const char *software = nullptr, *description = nullptr, *date = nullptr;
    TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    TIFFGetField(tif, TIFFTAG_FILLORDER, &fill);
    TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetField(tif, TIFFTAG_GROUP3OPTIONS, &t4);
    TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &subfile);
    TIFFGetField(tif, TIFFTAG_PAGENUMBER, &number, &total);
    TIFFGetField(tif, TIFFTAG_XRESOLUTION, &x);
    TIFFGetField(tif, TIFFTAG_YRESOLUTION, &y);
    TIFFGetField(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    TIFFGetField(tif, TIFFTAG_SOFTWARE, &software);
    TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &description);
    TIFFGetField(tif, TIFFTAG_DATETIME, &date);
    EXPECT_EQ(bits, 1);
    EXPECT_EQ(photometric, PHOTOMETRIC_MINISWHITE);
    EXPECT_EQ(fill, FILLORDER_LSB2MSB);
    EXPECT_EQ(compression, COMPRESSION_CCITTFAX3);
    EXPECT_TRUE(t4 & GROUP3OPT_2DENCODING);
    EXPECT_EQ(subfile, static_cast<std::uint32_t>(FILETYPE_PAGE));
    EXPECT_EQ(number, page);
    EXPECT_EQ(total, 2);
    EXPECT_EQ(x, 204.0f);
    EXPECT_EQ(y, 98.0f);
    EXPECT_EQ(unit, RESUNIT_INCH);
    EXPECT_STREQ(software, "intake");
    EXPECT_STREQ(description, kStation);
    EXPECT_STREQ(date, kDateTime);
  }
  TIFFClose(tif);
}

// The decoder's own work per page. glibc is told to keep freed memory so each
// run reuses the previous run's pages: on this VM a fresh 3.7 MB page buffer
// costs about 10 ms of page faults, which is the allocator's business, not the decoder's.
// ---- Truncated, damaged and hostile TIFFs -----------------------------------

TEST(DecodeTiff, FaxCutInPageTwoIsTruncatedAndNamesThePage) {
  const Bytes tiff = EncodeOrDie(FaxPages(98), FaxCompression::kG4);
  TempDir dir;
  WriteFile(dir.path() / "f.tif", tiff);
  TIFF* tif = TIFFOpen((dir.path() / "f.tif").c_str(), "r");
  ASSERT_NE(tif, nullptr);
  ASSERT_TRUE(TIFFSetDirectory(tif, 1));
  const std::uint64_t cut = TIFFGetStrileOffset(tif, 0) + TIFFGetStrileByteCount(tif, 0) / 2;
  TIFFClose(tif);

  Result<DecodedFile> file = Decode(std::span(tiff).first(cut), DecodeLimits{});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kTruncatedFile);
  EXPECT_NE(file.error().message.find("page 2"), std::string::npos) << file.error().message;
}

TEST(DecodeTiff, StripCutShortAfterItsDirectoryIsTruncated) {
  const Bytes tiff = HandMadeTiff(100, 100, Bytes(100 * 100, 128));
  Result<DecodedFile> whole = Decode(tiff, DecodeLimits{});
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->pages.at(0).image.At(50, 50), 128);

  Result<DecodedFile> cut = Decode(std::span(tiff).first(tiff.size() - 5000), DecodeLimits{});
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, ErrorCode::kTruncatedFile);
  EXPECT_NE(cut.error().message.find("page 1"), std::string::npos) << cut.error().message;
}

TEST(DecodeTiff, HeaderFollowedByZerosIsCorrupt) {
  Bytes tiff = {'I', 'I', 42, 0, 8, 0, 0, 0};
  tiff.resize(4096, 0);
  Result<DecodedFile> file = Decode(tiff, DecodeLimits{});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kCorruptFile);
}

// Half a page of fax codes wiped out (a dropped line on the way, a bad disk
// block): libtiff fills the lines and carries on, Decode must not.
TEST(DecodeTiff, FaxPageWithWipedOutCodesIsCorrupt) {
  for (FaxCompression compression : {FaxCompression::kG3_2D, FaxCompression::kG4}) {
    SCOPED_TRACE(static_cast<int>(compression));
    Bytes tiff = EncodeOrDie({FaxPages(98).at(0)}, compression);
    TempDir dir;
    WriteFile(dir.path() / "f.tif", tiff);
    TIFF* tif = TIFFOpen((dir.path() / "f.tif").c_str(), "r");
    ASSERT_NE(tif, nullptr);
    const std::uint64_t offset = TIFFGetStrileOffset(tif, 0), length = TIFFGetStrileByteCount(tif, 0);
    TIFFClose(tif);
    std::fill_n(tiff.begin() + static_cast<std::ptrdiff_t>(offset + length / 4), length / 2, 0x00);

    Result<DecodedFile> file = Decode(tiff, DecodeLimits{});
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, ErrorCode::kCorruptFile);
    EXPECT_NE(file.error().message.find("page 1"), std::string::npos);
  }
}

TEST(DecodeTiff, PageClaiming100000SquarePixelsIsRefusedWithoutAllocating) {
  const CappedRun run = DecodeUnderMemoryCap(HandMadeTiff(100000, 100000, Bytes(1000, 0)));
  EXPECT_TRUE(run.too_large);
  EXPECT_LT(run.seconds, 30.0) << "refused, not stalled on";
}

TEST(DecodeTiff, MorePagesThanTheLimitIsTooLarge) {
  Result<DecodedFile> file = Decode(EncodeOrDie(FaxPages(98), FaxCompression::kG4), {.max_pages = 1});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kTooLarge);
}

TEST(DecodeTiff, PagesOverTheTotalPixelLimitAreTooLarge) {
  const std::int64_t one_page = std::int64_t{FaxPages(98)[0].width} * FaxPages(98)[0].height;
  Result<DecodedFile> file =
      Decode(EncodeOrDie(FaxPages(98), FaxCompression::kG4), {.max_total_pixels = one_page + one_page / 2});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kTooLarge);
}

// ---- PDF --------------------------------------------------------------------

TEST(DecodePdf, BlankFormsRenderAt300DpiOnLetterPages) {
  const nlohmann::json forms = nlohmann::json::parse(ReadFile(SourceDir() / "forms" / "forms.json"))["forms"];
  for (const auto& [name, form] : forms.items()) {
    SCOPED_TRACE(name);
    Result<DecodedFile> file = Decode(FormPdf(name), DecodeLimits{});
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->kind, FileKind::kPdf);
    EXPECT_TRUE(file->form_values.empty());
    ASSERT_EQ(file->pages.size(), form["pages"].get<std::size_t>());
    for (const DecodedPage& page : file->pages) {
      EXPECT_EQ(page.image.width, 2550);
      EXPECT_EQ(page.image.height, 3300);
      EXPECT_EQ(page.image.dpi_x, 300);
      EXPECT_EQ(page.image.dpi_y, 300);
      EXPECT_FALSE(page.bilevel);
      const double ink = page.image.InkRatio({0, 0, page.image.width, page.image.height});
      EXPECT_GT(ink, 0.005);  // the printed form is there
      EXPECT_LT(ink, 0.3);    // on white paper
    }
  }
}

TEST(RenderPdfPage, UsesSeparateHorizontalAndVerticalResolutions) {
  Result<GrayImage> page = RenderPdfPage(FormPdf("HIS-AUTH-EN"), 2, 204, 98);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->width, 1734);   // 8.5 in x 204
  EXPECT_EQ(page->height, 1078);  // 11 in x 98
  EXPECT_EQ(page->dpi_x, 204);
  EXPECT_EQ(page->dpi_y, 98);
  EXPECT_FALSE(RenderPdfPage(FormPdf("HIS-AUTH-EN"), 3, 204, 98));
}

// Fills one text field (with non-ASCII text) and ticks one checkbox, the way a
// PDF editor does: /V on the field, /AS on the checkbox, NeedAppearances set.
TEST(DecodePdf, ElectronicallyFilledFieldsComeBackAsFormValues) {
  const Bytes& blank = FormPdf("HIS-AUTH-EN");
  QPDF pdf;
  pdf.processMemoryFile("form", reinterpret_cast<const char*>(blank.data()), blank.size());
  QPDFAcroFormDocumentHelper forms(pdf);
  std::string on_state;
  for (QPDFFormFieldObjectHelper& field : forms.getFormFields()) {
    const std::string name = field.getFullyQualifiedName();
    if (name == "patient.last_name") field.setV("Núñez-O'Brien", true);
    if (name == "purpose.legal") {
      for (const std::string& key : field.getObjectHandle().getKey("/AP").getKey("/N").getKeys()) {
        if (key != "/Off") on_state = key;
      }
      field.setV(QPDFObjectHandle::newName(on_state), true);
    }
  }
  ASSERT_FALSE(on_state.empty());
  forms.setNeedAppearances(true);
  const Bytes filled = SaveQpdf(pdf);

  Result<DecodedFile> file = Decode(filled, DecodeLimits{});
  ASSERT_TRUE(file) << file.error().message;
  ASSERT_EQ(file->form_values.size(), 2u);
  const AcroFormValue& text = file->form_values[0];
  EXPECT_EQ(text.name, "patient.last_name");
  EXPECT_EQ(text.value, "Núñez-O'Brien");
  EXPECT_FALSE(text.is_checkbox);
  EXPECT_EQ(text.page, 1);
  EXPECT_NEAR(text.x, 38, 0.01);
  EXPECT_NEAR(text.y, 642.85, 0.01);
  EXPECT_NEAR(text.w, 192, 0.01);
  EXPECT_NEAR(text.h, 19.2, 0.01);
  const AcroFormValue& box = file->form_values[1];
  EXPECT_EQ(box.name, "purpose.legal");
  EXPECT_EQ(box.value, on_state.substr(1));
  EXPECT_TRUE(box.is_checkbox);
  EXPECT_EQ(box.page, 2);

  Result<std::vector<AcroFormValue>> widgets = ReadAcroForm(filled);
  ASSERT_TRUE(widgets);
  const auto other = std::find_if(widgets->begin(), widgets->end(),
                                  [](const AcroFormValue& w) { return w.name == "purpose.personal"; });
  ASSERT_NE(other, widgets->end());
  EXPECT_EQ(other->value, "Off");
}

TEST(ReadAcroForm, WidgetsOfAuthFormMatchFormsJson) {
  const nlohmann::json form =
      nlohmann::json::parse(ReadFile(SourceDir() / "forms" / "forms.json"))["forms"]["HIS-AUTH-EN"];
  Result<std::vector<AcroFormValue>> widgets = ReadAcroForm(FormPdf("HIS-AUTH-EN"));
  ASSERT_TRUE(widgets) << widgets.error().message;
  std::map<std::string, AcroFormValue> by_name;
  for (const AcroFormValue& widget : *widgets) by_name[widget.name] = widget;
  EXPECT_EQ(by_name.size(), widgets->size()) << "widget names repeat";

  std::set<std::string> expected;
  for (const auto& field : form["fields"]) {
    if (!field.contains("widget") || field["widget"].is_null()) continue;  // the signature box has none
    const std::string name = field["widget"];
    expected.insert(name);
    SCOPED_TRACE(name);
    ASSERT_TRUE(by_name.count(name));
    const AcroFormValue& widget = by_name[name];
    const std::vector<double> rect = field["rect"];
    EXPECT_EQ(widget.page, field["page"].get<int>());
    EXPECT_EQ(widget.is_checkbox, field["kind"] == "checkbox");
    if (field["kind"] != "text") {
      // For checkboxes and initials forms.json gives the printed box; the widget sits inside it.
      EXPECT_GE(widget.x, rect[0] - 0.5);
      EXPECT_GE(widget.y, rect[1] - 0.5);
      EXPECT_LE(widget.x + widget.w, rect[0] + rect[2] + 0.5);
      EXPECT_LE(widget.y + widget.h, rect[1] + rect[3] + 0.5);
    } else {
      EXPECT_NEAR(widget.x, rect[0], 0.5);
      EXPECT_NEAR(widget.y, rect[1], 0.5);
      EXPECT_NEAR(widget.w, rect[2], 0.5);
      EXPECT_NEAR(widget.h, rect[3], 0.5);
    }
    EXPECT_EQ(widget.value, widget.is_checkbox ? "Off" : "");
  }
  std::set<std::string> found;
  for (const auto& [name, widget] : by_name) found.insert(name);
  EXPECT_EQ(found, expected);
}

TEST(DecodePdf, UserPasswordPdfIsEncryptedWithClerkMessage) {
  TempDir dir;
  WriteFile(dir.path() / "in.pdf", FormPdf("HIS-AMEND-EN"));
  ASSERT_EQ(Shell("qpdf --encrypt user owner 256 -- " + (dir.path() / "in.pdf").string() + " " +
                  (dir.path() / "out.pdf").string()),
            0);
  const Bytes locked = ReadFile(dir.path() / "out.pdf");
  Result<DecodedFile> file = Decode(locked, DecodeLimits{});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kEncryptedPdf);
  EXPECT_EQ(file.error().message, "PDF is password-protected: ask the sender for an unprotected copy");
  Result<std::vector<AcroFormValue>> widgets = ReadAcroForm(locked);
  ASSERT_FALSE(widgets);
  EXPECT_EQ(widgets.error().code, ErrorCode::kEncryptedPdf);
  EXPECT_TRUE(IsCompletePdf(locked));  // locked, but whole
}

TEST(DecodePdf, OwnerPasswordOnlyPdfDecodes) {
  TempDir dir;
  WriteFile(dir.path() / "in.pdf", FormPdf("HIS-AUTH-EN"));
  ASSERT_EQ(Shell("qpdf --encrypt '' owner 256 --print=none --modify=none -- " + (dir.path() / "in.pdf").string() +
                  " " + (dir.path() / "out.pdf").string()),
            0);
  Result<DecodedFile> file = Decode(ReadFile(dir.path() / "out.pdf"), DecodeLimits{});
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->pages.size(), 2u);
  Result<std::vector<AcroFormValue>> widgets = ReadAcroForm(ReadFile(dir.path() / "out.pdf"));
  ASSERT_TRUE(widgets) << widgets.error().message;
  EXPECT_EQ(widgets->size(), 65u);
}

TEST(DecodePdf, PdfCutAt60PercentIsTruncatedAndNotComplete) {
  const Bytes& pdf = FormPdf("HIS-AUTH-EN");
  const std::span<const std::uint8_t> cut = std::span(pdf).first(pdf.size() * 6 / 10);
  Result<DecodedFile> file = Decode(cut, DecodeLimits{});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kTruncatedFile);
  EXPECT_EQ(file.error().message, "PDF is incomplete (truncated): ask the sender to send it again");
  EXPECT_FALSE(IsCompletePdf(cut));
  EXPECT_TRUE(IsCompletePdf(pdf));
}

TEST(DecodePdf, PdfWithGiantMediaBoxIsRefusedWithoutAllocating) {
  const Bytes& blank = FormPdf("HIS-VERBAL-EN");
  QPDF pdf;
  pdf.processMemoryFile("form", reinterpret_cast<const char*>(blank.data()), blank.size());
  QPDFObjectHandle page = QPDFPageDocumentHelper(pdf).getAllPages().at(0).getObjectHandle();
  page.replaceKey("/MediaBox", QPDFObjectHandle::parse("[0 0 200000 200000]"));
  page.removeKey("/CropBox");
  const CappedRun run = DecodeUnderMemoryCap(SaveQpdf(pdf));
  EXPECT_TRUE(run.too_large);
  EXPECT_LT(run.seconds, 30.0) << "refused, not stalled on";
}

TEST(DecodePdf, MorePagesThanTheLimitIsTooLarge) {
  Result<DecodedFile> file = Decode(FormPdf("HIS-AUTH-EN"), {.max_pages = 1});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kTooLarge);
}

// ---- JPEG and PNG -----------------------------------------------------------

TEST(DecodePhoto, JpegIsGrayWithJfifResolutionOr300) {
  const cv::Mat photo = SamplePhoto(400, 300);
  Bytes jpeg = Encode(".jpg", photo);
  Result<DecodedFile> plain = Decode(jpeg, DecodeLimits{});
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->kind, FileKind::kJpeg);
  const GrayImage& image = plain->pages.at(0).image;
  EXPECT_EQ(image.width, 400);
  EXPECT_EQ(image.height, 300);
  EXPECT_EQ(image.dpi_x, 300);  // OpenCV writes a 1:1 aspect ratio, no density
  EXPECT_NEAR(image.At(60, 40), 0, 8);
  EXPECT_NEAR(image.At(390, 290), 255, 8);

  // JFIF APP0 right after SOI: units at +13, densities at +14 and +16.
  ASSERT_EQ(std::string(jpeg.begin() + 6, jpeg.begin() + 10), "JFIF");
  jpeg[13] = 1;
  jpeg[14] = 0, jpeg[15] = 150, jpeg[16] = 0, jpeg[17] = 150;
  Result<DecodedFile> dense = Decode(jpeg, DecodeLimits{});
  ASSERT_TRUE(dense);
  EXPECT_EQ(dense->pages.at(0).image.dpi_x, 150);
  EXPECT_EQ(dense->pages.at(0).image.dpi_y, 150);
}

TEST(DecodePhoto, JpegExifOrientationIsApplied) {
  cv::Mat photo(20, 40, CV_8UC1, cv::Scalar(255));
  photo(cv::Rect(0, 0, 10, 20)).setTo(0);  // black band on the left
  Bytes jpeg = Encode(".jpg", photo);
  // APP1 Exif with one IFD entry: Orientation (0x0112) = 6, "rotate 90 clockwise to view".
  const Bytes exif = {0xFF, 0xE1, 0,    34,   'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0,
                      1,    0,    0x12, 0x01, 3,   0,   1,   0,   0, 0, 6,   0,   0,  0, 0, 0, 0, 0};
  jpeg.insert(jpeg.begin() + 2, exif.begin(), exif.end());
  Result<DecodedFile> file = Decode(jpeg, DecodeLimits{});
  ASSERT_TRUE(file) << file.error().message;
  const GrayImage& image = file->pages.at(0).image;
  ASSERT_EQ(image.width, 20);
  ASSERT_EQ(image.height, 40);
  EXPECT_LT(image.At(10, 3), 40);  // the band is now at the top
  EXPECT_GT(image.At(10, 36), 215);
}

TEST(DecodePhoto, PngIsGrayWithPhysResolutionAndWhiteTransparency) {
  cv::Mat bgra(50, 60, CV_8UC4, cv::Scalar(0, 0, 0, 0));         // transparent black
  bgra(cv::Rect(0, 0, 30, 50)).setTo(cv::Scalar(0, 0, 0, 255));  // opaque black on the left
  Bytes png = Encode(".png", bgra);
  // pHYs after IHDR: 11811 pixels per metre = 300 dpi.
  Bytes phys = {0, 0, 0, 9, 'p', 'H', 'Y', 's', 0, 0, 0x2E, 0x23, 0, 0, 0x2E, 0x23, 1, 0, 0, 0, 0};
  PutBigEndian32(phys, 17, Crc32(&phys[4], 13));
  png.insert(png.begin() + 33, phys.begin(), phys.end());
  Result<DecodedFile> file = Decode(png, DecodeLimits{});
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->kind, FileKind::kPng);
  const GrayImage& image = file->pages.at(0).image;
  EXPECT_EQ(image.width, 60);
  EXPECT_EQ(image.dpi_x, 300);
  EXPECT_EQ(image.dpi_y, 300);
  EXPECT_EQ(image.At(10, 10), 0);
  EXPECT_EQ(image.At(50, 10), 255);
}

TEST(DecodePhoto, JpegAndPngCutInHalfAreTruncated) {
  const cv::Mat photo = SamplePhoto(300, 200);
  for (const char* extension : {".jpg", ".png"}) {
    SCOPED_TRACE(extension);
    const Bytes bytes = Encode(extension, photo);
    Result<DecodedFile> file = Decode(std::span(bytes).first(bytes.size() / 2), DecodeLimits{});
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, ErrorCode::kTruncatedFile);
  }
}

TEST(DecodePhoto, PngWithHugeHeaderIsRefusedWithoutAllocating) {
  Bytes png = Encode(".png", SamplePhoto(64, 64));
  PutBigEndian32(png, 16, 100000);  // IHDR width
  PutBigEndian32(png, 20, 100000);  // IHDR height
  PutBigEndian32(png, 29, Crc32(&png[12], 17));
  const CappedRun run = DecodeUnderMemoryCap(png);
  EXPECT_TRUE(run.too_large);
  EXPECT_LT(run.seconds, 30.0) << "refused, not stalled on";
}

// ---- The shared samples (real fax server and scanner output) ----------------

TEST(DecodeSamples, FaxAndScanSamplesDecodeWithTheirPageCountsAndResolutions) {
  const std::filesystem::path samples = SharedDir() / "samples";
  if (!std::filesystem::exists(samples / "files.jsonl")) GTEST_SKIP() << "no samples beside the repository";
  const Bytes listing = ReadFile(samples / "files.jsonl");
  std::istringstream lines(std::string(listing.begin(), listing.end()));
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    if (entry["kind"] != "fax" && entry["kind"] != "scan") continue;
    SCOPED_TRACE(entry["file"].get<std::string>());
    Result<DecodedFile> file = Decode(ReadFile(samples / entry["file"].get<std::string>()), DecodeLimits{});
    ASSERT_TRUE(file) << file.error().message;
    ASSERT_EQ(file->pages.size(), entry["pages"].size());
    for (const DecodedPage& page : file->pages) {
      if (entry["kind"] == "fax") {
        EXPECT_TRUE(page.bilevel);
        EXPECT_EQ(page.image.width, 1728);
        EXPECT_EQ(page.image.dpi_x, 204);
        EXPECT_EQ(page.image.dpi_y, entry["resolution"] == "fine" ? 196 : 98);
        EXPECT_TRUE(file->received_time);
      } else {
        EXPECT_EQ(page.image.width, 2550);
        EXPECT_EQ(page.image.height, 3300);
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace intake
