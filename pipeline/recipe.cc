#include "pipeline/recipe.h"

#include <ctime>

#include "core/log.h"
#include "email/message.h"

namespace intake {
namespace {

// One decoded source of pages: the file itself, or one e-mail attachment.
struct PageSource {
  std::optional<std::string> attachment;
  DecodedFile file;
};

Result<std::vector<PreparedPage>> PreparePages(const DecodedFile& file, const PipelineOptions& options,
                                               OcrEngine& ocr, ProcessStats* stats) {
  const OrientationDetector detect = [&ocr](const GrayImage& page) { return ocr.DetectOrientation(page); };
  std::vector<PreparedPage> pages;
  pages.reserve(file.pages.size());
  for (const DecodedPage& page : file.pages) {
    Result<PreparedPage> prepared = PreparePage(page.image, options.prepare, detect);
    if (!prepared) return tl::unexpected(prepared.error());
    if (stats) {
      ++stats->pages;
      stats->pages_rotated += prepared->rotated_clockwise != 0;
      stats->pages_blank += prepared->blank;
    }
    pages.push_back(std::move(*prepared));
  }
  return pages;
}

std::vector<int> PageNumbers(const DecodedFile& file) {
  std::vector<int> numbers;
  for (const DecodedPage& page : file.pages) numbers.push_back(page.number);
  return numbers;
}

Request NewRequest(const FileInput& input, int index) {
  Request request;
  request.document_id = DocumentId(input.sha256, index);
  request.source.channel = input.channel;
  request.source.fax_line = input.fax_line;
  request.source.file = input.file_name;
  request.source.sha256 = input.sha256;
  request.source.received_at = input.received_at;
  request.source.sender = input.sender;
  request.source.subject = input.subject;
  request.form = "OTHER";
  request.status = "needs_review";
  request.queues = {"review"};
  return request;
}

// An attachment nobody can read must still reach a person, tied to its message.
Finding UnreadableAttachment(const std::string& name, const Error& error) {
  return {"INT-03", "pend", std::nullopt, "Attachment \"" + name + "\" could not be read: " + error.message};
}

Result<std::vector<Request>> FromEmail(const FileInput& input, const PipelineOptions& options, OcrEngine& ocr,
                                       ProcessStats* stats) {
  Result<MailMessage> message = ParseMessage(input.bytes);
  if (!message) return tl::unexpected(message.error());
  FileInput in = input;
  in.channel = Channel::kEmail;  // a message is e-mail whichever way it was handed in
  in.fax_line.reset();
  if (message->from) in.sender = message->from;
  if (message->subject) in.subject = message->subject;
  if (message->date) in.received_at = *message->date;

  std::vector<Request> requests;
  std::vector<Finding> unreadable;
  for (const MailAttachment& attachment : message->attachments) {
    Result<DecodedFile> file = Decode(attachment.bytes, options.limits);
    if (!file) {
      unreadable.push_back(UnreadableAttachment(attachment.filename, file.error()));
      continue;
    }
    if (Result<std::vector<PreparedPage>> pages = PreparePages(*file, options, ocr, stats); !pages) {
      return tl::unexpected(pages.error());
    }
    Request request = NewRequest(in, static_cast<int>(requests.size()));
    request.source.parts.push_back({attachment.filename, PageNumbers(*file)});
    requests.push_back(std::move(request));
  }
  if (requests.empty()) {
    // No page to read: the message itself is the document, so nobody's letter is lost.
    requests.push_back(NewRequest(in, 0));
  }
  for (Finding& finding : unreadable) requests.front().findings.push_back(std::move(finding));
  return requests;
}

}  // namespace

std::string DocumentId(const std::string& sha256, int index) {
  return sha256.substr(0, 16) + "-" + std::to_string(index + 1);
}

std::string LocalIsoTime(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm local{};
  localtime_r(&t, &local);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S%z", &local);
  std::string iso(text);
  iso.insert(iso.size() - 2, ":");  // +hhmm -> +hh:mm
  return iso;
}

std::string FileTimeToIso(std::filesystem::file_time_type mtime) {
  const auto system = std::chrono::file_clock::to_sys(mtime);
  return LocalIsoTime(std::chrono::time_point_cast<std::chrono::system_clock::duration>(system));
}

std::optional<std::string> TiffTimeToIso(const std::string& tiff_date_time) {
  std::tm local{};
  if (!strptime(tiff_date_time.c_str(), "%Y:%m:%d %H:%M:%S", &local)) return std::nullopt;
  local.tm_isdst = -1;
  const std::time_t t = std::mktime(&local);
  if (t == -1) return std::nullopt;
  return LocalIsoTime(std::chrono::system_clock::from_time_t(t));
}

Result<std::vector<Request>> ProcessFile(const FileInput& input, const PipelineOptions& options, OcrEngine& ocr,
                                         ProcessStats* stats) {
  const FileKind kind = SniffKind(input.bytes);
  const bool page_file = kind == FileKind::kTiff || kind == FileKind::kPdf || kind == FileKind::kJpeg ||
                         kind == FileKind::kPng;
  if (kind == FileKind::kEmail || (input.channel == Channel::kEmail && !page_file)) {
    return FromEmail(input, options, ocr, stats);
  }
  Result<DecodedFile> file = Decode(input.bytes, options.limits);
  if (!file) return tl::unexpected(file.error());
  Result<std::vector<PreparedPage>> pages = PreparePages(*file, options, ocr, stats);
  if (!pages) return tl::unexpected(pages.error());

  FileInput in = input;
  if (file->station_id && !file->station_id->empty()) in.sender = file->station_id;
  if (file->received_time) {
    if (auto iso = TiffTimeToIso(*file->received_time)) in.received_at = *iso;
  }
  Request request = NewRequest(in, 0);
  request.source.parts.push_back({std::nullopt, PageNumbers(*file)});
  return std::vector<Request>{std::move(request)};
}

}  // namespace intake
