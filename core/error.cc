#include "core/error.h"

namespace intake {

Disposition DispositionOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIoError:
    case ErrorCode::kStoreError:
      return Disposition::kRetry;
    case ErrorCode::kOcrError:
      return Disposition::kReview;
    case ErrorCode::kUnsupportedFormat:
    case ErrorCode::kCorruptFile:
    case ErrorCode::kTruncatedFile:
    case ErrorCode::kEncryptedPdf:
    case ErrorCode::kTooLarge:
    case ErrorCode::kEmptyFile:
    case ErrorCode::kInternal:
      return Disposition::kQuarantine;
  }
  return Disposition::kQuarantine;
}

std::string_view ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnsupportedFormat: return "unsupported_format";
    case ErrorCode::kCorruptFile: return "corrupt_file";
    case ErrorCode::kTruncatedFile: return "truncated_file";
    case ErrorCode::kEncryptedPdf: return "encrypted_pdf";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kEmptyFile: return "empty_file";
    case ErrorCode::kIoError: return "io_error";
    case ErrorCode::kStoreError: return "store_error";
    case ErrorCode::kOcrError: return "ocr_error";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string_view ToString(Disposition disposition) {
  switch (disposition) {
    case Disposition::kRetry: return "retry";
    case Disposition::kQuarantine: return "quarantine";
    case Disposition::kReview: return "review";
  }
  return "quarantine";
}

}  // namespace intake
