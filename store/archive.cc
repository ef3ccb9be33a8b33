#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "core/log.h"
#include "store/store.h"

namespace intake {
namespace {

constexpr char kTempFolder[] = "tmp";

tl::unexpected<Error> ArchiveFail(std::string_view what, int error) {
  return Fail(ErrorCode::kIoError,
              fmt::format("archive: {} ({}): check the data disk", what, std::strerror(error)));
}

bool IsSha256(std::string_view text) {
  return text.size() == 64 &&
         text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closing can report a write-back failure: callers that wrote check it.
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

// mkdir 0700; an existing folder is fine.
bool MakeFolder(const std::filesystem::path& path) { return ::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST; }

// Makes a rename or a new entry in `folder` survive a power cut.
bool SyncFolder(const std::filesystem::path& folder) {
  Fd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.get() >= 0 && ::fsync(fd.get()) == 0;
}

bool WriteAll(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
  return true;
}

// Writes the bytes to `temp` (new, owner-only), durably, then read-only.
Result<void> WriteTemp(const std::filesystem::path& temp, std::span<const std::uint8_t> bytes) {
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) return ArchiveFail("cannot create a file in the archive folder", errno);
  if (!WriteAll(fd.get(), bytes)) return ArchiveFail("cannot write the archived copy", errno);
  if (::fsync(fd.get()) != 0) return ArchiveFail("cannot flush the archived copy to disk", errno);
  if (::fchmod(fd.get(), 0400) != 0) return ArchiveFail("cannot make the archived copy read-only", errno);
  if (fd.Close() != 0) return ArchiveFail("cannot write the archived copy", errno);
  return {};
}

}  // namespace

std::string Sha256Hex(std::span<const std::uint8_t> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL cannot compute sha256");  // a broken libcrypto: start-up class failure
  }
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) fmt::format_to(std::back_inserter(hex), "{:02x}", digest[i]);
  return hex;
}

Archive::Archive(std::filesystem::path root) : root_(std::move(root)) {
  std::error_code ec;
  std::filesystem::create_directories(root_.parent_path().empty() ? "." : root_.parent_path(), ec);
  MakeFolder(root_);
  ::chmod(root_.c_str(), 0700);
  MakeFolder(root_ / kTempFolder);
  // A crash between creating a temporary copy and renaming it leaves it
  // here; nothing refers to it (the copy is written before it is recorded).
  std::filesystem::directory_iterator leftover(root_ / kTempFolder, ec);
  for (; !ec && leftover != std::filesystem::directory_iterator(); leftover.increment(ec)) {
    std::error_code ignored;  // a copy left behind costs only space
    std::filesystem::remove(leftover->path(), ignored);
  }
}

std::filesystem::path Archive::PathOf(const std::string& sha256) const {
  return root_ / sha256.substr(0, 2) / sha256;
}

Result<std::string> Archive::Put(std::span<const std::uint8_t> bytes) {
  std::string sha256 = Sha256Hex(bytes);
  const std::filesystem::path final_path = PathOf(sha256);
  struct stat existing {};
  if (::stat(final_path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode) &&
      static_cast<std::uint64_t>(existing.st_size) == bytes.size()) {
    return sha256;
  }

  const std::filesystem::path folder = final_path.parent_path();
  if (::mkdir(folder.c_str(), 0700) == 0) {
    if (!SyncFolder(root_)) return ArchiveFail("cannot flush the archive folder to disk", errno);
  } else if (errno != EEXIST) {
    return ArchiveFail("cannot create a folder in the archive", errno);
  }
  if (!MakeFolder(root_ / kTempFolder)) return ArchiveFail("cannot create the archive's temporary folder", errno);

  static std::atomic<std::uint64_t> counter{0};
  const std::filesystem::path temp =
      root_ / kTempFolder / fmt::format("{}.{}.{}", ShortHash(sha256), ::getpid(), counter++);
  Result<void> written = WriteTemp(temp, bytes);
  if (written && ::rename(temp.c_str(), final_path.c_str()) != 0) {
    written = ArchiveFail("cannot move the archived copy into place", errno);
  }
  if (!written) {
    ::unlink(temp.c_str());
    return tl::unexpected(written.error());
  }
  if (!SyncFolder(folder)) return ArchiveFail("cannot flush the archive folder to disk", errno);
  return sha256;
}

Result<std::vector<std::uint8_t>> Archive::Get(const std::string& sha256) const {
  if (!IsSha256(sha256)) return Fail(ErrorCode::kInternal, "archive: asked for a name that is not a sha256 hash");
  Fd fd(::open(PathOf(sha256).c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return Fail(ErrorCode::kIoError,
                  fmt::format("archived copy is missing ({}): restore the archive from backup", ShortHash(sha256)));
    }
    return ArchiveFail(fmt::format("cannot open the archived copy {}", ShortHash(sha256)), errno);
  }
  std::vector<std::uint8_t> bytes;
  struct stat info {};
  if (::fstat(fd.get(), &info) == 0) bytes.reserve(static_cast<std::size_t>(info.st_size));
  std::uint8_t buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      return ArchiveFail(fmt::format("cannot read the archived copy {}", ShortHash(sha256)), errno);
    }
    if (got == 0) break;
    bytes.insert(bytes.end(), buffer, buffer + got);
  }
  if (Sha256Hex(bytes) != sha256) {
    return Fail(ErrorCode::kIoError,
                fmt::format("archived copy is damaged ({}): restore it from backup", ShortHash(sha256)));
  }
  return bytes;
}

}  // namespace intake
