// route/route.h: the work queues, status and due dates of a request.
//
// `Route` is the routing table of SPEC section 3 as a pure function: by form,
// by the release items checked, and by the fax line the document came in on
// (an AUTH on the imaging line with nothing checked asks for images on CD).
// One document can go to two queues (records and imaging_cd).
//
// `CompleteRequest` fills in a request whose fields and findings are set:
//   queues  from `Route`;
//   status  "routed" only if no queue is `review`, every field's confidence
//           is at least `min_confidence` and there are no findings;
//           otherwise "needs_review" (the queues are kept: a reviewer
//           releases the request to them);
//   due     the target and statutory dates of the destination queue with the
//           earliest target (imaging_cd before records), counted by the
//           calendar from `source.received_at`; empty for `review` only.
//
//   request.findings = rules.Evaluate(request, context);
//   if (auto done = CompleteRequest(request, calendar, {}); !done) return tl::unexpected(done.error());
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/calendar.h"
#include "core/error.h"
#include "core/request.h"

namespace intake {

inline constexpr std::string_view kRecordsQueue = "records";
inline constexpr std::string_view kImagingQueue = "imaging_cd";
inline constexpr std::string_view kAmendmentsQueue = "amendments";
inline constexpr std::string_view kVerbalQueue = "verbal_authorization";
inline constexpr std::string_view kReviewQueue = "review";
/// The fax line whose AUTH forms with nothing checked are imaging requests.
inline constexpr std::string_view kImagingFaxLine = "imaging";

/// The sorted queues of a document. `form` is AUTH, AMEND, VERBAL or OTHER;
/// `form_identified` false (the classifier could not tell which form it is)
/// sends it to review whatever `form` says.
std::vector<std::string> Route(std::string_view form, const std::vector<std::string>& release_items,
                               const std::optional<std::string>& fax_line, bool form_identified);

struct CompleteOptions {
  double min_confidence = 0.9;  // a field below this is shown to a reviewer
  bool form_identified = true;
};

/// Sets queues, status and due. Fails, leaving the request unchanged, only
/// when due dates are needed and `source.received_at` is not ISO 8601.
tl::expected<void, Error> CompleteRequest(Request& request, const BusinessCalendar& calendar,
                                          const CompleteOptions& options);

}  // namespace intake
