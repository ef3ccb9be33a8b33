// core/error.h: the one error vocabulary of intake.
//
// Every stage that can fail on bad input or a bad environment returns
// `Result<T>` (a tl::expected<T, Error>). The code of an Error decides what
// happens to the file, through one table (`DispositionOf`):
//
//   kRetry       the environment failed (disk, store busy): try again later;
//   kQuarantine  the file itself cannot be read: park it with the message;
//   kReview      the file was read, but a person has to look at it.
//
// Messages are written for an HIS clerk ("PDF is password-protected: ask the
// sender for an unprotected copy") and never carry patient data: ids, hashes,
// page numbers and sizes only.
//
//   Result<DecodedFile> file = Decode(bytes, limits);
//   if (!file) return tl::unexpected(file.error());
//
// Exceptions are kept for programming errors and start-up failures.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace intake {

enum class ErrorCode {
  kUnsupportedFormat,  // not a PDF, TIFF, JPEG, PNG or e-mail message
  kCorruptFile,        // the bytes do not decode
  kTruncatedFile,      // the file ends early
  kEncryptedPdf,       // PDF needs a password
  kTooLarge,           // over a configured limit (bytes, pages, pixels)
  kEmptyFile,          // zero bytes or no pages
  kIoError,            // reading or writing our own files failed
  kStoreError,         // the ledger could not be written
  kOcrError,           // the OCR engine failed on a page
  kInternal,           // a bug caught at a boundary
};

enum class Disposition { kRetry, kQuarantine, kReview };

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

/// Shorthand for returning a failure: `return Fail(ErrorCode::kTooLarge, "...")`.
inline tl::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

Disposition DispositionOf(ErrorCode code);
std::string_view ToString(ErrorCode code);
std::string_view ToString(Disposition disposition);

}  // namespace intake
