// Tests of the validation rules: every shipped rule is hit both ways (it
// fires on a request built to break it and stays silent on a near miss that
// satisfies it), the messages exist in English and Spanish, and a broken rule
// file is refused with every error listed.
#include "validate/validate.h"

#include <fstream>
#include <functional>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace intake {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

const RuleSet& Shipped() {
  static const RuleSet rules = [] {
    auto loaded = LoadRules(std::nullopt);
    if (!loaded) throw std::runtime_error(Describe(loaded.error().front()));
    return *loaded;
  }();
  return rules;
}

void Set(Request& r, const std::string& key, Json value) {
  FieldReading reading;
  reading.value = std::move(value);
  reading.confidence = 0.99;
  r.fields[key] = reading;
}
void Drop(Request& r, const std::string& key) { r.fields.erase(key); }

void SetPatient(Request& r) {
  Set(r, "patient.last_name", "Peña");
  Set(r, "patient.first_name", "María");
  Set(r, "patient.dob", "1980-04-02");
  Set(r, "patient.mrn", "12345678");
  Set(r, "signature.present", true);
  Set(r, "signature.date", "2026-11-18");
  Set(r, "signer.name", "María Peña");
  Set(r, "signer.authority", Json::array({"self"}));
}

// Complete, valid requests of each form: no rule fires on them.
Request Base(const std::string& form) {
  Request r;
  r.form = form;
  r.language = "es";
  r.source.fax_line = "records";
  SetPatient(r);
  if (form == "AUTH") {
    Set(r, "direction", Json::array({"release_to"}));
    Set(r, "recipient.name", "Ruth Weinstein");
    Set(r, "recipient.organization", "Weinstein LLP");
    Set(r, "release.items", Json::array({"discharge_summary", "lab_results"}));
    Set(r, "release.date_from", "2025-01-01");
    Set(r, "release.date_to", "2025-12-31");
    Set(r, "purpose", Json::array({"legal"}));
    Set(r, "expiration.date", "2027-05-01");
  } else if (form == "AMEND") {
    Set(r, "amendment.service_date", "2026-09-11");
    Set(r, "amendment.record_type", "Progress note");
    Set(r, "amendment.incorrect", "Smoking status says current smoker.");
    Set(r, "amendment.correction", "Former smoker since 2023.");
    Set(r, "amendment.reason", "I quit in 2023.");
  } else if (form == "VERBAL") {
    Set(r, "verbal.person1.name", "Guadalupe Fernández");
    Set(r, "verbal.person1.relationship", "Nieta");
    Set(r, "verbal.person1.phone", "6175550174");
    Set(r, "verbal.scope", Json::array({"appointments"}));
  }
  return r;
}

RuleContext Context() {
  RuleContext context;
  context.received = *ParseDate("2026-11-20");
  context.pages_seen = 2;
  context.pages_expected = 2;
  context.classification_confidence = 0.98;
  return context;
}

using Change = std::function<void(Request&, RuleContext&)>;

struct Case {
  const char* name;  // test name: rule id and what breaks it
  const char* rule;
  const char* form;
  Change breaks;                   // makes the base request break the rule
  std::optional<std::string> field;  // the field the finding points at
  Change satisfies;                // a near miss that keeps the rule satisfied
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"INT01_LowClassificationConfidence", "INT-01", "AUTH",
       [](Request&, RuleContext& c) { c.classification_confidence = 0.5; }, std::nullopt,
       [](Request&, RuleContext& c) { c.classification_confidence = 0.9; }},
      {"INT01_LanguageUnknown", "INT-01", "VERBAL", [](Request& r, RuleContext&) { r.language.reset(); }, std::nullopt,
       [](Request& r, RuleContext&) { r.language = "en"; }},
      {"INT02_PageMissing", "INT-02", "AUTH", [](Request&, RuleContext& c) { c.pages_seen = 1; }, std::nullopt,
       [](Request&, RuleContext& c) { c.pages_seen = 3; }},
      {"ID01_NoMrnAndNoDateOfBirth", "ID-01", "AMEND",
       [](Request& r, RuleContext&) {
         Drop(r, "patient.mrn");
         Drop(r, "patient.dob");
       },
       "patient.mrn", [](Request& r, RuleContext&) { Drop(r, "patient.mrn"); }},
      {"ID01_NoMrnAndNoFirstName", "ID-01", "VERBAL",
       [](Request& r, RuleContext&) {
         Drop(r, "patient.mrn");
         Drop(r, "patient.first_name");
       },
       "patient.mrn",
       [](Request& r, RuleContext&) {
         Drop(r, "patient.dob");
         Drop(r, "patient.first_name");
       }},
      {"AUTH01_NothingCheckedNothingDescribed", "AUTH-01", "AUTH",
       [](Request& r, RuleContext&) { Drop(r, "release.items"); }, "release.items",
       [](Request& r, RuleContext&) {
         Drop(r, "release.items");
         Set(r, "imaging.exam", "CT chest");
       }},
      {"AUTH02_DatesOfServiceEndBeforeTheyStart", "AUTH-02", "AUTH",
       [](Request& r, RuleContext&) { Set(r, "release.date_to", "2024-12-31"); }, "release.date_to",
       [](Request& r, RuleContext&) { Set(r, "release.date_to", "2025-01-01"); }},
      {"AUTH02_OtherRecordCheckedButBlank", "AUTH-02", "AUTH",
       [](Request& r, RuleContext&) { Set(r, "release.items", Json::array({"lab_results", "other"})); },
       "release.other",
       [](Request& r, RuleContext&) {
         Set(r, "release.items", Json::array({"lab_results", "other"}));
         Set(r, "release.other", "Nursing notes");
       }},
      {"AUTH02_OtherPurposeCheckedButBlank", "AUTH-02", "AUTH",
       [](Request& r, RuleContext&) { Set(r, "purpose", Json::array({"other"})); }, "purpose.other_text",
       [](Request& r, RuleContext&) {
         Set(r, "purpose", Json::array({"other"}));
         Set(r, "purpose.other_text", "Immigration");
       }},
      {"AUTH03_ObtainFromNobody", "AUTH-03", "AUTH",
       [](Request& r, RuleContext&) {
         Set(r, "direction", Json::array({"obtain_from"}));
         Drop(r, "recipient.name");
         Drop(r, "recipient.organization");
       },
       "recipient.name",
       [](Request& r, RuleContext&) {
         Set(r, "direction", Json::array({"obtain_from"}));
         Drop(r, "recipient.name");
       }},
      {"AUTH04_ReleaseToNobody", "AUTH-04", "AUTH",
       [](Request& r, RuleContext&) {
         Drop(r, "recipient.name");
         Drop(r, "recipient.organization");
       },
       "recipient.name", [](Request& r, RuleContext&) { Drop(r, "recipient.name"); }},
      {"AUTH04_NoDirectionAndNobody", "AUTH-04", "AUTH",
       [](Request& r, RuleContext&) {
         Drop(r, "direction");
         Drop(r, "recipient.name");
         Drop(r, "recipient.organization");
       },
       "recipient.name", [](Request& r, RuleContext&) { Drop(r, "direction"); }},
      {"AUTH06_NoPurpose", "AUTH-06", "AUTH", [](Request& r, RuleContext&) { Drop(r, "purpose"); }, "purpose",
       [](Request& r, RuleContext&) {
         Drop(r, "purpose");
         Set(r, "purpose.other_text", "School records");
       }},
      {"AUTH08_ExpiredTheDayBeforeReceipt", "AUTH-08", "AUTH",
       [](Request& r, RuleContext&) { Set(r, "expiration.date", "2026-11-19"); }, "expiration.date",
       [](Request& r, RuleContext&) { Set(r, "expiration.date", "2026-11-20"); }},
      {"AUTH08_BlankExpirationIsTwelveMonthsAfterSigning", "AUTH-08", "AUTH",
       [](Request& r, RuleContext&) {
         Drop(r, "expiration.date");
         Set(r, "signature.date", "2025-11-19");
       },
       "expiration.date",
       [](Request& r, RuleContext&) {
         Drop(r, "expiration.date");
         Set(r, "signature.date", "2025-11-20");
       }},
      {"AUTH08_ExpirationEventIsNotTheTwelveMonthDefault", "AUTH-08", "AUTH",
       [](Request& r, RuleContext&) {
         Drop(r, "expiration.date");
         Set(r, "signature.date", "2025-06-01");
       },
       "expiration.date",
       [](Request& r, RuleContext&) {
         Drop(r, "expiration.date");
         Set(r, "expiration.event", "End of litigation");
         Set(r, "signature.date", "2025-06-01");
       }},
      {"AUTH09_ExpiresBeforeItWasSigned", "AUTH-09", "AUTH",
       [](Request& r, RuleContext&) { Set(r, "expiration.date", "2026-11-17"); }, "expiration.date",
       [](Request& r, RuleContext&) { Set(r, "expiration.date", "2026-11-18"); }},
      {"AUTH10_NotSigned", "AUTH-10", "AUTH", [](Request& r, RuleContext&) { Set(r, "signature.present", false); },
       "signature.present", [](Request& r, RuleContext&) { Set(r, "signature.present", true); }},
      {"AUTH10_SignatureNotRead", "AUTH-10", "AUTH", [](Request& r, RuleContext&) { Drop(r, "signature.present"); },
       "signature.present", [](Request& r, RuleContext&) { Drop(r, "signer.name"); }},
      {"AUTH11_NotDated", "AUTH-11", "AUTH", [](Request& r, RuleContext&) { Drop(r, "signature.date"); },
       "signature.date", [](Request& r, RuleContext&) { Set(r, "signature.date", "2026-11-20"); }},
      {"AUTH12_SignedAfterReceipt", "AUTH-12", "AUTH",
       [](Request& r, RuleContext&) { Set(r, "signature.date", "2026-11-21"); }, "signature.date",
       [](Request& r, RuleContext&) { Set(r, "signature.date", "2026-11-20"); }},
      {"AUTH12_AmendmentSignedAfterReceipt", "AUTH-12", "AMEND",
       [](Request& r, RuleContext&) { Set(r, "signature.date", "2027-01-02"); }, "signature.date",
       [](Request& r, RuleContext&) { Set(r, "signature.date", "2026-01-02"); }},
      {"AUTH12_VerbalSignedAfterReceipt", "AUTH-12", "VERBAL",
       [](Request& r, RuleContext&) { Set(r, "signature.date", "2026-12-01"); }, "signature.date",
       [](Request& r, RuleContext&) { Set(r, "signature.date", "2026-11-01"); }},
      {"AUTH14_SomeoneElseSignedWithoutAuthority", "AUTH-14", "AUTH",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "Joan Flaherty");
         Drop(r, "signer.authority");
       },
       "signer.authority",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "Joan Flaherty");
         Set(r, "signer.authority", Json::array({"guardian"}));
       }},
      {"AUTH14_PatientWroteNameDifferentlyWithoutAuthority", "AUTH-14", "AUTH",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "Mario Peña");
         Set(r, "signer.authority", Json::array());
       },
       "signer.authority",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "PENA, MARIA T.");
         Set(r, "signer.authority", Json::array());
       }},
      {"MA09_MinorSignedAsSelf", "MA-09", "AUTH",
       [](Request& r, RuleContext&) { Set(r, "patient.dob", "2008-11-19"); }, "signer.authority",
       [](Request& r, RuleContext&) { Set(r, "patient.dob", "2008-11-18"); }},
      {"MA09_MinorSignedOwnNameWithNoAuthority", "MA-09", "AUTH",
       [](Request& r, RuleContext&) {
         Set(r, "patient.dob", "2012-05-05");
         Drop(r, "signer.authority");
       },
       "signer.name",
       [](Request& r, RuleContext&) {
         Set(r, "patient.dob", "2012-05-05");
         Set(r, "signer.name", "Ana Peña");
         Set(r, "signer.authority", Json::array({"parent"}));
       }},
      {"MA11_ParentSignedForAnAdult", "MA-11", "AUTH",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "Ana Peña");
         Set(r, "signer.authority", Json::array({"parent"}));
       },
       "signer.authority",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "Ana Peña");
         Set(r, "signer.authority", Json::array({"guardian", "parent"}));
       }},
      {"MA11_ParentSignedTheDayThePatientTurned18", "MA-11", "AUTH",
       [](Request& r, RuleContext&) {
         Set(r, "patient.dob", "2008-11-18");
         Set(r, "signer.authority", Json::array({"parent"}));
       },
       "signer.authority",
       [](Request& r, RuleContext&) {
         Set(r, "patient.dob", "2008-11-19");
         Set(r, "signer.authority", Json::array({"parent"}));
       }},
      {"ACC05_ImagingCdWithoutExam", "ACC-05", "AUTH",
       [](Request& r, RuleContext&) { Set(r, "release.items", Json::array({"imaging_cd"})); }, "imaging.exam",
       [](Request& r, RuleContext&) {
         Set(r, "release.items", Json::array({"imaging_cd"}));
         Set(r, "imaging.exam", "MRI brain");
         Set(r, "imaging.exam_date", "2026-03-02");
       }},
      {"ACC05_ImagingLineNothingCheckedNoExamDate", "ACC-05", "AUTH",
       [](Request& r, RuleContext&) {
         r.source.fax_line = "imaging";
         Drop(r, "release.items");
         Set(r, "imaging.exam", "MRI brain");
       },
       "imaging.exam_date",
       [](Request& r, RuleContext&) {
         Drop(r, "release.items");
         Set(r, "imaging.exam", "MRI brain");
       }},
      {"AMD01_NotSigned", "AMD-01", "AMEND", [](Request& r, RuleContext&) { Set(r, "signature.present", false); },
       "signature.present", [](Request& r, RuleContext&) { Drop(r, "signer.name"); }},
      {"AMD01_NotDated", "AMD-01", "AMEND", [](Request& r, RuleContext&) { Drop(r, "signature.date"); },
       "signature.date", [](Request& r, RuleContext&) { Drop(r, "signer.authority"); }},
      {"AMD02_NoRecordIdentified", "AMD-02", "AMEND",
       [](Request& r, RuleContext&) {
         Drop(r, "amendment.service_date");
         Drop(r, "amendment.record_type");
       },
       "amendment.service_date", [](Request& r, RuleContext&) { Drop(r, "amendment.service_date"); }},
      {"AMD03_NoReason", "AMD-03", "AMEND", [](Request& r, RuleContext&) { Set(r, "amendment.reason", "  "); },
       "amendment.reason", [](Request& r, RuleContext&) { Drop(r, "amendment.notify"); }},
      {"AMD04_SomeoneElseSignedWithoutAuthority", "AMD-04", "AMEND",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "Carlos Ruiz");
         Drop(r, "signer.authority");
       },
       "signer.authority",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "Carlos Ruiz");
         Set(r, "signer.authority", Json::array({"personal_representative"}));
       }},
      {"VRB01_NotSigned", "VRB-01", "VERBAL", [](Request& r, RuleContext&) { Set(r, "signature.present", false); },
       "signature.present", [](Request& r, RuleContext&) { Drop(r, "signer.name"); }},
      {"VRB01_NotDated", "VRB-01", "VERBAL", [](Request& r, RuleContext&) { Drop(r, "signature.date"); },
       "signature.date", [](Request& r, RuleContext&) { Drop(r, "verbal.scope"); }},
      {"VRB02_NobodyListed", "VRB-02", "VERBAL",
       [](Request& r, RuleContext&) {
         for (const char* key : {"verbal.person1.name", "verbal.person1.relationship", "verbal.person1.phone"}) {
           Drop(r, key);
         }
       },
       "verbal.person1.name",
       [](Request& r, RuleContext&) {
         Drop(r, "verbal.person1.name");
         Set(r, "verbal.person3.name", "Efraín Jiménez");
         Set(r, "verbal.person3.relationship", "Esposo");
         Set(r, "verbal.person3.phone", "6035550104");
       }},
      {"VRB03_PersonWithoutRelationship", "VRB-03", "VERBAL",
       [](Request& r, RuleContext&) {
         Set(r, "verbal.person2.name", "Germán Acuña");
         Set(r, "verbal.person2.phone", "4015550103");
       },
       "verbal.person2.relationship",
       [](Request& r, RuleContext&) {
         Set(r, "verbal.person2.name", "Germán Acuña");
         Set(r, "verbal.person2.relationship", "Hijo");
         Set(r, "verbal.person2.phone", "4015550103");
       }},
      {"VRB03_PersonWithoutPhone", "VRB-03", "VERBAL",
       [](Request& r, RuleContext&) { Drop(r, "verbal.person1.phone"); }, "verbal.person1.phone",
       [](Request& r, RuleContext&) { Set(r, "verbal.person4.phone", "4015550103"); }},
      {"VRB04_SomeoneElseSignedWithoutAuthority", "VRB-04", "VERBAL",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "Camila Martínez");
         Drop(r, "signer.authority");
       },
       "signer.authority",
       [](Request& r, RuleContext&) {
         Set(r, "signer.name", "Camila Martínez");
         Set(r, "signer.authority", Json::array({"health_care_proxy"}));
       }},
      {"VRB06_ExpiredBeforeReceipt", "VRB-06", "VERBAL",
       [](Request& r, RuleContext&) { Set(r, "expiration.date", "2026-11-19"); }, "expiration.date",
       [](Request& r, RuleContext&) { Set(r, "expiration.date", "2026-11-20"); }},
  };
  return cases;
}

const Finding* FindingFor(const std::vector<Finding>& findings, const std::string& rule) {
  for (const Finding& f : findings) {
    if (f.rule == rule) return &f;
  }
  return nullptr;
}

class RuleCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(RuleCaseTest, FiresWhenBrokenAndStaysSilentOnTheNearMiss) {
  const Case& c = GetParam();
  Request broken = Base(c.form);
  RuleContext broken_context = Context();
  c.breaks(broken, broken_context);
  const std::vector<Finding> findings = Shipped().Evaluate(broken, broken_context);
  const Finding* finding = FindingFor(findings, c.rule);
  ASSERT_NE(finding, nullptr) << c.rule << " did not fire";
  EXPECT_EQ(finding->field, c.field);

  Request near_miss = Base(c.form);
  RuleContext near_miss_context = Context();
  c.satisfies(near_miss, near_miss_context);
  EXPECT_EQ(FindingFor(Shipped().Evaluate(near_miss, near_miss_context), c.rule), nullptr)
      << c.rule << " fired on a request that satisfies it";
}

INSTANTIATE_TEST_SUITE_P(ShippedRules, RuleCaseTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(ValidateTest, CompleteRequestsOfEachFormBreakNoRule) {
  for (const char* form : {"AUTH", "AMEND", "VERBAL"}) {
    const std::vector<Finding> findings = Shipped().Evaluate(Base(form), Context());
    EXPECT_TRUE(findings.empty()) << form << ": " << (findings.empty() ? "" : findings.front().rule);
  }
}

TEST(ValidateTest, EveryShippedRuleHasABothWaysCaseAndEverySpecRuleIsShipped) {
  std::set<std::string> shipped;
  for (const RuleInfo& rule : Shipped().rules()) shipped.insert(rule.id);
  std::set<std::string> tested;
  for (const Case& c : Cases()) tested.insert(c.rule);
  EXPECT_EQ(tested, shipped);
  for (const char* id : {"INT-01", "INT-02", "ID-01", "AUTH-01", "AUTH-02", "AUTH-04", "AUTH-08", "AUTH-10",
                         "AUTH-11", "AUTH-12", "AUTH-14", "MA-09", "ACC-05", "AMD-01", "AMD-02", "VRB-01", "VRB-02",
                         "VRB-03"}) {
    EXPECT_TRUE(shipped.count(id)) << id;
  }
}

TEST(ValidateTest, SeveritiesOfSpecRulesAreAsSpecSection5Says) {
  const std::map<std::string, std::string> spec = {
      {"INT-01", "pend"},      {"INT-02", "pend"},      {"ID-01", "deficient"},  {"AUTH-01", "deficient"},
      {"AUTH-02", "pend"},     {"AUTH-04", "deficient"}, {"AUTH-08", "deficient"}, {"AUTH-10", "deficient"},
      {"AUTH-11", "deficient"}, {"AUTH-12", "pend"},     {"AUTH-14", "deficient"}, {"MA-09", "deficient"},
      {"ACC-05", "pend"},      {"AMD-01", "pend"},      {"AMD-02", "pend"},      {"VRB-01", "deficient"},
      {"VRB-02", "deficient"}, {"VRB-03", "pend"}};
  for (const RuleInfo& rule : Shipped().rules()) {
    if (auto it = spec.find(rule.id); it != spec.end()) {
      EXPECT_EQ(rule.severity, it->second) << rule.id;
    }
  }
}

TEST(ValidateTest, EveryRuleHasDistinctEnglishAndSpanishMessagesAndFindingsUseTheContextLanguage) {
  for (const RuleInfo& rule : Shipped().rules()) {
    EXPECT_FALSE(rule.message_en.empty()) << rule.id;
    EXPECT_FALSE(rule.message_es.empty()) << rule.id;
    EXPECT_NE(rule.message_en, rule.message_es) << rule.id;
  }
  Request unsigned_form = Base("AUTH");
  Set(unsigned_form, "signature.present", false);
  RuleContext context = Context();
  const RuleInfo auth10 = [] {
    for (const RuleInfo& rule : Shipped().rules()) {
      if (rule.id == "AUTH-10") return rule;
    }
    throw std::logic_error("no AUTH-10");
  }();
  context.language = "es";
  EXPECT_EQ(FindingFor(Shipped().Evaluate(unsigned_form, context), "AUTH-10")->message, auth10.message_es);
  context.language = "en";
  EXPECT_EQ(FindingFor(Shipped().Evaluate(unsigned_form, context), "AUTH-10")->message, auth10.message_en);
}

TEST(ValidateTest, RuleFieldsListEveryFieldTheConditionReads) {
  std::map<std::string, std::vector<std::string>> fields;
  for (const RuleInfo& rule : Shipped().rules()) fields[rule.id] = rule.fields;
  EXPECT_EQ(fields.at("AUTH-08"), (std::vector<std::string>{"expiration.date", "expiration.event", "signature.date"}));
  EXPECT_EQ(fields.at("AUTH-14"),
            (std::vector<std::string>{"patient.first_name", "patient.last_name", "signer.authority", "signer.name"}));
  EXPECT_TRUE(fields.at("INT-02").empty());
}

TEST(ValidateTest, RulesOnlyApplyToTheirForms) {
  Request other;
  other.form = "OTHER";
  EXPECT_TRUE(Shipped().Evaluate(other, Context()).empty());
  // An unsigned AMEND breaks the amendment rule, not the AUTH one.
  Request amend = Base("AMEND");
  Drop(amend, "signature.present");
  std::vector<Finding> findings = Shipped().Evaluate(amend, Context());
  EXPECT_NE(FindingFor(findings, "AMD-01"), nullptr);
  EXPECT_EQ(FindingFor(findings, "AUTH-10"), nullptr);
}

TEST(ValidateTest, ShippedFileOnDiskIsTheCompiledInDefault) {
  const std::vector<std::uint8_t> bytes = testing::ReadFile(testing::SourceDir() / "validate/rules.toml");
  EXPECT_EQ(std::string(DefaultRulesText()), std::string(bytes.begin(), bytes.end()));
  auto from_disk = LoadRules(testing::SourceDir() / "validate/rules.toml");
  ASSERT_TRUE(from_disk) << Describe(from_disk.error().front());
  EXPECT_EQ(from_disk->rules().size(), Shipped().rules().size());
}

TEST(ValidateTest, VocabularyComesFromFormsJsonWithGroupsSignatureAndRenames) {
  const FormVocabulary& vocabulary = DefaultFormVocabulary();
  ASSERT_EQ(vocabulary.size(), 3u);
  const FormFields& auth = vocabulary.at("AUTH");
  EXPECT_EQ(auth.fields.at("release.items"), RuleFieldKind::kCheckboxes);
  EXPECT_TRUE(auth.options.at("release.items").count("imaging_cd"));
  EXPECT_EQ(auth.fields.at("signature.present"), RuleFieldKind::kYesNo);
  EXPECT_EQ(auth.fields.at("purpose.other_text"), RuleFieldKind::kText);
  EXPECT_EQ(auth.fields.at("patient.dob"), RuleFieldKind::kDate);
  EXPECT_EQ(auth.fields.count("purpose.other"), 0u);
  EXPECT_EQ(vocabulary.at("VERBAL").options.at("verbal.scope").size(), 4u);
  EXPECT_EQ(vocabulary.at("AMEND").fields.count("release.items"), 0u);
  EXPECT_FALSE(FormVocabularyFromJson(Json::parse(R"({"forms": {"X": {"fields": 3}}})")));
}

TEST(ValidateTest, BrokenRuleFileIsRefusedWithEveryErrorListed) {
  auto rules = ParseRules(R"(
[[rule]]
id = "X-01"
forms = ["AUTH"]
severity = "reject"
when = { mising = "signature.date" }
message.en = "Sign it."

[[rule]]
id = "X-01"
forms = ["AUTH", "LETTER"]
severity = "pend"
when.all = [
  { missing = "release.otherr" },
  { checked = "release.items", option = "x_rays" },
  { date_before = "signer.name", than = "received", plus_months = 5000 },
  { none_checked = "signature.date" },
]
message = { en = "a", es = "b", fr = "c" }
colour = "red"

[[rule]]
forms = ["VERBAL"]
severity = "pend"
when = { missing = "release.other" }
message = { en = "a", es = "b" }

[[rule]]
id = "X-04"
forms = ["VERBAL"]
severity = "pend"
message = { en = "a", es = "b" }
)",
                          "site-rules.toml");
  ASSERT_FALSE(rules);
  std::vector<std::string> errors;
  for (const RuleError& e : rules.error()) {
    EXPECT_EQ(e.file, "site-rules.toml");
    errors.push_back(e.rule + ": " + e.why);
  }
  EXPECT_THAT(errors,
              ::testing::UnorderedElementsAre(
                  HasSubstr("X-01: severity must be \"deficient\" or \"pend\""),
                  HasSubstr("X-01: message.es is missing or empty"),
                  HasSubstr("X-01: when: unknown predicate (mising)"),
                  HasSubstr("X-01: duplicate id"),
                  HasSubstr("X-01: forms: unknown form 'LETTER'"),
                  HasSubstr("X-01: unknown key 'colour'"),
                  HasSubstr("X-01: message.fr: messages are in English (en) and Spanish (es) only"),
                  HasSubstr("X-01: when.all[1].missing: unknown field 'release.otherr' (not a field of form AUTH)"),
                  HasSubstr("X-01: when.all[2].checked: 'x_rays' is not an option of 'release.items' on form AUTH"),
                  HasSubstr("X-01: when.all[3].date_before: 'signer.name' is a text field on form AUTH, not a date field"),
                  HasSubstr("X-01: when.all[3].date_before: plus_months must be a whole number from -1200 to 1200"),
                  HasSubstr("X-01: when.all[4].none_checked: 'signature.date' is a date field on form AUTH, not a checkbox group"),
                  HasSubstr("rule #3: id is required"),
                  HasSubstr("rule #3: when.missing: unknown field 'release.other' (not a field of form VERBAL)"),
                  HasSubstr("X-04: when is required")));
}

TEST(ValidateTest, RuleFileWithBadSyntaxOrNoRulesIsRefused) {
  auto syntax = ParseRules("[[rule]\nid = 1", "site-rules.toml");
  ASSERT_FALSE(syntax);
  EXPECT_THAT(Describe(syntax.error().front()), HasSubstr("site-rules.toml: (file): "));
  EXPECT_THAT(Describe(syntax.error().front()), HasSubstr("line 1"));
  auto empty = ParseRules("# nothing\n", "site-rules.toml");
  ASSERT_FALSE(empty);
  EXPECT_THAT(Describe(empty.error().front()), HasSubstr("no [[rule]] tables"));
  testing::TempDir dir;
  auto missing = LoadRules(dir.path() / "absent.toml");
  ASSERT_FALSE(missing);
  EXPECT_THAT(Describe(missing.error().front()), HasSubstr("cannot read the rule file"));
}

TEST(ValidateTest, SiteRuleFileReplacesTheShippedRules) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "rules.toml", R"(
[[rule]]
id = "SITE-01"
forms = ["AUTH"]
severity = "pend"
when = { checked = "delivery", option = "secure_email" }
message = { en = "We will call you to confirm the e-mail address.", es = "Le llamaremos para confirmar el correo electrónico." }
)");
  auto rules = LoadRules(dir.path() / "rules.toml");
  ASSERT_TRUE(rules) << Describe(rules.error().front());
  Request r = Base("AUTH");
  Drop(r, "signature.present");
  Set(r, "delivery", Json::array({"secure_email"}));
  const std::vector<Finding> findings = rules->Evaluate(r, Context());
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, "SITE-01");
  EXPECT_EQ(findings[0].field, "delivery");
}

// Every form document of the shared sample that must be held breaks a rule.
TEST(ValidateTest, EveryMustReviewFormInTheSamplesGetsAFinding) {
  const auto truth_path = testing::SharedDir() / "samples/truth.jsonl";
  if (!std::filesystem::exists(truth_path)) GTEST_SKIP() << "no shared samples";
  std::ifstream in(truth_path);
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    const Json doc = Json::parse(line);
    if (!doc.at("must_review").get<bool>() || doc.at("form") == "OTHER") continue;
    Request r;
    r.form = doc.at("form").get<std::string>();
    r.language = doc.at("language").get<std::string>();
    if (!doc.at("fax_line").is_null()) r.source.fax_line = doc.at("fax_line").get<std::string>();
    for (const auto& [key, value] : doc.at("fields").items()) {
      if (!value.is_null()) Set(r, key, value);
    }
    RuleContext context = Context();
    context.received = *ParseDate("2026-12-02");  // after every signature date in the sample
    EXPECT_FALSE(Shipped().Evaluate(r, context).empty()) << doc.at("doc_id");
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace intake
