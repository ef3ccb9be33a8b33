// Pages of one file -> logical documents (see identify.h).
//
// A form page joins the open document when it is the same template and its
// page slot is still empty, so page 2 before page 1 is one document and a
// second page 1 starts the next. A page that is not a form goes with the form
// before it (an ID copy, a letter behind the form) or, when no form is open,
// waits for the next one (a cover sheet); pages that never meet a form become
// one OTHER document. A separator sheet closes whatever is open. In a
// mailroom scan batch (OtherPages::kStandAlone) pages that are no form are
// never attached: the mailroom stacks unrelated mail in one batch.
#include "classifiers/identify.h"

namespace intake {

std::vector<LogicalDocument> AssembleDocuments(const std::vector<PageIdentity>& ids, OtherPages other) {
  std::vector<LogicalDocument> docs;
  std::optional<std::size_t> open;  // index in docs of the form document pages may still join
  std::vector<int> waiting;         // non-form pages seen while no form was open

  auto flush_waiting = [&] {
    if (waiting.empty()) return;
    LogicalDocument other;
    other.other_pages = std::move(waiting);
    docs.push_back(std::move(other));
    waiting.clear();
  };

  for (std::size_t i = 0; i < ids.size(); ++i) {
    const PageIdentity& id = ids[i];
    const int file_page = static_cast<int>(i) + 1;
    if (id.separator) {
      flush_waiting();
      open.reset();
      continue;
    }
    if (!id.form || id.page < 1 || id.page > static_cast<int>(id.form->pages.size())) {
      if (open && other == OtherPages::kSupporting) {
        docs[*open].supporting_pages.push_back(file_page);
      } else {
        open.reset();
        waiting.push_back(file_page);
      }
      continue;
    }
    const std::size_t slot = static_cast<std::size_t>(id.page - 1);
    if (!open || docs[*open].form != id.form || docs[*open].form_pages[slot]) {
      LogicalDocument doc;
      doc.form = id.form;
      doc.form_pages.assign(id.form->pages.size(), std::nullopt);
      if (other == OtherPages::kStandAlone) {
        flush_waiting();
      } else {
        doc.supporting_pages = std::move(waiting);
        waiting.clear();
      }
      docs.push_back(std::move(doc));
      open = docs.size() - 1;
    }
    docs[*open].form_pages[slot] = file_page;
  }
  flush_waiting();
  return docs;
}

}  // namespace intake
