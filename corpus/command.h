// corpus/command.h: `intake corpus`, the command around GenerateCorpus.
//
// Loads the registered forms (the shipped ones and the site's own under
// data_dir/forms), writes the corpus and says what it wrote and with which
// fonts. Returns the process exit code.
//
//   return CorpusCommand(options, mix, config.data_dir, std::cout, std::cerr);
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "corpus/corpus.h"

namespace intake {

/// `mix` is the --mix text ("" keeps the defaults).
int CorpusCommand(CorpusOptions options, const std::string& mix, const std::filesystem::path& data_dir,
                  std::ostream& out, std::ostream& err);

}  // namespace intake
