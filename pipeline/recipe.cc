#include "pipeline/recipe.h"

#include <ctime>

#include "classifiers/identify.h"
#include "classifiers/subject.h"
#include "core/log.h"
#include "email/message.h"
#include "extract/fields.h"
#include "route/route.h"

namespace intake {
namespace {

using Clock = std::chrono::steady_clock;

// Adds the time since `start` to `*total` (when stats are kept) and restarts the clock.
void Lap(Clock::time_point& start, double* total) {
  const Clock::time_point now = Clock::now();
  if (total) *total += std::chrono::duration<double>(now - start).count();
  start = now;
}

template <typename Member>
double* Field(ProcessStats* stats, Member member) {
  return stats ? &(stats->*member) : nullptr;
}

// One page of the file (or of one of its attachments), as far as it got.
struct FilePage {
  std::optional<std::string> attachment;  // e-mail attachment it came from
  int number = 0;                         // 1-based page of the file or attachment
  const DecodedFile* source = nullptr;    // for AcroForm values of an e-filled PDF
  PreparedPage prepared;
  PageIdentity identity;
  std::optional<std::string> language;  // of a page that is no form, from the words read on it
};

// A decoded file or attachment; kept alive while its pages are read.
struct DecodedSource {
  std::optional<std::string> attachment;
  DecodedFile file;
};

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

// Pages listed the SPEC way: one part per attachment, in the order met.
std::vector<PagesRef> PartsOf(const std::vector<FilePage>& pages, const std::vector<int>& indexes) {
  std::vector<PagesRef> parts;
  for (int index : indexes) {
    const FilePage& page = pages[index - 1];
    if (parts.empty() || parts.back().attachment != page.attachment) parts.push_back({page.attachment, {}});
    parts.back().pages.push_back(page.number);
  }
  return parts;
}

// Decode, prepare and identify every page of every source, in order.
Result<std::vector<FilePage>> ReadPages(const std::vector<DecodedSource>& sources, const PipelineOptions& options,
                                        const FormsKnowledge& knowledge, OcrEngine& ocr, ProcessStats* stats) {
  const OrientationDetector detect = [&ocr](const GrayImage& page) { return ocr.DetectOrientation(page); };
  std::vector<FilePage> pages;
  for (const DecodedSource& source : sources) {
    const bool photo = source.file.kind == FileKind::kJpeg || source.file.kind == FileKind::kPng;
    for (const DecodedPage& decoded : source.file.pages) {
      Clock::time_point clock = Clock::now();
      std::optional<GrayImage> sheet = photo ? StraightenPhotographedSheet(decoded.image) : std::nullopt;
      const GrayImage& image = sheet ? *sheet : decoded.image;
      // Orientation detection costs more than everything else a page needs
      // before its fields are read, and a form page does not need it: its
      // corner marks show which way up it is (RegisterPage turns it). So a
      // page is first identified as it came, and only a page that is no
      // form, or a form lying on its side, is turned upright and looked at again.
      PrepareOptions as_it_came = options.prepare;
      as_it_came.detect_orientation = false;
      Result<PreparedPage> prepared = PreparePage(image, as_it_came, detect);
      if (!prepared) return tl::unexpected(prepared.error());
      Lap(clock, Field(stats, &ProcessStats::prepare_seconds));
      FilePage page;
      page.attachment = source.attachment;
      page.number = decoded.number;
      page.source = &source.file;
      page.identity = IdentifyPage(prepared->image, knowledge.templates, ocr);
      Lap(clock, Field(stats, &ProcessStats::identify_seconds));
      if (!page.identity.form && !page.identity.separator && !prepared->blank) {
        // Words of a language read on the page show it is upright: its
        // language is needed anyway, and costs less than orientation
        // detection, which runs only when no words are found.
        page.language = LanguageOfPage(prepared->image, ocr);
        Lap(clock, Field(stats, &ProcessStats::identify_seconds));
        if (!page.language && options.prepare.detect_orientation) {
          Result<PreparedPage> upright = PreparePage(image, options.prepare, detect);
          if (!upright) return tl::unexpected(upright.error());
          const bool turned = upright->rotated_clockwise != 0;
          if (turned) prepared = std::move(upright);
          Lap(clock, Field(stats, &ProcessStats::prepare_seconds));
          if (turned) page.identity = IdentifyPage(prepared->image, knowledge.templates, ocr);
          if (turned && !page.identity.form) page.language = LanguageOfPage(prepared->image, ocr);
          Lap(clock, Field(stats, &ProcessStats::identify_seconds));
        }
      }
      page.prepared = std::move(*prepared);
      if (stats) {
        ++stats->pages;
        stats->pages_rotated += page.prepared.rotated_clockwise != 0;
        stats->pages_blank += page.prepared.blank;
      }
      pages.push_back(std::move(page));
    }
  }
  return pages;
}

// The fields of one form document: AcroForm values when the sender filled
// the PDF electronically (no OCR), otherwise read from the registered pages.
std::map<std::string, FieldReading> ReadDocumentFields(const FormTemplate& form, const LogicalDocument& doc,
                                                       const std::vector<FilePage>& pages, OcrEngine& ocr,
                                                       double* worst_registration) {
  std::vector<std::optional<RegisteredPage>> registered;
  std::vector<std::optional<int>> file_pages;
  const DecodedFile* efilled = nullptr;
  for (const std::optional<int>& index : doc.form_pages) {
    if (!index) {
      registered.emplace_back();
      file_pages.emplace_back();
      continue;
    }
    const FilePage& page = pages[*index - 1];
    Result<RegisteredPage> reg = RegisterPage(page.prepared.image, form, page.identity.page);
    if (reg) *worst_registration = std::max(*worst_registration, reg->residual_px);
    registered.push_back(reg ? std::optional<RegisteredPage>(std::move(*reg)) : std::nullopt);
    file_pages.push_back(page.number);
    if (!page.source->form_values.empty()) efilled = page.source;
  }
  if (!efilled) return ReadFields(form, registered, file_pages, ocr);

  std::map<std::string, FieldReading> fields = FieldsFromAcroForm(form, efilled->form_values);
  // The values say nothing of a signature: look for ink in the printed box.
  for (const TemplateField& field : form.fields) {
    if (field.kind != FieldKind::kSignature) continue;
    const std::size_t slot = static_cast<std::size_t>(field.page - 1);
    if (slot >= registered.size() || !registered[slot]) continue;
    const TemplatePage& blank = form.pages[slot];
    const Box box = ToPixels(field.rect, blank, kTemplateDpi);
    MarkReading mark = ReadSignature(registered[slot]->image, blank.blank, box);
    fields["signature.present"] = {
        .value = mark.present,
        .confidence = mark.confidence,
        .page = file_pages[slot],
        .box = std::array<double, 4>{double(box.x), double(box.y), double(box.w), double(box.h)}};
  }
  return fields;
}

std::vector<Request> BuildRequests(const FileInput& input, const std::vector<FilePage>& pages,
                                   const PipelineOptions& options, const FormsKnowledge& knowledge, OcrEngine& ocr,
                                   ProcessStats* stats) {
  Clock::time_point clock = Clock::now();
  std::vector<PageIdentity> ids;
  for (const FilePage& page : pages) ids.push_back(page.identity);
  std::vector<Request> requests;
  const OtherPages other = input.channel == Channel::kScan ? OtherPages::kStandAlone : OtherPages::kSupporting;
  for (const LogicalDocument& doc : AssembleDocuments(ids, other)) {
    Request request = NewRequest(input, static_cast<int>(requests.size()));
    request.supporting_pages = PartsOf(pages, doc.supporting_pages);
    double confidence = 0;
    if (doc.form) {
      std::vector<int> present;
      confidence = 1;
      for (const std::optional<int>& index : doc.form_pages) {
        if (!index) continue;
        present.push_back(*index);
        confidence = std::min(confidence, pages[*index - 1].identity.confidence);
      }
      // An e-mail's subject naming a form is a hint: it firms or doubts what the pages show.
      if (input.subject) confidence = WithSubjectHint(confidence, doc.form->form, FormNamedInSubject(*input.subject));
      request.source.parts = PartsOf(pages, present);
      request.form = doc.form->form;
      request.form_code = doc.form->code;
      request.language = doc.form->language;
      double worst_registration = 0;
      request.fields = ReadDocumentFields(*doc.form, doc, pages, ocr, &worst_registration);

      RuleContext context;
      if (auto receipt = ParseReceipt(request.source.received_at)) context.received = receipt->date;
      context.language = doc.form->language;
      context.pages_expected = static_cast<int>(doc.form->pages.size());
      context.pages_seen = static_cast<int>(present.size());
      context.classification_confidence = confidence;
      request.findings = knowledge.rules.Evaluate(request, context);
    } else {
      request.source.parts = PartsOf(pages, doc.other_pages);
      // Its language tells which letter a reviewer sends back: the first of
      // its pages where one was read.
      for (int number : doc.other_pages) {
        if (!request.language) request.language = pages[number - 1].language;
      }
    }
    CompleteOptions complete;
    complete.min_confidence = options.min_field_confidence;
    complete.form_identified = doc.form != nullptr;
    if (auto done = CompleteRequest(request, knowledge.calendar, complete); !done) {
      request.findings.push_back(
          {"INT-04", "pend", std::nullopt, "The receipt time could not be read: " + done.error().message});
      request.status = "needs_review";
    }
    requests.push_back(std::move(request));
  }
  Lap(clock, Field(stats, &ProcessStats::read_seconds));
  return requests;
}

Result<std::vector<Request>> FromEmail(const FileInput& input, const PipelineOptions& options,
                                       const FormsKnowledge& knowledge, OcrEngine& ocr, ProcessStats* stats) {
  Clock::time_point clock = Clock::now();
  Result<MailMessage> message = ParseMessage(input.bytes);
  if (!message) return tl::unexpected(message.error());
  FileInput in = input;
  in.channel = Channel::kEmail;  // a message is e-mail whichever way it was handed in
  in.fax_line.reset();
  if (message->from) in.sender = message->from;
  if (message->subject) in.subject = message->subject;
  if (message->date) in.received_at = *message->date;

  std::vector<DecodedSource> sources;
  std::vector<Finding> unreadable;
  for (const MailAttachment& attachment : message->attachments) {
    Result<DecodedFile> file = Decode(attachment.bytes, options.limits);
    if (!file) {
      unreadable.push_back(UnreadableAttachment(attachment.filename, file.error()));
      continue;
    }
    sources.push_back({attachment.filename, std::move(*file)});
  }
  Lap(clock, Field(stats, &ProcessStats::decode_seconds));
  Result<std::vector<FilePage>> pages = ReadPages(sources, options, knowledge, ocr, stats);
  if (!pages) return tl::unexpected(pages.error());
  std::vector<Request> requests = BuildRequests(in, *pages, options, knowledge, ocr, stats);
  if (requests.empty()) {
    // No page to read: the message itself is the document, so nobody's letter is lost.
    requests.push_back(NewRequest(in, 0));
    requests.front().language = LanguageOfText(message->body_text);
  }
  for (Finding& finding : unreadable) {
    requests.front().findings.push_back(std::move(finding));
    requests.front().status = "needs_review";
  }
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

Result<FormsKnowledge> LoadFormsKnowledge(const std::vector<std::filesystem::path>& template_folders) {
  Result<TemplateSet> templates = LoadTemplates(template_folders);
  if (!templates) return tl::unexpected(templates.error());
  auto rules = LoadRules(std::nullopt);
  if (!rules) return Fail(ErrorCode::kInternal, "the shipped rules do not load: " + Describe(rules.error().front()));
  auto calendar = LoadCalendar(std::nullopt);
  if (!calendar)
    return Fail(ErrorCode::kInternal, "the shipped calendar does not load: " + Describe(calendar.error().front()));
  return FormsKnowledge{std::move(*templates), std::move(*rules), std::move(*calendar)};
}

Result<std::vector<IdentifiedPage>> IdentifyFilePages(std::span<const std::uint8_t> bytes, bool email,
                                                      const PipelineOptions& options, const FormsKnowledge& knowledge,
                                                      OcrEngine& ocr) {
  std::vector<DecodedSource> sources;
  if (email) {
    Result<MailMessage> message = ParseMessage(bytes);
    if (!message) return tl::unexpected(message.error());
    for (const MailAttachment& attachment : message->attachments) {
      Result<DecodedFile> file = Decode(attachment.bytes, options.limits);
      if (file) sources.push_back({attachment.filename, std::move(*file)});
    }
  } else {
    Result<DecodedFile> file = Decode(bytes, options.limits);
    if (!file) return tl::unexpected(file.error());
    sources.push_back({std::nullopt, std::move(*file)});
  }
  Result<std::vector<FilePage>> pages = ReadPages(sources, options, knowledge, ocr, nullptr);
  if (!pages) return tl::unexpected(pages.error());
  std::vector<IdentifiedPage> out;
  for (FilePage& page : *pages) {
    out.push_back({page.attachment, page.number, std::move(page.prepared), std::move(page.identity)});
  }
  return out;
}

Result<std::vector<Request>> ProcessFile(const FileInput& input, const PipelineOptions& options,
                                         const FormsKnowledge& knowledge, OcrEngine& ocr, ProcessStats* stats) {
  const FileKind kind = SniffKind(input.bytes);
  const bool page_file =
      kind == FileKind::kTiff || kind == FileKind::kPdf || kind == FileKind::kJpeg || kind == FileKind::kPng;
  if (kind == FileKind::kEmail || (input.channel == Channel::kEmail && !page_file)) {
    return FromEmail(input, options, knowledge, ocr, stats);
  }
  Clock::time_point clock = Clock::now();
  Result<DecodedFile> file = Decode(input.bytes, options.limits);
  Lap(clock, Field(stats, &ProcessStats::decode_seconds));
  if (!file) return tl::unexpected(file.error());

  FileInput in = input;
  if (file->station_id && !file->station_id->empty()) in.sender = file->station_id;
  if (file->received_time) {
    if (auto iso = TiffTimeToIso(*file->received_time)) in.received_at = *iso;
  }
  std::vector<DecodedSource> sources;
  sources.push_back({std::nullopt, std::move(*file)});
  Result<std::vector<FilePage>> pages = ReadPages(sources, options, knowledge, ocr, stats);
  if (!pages) return tl::unexpected(pages.error());
  return BuildRequests(in, *pages, options, knowledge, ocr, stats);
}

}  // namespace intake
