// tests/support/test_support.h: small helpers every test may use.
//
//   TempDir dir;                          // removed at the end of the test
//   WriteFile(dir.path() / "a.bin", bytes);
//   auto pdf = ReadFile(SourceDir() / "forms/HIS-AUTH-EN.pdf");
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace intake::testing {

/// The repository's top folder (forms/, config/ ...).
std::filesystem::path SourceDir();
/// ../shared beside the repository (samples); tests that need it skip when absent.
std::filesystem::path SharedDir();
/// The built `intake` executable.
std::filesystem::path IntakeBinary();

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::vector<std::uint8_t> ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
void WriteFile(const std::filesystem::path& path, const std::string& text);

}  // namespace intake::testing
