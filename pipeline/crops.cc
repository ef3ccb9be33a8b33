#include "pipeline/crops.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "classifiers/identify.h"
#include "extract/fields.h"
#include "pipeline/measure.h"
#include "pipeline/score.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using Page = std::pair<std::string, int>;  // (attachment or "", 1-based page)

// Every file of the corpus's inboxes, sorted, paths relative to the corpus.
std::vector<fs::path> ListInboxFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir / "inbox")) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "inbox")) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && !name.empty() && name[0] != '.') files.push_back(fs::relative(entry.path(), dir));
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The unique part of a file name: a Maildir message keeps it across "new/" -> "cur/:2,S".
std::string FileKey(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  return name.substr(0, name.find(':'));
}

// The crops of one form document, with their label lines (`png` named from `stem`).
void CropDocument(const LogicalDocument& doc, const std::vector<IdentifiedPage>& pages, const json& truth,
                  const std::string& stem, const fs::path& out_dir, OcrEngine* ocr, std::vector<json>& lines,
                  double& tesseract_ms, int& tesseract_reads) {
  const FormTemplate& form = *doc.form;
  std::set<std::string> crossed_out;
  for (const auto& hard : truth.value("hard_cases", json::array())) {
    if (hard.value("kind", "") == "crossout" && hard.contains("key")) crossed_out.insert(hard["key"].get<std::string>());
  }
  const json written = truth.value("written", json::object());
  const std::string fill = truth.value("fill_mode", "");
  std::vector<std::optional<RegisteredPage>> registered;
  for (const std::optional<int>& index : doc.form_pages) {
    std::optional<RegisteredPage> reg;
    if (index) {
      const IdentifiedPage& page = pages[*index - 1];
      if (auto r = RegisterPage(page.prepared.image, form, page.identity.page)) reg = std::move(*r);
    }
    registered.push_back(std::move(reg));
  }
  for (const TemplateField& field : form.fields) {
    if ((field.kind != FieldKind::kText && field.kind != FieldKind::kInitials) || field.lines > 1) continue;
    if (crossed_out.count(field.key) || !written.contains(field.key)) continue;
    const json& value = truth.at("fields").value(field.key, json(nullptr));
    if (!value.is_string()) continue;
    const std::size_t slot = static_cast<std::size_t>(field.page - 1);
    if (slot >= registered.size() || !registered[slot]) continue;
    const TemplatePage& blank = form.pages[slot];
    const std::optional<GrayImage> crop =
        WritingInField(registered[slot]->image, blank.blank, ToPixels(field.rect, blank, kTemplateDpi));
    if (!crop) continue;
    const std::string png = stem + "-" + field.key + ".png";
    const cv::Mat mat(crop->height, crop->width, CV_8UC1, const_cast<std::uint8_t*>(crop->pixels.data()));
    if (!cv::imwrite((out_dir / png).string(), mat)) continue;
    // Initials are written by hand on a typed form too.
    const bool by_hand = fill == "hand" || field.kind == FieldKind::kInitials;
    json line = {{"png", png},
                 {"value", written.at(field.key)},
                 {"truth", value},
                 {"format", std::string(ToString(field.format))},
                 {"fill", by_hand ? "hand" : "typed"},
                 {"font", truth.value(by_hand ? "hand_font" : "font", "")},
                 {"channel", truth.value("channel", "")},
                 {"form", form.form},
                 {"language", form.language},
                 {"key", field.key},
                 {"doc", truth.value("doc_id", "")}};
    if (ocr) {
      const auto start = std::chrono::steady_clock::now();
      Result<OcrText> read = ocr->ReadRegion(*crop, Box{}, OcrMode::kSingleLine, OcrCharacters(field.format));
      tesseract_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      ++tesseract_reads;
      line["tesseract"] = read ? read->text : "";
    }
    lines.push_back(std::move(line));
  }
}

}  // namespace

Result<CropsReport> WriteFieldCrops(const fs::path& corpus_dir, const fs::path& out_dir,
                                    const PipelineOptions& options, const FormsKnowledge& knowledge,
                                    const OcrOptions& ocr_options, bool tesseract, int threads) {
  std::map<std::string, std::vector<json>> truth_by_file;
  std::ifstream truth_file(corpus_dir / "truth.jsonl");
  if (!truth_file) return Fail(ErrorCode::kIoError, "no truth.jsonl in the corpus folder");
  for (std::string text; std::getline(truth_file, text);) {
    if (text.empty()) continue;
    json truth = json::parse(text, nullptr, false);
    if (truth.is_discarded() || !truth.contains("file")) continue;
    truth_by_file[FileKey(truth["file"].get<std::string>())].push_back(std::move(truth));
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Fail(ErrorCode::kIoError, "cannot create the crops folder: " + ec.message());

  const std::vector<fs::path> files = ListInboxFiles(corpus_dir);
  std::vector<std::unique_ptr<OcrEngine>> engines;
  for (int i = 0; i < std::max(1, threads); ++i) {
    auto engine = OcrEngine::Create(ocr_options);
    if (!engine) return tl::unexpected(engine.error());
    engines.push_back(std::move(*engine));
  }
  CropsReport report;
  report.files = static_cast<int>(files.size());
  std::vector<json> lines;
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  double tesseract_ms = 0;
  int tesseract_reads = 0;
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < engines.size(); ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t i = next++; i < files.size(); i = next++) {
        const fs::path& relative = files[i];
        const std::vector<std::uint8_t> bytes = ReadBytes(corpus_dir / relative);
        const bool email = relative.string().find("inbox/email/") == 0;
        Result<std::vector<IdentifiedPage>> pages = IdentifyFilePages(bytes, email, options, knowledge, *engines[t]);
        if (!pages) continue;
        std::vector<PageIdentity> ids;
        for (const IdentifiedPage& page : *pages) ids.push_back(page.identity);
        const auto truths = truth_by_file.find(FileKey(relative.string()));
        std::vector<json> made;
        int documents = 0, matched = 0;
        double ms = 0;
        int reads = 0;
        int n = 0;
        for (const LogicalDocument& doc : AssembleDocuments(ids)) {
          ++n;
          if (!doc.form) continue;
          ++documents;
          std::set<Page> found;
          for (const std::optional<int>& index : doc.form_pages) {
            if (index) found.insert({(*pages)[*index - 1].attachment.value_or(""), (*pages)[*index - 1].number});
          }
          const json* truth = nullptr;
          if (truths != truth_by_file.end()) {
            for (const json& candidate : truths->second) {
              if (candidate.value("form", "") != doc.form->form) continue;
              const std::set<Page> expected = TruthPages(candidate);
              if (std::any_of(found.begin(), found.end(), [&](const Page& p) { return expected.count(p) > 0; })) {
                truth = &candidate;
                break;
              }
            }
          }
          if (!truth) continue;
          ++matched;
          const std::string stem = fmt::format("{:06d}-{}", i, n);
          CropDocument(doc, *pages, *truth, stem, out_dir, tesseract ? engines[t].get() : nullptr, made, ms, reads);
        }
        std::lock_guard lock(mutex);
        report.documents += documents;
        report.matched += matched;
        tesseract_ms += ms;
        tesseract_reads += reads;
        for (json& line : made) lines.push_back(std::move(line));
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  std::sort(lines.begin(), lines.end(), [](const json& a, const json& b) { return a["png"] < b["png"]; });
  std::ofstream labels(out_dir / "labels.jsonl");
  for (const json& line : lines) labels << line.dump() << "\n";
  if (!labels) return Fail(ErrorCode::kIoError, "cannot write labels.jsonl in the crops folder");
  report.crops = static_cast<int>(lines.size());
  report.tesseract_ms = tesseract_reads ? tesseract_ms / tesseract_reads : 0;
  return report;
}

int BenchCropsCommand(const fs::path& corpus_dir, const fs::path& out_dir, const fs::path& data_dir,
                      const PipelineOptions& options, const OcrOptions& ocr_options, bool tesseract, int threads) {
  Result<FormsKnowledge> knowledge = LoadFormsKnowledge({DefaultFormsDir(), data_dir / "forms"});
  if (!knowledge) {
    std::cerr << "cannot load the forms: " << knowledge.error().message << "\n";
    return 1;
  }
  Result<CropsReport> report = WriteFieldCrops(corpus_dir, out_dir, options, *knowledge, ocr_options, tesseract, threads);
  if (!report) {
    std::cerr << report.error().message << "\n";
    return 1;
  }
  std::cout << fmt::format("crops: {} files, {} form documents ({} matched to truth), {} crops", report->files,
                           report->documents, report->matched, report->crops);
  if (tesseract) std::cout << fmt::format(", Tesseract {:.1f} ms per crop", report->tesseract_ms);
  std::cout << "\n";
  return 0;
}

}  // namespace intake
