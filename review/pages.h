// review/pages.h: the review app's HTML, rendered on the server.
//
// Private to review/: review.cc gathers what a page shows and these functions
// write it. Every value is HTML-escaped; pages carry no inline script or
// style (the Content-Security-Policy is default-src 'self'), so box and crop
// positions travel as data- attributes that /static/review.js applies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/request.h"
#include "review/render.h"
#include "store/store.h"
#include "templates/template.h"

namespace intake::review_pages {

struct Viewer {
  std::string user;
  Role role = Role::kReviewer;
  std::string csrf;
};

struct WorklistRow {
  WorkItem item;
  Request request;
  std::optional<int> days_left;      // business days to the target date
  std::vector<std::string> reasons;  // why it is held: rule ids, "doubtful fields"
};

struct WorklistFilter {
  std::string queue;   // a destination queue; empty: all
  std::string reason;  // a rule id or "doubtful fields"; empty: all
  bool closed = false; // approved and deficient reviews too (a supervisor reopens them)
};

struct DocumentView {
  Request request;
  std::optional<WorkItem> review;     // the review item; nullopt when it went to its queues directly
  std::vector<WorkItem> items;        // every item of the document
  std::vector<PageRef> pages;
  const FormTemplate* form = nullptr;  // its template, when it is one of our forms
  double min_field_confidence = 0.9;
  std::string message;                 // the outcome of the last action, or why it was refused
};

/// The names of the keys a reviewer edits: "field.<key>" in the approve form.
inline constexpr std::string_view kFieldPrefix = "field.";
inline constexpr std::string_view kDoubtful = "doubtful fields";

std::string Escape(std::string_view text);
/// A field value as the reviewer edits it: text as is, yes/no, a list as "a, b".
std::string EditText(const nlohmann::json& value);

std::string LoginPage(const std::string& login_csrf, const std::string& message);
std::string WorklistPage(const Viewer& viewer, const std::vector<WorklistRow>& rows, const WorklistFilter& filter,
                         const std::vector<std::string>& queues, const std::vector<std::string>& reasons);
std::string DocumentPage(const Viewer& viewer, const DocumentView& view);
std::string MessagePage(const Viewer& viewer, const std::string& title, const std::string& message);

/// The static files, embedded in the binary.
std::string_view ScriptFile();
std::string_view StyleFile();

}  // namespace intake::review_pages
