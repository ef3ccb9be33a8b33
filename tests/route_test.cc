// Tests of routing (every row of SPEC section 3), of the status a request
// gets, and of the due dates chosen for it (SPEC section 6, shipped calendar).
#include "route/route.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace intake {
namespace {

using Queues = std::vector<std::string>;
using Json = nlohmann::json;

const std::optional<std::string> kNoLine;
const std::optional<std::string> kRecordsLine = "records";
const std::optional<std::string> kImagingLine = "imaging";

TEST(RouteTest, AmendGoesToAmendments) {
  EXPECT_EQ(Route("AMEND", {}, kNoLine, true), Queues{"amendments"});
  EXPECT_EQ(Route("AMEND", {}, kImagingLine, true), Queues{"amendments"});
}

TEST(RouteTest, VerbalGoesToVerbalAuthorization) {
  EXPECT_EQ(Route("VERBAL", {}, kRecordsLine, true), Queues{"verbal_authorization"});
}

TEST(RouteTest, AuthWithImagingCdCheckedGoesToImagingCd) {
  EXPECT_EQ(Route("AUTH", {"imaging_cd"}, kRecordsLine, true), Queues{"imaging_cd"});
  EXPECT_EQ(Route("AUTH", {"imaging_cd"}, kNoLine, true), Queues{"imaging_cd"});
}

TEST(RouteTest, AuthOnImagingLineWithNothingCheckedGoesToImagingCd) {
  EXPECT_EQ(Route("AUTH", {}, kImagingLine, true), Queues{"imaging_cd"});
}

TEST(RouteTest, AuthWithOtherItemsGoesToRecords) {
  EXPECT_EQ(Route("AUTH", {"lab_results", "progress_notes"}, kRecordsLine, true), Queues{"records"});
  EXPECT_EQ(Route("AUTH", {"other"}, kNoLine, true), Queues{"records"});
  // The imaging line does not make a records request an imaging one.
  EXPECT_EQ(Route("AUTH", {"radiology_reports"}, kImagingLine, true), Queues{"records"});
}

TEST(RouteTest, AuthWithImagingCdAndOtherItemsGoesToBothQueuesSorted) {
  EXPECT_EQ(Route("AUTH", {"entire_record", "imaging_cd"}, kRecordsLine, true), (Queues{"imaging_cd", "records"}));
  EXPECT_EQ(Route("AUTH", {"imaging_cd", "lab_results"}, kImagingLine, true), (Queues{"imaging_cd", "records"}));
}

TEST(RouteTest, AuthWithNothingCheckedOffTheImagingLineGoesToReview) {
  EXPECT_EQ(Route("AUTH", {}, kRecordsLine, true), Queues{"review"});
  EXPECT_EQ(Route("AUTH", {}, kNoLine, true), Queues{"review"});
}

TEST(RouteTest, AnythingThatIsNotOneOfTheFormsGoesToReview) {
  EXPECT_EQ(Route("OTHER", {}, kImagingLine, true), Queues{"review"});
  EXPECT_EQ(Route("OTHER", {"imaging_cd"}, kRecordsLine, true), Queues{"review"});
}

TEST(RouteTest, UnidentifiedFormGoesToReviewWhateverItsFormSays) {
  EXPECT_EQ(Route("AUTH", {"imaging_cd"}, kImagingLine, false), Queues{"review"});
  EXPECT_EQ(Route("AMEND", {}, kNoLine, false), Queues{"review"});
}

// Every document of the shared sample, routed from its true form, items and
// fax line, lands on the queues its truth expects.
TEST(RouteTest, EverySampleDocumentRoutesToItsExpectedQueues) {
  const auto truth_path = testing::SharedDir() / "samples/truth.jsonl";
  if (!std::filesystem::exists(truth_path)) GTEST_SKIP() << "no shared samples";
  std::ifstream in(truth_path);
  int documents = 0;
  for (std::string line; std::getline(in, line); ++documents) {
    const Json doc = Json::parse(line);
    std::vector<std::string> items;
    const Json& fields = doc.at("fields");
    if (fields.is_object() && fields.contains("release.items") && fields.at("release.items").is_array()) {
      items = fields.at("release.items").get<std::vector<std::string>>();
    }
    const std::optional<std::string> line_name =
        doc.at("fax_line").is_null() ? std::nullopt : std::optional(doc.at("fax_line").get<std::string>());
    EXPECT_EQ(Route(doc.at("form").get<std::string>(), items, line_name, true),
              doc.at("expected_queues").get<Queues>())
        << doc.at("doc_id");
  }
  EXPECT_GT(documents, 0);
}

// --- CompleteRequest -----------------------------------------------------------

const BusinessCalendar& Calendar() {
  static const BusinessCalendar calendar = [] {
    auto loaded = LoadCalendar(std::nullopt);
    if (!loaded) throw std::runtime_error(Describe(loaded.error().front()));
    return *loaded;
  }();
  return calendar;
}

void Set(Request& r, const std::string& key, Json value, double confidence = 0.97) {
  FieldReading reading;
  reading.value = std::move(value);
  reading.confidence = confidence;
  r.fields[key] = reading;
}

Request Auth(Json items, std::optional<std::string> line = "records") {
  Request r;
  r.form = "AUTH";
  r.language = "en";
  r.source.fax_line = std::move(line);
  r.source.received_at = "2026-06-08T10:00:00-04:00";  // a Monday
  Set(r, "patient.last_name", "Thomas");
  Set(r, "release.items", std::move(items));
  return r;
}

Request Completed(Request r, CompleteOptions options = {}) {
  auto done = CompleteRequest(r, Calendar(), options);
  if (!done) throw std::runtime_error(done.error().message);
  return r;
}

TEST(CompleteRequestTest, TrustedFieldsAndNoFindingsAreRouted) {
  const Request r = Completed(Auth(Json::array({"lab_results"})));
  EXPECT_EQ(r.status, "routed");
  EXPECT_EQ(r.queues, Queues{"records"});
}

TEST(CompleteRequestTest, FieldAtExactlyTheThresholdIsTrusted) {
  Request r = Auth(Json::array({"lab_results"}));
  Set(r, "patient.dob", "1983-11-28", 0.9);
  EXPECT_EQ(Completed(r).status, "routed");
}

TEST(CompleteRequestTest, OneFieldBelowTheThresholdNeedsReviewAndKeepsItsQueues) {
  Request r = Auth(Json::array({"imaging_cd", "lab_results"}));
  Set(r, "patient.dob", "1983-11-28", 0.89);
  const Request done = Completed(r);
  EXPECT_EQ(done.status, "needs_review");
  EXPECT_EQ(done.queues, (Queues{"imaging_cd", "records"}));
}

TEST(CompleteRequestTest, AnyFindingNeedsReviewAndKeepsItsQueues) {
  Request r = Auth(Json::array({"lab_results"}));
  r.findings.push_back({"AUTH-12", "pend", "signature.date", "..."});
  const Request done = Completed(r);
  EXPECT_EQ(done.status, "needs_review");
  EXPECT_EQ(done.queues, Queues{"records"});
}

TEST(CompleteRequestTest, ReviewQueueAlwaysNeedsReviewAndHasNoDueDates) {
  Request other;
  other.form = "OTHER";
  other.source.received_at = "2026-06-08T10:00:00-04:00";
  const Request done = Completed(other);
  EXPECT_EQ(done.status, "needs_review");
  EXPECT_EQ(done.queues, Queues{"review"});
  EXPECT_FALSE(done.due.target);
  EXPECT_FALSE(done.due.statutory);
  CompleteOptions unidentified;
  unidentified.form_identified = false;
  EXPECT_EQ(Completed(Auth(Json::array({"lab_results"})), unidentified).status, "needs_review");
}

TEST(CompleteRequestTest, ImagingLineAuthWithNothingCheckedIsAnImagingRequest) {
  const Request done = Completed(Auth(Json::array(), "imaging"));
  EXPECT_EQ(done.queues, Queues{"imaging_cd"});
  EXPECT_EQ(done.status, "routed");
}

TEST(CompleteRequestTest, RecordsDueDatesAreFifteenBusinessAndThirtyCalendarDays) {
  const Request done = Completed(Auth(Json::array({"lab_results"})));
  EXPECT_EQ(done.due.target, "2026-07-01");     // domain-rules.md 9.3 worked example
  EXPECT_EQ(done.due.statutory, "2026-07-08");  // June 8 + 30
}

TEST(CompleteRequestTest, TwoQueuesTakeTheDueDatesOfTheEarliestTarget) {
  const Request done = Completed(Auth(Json::array({"imaging_cd", "lab_results"})));
  EXPECT_EQ(done.due.target, "2026-06-15");  // imaging_cd: 5 business days
  EXPECT_EQ(done.due.statutory, "2026-07-08");
}

TEST(CompleteRequestTest, AmendmentAndVerbalDueDatesFollowTheirQueues) {
  Request amend;
  amend.form = "AMEND";
  amend.source.received_at = "2026-06-04T09:00:00-04:00";
  const Request amended = Completed(amend);
  EXPECT_EQ(amended.due.target, "2026-07-02");     // July 4 is a Saturday, July 3 its observed day
  EXPECT_EQ(amended.due.statutory, "2026-08-03");  // 60 calendar days
  Request verbal;
  verbal.form = "VERBAL";
  verbal.source.received_at = "2026-06-05T18:30:00-04:00";  // Friday after hours: day 0 is Monday
  const Request spoken = Completed(verbal);
  EXPECT_EQ(spoken.due.target, "2026-06-10");
  EXPECT_FALSE(spoken.due.statutory);
}

TEST(CompleteRequestTest, UnreadableReceiveTimeFailsAndLeavesTheRequestUnchanged) {
  Request r = Auth(Json::array({"lab_results"}));
  r.source.received_at = "Mon, 8 Jun 2026";
  auto done = CompleteRequest(r, Calendar(), {});
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(r.queues.empty());
  EXPECT_EQ(r.status, "needs_review");
  EXPECT_FALSE(r.due.target);
}

}  // namespace
}  // namespace intake
