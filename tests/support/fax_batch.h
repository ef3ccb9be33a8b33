// tests/support/fax_batch.h: fax files made from the shipped forms.
//
// Renders the blank forms in forms/ at fax resolution and writes them as
// class-F style TIFFs, so that tests feed the service what a fax server
// writes. Deterministic for a seed.
//
//   std::vector<FaxFile> faxes = WriteFaxBatch(dir, 12, /*seed=*/7);
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "decode/decode.h"

namespace intake::testing {

struct FaxFile {
  std::filesystem::path path;
  int pages = 0;
  bool fine = true;  // 204x196; else 204x98
  FaxCompression compression = FaxCompression::kG4;
  std::string station_id;
};

/// One page of a shipped form (e.g. "HIS-AUTH-EN", page 1) at fax resolution.
GrayImage RenderFormPage(const std::string& form_code, int page, bool fine);

/// The page turned upside down, as when the sender fed it the wrong way.
GrayImage UpsideDown(GrayImage page);

/// Writes `count` fax TIFFs into `folder` (1-3 pages each, both resolutions,
/// G3 1-D, G3 2-D and G4, some pages upside down).
std::vector<FaxFile> WriteFaxBatch(const std::filesystem::path& folder, int count, std::uint32_t seed);

}  // namespace intake::testing
