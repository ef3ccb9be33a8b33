#include "pipeline/score.h"

#include <gtest/gtest.h>

namespace intake {
namespace {

nlohmann::json Truth(const std::string& file, nlohmann::json pages, const std::string& form, nlohmann::json fields,
                     std::vector<std::string> queues, bool must_review, const std::string& channel = "fax") {
  return {{"file", file},
          {"pages", pages},
          {"form", form},
          {"language", "en"},
          {"fields", fields},
          {"expected_queues", queues},
          {"must_review", must_review},
          {"channel", channel},
          {"fill_mode", "hand"}};
}

Request Req(const std::string& file, std::optional<std::string> attachment, std::vector<int> pages,
            const std::string& form, std::vector<std::string> queues, const std::string& status) {
  Request r;
  r.source.file = file;
  r.source.parts.push_back({attachment, pages});
  r.form = form;
  r.language = "en";
  r.queues = queues;
  r.status = status;
  return r;
}

std::string Kind(const std::string&, const std::string& key) { return key == "patient.dob" ? "date" : "other"; }

TEST(ScoreTest, ValuesMatchFoldsCaseAndSpaceButKeepsAccents) {
  EXPECT_TRUE(ValuesMatch("Peña  Ruiz", "PEÑA ruiz"));
  EXPECT_FALSE(ValuesMatch("Peña", "Pena"));
  EXPECT_TRUE(ValuesMatch(nlohmann::json::array({"b", "a"}), nlohmann::json::array({"a", "b"})));
  EXPECT_FALSE(ValuesMatch(true, false));
}

TEST(ScoreTest, RequestsAreMatchedByFileAndPageOverlapAndEveryMetricCounts) {
  std::vector<nlohmann::json> truth = {
      Truth("inbox/fax/records/fax1.tif", {2, 3}, "AUTH", {{"patient.dob", "1980-01-02"}, {"patient.mrn", nullptr}},
            {"records"}, false),
      Truth("inbox/fax/records/fax1.tif", {4}, "AMEND", {{"patient.dob", "1990-05-06"}}, {"amendments"}, true),
      Truth("inbox/email/new/123.M1P1Q1.host", {{{"attachment", "a.pdf"}, {"pages", {1}}}}, "VERBAL",
            {{"patient.dob", "2000-01-01"}}, {"verbal_authorization"}, false, "email"),
  };
  std::vector<Request> requests;
  requests.push_back(Req("fax1.tif", std::nullopt, {4}, "AMEND", {"amendments"}, "routed"));  // must_review not held
  requests.back().fields["patient.dob"] = {"1990-05-07", 0.95};                               // silent error
  requests.push_back(Req("fax1.tif", std::nullopt, {1, 2, 3}, "AUTH", {"records"}, "routed"));
  requests.back().fields["patient.dob"] = {"1980-01-02", 0.95};
  requests.back().fields["patient.mrn"] = {"123", 0.35};  // invented on a blank field
  requests.push_back(Req("123.M1P1Q1.host", "a.pdf", {1}, "VERBAL", {"verbal_authorization"}, "needs_review"));
  requests.back().fields["patient.dob"] = {"2000-01-01", 0.55};

  const Score s = ScoreRequests(requests, truth, Kind);
  EXPECT_EQ(s.matched, 3);
  EXPECT_EQ(s.classification.right, 3);
  EXPECT_EQ(s.routing.right, 3);
  EXPECT_EQ(s.fields.right, 2);
  EXPECT_EQ(s.fields.total, 3);
  EXPECT_EQ(s.blank_fields.right, 0);
  EXPECT_EQ(s.blank_fields.total, 1);
  EXPECT_EQ(s.straight_through.right, 2);
  EXPECT_EQ(s.silent_fields.total, 3);  // two filled fields + one invented, on routed documents
  EXPECT_EQ(s.silent_fields.right, 1);
  EXPECT_EQ(s.must_review_held.right, 0);
  EXPECT_EQ(s.must_review_held.total, 1);
  EXPECT_EQ(s.fields_by_kind.at("date").total, 3);
  EXPECT_EQ(s.fields_by_channel.at("email").right, 1);
  EXPECT_EQ(s.calibration[9].fields.total, 2);
  EXPECT_EQ(s.calibration[9].fields.right, 1);
  EXPECT_EQ(s.calibration[3].fields.total, 1);
  EXPECT_EQ(s.calibration[5].fields.right, 1);
  EXPECT_NE(FormatScore(s).find("silent field errors"), std::string::npos);
  EXPECT_EQ(ScoreJson(s)["fields"]["right"], 2);
}

TEST(ScoreTest, WrittenFieldsAreAlsoCountedByTheEngineThatReadThem) {
  std::vector<nlohmann::json> truth = {Truth("fax2.tif", {1}, "AMEND",
                                             {{"patient.dob", "1990-05-06"},
                                              {"patient.mrn", "12345678"},
                                              {"patient.phone", "6175550100"},
                                              {"signature.present", true}},
                                             {"amendments"}, false)};
  std::vector<Request> requests = {Req("fax2.tif", std::nullopt, {1}, "AMEND", {"amendments"}, "needs_review")};
  requests[0].fields["patient.dob"] = {"1990-05-06", 0.99, 1, std::nullopt, "recognizer"};
  requests[0].fields["patient.mrn"] = {"12345679", 0.4, 1, std::nullopt, "recognizer"};
  requests[0].fields["patient.phone"] = {"6175550100", 0.9, 1, std::nullopt, "both"};
  requests[0].fields["signature.present"] = {true, 0.99, 1, std::nullopt, ""};  // a mark: no engine
  const Score s = ScoreRequests(requests, truth, Kind);
  ASSERT_EQ(s.fields_by_engine.size(), 2u);
  EXPECT_EQ(s.fields_by_engine.at("hand, recognizer").total, 2);
  EXPECT_EQ(s.fields_by_engine.at("hand, recognizer").right, 1);
  EXPECT_EQ(s.fields_by_engine.at("hand, both").right, 1);
  EXPECT_NE(FormatScore(s).find("read by hand, both"), std::string::npos);
  EXPECT_EQ(ScoreJson(s)["fields_by_engine"]["hand, recognizer"]["total"], 2);
}

TEST(ScoreTest, EmailFieldsAreAlsoCountedByWhatWasAttached) {
  nlohmann::json photo = Truth("inbox/email/new/7.M1P1Q1.host", {{{"attachment", "IMG_1.jpg"}, {"pages", {1}}}},
                               "AMEND", {{"patient.dob", "1970-03-04"}}, {"amendments"}, false, "email");
  photo["email_attachment_kind"] = "photo";
  nlohmann::json efill = Truth("inbox/email/new/8.M1P1Q1.host", {{{"attachment", "form.pdf"}, {"pages", {1}}}}, "AMEND",
                               {{"patient.dob", "1971-03-04"}}, {"amendments"}, false, "email");
  efill["email_attachment_kind"] = "efill";
  std::vector<Request> requests;
  requests.push_back(Req("7.M1P1Q1.host", "IMG_1.jpg", {1}, "AMEND", {"amendments"}, "needs_review"));
  requests.back().fields["patient.dob"] = {"1970-08-04", 0.4};
  requests.push_back(Req("8.M1P1Q1.host", "form.pdf", {1}, "AMEND", {"amendments"}, "routed"));
  requests.back().fields["patient.dob"] = {"1971-03-04", 1.0};
  const Score s = ScoreRequests(requests, {photo, efill}, Kind);
  EXPECT_EQ(s.fields_by_channel.at("email").right, 1);
  EXPECT_EQ(s.fields_by_channel.at("email").total, 2);
  EXPECT_EQ(s.fields_by_channel.at("email photo").right, 0);
  EXPECT_EQ(s.fields_by_channel.at("email photo").total, 1);
  EXPECT_EQ(s.fields_by_channel.at("email efill").right, 1);
  EXPECT_FALSE(s.fields_by_channel.contains("fax photo"));
}

TEST(ScoreTest, UnmatchedTruthDocumentCountsAgainstEveryRate) {
  std::vector<nlohmann::json> truth = {
      Truth("fax9.tif", {1}, "AUTH", {{"patient.dob", "1980-01-02"}}, {"records"}, true)};
  const Score s = ScoreRequests({}, truth, Kind);
  EXPECT_EQ(s.matched, 0);
  EXPECT_EQ(s.classification.total, 1);
  EXPECT_EQ(s.fields.total, 1);
  EXPECT_EQ(s.must_review_held.total, 1);
  EXPECT_EQ(s.must_review_held.right, 0);
}

}  // namespace
}  // namespace intake
