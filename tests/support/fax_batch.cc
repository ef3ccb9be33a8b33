#include "tests/support/fax_batch.h"

#include <map>
#include <random>
#include <stdexcept>

#include "tests/support/test_support.h"

namespace intake::testing {

GrayImage RenderFormPage(const std::string& form_code, int page, bool fine) {
  // Rendering costs ~100 ms; batches reuse the same few pages.
  static std::map<std::tuple<std::string, int, bool>, GrayImage> cache;
  const auto key = std::make_tuple(form_code, page, fine);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  const auto pdf = ReadFile(SourceDir() / "forms" / (form_code + ".pdf"));
  Result<GrayImage> image = RenderPdfPage(pdf, page, 204, fine ? 196 : 98);
  if (!image) throw std::runtime_error("cannot render " + form_code + ": " + image.error().message);
  cache.emplace(key, *image);
  return *image;
}

GrayImage UpsideDown(GrayImage page) {
  std::reverse(page.pixels.begin(), page.pixels.end());
  return page;
}

std::vector<FaxFile> WriteFaxBatch(const std::filesystem::path& folder, int count, std::uint32_t seed) {
  static const std::vector<std::pair<std::string, int>> kPages = {
      {"HIS-AUTH-EN", 1}, {"HIS-AUTH-EN", 2}, {"HIS-AUTH-ES", 1}, {"HIS-AMEND-EN", 1},
      {"HIS-VERBAL-ES", 1}, {"HIS-VERBAL-EN", 1}, {"HIS-AMEND-ES", 1}, {"HIS-AUTH-ES", 2}};
  static const FaxCompression kCompressions[] = {FaxCompression::kG3_1D, FaxCompression::kG3_2D, FaxCompression::kG4};
  std::mt19937 random(seed);
  std::vector<FaxFile> files;
  for (int i = 0; i < count; ++i) {
    FaxFile fax;
    fax.fine = random() % 2 == 0;
    fax.compression = kCompressions[random() % 3];
    fax.pages = 1 + static_cast<int>(random() % 3);
    fax.station_id = "SENDER " + std::to_string(1000 + i);
    std::vector<GrayImage> pages;
    for (int p = 0; p < fax.pages; ++p) {
      const auto& [code, number] = kPages[random() % kPages.size()];
      GrayImage page = RenderFormPage(code, number, fax.fine);
      pages.push_back(random() % 5 == 0 ? UpsideDown(std::move(page)) : std::move(page));
    }
    FaxTiffOptions options;
    options.compression = fax.compression;
    options.station_id = fax.station_id;
    options.date_time = "2026:11:2" + std::to_string(i % 7) + " 09:" + std::to_string(10 + i % 50) + ":00";
    Result<std::vector<std::uint8_t>> tiff = EncodeTiff(pages, options);
    if (!tiff) throw std::runtime_error("cannot write a fax: " + tiff.error().message);
    char name[32];
    std::snprintf(name, sizeof name, "fax%06d.tif", 100 + i);
    fax.path = folder / name;
    WriteFile(fax.path, *tiff);
    files.push_back(fax);
  }
  return files;
}

}  // namespace intake::testing
