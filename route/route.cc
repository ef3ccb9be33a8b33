#include "route/route.h"

#include <algorithm>

namespace intake {

std::vector<std::string> Route(std::string_view form, const std::vector<std::string>& release_items,
                               const std::optional<std::string>& fax_line, bool form_identified) {
  if (!form_identified) return {std::string(kReviewQueue)};
  if (form == "AMEND") return {std::string(kAmendmentsQueue)};
  if (form == "VERBAL") return {std::string(kVerbalQueue)};
  if (form != "AUTH") return {std::string(kReviewQueue)};

  const bool imaging = std::find(release_items.begin(), release_items.end(), kImagingQueue) != release_items.end();
  const bool records = std::any_of(release_items.begin(), release_items.end(),
                                   [](const std::string& item) { return item != kImagingQueue; });
  std::vector<std::string> queues;
  if (imaging || (!records && fax_line == kImagingFaxLine)) queues.emplace_back(kImagingQueue);
  if (records) queues.emplace_back(kRecordsQueue);
  if (queues.empty()) queues.emplace_back(kReviewQueue);
  std::sort(queues.begin(), queues.end());
  return queues;
}

namespace {

std::vector<std::string> ReleaseItems(const Request& request) {
  std::vector<std::string> items;
  const auto it = request.fields.find("release.items");
  if (it == request.fields.end() || !it->second.value.is_array()) return items;
  for (const nlohmann::json& item : it->second.value) {
    if (item.is_string()) items.push_back(item.get<std::string>());
  }
  return items;
}

bool Trusted(const Request& request, const std::vector<std::string>& queues, double min_confidence) {
  if (std::find(queues.begin(), queues.end(), kReviewQueue) != queues.end()) return false;
  if (!request.findings.empty()) return false;
  return std::all_of(request.fields.begin(), request.fields.end(),
                     [&](const auto& field) { return field.second.confidence >= min_confidence; });
}

// The earlier of two optional dates, an absent one counting as the latest.
bool Earlier(const std::optional<Date>& a, const std::optional<Date>& b) {
  if (!a) return false;
  return !b || *a < *b;
}

}  // namespace

tl::expected<void, Error> CompleteRequest(Request& request, const BusinessCalendar& calendar,
                                          const CompleteOptions& options) {
  std::vector<std::string> queues =
      Route(request.form, ReleaseItems(request), request.source.fax_line, options.form_identified);

  // The earliest target among the destinations (review is never one: Route
  // sends a document either to review alone or to destinations alone).
  std::optional<QueueDue> first;
  if (queues.front() != kReviewQueue) {
    const std::optional<Receipt> receipt = ParseReceipt(request.source.received_at);
    if (!receipt) {
      return Fail(ErrorCode::kInternal,
                  "the receive time \"" + request.source.received_at + "\" is not an ISO 8601 date: no due dates");
    }
    for (const std::string& queue : queues) {
      const QueueDue due = calendar.DueFor(queue, *receipt);
      if (!first || Earlier(due.target, first->target)) first = due;
    }
  }

  Due due;
  if (first && first->target) due.target = FormatDate(*first->target);
  if (first && first->statutory) due.statutory = FormatDate(*first->statutory);
  request.status = Trusted(request, queues, options.min_confidence) ? "routed" : "needs_review";
  request.queues = std::move(queues);
  request.due = due;
  return {};
}

}  // namespace intake
