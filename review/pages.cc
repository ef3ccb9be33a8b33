// The review app's HTML (review/pages.h).
#include "review/pages.h"

#include <algorithm>

#include <fmt/format.h>

#include "review/http.h"

namespace intake::review_pages {
namespace {

constexpr const char* kDestinations[] = {"records", "imaging_cd", "amendments", "verbal_authorization"};

std::string Head(const std::string& title) {
  return fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} - intake review</title>"
      "<meta name=\"viewport\" content=\"width=device-width\">"
      "<link rel=\"stylesheet\" href=\"/static/review.css\"><script src=\"/static/review.js\" defer></script>"
      "</head><body>",
      Escape(title));
}

std::string Bar(const Viewer& viewer) {
  return fmt::format(
      "<header><a href=\"/\" class=\"home\">intake review</a><span class=\"who\">{} ({})</span>"
      "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">"
      "<button type=\"submit\">Sign out</button></form></header>",
      Escape(viewer.user), ToString(viewer.role), viewer.csrf);
}

std::string Csrf(const Viewer& viewer) {
  return fmt::format("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", viewer.csrf);
}

std::string Or(const std::optional<std::string>& text, std::string_view fallback = "-") {
  return Escape(text ? *text : std::string(fallback));
}

std::string BoxData(const std::optional<std::array<double, 4>>& box) {
  if (!box) return "";
  return fmt::format("{:.0f},{:.0f},{:.0f},{:.0f}", (*box)[0], (*box)[1], (*box)[2], (*box)[3]);
}

// The 1-based position in `pages` of the page a field was read on.
std::optional<int> PagePosition(const DocumentView& view, const FieldReading& reading) {
  if (!reading.page) return std::nullopt;
  const std::optional<std::string> attachment =
      view.request.source.parts.empty() ? std::nullopt : view.request.source.parts.front().attachment;
  for (std::size_t i = 0; i < view.pages.size(); ++i) {
    const PageRef& page = view.pages[i];
    if (!page.supporting && page.page == *reading.page && page.attachment == attachment) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

std::string FieldRow(const DocumentView& view, const std::string& key, const FieldReading* reading, bool editable) {
  const bool doubtful = reading && reading->confidence < view.min_field_confidence;
  const std::optional<int> page = reading ? PagePosition(view, *reading) : std::nullopt;
  std::string crop;
  if (reading && page && reading->box && view.form) {
    const TemplatePage& tpage = view.form->pages.at(0);
    crop = fmt::format(
        "<div class=\"crop\" data-src=\"/documents/{}/pages/{}.png\" data-box=\"{}\" data-w=\"{}\" data-h=\"{}\">"
        "</div>",
        UrlEncode(view.request.document_id), *page, BoxData(reading->box), tpage.blank.width, tpage.blank.height);
  }
  const std::string id = "f-" + key;
  return fmt::format(
      "<div class=\"field{}\" data-field=\"{}\"><label for=\"{}\">{}</label>{}"
      "<input id=\"{}\" name=\"{}{}\" value=\"{}\" autocomplete=\"off\"{}>"
      "<span class=\"conf\" title=\"confidence\">{}</span></div>",
      doubtful ? " doubtful" : "", Escape(key), Escape(id), Escape(key), crop, Escape(id), kFieldPrefix, Escape(key),
      reading ? Escape(EditText(reading->value)) : "", editable ? "" : " readonly",
      reading ? fmt::format("{:.2f}", reading->confidence) : "blank");
}

}  // namespace


std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string EditText(const nlohmann::json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string out;
    for (const nlohmann::json& item : value) {
      if (!out.empty()) out += ", ";
      out += item.is_string() ? item.get<std::string>() : item.dump();
    }
    return out;
  }
  return value.is_null() ? "" : value.dump();
}

std::string LoginPage(const std::string& login_csrf, const std::string& message) {
  return Head("Sign in") +
         fmt::format(
             "<main class=\"login\"><h1>intake review</h1>{}"
             "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">"
             "<label for=\"user\">User</label><input id=\"user\" name=\"user\" autocomplete=\"username\" autofocus>"
             "<label for=\"password\">Password</label>"
             "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\">"
             "<button type=\"submit\">Sign in</button></form></main></body></html>",
             message.empty() ? "" : "<p class=\"message\">" + Escape(message) + "</p>", login_csrf);
}

std::string WorklistPage(const Viewer& viewer, const std::vector<WorklistRow>& rows, const WorklistFilter& filter,
                         const std::vector<std::string>& queues, const std::vector<std::string>& reasons) {
  std::string html = Head("Worklist") + Bar(viewer) + "<main><h1>Waiting for review</h1>";
  auto options = [](const std::vector<std::string>& values, const std::string& chosen, const char* all) {
    std::string out = fmt::format("<option value=\"\">{}</option>", all);
    for (const std::string& value : values) {
      out += fmt::format("<option value=\"{0}\"{1}>{0}</option>", Escape(value), value == chosen ? " selected" : "");
    }
    return out;
  };
  html += fmt::format(
      "<form class=\"filters\" method=\"get\" action=\"/\"><label>Queue <select name=\"queue\">{}</select></label>"
      "<label>Reason <select name=\"reason\">{}</select></label>"
      "<label><input type=\"checkbox\" name=\"closed\" value=\"1\"{}> closed reviews too</label>"
      "<button type=\"submit\">Filter</button></form>",
      options(queues, filter.queue, "all queues"), options(reasons, filter.reason, "all reasons"),
      filter.closed ? " checked" : "");
  html += "<table class=\"worklist\"><thead><tr><th>Document</th><th>Form</th><th>Language</th><th>Channel</th>"
          "<th>Received</th><th>Due</th><th>Days left</th><th>Held because</th><th>Goes to</th><th>State</th>"
          "</tr></thead><tbody>";
  for (const WorklistRow& row : rows) {
    const Request& r = row.request;
    std::string queues_text;
    for (const std::string& queue : r.queues) {
      if (queue == "review") continue;
      queues_text += (queues_text.empty() ? "" : ", ") + queue;
    }
    std::string reasons_text;
    for (const std::string& reason : row.reasons) reasons_text += (reasons_text.empty() ? "" : ", ") + reason;
    const std::string channel =
        std::string(ToString(r.source.channel)) + (r.source.fax_line ? " (" + *r.source.fax_line + ")" : "");
    html += fmt::format(
        "<tr class=\"{}\"><td><a href=\"/documents/{}\">{}</a></td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        row.days_left && *row.days_left < 0 ? "overdue" : "", UrlEncode(row.item.document_id),
        Escape(row.item.document_id), Escape(r.form), Or(r.form_code, ""), Or(r.language), Escape(channel),
        Escape(r.source.received_at), Or(row.item.due_target), row.days_left ? std::to_string(*row.days_left) : "-",
        Escape(reasons_text), Escape(queues_text.empty() ? "(to choose)" : queues_text),
        ToString(row.item.state));
  }
  if (rows.empty()) html += "<tr><td colspan=\"10\">Nothing is waiting.</td></tr>";
  html += "</tbody></table><p class=\"keys\">Keys: j / k move, Enter opens.</p></main></body></html>";
  return html;
}

std::string DocumentPage(const Viewer& viewer, const DocumentView& view) {
  const Request& r = view.request;
  const std::string id = UrlEncode(r.document_id);
  const bool open = view.review && (view.review->state == WorkState::kNew || view.review->state == WorkState::kInProgress);
  std::string html = Head("Document " + r.document_id) + Bar(viewer) + "<main class=\"document\">";
  html += fmt::format("<h1>Document {}</h1>", Escape(r.document_id));
  if (!view.message.empty()) html += "<p class=\"message\" role=\"status\">" + Escape(view.message) + "</p>";
  html += fmt::format(
      "<p class=\"meta\">Form <b>{}</b> {} &middot; language {} &middot; {} {} &middot; file {} &middot; received {}"
      " &middot; due {} (statutory {}) &middot; review: <b id=\"review-state\">{}</b></p>",
      Escape(r.form), Or(r.form_code, ""), Or(r.language), ToString(r.source.channel), Or(r.source.fax_line, ""),
      Escape(r.source.file), Escape(r.source.received_at), Or(r.due.target), Or(r.due.statutory),
      view.review ? std::string(ToString(view.review->state)) : "not held");

  html += "<section class=\"findings\"><h2>Rule findings</h2><ul>";
  for (const Finding& finding : r.findings) {
    html += fmt::format("<li class=\"sev-{}\"><b>{}</b> {}{}: {}</li>", Escape(finding.severity), Escape(finding.rule),
                        Escape(finding.severity), finding.field ? " &middot; " + Escape(*finding.field) : "",
                        Escape(finding.message));
  }
  if (r.findings.empty()) html += "<li>None.</li>";
  std::string destinations;
  for (const std::string& queue : r.queues) {
    if (queue != "review") destinations += (destinations.empty() ? "" : ", ") + Escape(queue);
  }
  html += fmt::format("</ul></section><section class=\"queues\"><h2>Queues</h2><p>Goes to: <b>{}</b></p>"
                      "<ul id=\"queues\">",
                      destinations.empty() ? "(a queue to choose)" : destinations);
  for (const WorkItem& item : view.items) {
    html += fmt::format("<li>{} &middot; {}{}</li>", Escape(item.queue), ToString(item.state),
                        item.reason.empty() ? "" : " &middot; " + Escape(item.reason));
  }
  html += "</ul></section><div class=\"layout\"><div class=\"pages\">";

  // Pages with every field's box.
  for (std::size_t i = 0; i < view.pages.size(); ++i) {
    const int position = static_cast<int>(i) + 1;
    const int width = view.form ? view.form->pages.at(0).blank.width : 0;
    const int height = view.form ? view.form->pages.at(0).blank.height : 0;
    html += fmt::format("<figure class=\"page\" data-w=\"{}\" data-h=\"{}\"><img src=\"/documents/{}/pages/{}.png\" "
                        "alt=\"page {}\"><figcaption>page {}{}</figcaption>",
                        width, height, id, position, position, position,
                        view.pages[i].supporting ? " (supporting)" : "");
    for (const auto& [key, reading] : r.fields) {
      if (!reading.box || PagePosition(view, reading) != position || !view.form) continue;
      html += fmt::format("<div class=\"box{}\" data-field=\"{}\" data-box=\"{}\" title=\"{}\"></div>",
                          reading.confidence < view.min_field_confidence ? " doubtful" : "", Escape(key),
                          BoxData(reading.box), Escape(key));
    }
    html += "</figure>";
  }
  html += "</div><div class=\"side\">";

  // Fields: the doubtful first, then the others, then the form's blank ones.
  html += fmt::format("<form id=\"approve\" method=\"post\" action=\"/documents/{}/approve\">{}<h2>Fields</h2>", id,
                      Csrf(viewer));
  std::vector<const std::pair<const std::string, FieldReading>*> ordered;
  for (const auto& entry : r.fields) ordered.push_back(&entry);
  std::stable_sort(ordered.begin(), ordered.end(), [&](auto* a, auto* b) {
    const bool da = a->second.confidence < view.min_field_confidence;
    const bool db = b->second.confidence < view.min_field_confidence;
    return da && !db;
  });
  for (const auto* entry : ordered) html += FieldRow(view, entry->first, &entry->second, open);
  if (view.form) {
    for (const TemplateField& field : view.form->fields) {
      if (field.kind == FieldKind::kCheckbox || field.kind == FieldKind::kSignature || r.fields.count(field.key)) {
        continue;
      }
      html += FieldRow(view, field.key, nullptr, open);
    }
  }
  if (open) {
    html += "<fieldset class=\"destinations\"><legend>Release to</legend>";
    for (const char* queue : kDestinations) {
      const bool own = std::find(r.queues.begin(), r.queues.end(), queue) != r.queues.end();
      html += fmt::format("<label><input type=\"checkbox\" name=\"queue\" value=\"{0}\"{1}> {0}</label>", queue,
                          own ? " checked" : "");
    }
    html += "</fieldset><button type=\"submit\" id=\"approve-button\">Approve (Ctrl+Enter)</button>";
  }
  html += "</form>";

  if (open) {
    std::string letter;
    for (const Finding& finding : r.findings) {
      if (finding.severity == "deficient") letter += (letter.empty() ? "" : "\n") + finding.message;
    }
    html += fmt::format(
        "<form id=\"deficient\" method=\"post\" action=\"/documents/{}/deficient\">{}<h2>Mark deficient</h2>"
        "<label for=\"reason\">Reason, for the letter to the sender</label>"
        "<textarea id=\"reason\" name=\"reason\" rows=\"3\">{}</textarea>"
        "<button type=\"submit\">Mark deficient</button></form>",
        id, Csrf(viewer), Escape(letter));
    html += fmt::format("<form id=\"reclassify\" method=\"post\" action=\"/documents/{}/reclassify\">{}"
                        "<h2>Reclassify</h2><label for=\"form\">It is</label><select id=\"form\" name=\"form\">",
                        id, Csrf(viewer));
    for (const char* form : {"AUTH", "AMEND", "VERBAL", "OTHER"}) {
      html += fmt::format("<option value=\"{0}\"{1}>{2}</option>", form, r.form == form ? " selected" : "",
                          std::string_view(form) == "OTHER" ? "not one of our forms" : form);
    }
    html += "</select><button type=\"submit\">Reclassify</button></form>";
  } else if (view.review && viewer.role == Role::kSupervisor) {
    html += fmt::format("<form id=\"reopen\" method=\"post\" action=\"/documents/{}/reopen\">{}"
                        "<button type=\"submit\">Reopen for review</button></form>",
                        id, Csrf(viewer));
  }
  html += "<p class=\"keys\">Keys: Enter accepts a field and goes to the next, Shift+Enter goes back, "
          "Ctrl+Enter approves; outside a field j / k move between fields.</p></div></div></main></body></html>";
  return html;
}

std::string MessagePage(const Viewer& viewer, const std::string& title, const std::string& message) {
  return Head(title) + Bar(viewer) + "<main><h1>" + Escape(title) + "</h1><p class=\"message\">" + Escape(message) +
         "</p><p><a href=\"/\">Back to the worklist</a></p></main></body></html>";
}

}  // namespace intake::review_pages
