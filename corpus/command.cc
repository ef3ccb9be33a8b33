#include "corpus/command.h"

#include <chrono>
#include <cstdio>

namespace intake {

int CorpusCommand(CorpusOptions options, const std::string& mix, const std::filesystem::path& data_dir,
                  std::ostream& out, std::ostream& err) {
  if (!mix.empty()) {
    if (auto parsed = ParseMix(mix, options); !parsed) {
      err << parsed.error().message << "\n";
      return 2;
    }
  }
  Result<TemplateSet> templates = LoadTemplates({DefaultFormsDir(), data_dir / "forms"});
  if (!templates) {
    err << "cannot load the forms: " << templates.error().message << "\n";
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  Result<CorpusSummary> summary = GenerateCorpus(*templates, options);
  if (!summary) {
    err << "corpus: " << summary.error().message << "\n";
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char line[160];
  std::snprintf(line, sizeof line, "wrote %d documents in %d files (%d pages, %.1f MB) in %.1f s to ",
                summary->documents, summary->files, summary->pages, summary->bytes / 1e6, seconds);
  out << line << options.out.string() << "\n";
  for (const auto& [form, n] : summary->forms) out << "  " << form << ": " << n << "\n";
  out << "typed fonts (" << summary->typed_fonts.size() << "):";
  for (const std::string& f : summary->typed_fonts) out << " " << f;
  out << "\nhand-like fonts (" << summary->hand_fonts.size() << "):";
  for (const std::string& f : summary->hand_fonts) out << " " << f;
  out << "\n";
  if (summary->hand_fonts.empty()) {
    out << "no hand-like fonts found: hand filling uses typed fonts with a hand's jitter "
           "(scripts/install-deps.sh installs the hand-like font packages)\n";
  }
  return 0;
}

}  // namespace intake
