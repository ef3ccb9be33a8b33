#include "corpus/corpus.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <thread>

#include "corpus/degrade.h"
#include "corpus/files.h"
#include "corpus/ink.h"
#include "corpus/pages.h"
#include "corpus/random.h"
#include "corpus/values.h"
#include "decode/decode.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using namespace corpus_detail;
using json = nlohmann::ordered_json;
using std::chrono::days;

// The hospital's fax lines (forms/forms.json) and where the corpus's month
// starts: Monday 2 November 2026, Eastern Standard Time all month.
const std::map<std::string, std::string> kFaxLines = {
    {"records", "6175550160"}, {"imaging", "6175550161"}, {"verbal", "6175550162"}};
constexpr int kUtcOffsetHours = -5;
constexpr int kPeriodDays = 28;
constexpr double kOtherShare = 0.12;       // documents that are not one of the forms
constexpr double kHardCaseShare = 0.25;     // forms with a hard case
constexpr double kFaxFineDpi = 196, kFaxDpiX = 204;
constexpr int kFaxWidth = 1728, kFaxFineHeight = 2156;  // letter paper on a fax line

Day PeriodStart() { return Day(std::chrono::year(2026) / 11 / 2); }

// ---- Plans ----------------------------------------------------------------------

struct DocPlan {
  int index = 0;
  std::string id;
  std::string channel;
  const FormTemplate* form = nullptr;  // nullptr: not one of our forms
  std::string other_kind;              // attorney_letter, third_party_auth, cover_only, email_body
  std::string language = "en";
  FillMode mode = FillMode::kHand;
  std::vector<HardCase> hard_cases;
  bool wants_imaging = false;
  std::optional<std::string> fax_line;
  bool cover = false;     // a fax cover sheet in front
  bool id_copy = false;   // a copy of a photo ID behind
  std::string unreadable;  // e-mail: an attachment nobody can open (encrypted_pdf, truncated_pdf, word)
  std::string attachment_kind;  // e-mail: efill, scan_pdf, photo, tiff, none
};

struct FilePlan {
  int index = 0;
  std::string channel;
  std::vector<int> docs;
  std::optional<std::string> fax_line;
  std::int64_t received = 0;  // Unix time
  int number = 0;             // fax number, scan batch number or Maildir queue number
  bool separators = false;
};

struct FileResult {
  std::string path;  // relative to the output folder
  json files_line;
  std::vector<std::pair<int, json>> truth;  // doc index -> truth line
  int pages = 0;
  std::int64_t bytes = 0;
};

bool HasHard(const DocPlan& doc, HardCase c) {
  return std::find(doc.hard_cases.begin(), doc.hard_cases.end(), c) != doc.hard_cases.end();
}

// ---- Time -------------------------------------------------------------------------

struct Local {
  Day day;
  int hour, minute, second;
};

Local LocalTime(std::int64_t unix_time) {
  const std::int64_t local = unix_time + kUtcOffsetHours * 3600;
  const std::int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  const int rest = static_cast<int>(local - day * 86400);
  return {Day(days(day)), rest / 3600, rest / 60 % 60, rest % 60};
}

std::string IsoTime(std::int64_t t) {
  const Local l = LocalTime(t);
  char text[40];
  std::snprintf(text, sizeof text, "%sT%02d:%02d:%02d%+03d:00", IsoDate(l.day).c_str(), l.hour, l.minute, l.second,
                kUtcOffsetHours);
  return text;
}

// A few strftime-like fields, from the local time of `unix_time`.
std::string Format(const char* pattern, std::int64_t unix_time) {
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static const char* weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  const Local l = LocalTime(unix_time);
  const std::chrono::year_month_day ymd(l.day);
  const int month = static_cast<int>(static_cast<unsigned>(ymd.month())), mday = static_cast<int>(static_cast<unsigned>(ymd.day()));
  const int year = static_cast<int>(ymd.year());
  const unsigned weekday = std::chrono::weekday(l.day).c_encoding();
  std::string out;
  char piece[16];
  for (const char* p = pattern; *p; ++p) {
    if (*p != '%') {
      out.push_back(*p);
      continue;
    }
    switch (*++p) {
      case 'Y': std::snprintf(piece, sizeof piece, "%04d", year); break;
      case 'y': std::snprintf(piece, sizeof piece, "%02d", year % 100); break;
      case 'm': std::snprintf(piece, sizeof piece, "%02d", month); break;
      case 'd': std::snprintf(piece, sizeof piece, "%02d", mday); break;
      case 'e': std::snprintf(piece, sizeof piece, "%d", mday); break;
      case 'H': std::snprintf(piece, sizeof piece, "%02d", l.hour); break;
      case 'I': std::snprintf(piece, sizeof piece, "%d", (l.hour + 11) % 12 + 1); break;
      case 'M': std::snprintf(piece, sizeof piece, "%02d", l.minute); break;
      case 'S': std::snprintf(piece, sizeof piece, "%02d", l.second); break;
      case 'p': std::snprintf(piece, sizeof piece, "%s", l.hour < 12 ? "AM" : "PM"); break;
      case 'P': std::snprintf(piece, sizeof piece, "%s", l.hour < 12 ? "am" : "pm"); break;
      case 'b': std::snprintf(piece, sizeof piece, "%s", months[month - 1]); break;
      case 'B': std::snprintf(piece, sizeof piece, "%s", UpperUtf8(months[month - 1]).c_str()); break;
      case 'a': std::snprintf(piece, sizeof piece, "%s", weekdays[weekday]); break;
      case 'z': std::snprintf(piece, sizeof piece, "%+03d00", kUtcOffsetHours); break;
      default: std::snprintf(piece, sizeof piece, "%%");
    }
    out += piece;
  }
  return out;
}

std::int64_t StartOfPeriod() {
  return std::chrono::duration_cast<std::chrono::seconds>(PeriodStart().time_since_epoch()).count() -
         kUtcOffsetHours * 3600;
}

// ---- Planning --------------------------------------------------------------------

// Exactly round(count * share) of each kind (largest remainders), shuffled.
std::vector<std::string> Quotas(int count, const std::vector<std::pair<std::string, double>>& shares, Rng& rng) {
  double total = 0;
  for (const auto& s : shares) total += s.second;
  std::vector<int> n(shares.size());
  std::vector<std::pair<double, std::size_t>> remainders;
  int assigned = 0;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    const double exact = count * shares[i].second / total;
    n[i] = static_cast<int>(std::floor(exact));
    assigned += n[i];
    remainders.push_back({exact - n[i], i});
  }
  std::stable_sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; assigned < count; ++k, ++assigned) ++n[remainders[k % remainders.size()].second];
  std::vector<std::string> out;
  for (std::size_t i = 0; i < shares.size(); ++i) out.insert(out.end(), n[i], shares[i].first);
  rng.Shuffle(out);
  return out;
}

bool HasOption(const FormTemplate& form, std::string_view option) {
  return std::any_of(form.fields.begin(), form.fields.end(),
                     [&](const TemplateField& f) { return f.kind == FieldKind::kCheckbox && f.option == option; });
}

// The fax line a sender would use for a form: the line its queue works from.
std::string FaxLineFor(const DocPlan& doc, Rng& rng) {
  static const std::vector<std::string> lines = {"records", "imaging", "verbal"};
  if (!doc.form || rng.Chance(0.1)) return lines[rng.Weighted({0.6, 0.25, 0.15})];
  if (doc.form->form == "VERBAL") return "verbal";
  if (doc.wants_imaging) return rng.Chance(0.85) ? "imaging" : "records";
  return "records";
}

std::vector<DocPlan> PlanDocuments(const TemplateSet& templates, const CorpusOptions& options, Rng& rng) {
  const CorpusMix& mix = options.mix;
  const std::vector<std::string> channels =
      Quotas(options.count, {{"fax", mix.fax}, {"email", mix.email}, {"scan", mix.scan}}, rng);
  const double channel_total = mix.fax + mix.email + mix.scan;
  const double fill_total = mix.hand + mix.typed + mix.efill;
  const double email_share = mix.email / channel_total;
  const double efill_given_email = email_share > 0 ? std::min(1.0, mix.efill / fill_total / email_share) : 0.0;
  std::vector<const FormTemplate*> forms;
  for (const FormTemplate& f : templates.forms) forms.push_back(&f);
  std::sort(forms.begin(), forms.end(), [](const auto* a, const auto* b) { return a->code < b->code; });

  std::vector<DocPlan> docs;
  for (int i = 0; i < options.count; ++i) {
    DocPlan doc;
    doc.index = i;
    char id[16];
    std::snprintf(id, sizeof id, "doc%05d", i + 1);
    doc.id = id;
    doc.channel = channels[i];
    if (rng.Chance(kOtherShare) || forms.empty()) {
      if (doc.channel == "fax") {
        doc.other_kind = std::vector<std::string>{"attorney_letter", "third_party_auth", "cover_only"}[rng.Weighted({0.35, 0.35, 0.3})];
      } else if (doc.channel == "email") {
        doc.other_kind = rng.Chance(0.6) ? "email_body" : "attorney_letter";
        if (doc.other_kind == "email_body" && rng.Chance(0.5)) {
          doc.unreadable = std::vector<std::string>{"encrypted_pdf", "truncated_pdf", "word"}[rng.Int(0, 2)];
        }
        doc.attachment_kind = doc.other_kind == "email_body" ? "none" : "scan_pdf";
      } else {
        doc.other_kind = rng.Chance(0.5) ? "attorney_letter" : "third_party_auth";
      }
      doc.language = doc.other_kind == "attorney_letter" && rng.Chance(0.15) ? "es" : "en";
      if (doc.other_kind == "email_body" && rng.Chance(0.25)) doc.language = "es";
      doc.cover = doc.channel == "fax" && doc.other_kind != "cover_only" && rng.Chance(0.6);
    } else {
      doc.form = forms[static_cast<std::size_t>(rng.Int(0, static_cast<int>(forms.size()) - 1))];
      doc.language = doc.form->language;
      const double typed_share = mix.typed / std::max(1e-9, mix.hand + mix.typed);
      if (doc.channel == "email" && rng.Chance(efill_given_email)) {
        doc.mode = FillMode::kEfill;
      } else {
        doc.mode = rng.Chance(typed_share) ? FillMode::kTyped : FillMode::kHand;
      }
      doc.wants_imaging = HasOption(*doc.form, "imaging_cd") && rng.Chance(0.35);
      if (rng.Chance(kHardCaseShare)) {
        std::vector<HardCase> candidates;
        for (HardCase c : {HardCase::kUnsigned, HardCase::kNoSignatureDate, HardCase::kNoItemChecked,
                           HardCase::kMissingPage, HardCase::kOutOfOrder, HardCase::kExpired, HardCase::kMinorSelf,
                           HardCase::kCrossout, HardCase::kStrayMarks}) {
          if (Applies(c, *doc.form, doc.mode)) candidates.push_back(c);
        }
        if (!candidates.empty()) doc.hard_cases.push_back(rng.Pick(candidates));
      }
      if (HasHard(doc, HardCase::kNoItemChecked)) doc.wants_imaging = false;
      doc.cover = doc.channel == "fax" && rng.Chance(0.45);
      doc.id_copy = doc.channel != "scan" && rng.Chance(0.1);
      if (doc.channel == "email") {
        doc.attachment_kind = doc.mode == FillMode::kEfill
                                  ? "efill"
                                  : std::vector<std::string>{"scan_pdf", "photo", "tiff"}[rng.Weighted({0.45, 0.35, 0.2})];
        if (rng.Chance(0.06)) doc.unreadable = std::vector<std::string>{"encrypted_pdf", "truncated_pdf", "word"}[rng.Int(0, 2)];
      }
    }
    if (doc.channel == "fax") doc.fax_line = FaxLineFor(doc, rng);
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::vector<FilePlan> PlanFiles(const std::vector<DocPlan>& docs, std::uint64_t seed, Rng& rng) {
  std::vector<FilePlan> files;
  std::vector<bool> taken(docs.size(), false);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (taken[i]) continue;
    FilePlan file;
    file.channel = docs[i].channel;
    file.fax_line = docs[i].fax_line;
    // A mailroom batch holds the next few scanned documents; a call or a
    // message, one.
    const int take = file.channel == "scan" ? rng.Int(1, 3) : 1;
    file.separators = file.channel == "scan" && rng.Chance(0.5);
    for (std::size_t k = i; k < docs.size() && static_cast<int>(file.docs.size()) < take; ++k) {
      if (taken[k] || docs[k].channel != file.channel) continue;
      taken[k] = true;
      file.docs.push_back(static_cast<int>(k));
    }
    const int day = rng.Int(0, kPeriodDays - 1);
    // Mailroom scans in office hours; faxes and e-mail whenever people send them.
    const int second = file.channel == "scan" ? rng.Int(8 * 3600, 17 * 3600) : rng.Int(0, 86399);
    file.received = StartOfPeriod() + day * 86400LL + second;
    files.push_back(std::move(file));
  }
  std::stable_sort(files.begin(), files.end(), [](const FilePlan& a, const FilePlan& b) { return a.received < b.received; });
  int fax_number = 10000 + static_cast<int>(seed % 80000);
  int scan_number = 0, mail_number = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    FilePlan& f = files[i];
    f.index = static_cast<int>(i);
    if (f.channel == "fax") f.number = fax_number += rng.Int(1, 40);
    if (f.channel == "scan") f.number = ++scan_number;
    if (f.channel == "email") f.number = mail_number++;
  }
  return files;
}

// ---- Truth ------------------------------------------------------------------------

std::vector<std::string> ExpectedQueues(const DocPlan& doc, const FilledForm& filled, const std::string& items_group) {
  if (!doc.form) return {"review"};
  const std::string& type = doc.form->form;
  if (type == "AMEND") return {"amendments"};
  if (type == "VERBAL") return {"verbal_authorization"};
  if (type != "AUTH") return {"review"};
  const auto it = filled.checked.find(items_group);
  const std::vector<std::string> items = it == filled.checked.end() ? std::vector<std::string>{} : it->second;
  const bool imaging = std::find(items.begin(), items.end(), "imaging_cd") != items.end();
  const bool records = std::any_of(items.begin(), items.end(), [](const std::string& s) { return s != "imaging_cd"; });
  std::vector<std::string> queues;
  if (imaging || (!records && doc.fax_line == "imaging")) queues.push_back("imaging_cd");
  if (records) queues.push_back("records");
  if (queues.empty()) queues.push_back("review");
  return queues;
}

// SPEC section 5, for what this generator can make go wrong.
bool MustReview(const DocPlan& doc, const FilledForm& filled, const std::vector<std::string>& queues,
                const std::string& items_group) {
  if (std::find(queues.begin(), queues.end(), "review") != queues.end()) return true;
  for (HardCase c : {HardCase::kUnsigned, HardCase::kNoSignatureDate, HardCase::kMissingPage, HardCase::kExpired,
                     HardCase::kMinorSelf}) {
    if (HasHard(doc, c)) return true;
  }
  if (items_group.empty()) return false;
  const bool none = filled.checked.at(items_group).empty();
  auto missing = [&](const char* key) { return doc.form->Field(key) && !filled.text.count(key); };
  if (none && missing("release.other") && missing("imaging.exam")) return true;  // AUTH-01
  const auto& items = filled.checked.at(items_group);
  const bool imaging = std::find(items.begin(), items.end(), "imaging_cd") != items.end() ||
                       (none && doc.fax_line == "imaging");
  return imaging && (missing("imaging.exam") || missing("imaging.exam_date"));  // ACC-05
}

std::string ItemsGroup(const FormTemplate& form) {
  for (const TemplateField& f : form.fields) {
    if (f.kind == FieldKind::kCheckbox && f.option == "imaging_cd") return f.group;
  }
  return "";
}

json FieldsTruth(const FormTemplate& form, const FilledForm& filled) {
  json fields = json::object();
  bool has_signature = false;
  for (const TemplateField& f : form.fields) {
    if (f.kind == FieldKind::kSignature) has_signature = true;
    if (f.kind != FieldKind::kText && f.kind != FieldKind::kInitials) continue;
    const auto it = filled.text.find(f.key);
    fields[f.key] = it == filled.text.end() ? json(nullptr) : json(it->second.truth);
  }
  for (const std::string& group : form.Groups()) fields[group] = filled.checked.at(group);
  if (has_signature) fields["signature.present"] = filled.signed_by_hand;
  return fields;
}

json HardCasesJson(const DocPlan& doc, const FilledForm* filled, const std::vector<int>& missing_pages) {
  json list = json::array();
  for (HardCase c : doc.hard_cases) {
    json item = {{"kind", ToString(c)}};
    if (c == HardCase::kCrossout && filled && filled->crossout_key) item["key"] = *filled->crossout_key;
    if (c == HardCase::kMissingPage) item["pages"] = missing_pages;
    list.push_back(item);
  }
  return list;
}

// ---- Generating one file -------------------------------------------------------------

struct Shared {
  const TemplateSet& templates;
  const FontCatalog& fonts;
  BlankPages& blanks;
  std::uint64_t seed;
  fs::path out;
};

// One page of a file before the channel's degradation.
struct SourcePage {
  std::string role;  // form, cover, attachment, other, separator
  json src;
  int doc = -1;  // index of the document it belongs to (-1 for a separator)
  int form_page = 0;
};

// What a document's form looks like filled in, ready to draw at any resolution.
struct FilledDoc {
  FilledForm filled;
  Writer writer;
  std::vector<int> form_pages;  // template pages in the order they are sent
  std::vector<int> missing_pages;
};

class FileMaker {
 public:
  FileMaker(const Shared& shared, const std::vector<DocPlan>& docs, const FilePlan& file, Pen& pen)
      : shared_(shared), docs_(docs), file_(file), pen_(pen), rng_(Rng::For(shared.seed, "file", file.index)) {}

  Result<FileResult> Make();

 private:
  void FillDocuments();
  std::vector<SourcePage> PagesOf(const DocPlan& doc);
  Result<GrayImage> Draw(const SourcePage& page, double dpi_x, double dpi_y);
  Result<FileResult> MakeFax();
  Result<FileResult> MakeScan();
  Result<FileResult> MakeEmail();
  // The patient a document is about (a made-up one for letters and covers).
  Person PatientOf(int doc) const;
  json Truth(const DocPlan& doc, const json& pages, const json& cover, const json& attached, const json& upside_down);
  Result<void> Write(const fs::path& relative, const std::vector<std::uint8_t>& bytes, FileResult& result);
  Result<std::vector<std::uint8_t>> EfillPdf(const DocPlan& doc);
  Result<std::vector<std::uint8_t>> ScannedPdf(const std::vector<GrayImage>& pages, double dpi, json& degradation);

  const Shared& shared_;
  const std::vector<DocPlan>& docs_;
  const FilePlan& file_;
  Pen& pen_;
  Rng rng_;
  std::map<int, FilledDoc> filled_;
  std::string sender_;  // who sends the file, for cover sheets and e-mail
};

void FileMaker::FillDocuments() {
  for (int index : file_.docs) {
    const DocPlan& doc = docs_[index];
    if (!doc.form) continue;
    Rng rng = Rng::For(shared_.seed, "doc", static_cast<std::uint64_t>(index));
    FillRequest request{.form = doc.form,
                        .mode = doc.mode,
                        .received = LocalTime(file_.received).day,
                        .fax_line = doc.fax_line,
                        .hard_cases = doc.hard_cases,
                        .wants_imaging = doc.wants_imaging};
    FilledDoc filled;
    filled.filled = FillForm(request, rng);
    filled.writer = MakeWriter(doc.mode, shared_.fonts, filled.filled, rng);
    for (int p = 1; p <= static_cast<int>(doc.form->pages.size()); ++p) filled.form_pages.push_back(p);
    if (HasHard(doc, HardCase::kMissingPage)) {
      const int drop = rng.Int(1, static_cast<int>(filled.form_pages.size()));
      filled.missing_pages.push_back(drop);
      filled.form_pages.erase(filled.form_pages.begin() + (drop - 1));
    }
    if (HasHard(doc, HardCase::kOutOfOrder)) std::reverse(filled.form_pages.begin(), filled.form_pages.end());
    if (sender_.empty()) sender_ = filled.filled.signer_name;
    filled_.emplace(index, std::move(filled));
  }
}

std::vector<SourcePage> FileMaker::PagesOf(const DocPlan& doc) {
  std::vector<SourcePage> pages;
  if (doc.cover || doc.other_kind == "cover_only") pages.push_back({"cover", json::array({"cover"}), doc.index});
  if (doc.form) {
    for (int p : filled_.at(doc.index).form_pages) pages.push_back({"form", json::array({"form", p}), doc.index, p});
    if (doc.id_copy && doc.channel == "fax") pages.push_back({"attachment", json::array({"id_copy"}), doc.index});
  } else if (doc.other_kind == "attorney_letter") {
    pages.push_back({"other", json::array({"letter", "attorney"}), doc.index});
    if (rng_.Chance(0.3)) pages.push_back({"other", json::array({"third_party_auth", 1}), doc.index});
  } else if (doc.other_kind == "third_party_auth") {
    pages.push_back({"other", json::array({"third_party_auth", 1}), doc.index});
  }
  return pages;
}

Person FileMaker::PatientOf(int doc) const {
  if (const auto it = filled_.find(doc); it != filled_.end()) return it->second.filled.patient;
  Rng people = Rng::For(shared_.seed, "people", static_cast<std::uint64_t>(doc + 1));
  const bool spanish = doc >= 0 && docs_[doc].language == "es";
  return MakePerson(people, spanish, LocalTime(file_.received).day - days(365 * people.Int(20, 85)));
}

Result<GrayImage> FileMaker::Draw(const SourcePage& page, double dpi_x, double dpi_y) {
  Rng rng = Rng::For(shared_.seed ^ file_.index, page.role + page.src.dump(), static_cast<std::uint64_t>(page.doc + 1));
  const DocPlan* doc = page.doc >= 0 ? &docs_[page.doc] : nullptr;
  const Day day = LocalTime(file_.received).day;
  if (page.role == "separator") return DrawSeparator(dpi_x, dpi_y, shared_.fonts, pen_, rng);
  if (page.role == "form") {
    const FilledDoc& filled = filled_.at(page.doc);
    Result<GrayImage> blank = shared_.blanks.Get(*doc->form, page.form_page, dpi_x, dpi_y);
    if (!blank) return tl::unexpected(blank.error());
    WriteFormPage(*blank, *doc->form, page.form_page, filled.filled, filled.writer,
                  HasHard(*doc, HardCase::kStrayMarks), pen_, rng);
    return blank;
  }
  const bool spanish = doc && doc->language == "es";
  const Person patient = PatientOf(page.doc);
  if (page.role == "cover") {
    const std::string line = file_.fax_line.value_or("records");
    CoverSheet cover;
    cover.to = std::vector<std::string>{"Health Information Services", "Medical Records Dept.",
                                        "HIS - Release of Information"}[rng.Int(0, 2)];
    const std::string number = kFaxLines.at(line);
    cover.to_fax = "(" + number.substr(0, 3) + ") " + number.substr(3, 3) + "-" + number.substr(6);
    cover.from = sender_.empty() ? patient.FullName() : sender_;
    cover.from_phone = MakePhone(rng, "MA");
    cover.from_phone = "(" + cover.from_phone.substr(0, 3) + ") " + cover.from_phone.substr(3, 3) + "-" +
                       cover.from_phone.substr(6);
    cover.date = Format("%m/%d/%Y", file_.received);
    cover.pages = std::to_string(rng.Int(2, 4));
    cover.re = doc && doc->form ? std::vector<std::string>{"Medical records", "Signed form", "Request"}[rng.Int(0, 2)]
                                : "Records request";
    if (rng.Chance(0.5)) cover.comments = "Please process the attached form. Call with any questions.";
    return DrawCoverSheet(cover, dpi_x, dpi_y, shared_.fonts, pen_, rng);
  }
  if (page.role == "attachment") {
    return DrawIdCopy(patient, day - days(rng.Int(100, 2000)), false, dpi_x, dpi_y, shared_.fonts, pen_, rng);
  }
  if (page.src.front() == "letter") {
    return DrawLetter(MakeAttorneyLetter(rng, day - days(rng.Int(0, 10)), spanish), dpi_x, dpi_y, shared_.fonts, pen_,
                      rng);
  }
  return DrawOtherAuthorization(patient, day - days(rng.Int(1, 30)), dpi_x, dpi_y, shared_.fonts, pen_, rng);
}

json FileMaker::Truth(const DocPlan& doc, const json& pages, const json& cover, const json& attached,
                      const json& upside_down) {
  json truth;
  truth["doc_id"] = doc.id;
  truth["file"] = "";  // set by the caller
  truth["pages"] = pages;
  truth["channel"] = doc.channel;
  truth["fax_line"] = doc.fax_line ? json(*doc.fax_line) : json(nullptr);
  truth["form"] = doc.form ? doc.form->form : "OTHER";
  truth["language"] = doc.language;
  if (doc.form) {
    const FilledDoc& filled = filled_.at(doc.index);
    const std::string items = ItemsGroup(*doc.form);
    std::vector<std::string> queues = ExpectedQueues(doc, filled.filled, items);
    truth["fields"] = FieldsTruth(*doc.form, filled.filled);
    // What was written on a page that never arrived cannot be read: such a
    // field's truth is that nobody knows it.
    for (auto& [key, value] : truth["fields"].items()) {
      for (const TemplateField& field : doc.form->fields) {
        const bool of_key = field.key == key || (!field.group.empty() && field.group == key) ||
                            (key == "signature.present" && field.kind == FieldKind::kSignature);
        if (!of_key) continue;
        if (std::find(filled.missing_pages.begin(), filled.missing_pages.end(), field.page) !=
            filled.missing_pages.end()) {
          value = nullptr;
        }
        break;
      }
    }
    // Items checked on a page that never arrived route nowhere: the document
    // goes where an AUTH with nothing checked goes.
    if (!items.empty() && truth["fields"].contains(items) && truth["fields"][items].is_null()) {
      FilledForm unseen = filled.filled;
      unseen.checked[items].clear();
      queues = ExpectedQueues(doc, unseen, items);
    }
    truth["expected_queues"] = queues;
    truth["must_review"] = MustReview(doc, filled.filled, queues, items);
    if (!filled.filled.auth_kind.empty()) truth["auth_kind"] = filled.filled.auth_kind;
    truth["fill_mode"] = ToString(doc.mode);
    // Which fonts wrote it (file stems), so a recognizer can be judged on fonts it never saw:
    // `font` the values, `hand_font` the initials and whatever is written by hand.
    if (doc.mode != FillMode::kEfill) {
      truth["font"] = fs::path(filled.writer.main.font->name).stem().string();
      truth["hand_font"] = fs::path(filled.writer.hand.font->name).stem().string();
      // The characters as written on the page (a date "03/14/1962", not its truth "1962-03-14").
      json written = json::object();
      for (const auto& [key, value] : filled.filled.text) written[key] = value.text;
      truth["written"] = written;
    }
    truth["hard_cases"] = HardCasesJson(doc, &filled.filled, filled.missing_pages);
    truth["stray_marks"] = HasHard(doc, HardCase::kStrayMarks);
    truth["form_code"] = doc.form->code;
  } else {
    truth["fields"] = json::object();
    truth["expected_queues"] = {"review"};
    truth["must_review"] = true;
    truth["other_kind"] = doc.other_kind;
    truth["reject_reason"] = doc.unreadable.empty() ? json(nullptr) : json(doc.unreadable);
  }
  if (!cover.empty()) truth["cover_pages"] = cover;
  if (!attached.empty()) truth["attached_pages"] = attached;
  if (!upside_down.empty()) truth["upside_down_pages"] = upside_down;
  if (!doc.attachment_kind.empty()) truth["email_attachment_kind"] = doc.attachment_kind;
  truth["received_at"] = IsoTime(file_.received);
  return truth;
}

Result<void> FileMaker::Write(const fs::path& relative, const std::vector<std::uint8_t>& bytes, FileResult& result) {
  const fs::path path = shared_.out / relative;
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) return Fail(ErrorCode::kIoError, "cannot write " + relative.string());
  }
  // The file's time is when it arrived, as the inbox would have it.
  std::error_code ec;
  const auto when = std::chrono::system_clock::time_point(std::chrono::seconds(file_.received));
  fs::last_write_time(path, std::chrono::file_clock::from_sys(when), ec);
  result.path = relative.string();
  result.bytes = static_cast<std::int64_t>(bytes.size());
  return {};
}

// The header line fax machines stamp on each page, in one of the common layouts.
std::string FaxHeader(int style, std::int64_t when, const std::string& station, const std::string& number,
                      const std::string& to, int page, int pages, int serial) {
  char text[200];
  const std::string dotted = number.substr(0, 3) + "." + number.substr(3, 3) + "." + number.substr(6);
  std::string squeezed;
  for (char c : station) {
    if (c != ' ') squeezed.push_back(c);
  }
  switch (style) {
    case 0:
      std::snprintf(text, sizeof text, "%s  FROM: %s  %s  TO: %s  P.%03d/%03d", Format("%B-%d-%Y %H:%M", when).c_str(),
                    station.c_str(), number.c_str(), to.c_str(), page, pages);
      break;
    case 1:
      std::snprintf(text, sizeof text, "%s FROM-%s +1%s  T-%03d P%03d/%03d F-%03d",
                    UpperUtf8(Format("%d-%b-%Y %H:%M", when)).c_str(), squeezed.c_str(), number.c_str(),
                    serial + page * 20, page, pages, (serial * 7 + page * 260) % 1000);
      break;
    case 2:
      std::snprintf(text, sizeof text, "%s  %s  %s   PAGE %02d/%02d", Format("%m/%d/%Y %I:%M %p", when).c_str(),
                    number.c_str(), station.c_str(), page, pages);
      break;
    default:
      std::snprintf(text, sizeof text, "%s   %s   %s   p.%d", Format("%b %e %Y %I:%M%P", when).c_str(),
                    station.c_str(), dotted.c_str(), page);
  }
  return text;
}

Result<FileResult> FileMaker::MakeFax() {
  FileResult result;
  std::vector<SourcePage> pages;
  for (int index : file_.docs) {
    const std::vector<SourcePage> doc_pages = PagesOf(docs_[index]);
    pages.insert(pages.end(), doc_pages.begin(), doc_pages.end());
  }
  const std::string station = MakeStationId(rng_);
  const std::string number = MakePhone(rng_, "MA");
  const bool normal = rng_.Chance(0.35);
  const int compression_pick = static_cast<int>(rng_.Weighted({0.3, 0.4, 0.3}));
  const FaxCompression compression =
      compression_pick == 0 ? FaxCompression::kG3_1D : compression_pick == 1 ? FaxCompression::kG3_2D : FaxCompression::kG4;
  const int header_style = rng_.Int(0, 3);
  const int serial = rng_.Int(0, 400);
  const std::string to = kFaxLines.at(*file_.fax_line);

  std::vector<GrayImage> received;
  json page_lines = json::array();
  std::map<int, json> doc_pages, covers, attached, upside_down;
  std::int64_t when = file_.received;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const SourcePage& source = pages[i];
    const int n = static_cast<int>(i) + 1;
    Result<GrayImage> drawn = Draw(source, kFaxDpiX, kFaxFineDpi);
    if (!drawn) return tl::unexpected(drawn.error());
    const Placement placement = RandomPlacement(rng_, 1.5, 0.03, 30);
    GrayImage page = Place(*drawn, placement, kFaxWidth, kFaxFineHeight, 255);
    const bool rot180 = rng_.Chance(0.07);
    if (rot180) page = UpsideDown(std::move(page));
    json degradation = placement.ToJson();
    const std::string header = FaxHeader(header_style, when, station, number, to, n, static_cast<int>(pages.size()), serial);
    degradation["header"] = header;
    received.push_back(FaxReceive(std::move(page), header, normal, shared_.fonts, pen_, rng_, degradation));
    when += rng_.Int(15, 50);
    page_lines.push_back({{"n", n}, {"role", source.role}, {"doc", docs_[source.doc].id}, {"src", source.src},
                          {"rot180", rot180}, {"degradation", degradation}});
    json& list = source.role == "form" || source.role == "other" ? doc_pages[source.doc]
                 : source.role == "cover"                         ? covers[source.doc]
                                                                  : attached[source.doc];
    list.push_back(n);
    if (rot180) upside_down[source.doc].push_back(n);
  }
  // The fax server stamps the time the call ended.
  Result<std::vector<std::uint8_t>> tiff = EncodeTiff(
      received, {.compression = compression, .station_id = station, .date_time = Format("%Y:%m:%d %H:%M:%S", when)});
  if (!tiff) return tl::unexpected(tiff.error());
  char name[32];
  std::snprintf(name, sizeof name, "fax%06d.tif", file_.number);
  const fs::path relative = fs::path("inbox/fax") / *file_.fax_line / name;
  if (auto w = Write(relative, *tiff, result); !w) return tl::unexpected(w.error());
  result.pages = static_cast<int>(pages.size());
  result.files_line = {{"file", result.path},
                       {"kind", "fax"},
                       {"pages", page_lines},
                       {"line", *file_.fax_line},
                       {"resolution", normal ? "normal" : "fine"},
                       {"compression", compression_pick == 0 ? "g3_1d" : compression_pick == 1 ? "g3_2d" : "g4"},
                       {"station_id", station}};
  for (int index : file_.docs) {
    const DocPlan& doc = docs_[index];
    // A lone cover sheet is the document itself.
    json pages_of = doc.other_kind == "cover_only" ? covers[index] : doc_pages[index];
    json cover = doc.other_kind == "cover_only" ? json::array() : covers[index];
    json truth = Truth(doc, pages_of.is_null() ? json::array() : pages_of, cover.is_null() ? json::array() : cover,
                       attached[index].is_null() ? json::array() : attached[index],
                       upside_down[index].is_null() ? json::array() : upside_down[index]);
    truth["file"] = result.path;
    result.truth.emplace_back(index, std::move(truth));
  }
  return result;
}

Result<std::vector<std::uint8_t>> FileMaker::ScannedPdf(const std::vector<GrayImage>& pages, double dpi,
                                                         json& degradation) {
  std::vector<JpegPage> jpegs;
  json list = json::array();
  const int width = static_cast<int>(std::lround(8.5 * dpi)), height = static_cast<int>(std::lround(11 * dpi));
  for (const GrayImage& page : pages) {
    const Placement placement = RandomPlacement(rng_, 1.2, 0.015, dpi / 10);
    GrayImage placed = ScanLook(Place(page, placement, width, height, 255), rng_);
    const int quality = rng_.Int(75, 90);
    jpegs.push_back({EncodeJpeg(placed, quality), placed.width, placed.height, dpi});
    json d = placement.ToJson();
    d["jpeg_quality"] = quality;
    list.push_back(d);
  }
  degradation["pages"] = list;
  static const std::vector<std::string> producers = {"KODAK i2620 Scanner", "Canon DR-C240", "fi-7160",
                                                     "HP Digital Sending"};
  return ImagePdf(jpegs, rng_.Pick(producers), Format("D:%Y%m%d%H%M%S-05'00'", file_.received));
}

Result<FileResult> FileMaker::MakeScan() {
  FileResult result;
  std::vector<SourcePage> pages;
  for (int index : file_.docs) {
    if (file_.separators) pages.push_back({"separator", json::array({"separator"}), -1});
    const std::vector<SourcePage> doc_pages = PagesOf(docs_[index]);
    pages.insert(pages.end(), doc_pages.begin(), doc_pages.end());
  }
  constexpr double kDpi = 300;
  std::vector<JpegPage> jpegs;
  json page_lines = json::array();
  std::map<int, json> doc_pages, upside_down;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const SourcePage& source = pages[i];
    const int n = static_cast<int>(i) + 1;
    Result<GrayImage> drawn = Draw(source, kDpi, kDpi);
    if (!drawn) return tl::unexpected(drawn.error());
    const Placement placement = RandomPlacement(rng_, 1.0, 0.015, 30);
    GrayImage page = Place(*drawn, placement, 2550, 3300, 255);
    const bool rot180 = source.role != "separator" && rng_.Chance(0.02);
    if (rot180) page = UpsideDown(std::move(page));
    page = ScanLook(std::move(page), rng_);
    const int quality = rng_.Int(75, 90);
    jpegs.push_back({EncodeJpeg(page, quality), page.width, page.height, kDpi});
    json degradation = placement.ToJson();
    degradation["jpeg_quality"] = quality;
    page_lines.push_back({{"n", n}, {"role", source.role}, {"doc", source.doc >= 0 ? json(docs_[source.doc].id) : json(nullptr)},
                          {"src", source.src}, {"rot180", rot180}, {"degradation", degradation}});
    if (source.doc >= 0) doc_pages[source.doc].push_back(n);
    if (rot180) upside_down[source.doc].push_back(n);
  }
  static const std::vector<std::string> producers = {"KODAK i2620 Scanner", "Canon DR-C240", "fi-7160"};
  const std::vector<std::uint8_t> pdf =
      ImagePdf(jpegs, rng_.Pick(producers), Format("D:%Y%m%d%H%M%S-05'00'", file_.received));
  char name[64];
  std::snprintf(name, sizeof name, "MRM-SCAN_%s_%04d.pdf", Format("%Y%m%d_%H%M%S", file_.received).c_str(), file_.number);
  if (auto w = Write(fs::path("inbox/scan") / name, pdf, result); !w) return tl::unexpected(w.error());
  result.pages = static_cast<int>(pages.size());
  result.files_line = {{"file", result.path}, {"kind", "scan"}, {"pages", page_lines}};
  for (int index : file_.docs) {
    json truth = Truth(docs_[index], doc_pages[index], json::array(), json::array(),
                       upside_down[index].is_null() ? json::array() : upside_down[index]);
    truth["file"] = result.path;
    result.truth.emplace_back(index, std::move(truth));
  }
  return result;
}

Result<std::vector<std::uint8_t>> FileMaker::EfillPdf(const DocPlan& doc) {
  const FilledDoc& filled = filled_.at(doc.index);
  std::map<std::string, std::string> values;
  for (const TemplateField& f : doc.form->fields) {
    if (f.kind == FieldKind::kCheckbox) {
      const auto& checked = filled.filled.checked.at(f.group);
      if (std::find(checked.begin(), checked.end(), f.option) != checked.end()) values[f.widget] = "Yes";
    } else if (f.kind != FieldKind::kSignature) {
      if (const auto it = filled.filled.text.find(f.key); it != filled.filled.text.end()) values[f.widget] = it->second.text;
    }
  }
  std::vector<PdfOverlay> overlays;
  const TemplateField* signature = nullptr;
  for (const TemplateField& f : doc.form->fields) {
    if (f.kind == FieldKind::kSignature) signature = &f;
  }
  if (signature && filled.filled.signed_by_hand) {
    // Signed with a mouse or a finger before saving: strokes over the page.
    const double height = doc.form->pages[signature->page - 1].height_pt;
    const PdfRect& r = signature->rect;
    std::string content = "0.05 0.1 0.45 RG 1.1 w 1 J 1 j\n";
    char piece[48];
    for (const auto& stroke : Pen::SignatureStrokes(r.x, height - r.y - r.h, r.w, r.h, rng_)) {
      for (std::size_t i = 0; i < stroke.size(); ++i) {
        std::snprintf(piece, sizeof piece, "%.2f %.2f %s\n", stroke[i].x, height - stroke[i].y, i ? "l" : "m");
        content += piece;
      }
      content += "S\n";
    }
    overlays.push_back({signature->page, content});
  }
  auto pdf = shared_.blanks.Pdf(*doc.form);
  if (!pdf) return tl::unexpected(pdf.error());
  return FillAcroForm(**pdf, values, overlays);
}

Result<FileResult> FileMaker::MakeEmail() {
  FileResult result;
  const DocPlan& doc = docs_[file_.docs.front()];
  MailSpec mail;
  std::vector<json> attachment_lines;
  json parts = json::array(), attached = json::array(), quarantined = json::array();
  const std::string date_name = Format("%Y%m%d_%H%M%S", file_.received);
  const bool spanish = doc.language == "es" && rng_.Chance(0.85);

  auto add = [&](const std::string& name, const std::string& type, std::vector<std::uint8_t> bytes, json line) {
    line["degradation"]["bytes"] = bytes.size();
    attachment_lines.push_back(std::move(line));
    mail.attachments.push_back({name, type, std::move(bytes)});
  };
  auto page_list = [](const std::vector<std::pair<std::string, json>>& pages) {
    json list = json::array();
    for (std::size_t i = 0; i < pages.size(); ++i) {
      list.push_back({{"n", static_cast<int>(i) + 1}, {"role", pages[i].first}, {"src", pages[i].second}});
    }
    return list;
  };

  std::vector<SourcePage> pages = PagesOf(doc);
  if (doc.form && doc.attachment_kind == "efill") {
    Result<std::vector<std::uint8_t>> pdf = EfillPdf(doc);
    if (!pdf) return tl::unexpected(pdf.error());
    const std::string name = std::vector<std::string>{doc.form->code + ".pdf", doc.form->code + " (1).pdf",
                                                      "form_filled.pdf", spanish ? "formulario_firmado.pdf" : "signed_form.pdf"}[rng_.Int(0, 3)];
    std::vector<std::pair<std::string, json>> roles;
    json numbers = json::array();
    for (const SourcePage& p : pages) {
      roles.push_back({p.role, p.src});
      numbers.push_back(p.form_page);
    }
    add(name, "application/pdf", std::move(*pdf), {{"name", name}, {"kind", "efill"}, {"pages", page_list(roles)}, {"degradation", json::object()}});
    parts.push_back({{"attachment", name}, {"pages", numbers}});
  } else if (doc.form && doc.attachment_kind == "photo") {
    const int style = rng_.Int(0, 2);
    int serial = rng_.Int(1000, 9000);
    for (const SourcePage& p : pages) {
      Result<GrayImage> drawn = Draw(p, 150, 150);
      if (!drawn) return tl::unexpected(drawn.error());
      json degradation = json::object();
      std::vector<std::uint8_t> jpeg = Photograph(*drawn, rng_, degradation);
      char name[64];
      if (style == 0) std::snprintf(name, sizeof name, "IMG_%04d.jpg", serial++);
      if (style == 1) std::snprintf(name, sizeof name, "PXL_%s%03d.jpg", date_name.c_str(), rng_.Int(0, 999));
      if (style == 2) std::snprintf(name, sizeof name, "%s_%02d.jpg", date_name.c_str(), p.form_page);
      add(name, "image/jpeg", std::move(jpeg), {{"name", name}, {"kind", "photo"}, {"pages", page_list({{p.role, p.src}})}, {"degradation", degradation}});
      parts.push_back({{"attachment", name}, {"pages", {1}}});
    }
  } else if (doc.form || doc.other_kind == "attorney_letter") {
    const bool tiff = doc.attachment_kind == "tiff";
    const double dpi = tiff || rng_.Chance(0.5) ? 200 : 300;
    std::vector<GrayImage> drawn;
    std::vector<std::pair<std::string, json>> roles;
    for (const SourcePage& p : pages) {
      Result<GrayImage> image = Draw(p, dpi, dpi);
      if (!image) return tl::unexpected(image.error());
      drawn.push_back(std::move(*image));
      roles.push_back({p.role, p.src});
    }
    json degradation = json::object();
    std::vector<std::uint8_t> bytes;
    std::string name;
    if (tiff) {
      const bool bilevel = rng_.Chance(0.5);
      std::vector<GrayImage> scanned;
      for (const GrayImage& page : drawn) {
        const Placement placement = RandomPlacement(rng_, 1.0, 0.01, 20);
        scanned.push_back(ScanLook(Place(page, placement, page.width, page.height, 255), rng_));
      }
      Result<std::vector<std::uint8_t>> encoded =
          EncodeTiff(scanned, {.compression = bilevel ? FaxCompression::kG4 : FaxCompression::kLzw,
                               .station_id = std::nullopt,
                               .date_time = std::nullopt});
      if (!encoded) return tl::unexpected(encoded.error());
      bytes = std::move(*encoded);
      name = "scan_" + date_name + ".tif";
      degradation["compression"] = bilevel ? "g4" : "lzw";
    } else {
      Result<std::vector<std::uint8_t>> pdf = ScannedPdf(drawn, dpi, degradation);
      if (!pdf) return tl::unexpected(pdf.error());
      bytes = std::move(*pdf);
      name = std::vector<std::string>{"document.pdf", "CamScanner " + Format("%m-%d-%Y %H.%M", file_.received) + ".pdf",
                                      "scan0001.pdf", spanish ? "autorización.pdf" : "Doc1.pdf"}[rng_.Int(0, 3)];
    }
    degradation["dpi"] = dpi;
    json numbers = json::array();
    for (std::size_t i = 0; i < pages.size(); ++i) numbers.push_back(static_cast<int>(i) + 1);
    add(name, tiff ? "image/tiff" : "application/pdf", std::move(bytes),
        {{"name", name}, {"kind", tiff ? "tiff" : "scan_pdf"}, {"pages", page_list(roles)}, {"degradation", degradation}});
    parts.push_back({{"attachment", name}, {"pages", numbers}});
  }
  if (doc.id_copy) {
    const Day day = LocalTime(file_.received).day;
    const GrayImage id = DrawIdCopy(PatientOf(doc.index), day - days(rng_.Int(100, 2000)), false, 150, 150, shared_.fonts, pen_, rng_);
    json degradation = json::object();
    std::vector<std::uint8_t> jpeg = Photograph(id, rng_, degradation);
    const std::string name = std::vector<std::string>{"ID.jpg", "license.jpeg", "photo_id.jpg"}[rng_.Int(0, 2)];
    add(name, "image/jpeg", std::move(jpeg),
        {{"name", name}, {"kind", "photo"}, {"pages", page_list({{"attachment", json::array({"id_copy"})}})}, {"degradation", degradation}});
    attached.push_back({{"attachment", name}, {"pages", {1}}});
  }
  if (!doc.unreadable.empty()) {
    std::vector<std::uint8_t> bytes;
    std::string name, type = "application/pdf";
    if (doc.unreadable == "word") {
      bytes = DocxFile({"To whom it may concern,", "Please release my records to my attorney.", sender_});
      name = "letter.docx";
      type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    } else {
      std::vector<GrayImage> page;
      Result<GrayImage> letter = Draw({"other", json::array({"letter", "attorney"}), doc.index}, 150, 150);
      if (!letter) return tl::unexpected(letter.error());
      page.push_back(std::move(*letter));
      json ignored;
      Result<std::vector<std::uint8_t>> pdf = ScannedPdf(page, 150, ignored);
      if (!pdf) return tl::unexpected(pdf.error());
      if (doc.unreadable == "encrypted_pdf") {
        Result<std::vector<std::uint8_t>> locked = EncryptPdf(*pdf, "his" + std::to_string(rng_.Int(1000, 9999)));
        if (!locked) return tl::unexpected(locked.error());
        bytes = std::move(*locked);
        name = "secure_document.pdf";
      } else {
        bytes.assign(pdf->begin(), pdf->begin() + static_cast<std::ptrdiff_t>(pdf->size() * rng_.Uniform(0.3, 0.7)));
        name = "scan0002.pdf";
      }
    }
    add(name, type, std::move(bytes), {{"name", name}, {"kind", doc.unreadable}, {"pages", json::array()}, {"degradation", json::object()}});
    quarantined.push_back({{"attachment", name}, {"reason", doc.unreadable}});
  }

  const std::string from_name = sender_.empty() ? MakePerson(rng_, spanish, LocalTime(file_.received).day - days(15000)).FullName() : sender_;
  std::string local;
  for (char c : StripAccents(from_name)) {
    if (std::isalpha(static_cast<unsigned char>(c))) local.push_back(static_cast<char>(std::tolower(c)));
  }
  mail.from_name = from_name;
  mail.from_address = local.substr(0, 12) + std::to_string(rng_.Int(1, 99)) + "@" +
                      std::vector<std::string>{"example.com", "example.net", "inbox.example.org"}[rng_.Int(0, 2)];
  mail.to = "HIS Records <his-records@hospital.example.org>";
  mail.subject = doc.form ? MakeSubject(rng_, doc.form->form, spanish)
                          : (spanish ? "Solicitud de expediente médico" : "Medical records request");
  mail.date = Format("%a, %e %b %Y %H:%M:%S %z", file_.received);
  char id[64];
  std::snprintf(id, sizeof id, "%016llx.%08x@mail.example.net", static_cast<unsigned long long>(rng_.Next()),
                static_cast<unsigned>(rng_.Next() & 0xFFFFFFFF));
  mail.message_id = id;
  mail.received = "from mail.example.net (mail.example.net [192.0.2." + std::to_string(rng_.Int(2, 250)) +
                  "]) by his-mx01.hospital.example.org with ESMTPS; " + mail.date;
  mail.body = MakeBody(rng_, spanish, !mail.attachments.empty() && doc.unreadable.empty(), from_name);
  char boundary[48];
  std::snprintf(boundary, sizeof boundary, "----=_Part_%d_%08x", file_.number, static_cast<unsigned>(rng_.Next() & 0xFFFFFFFF));
  mail.boundary = boundary;
  const std::string message = MimeMessage(mail);

  char name[96];
  std::snprintf(name, sizeof name, "%lld.M%dP%dQ%d.his-mx01", static_cast<long long>(file_.received),
                rng_.Int(0, 999999), rng_.Int(2000, 60000), file_.number);
  if (auto w = Write(fs::path("inbox/email/new") / name, std::vector<std::uint8_t>(message.begin(), message.end()), result);
      !w) {
    return tl::unexpected(w.error());
  }
  result.pages = static_cast<int>(pages.size());
  json attachments = json::array();
  for (json& a : attachment_lines) attachments.push_back(std::move(a));
  result.files_line = {{"file", result.path}, {"kind", "email"}, {"attachments", attachments}};
  json truth = Truth(doc, parts, json::array(), attached, json::array());
  truth["file"] = result.path;
  if (!quarantined.empty()) truth["quarantined_attachments"] = quarantined;
  result.truth.emplace_back(doc.index, std::move(truth));
  return result;
}

Result<FileResult> FileMaker::Make() {
  FillDocuments();
  if (file_.channel == "fax") return MakeFax();
  if (file_.channel == "scan") return MakeScan();
  return MakeEmail();
}

// ---- Progress -----------------------------------------------------------------------

std::string Duration(double seconds) {
  const int s = static_cast<int>(std::lround(seconds));
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%dh%02dm", s / 3600, s / 60 % 60);
  } else {
    std::snprintf(text, sizeof text, "%dm%02ds", s / 60, s % 60);
  }
  return text;
}

void ShowProgress(int done, int total, std::chrono::steady_clock::time_point start, bool last) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double rate = elapsed > 0 ? done / elapsed : 0;
  const std::string left = rate > 0 ? Duration((total - done) / rate) : "?";
  std::fprintf(stderr, "\rcorpus: %d/%d documents  %.1f/s  %s left   %s", done, total, rate,
               left.c_str(), last ? "\n" : "");
  std::fflush(stderr);
}

json RunJson(const CorpusOptions& options, const std::vector<json>& truth, const CorpusSummary& summary,
             const FontCatalog& fonts) {
  std::map<std::string, int> forms, channels, languages, lines, queues, fills;
  int must_review = 0;
  for (const json& t : truth) {
    ++forms[t["form"].get<std::string>()];
    ++channels[t["channel"].get<std::string>()];
    ++languages[t["language"].get<std::string>()];
    if (!t["fax_line"].is_null()) ++lines[t["fax_line"].get<std::string>()];
    for (const auto& q : t["expected_queues"]) ++queues[q.get<std::string>()];
    if (t.contains("fill_mode")) ++fills[t["fill_mode"].get<std::string>()];
    must_review += t["must_review"].get<bool>();
  }
  json typed = json::array(), hand = json::array();
  for (const Font& f : fonts.typed()) typed.push_back(f.name);
  for (const Font& f : fonts.found_hand()) hand.push_back(f.name);
  return {{"generator", "intake corpus"},
          {"seed", options.seed},
          {"count", options.count},
          {"mix", {{"fax", options.mix.fax}, {"email", options.mix.email}, {"scan", options.mix.scan},
                   {"hand", options.mix.hand}, {"typed", options.mix.typed}, {"efill", options.mix.efill}}},
          {"files", summary.files},
          {"pages", summary.pages},
          {"bytes", summary.bytes},
          {"forms", forms},
          {"channels", channels},
          {"languages", languages},
          {"fax_lines", lines},
          {"queues", queues},
          {"fill_modes", fills},
          {"must_review", must_review},
          {"fonts", {{"typed", typed}, {"hand", hand}}}};
}

Result<void> WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) return Fail(ErrorCode::kIoError, "cannot write " + path.filename().string());
  return {};
}

}  // namespace

Result<void> ParseMix(std::string_view text, CorpusOptions& options) {
  CorpusMix mix = options.mix;
  std::map<std::string, double*> keys = {{"fax", &mix.fax},   {"email", &mix.email}, {"scan", &mix.scan},
                                         {"hand", &mix.hand}, {"typed", &mix.typed}, {"efill", &mix.efill}};
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, end - start);
    const std::size_t eq = item.find('=');
    const auto key = keys.find(std::string(item.substr(0, eq)));
    if (eq == std::string_view::npos || key == keys.end()) {
      return Fail(ErrorCode::kUnsupportedFormat,
                  "--mix takes key=share pairs separated by commas; keys: fax, email, scan, hand, typed, efill");
    }
    const std::string value(item.substr(eq + 1));
    char* stop = nullptr;
    const double share = std::strtod(value.c_str(), &stop);
    if (value.empty() || *stop != '\0' || !(share >= 0) || !std::isfinite(share)) {
      return Fail(ErrorCode::kUnsupportedFormat, "--mix: \"" + value + "\" is not a share (a number, 0 or more)");
    }
    *key->second = share;
    start = end + 1;
  }
  if (mix.fax + mix.email + mix.scan <= 0) return Fail(ErrorCode::kUnsupportedFormat, "--mix: the channel shares are all 0");
  if (mix.hand + mix.typed + mix.efill <= 0) return Fail(ErrorCode::kUnsupportedFormat, "--mix: the fill shares are all 0");
  options.mix = mix;
  return {};
}

Result<CorpusSummary> GenerateCorpus(const TemplateSet& templates, const CorpusOptions& options) {
  if (options.count < 1) return Fail(ErrorCode::kUnsupportedFormat, "the corpus needs at least one document");
  std::error_code ec;
  if (fs::exists(options.out, ec) && !fs::is_empty(options.out, ec)) {
    return Fail(ErrorCode::kIoError, "the output folder is not empty: choose a new folder");
  }
  for (const char* dir : {"inbox/fax/records", "inbox/fax/imaging", "inbox/fax/verbal", "inbox/email/new",
                          "inbox/email/cur", "inbox/email/tmp", "inbox/scan"}) {
    fs::create_directories(options.out / dir, ec);
    if (ec) return Fail(ErrorCode::kIoError, "cannot create the folder " + std::string(dir) + " in the output folder");
  }
  Result<FontCatalog> fonts = FontCatalog::Find(options.font_dirs, options.fonts);
  if (!fonts) return tl::unexpected(fonts.error());

  Rng plan_rng = Rng::For(options.seed, "plan", 0);
  const std::vector<DocPlan> docs = PlanDocuments(templates, options, plan_rng);
  const std::vector<FilePlan> files = PlanFiles(docs, options.seed, plan_rng);

  BlankPages blanks;
  const Shared shared{templates, *fonts, blanks, options.seed, options.out};
  std::vector<std::optional<Result<FileResult>>> results(files.size());
  std::atomic<std::size_t> next{0};
  std::atomic<int> docs_done{0};
  std::atomic<bool> failed{false};
  const int threads = std::max(1, options.threads > 0 ? options.threads
                                                      : static_cast<int>(std::thread::hardware_concurrency()));
  auto work = [&] {
    Pen pen;
    for (std::size_t i = next++; i < files.size() && !failed; i = next++) {
      try {
        results[i] = FileMaker(shared, docs, files[i], pen).Make();
      } catch (const std::exception& e) {
        results[i] = Fail(ErrorCode::kInternal, std::string("corpus generation failed: ") + e.what());
      }
      if (!*results[i]) failed = true;
      docs_done += static_cast<int>(files[i].docs.size());
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  if (options.progress) {
    while (docs_done < options.count && !failed) {
      ShowProgress(docs_done, options.count, start, false);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
  for (std::thread& t : pool) t.join();
  if (options.progress) ShowProgress(docs_done, options.count, start, true);

  CorpusSummary summary;
  std::vector<json> truth(docs.size());
  std::string files_text;
  for (std::optional<Result<FileResult>>& result : results) {
    if (result && !*result) return tl::unexpected(result->error());
    if (!result) continue;
    FileResult& file = **result;
    ++summary.files;
    summary.pages += file.pages;
    summary.bytes += file.bytes;
    files_text += JsonLine(file.files_line) + "\n";
    for (auto& [index, line] : file.truth) truth[index] = std::move(line);
  }
  std::string truth_text;
  for (const json& t : truth) {
    truth_text += JsonLine(t) + "\n";
    ++summary.forms[t["form"].get<std::string>()];
    ++summary.channels[t["channel"].get<std::string>()];
  }
  summary.documents = static_cast<int>(truth.size());
  for (const Font& f : fonts->typed()) summary.typed_fonts.push_back(f.name);
  for (const Font& f : fonts->found_hand()) summary.hand_fonts.push_back(f.name);
  if (auto w = WriteText(options.out / "truth.jsonl", truth_text); !w) return tl::unexpected(w.error());
  if (auto w = WriteText(options.out / "files.jsonl", files_text); !w) return tl::unexpected(w.error());
  if (auto w = WriteText(options.out / "run.json", RunJson(options, truth, summary, *fonts).dump(1) + "\n"); !w) {
    return tl::unexpected(w.error());
  }
  for (const char* keep : {"inbox/email/cur/.keep", "inbox/email/tmp/.keep"}) {
    if (auto w = WriteText(options.out / keep, ""); !w) return tl::unexpected(w.error());
  }
  return summary;
}

}  // namespace intake
