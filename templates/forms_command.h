// templates/forms_command.h: the `intake forms` commands.
//
// A site registers a new form, or a new revision of one, by handing over the
// fillable PDF and its side file; nothing is edited by hand and no code
// changes. `add` builds the template first (so a broken side file or a PDF
// without fields is refused with the reason), refuses a code+rev that is
// already registered or older than the one in use, then copies both files
// into <data_dir>/forms/. `list` shows what the service will load.
//
//   return FormsAdd("HIS-AUTH-EN.pdf", std::nullopt, config.data_dir, std::cout, std::cerr);
//   return FormsList(TemplateFolders(config.data_dir), std::cout, std::cerr);
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

namespace intake {

/// Where templates are loaded from, in order: the shipped set, then the site's.
std::vector<std::filesystem::path> TemplateFolders(const std::filesystem::path& data_dir);

/// `intake forms add FORM.pdf [--side FORM.toml]`; the side file defaults to
/// FORM.toml beside the PDF. Returns the exit code (0 registered, 1 refused).
int FormsAdd(const std::filesystem::path& pdf, const std::optional<std::filesystem::path>& side,
             const std::filesystem::path& data_dir, std::ostream& out, std::ostream& err);

/// `intake forms list`: one line per form in use. Returns the exit code.
int FormsList(const std::vector<std::filesystem::path>& folders, std::ostream& out, std::ostream& err);

}  // namespace intake
