// validate/validate.h: checks a request against the rules of SPEC section 5.
//
// Rules are data. validate/rules.toml (compiled in as the default; a site may
// load its own copy) gives each rule its id from research/domain-rules.md,
// the forms it applies to, a severity ("deficient" or "pend"), a condition in
// a small declarative language (fixed predicate kinds such as `missing`,
// `none_checked`, `date_before`, `age_under`, combined by `all` and `any`;
// the file documents them) and a message in English and Spanish that a clerk
// can paste into the letter to the sender. Loading checks every rule against
// the fields of the forms it names and refuses a broken file whole, listing
// every error (file, rule id, why).
//
//   auto rules = LoadRules(std::nullopt);  // the shipped rules
//   if (!rules) for (const RuleError& e : rules.error()) std::cerr << Describe(e) << "\n";
//   RuleContext context;
//   context.received = receipt.date;
//   context.language = request.language.value_or("en");
//   request.findings = rules->Evaluate(request, context);
//
// Evaluation is a pure function of the request's values and the context; it
// ignores confidences (routing decides what low confidence means).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "calendar/calendar.h"
#include "core/error.h"
#include "core/request.h"

namespace intake {

/// The fields of each form, as the request holds them: what rule conditions
/// may name.
enum class RuleFieldKind { kText, kDate, kYesNo, kCheckboxes };
struct FormFields {
  std::map<std::string, RuleFieldKind> fields;               // request key -> kind
  std::map<std::string, std::set<std::string>> options;  // checkbox group -> its options
};
using FormVocabulary = std::map<std::string, FormFields>;  // "AUTH" -> fields of every AUTH form

/// Builds the vocabulary from a forms.json document (forms/forms.json).
Result<FormVocabulary> FormVocabularyFromJson(const nlohmann::json& forms_json);
/// The vocabulary of the shipped form set (forms/forms.json, compiled in).
const FormVocabulary& DefaultFormVocabulary();

/// What a request is checked with besides its own fields.
struct RuleContext {
  Date received;                     // the day the document was received
  std::string language = "en";       // of the messages: "es" for Spanish, else English
  std::optional<int> pages_seen;     // pages of the form that arrived (INT-02)
  std::optional<int> pages_expected;  // pages the form has ("Page x of y")
  std::optional<double> classification_confidence;  // of form and language (INT-01)
};

/// A loaded rule, as it reads in the file.
struct RuleInfo {
  std::string id;
  std::vector<std::string> forms;
  std::string severity;
  std::vector<std::string> fields;  // every field its condition names, sorted
  std::string message_en;
  std::string message_es;
};

struct RuleError {
  std::string file;  // "(built-in)" for the compiled-in rules
  std::string rule;  // the rule's id, or "rule #N" (1-based) when it has none
  std::string why;
};

std::string Describe(const RuleError& error);

class RuleSet {
 public:
  /// The findings of every rule for the request's form that is broken, in
  /// file order, with the message in the context's language.
  std::vector<Finding> Evaluate(const Request& request, const RuleContext& context) const;
  std::vector<RuleInfo> rules() const;

  struct Compiled;  // the parsed rules (validate.cc)

 private:
  friend class RuleParser;
  RuleSet() = default;  // only loading makes one, so a RuleSet always has its rules
  std::shared_ptr<const Compiled> compiled_;
};

using RulesResult = tl::expected<RuleSet, std::vector<RuleError>>;

/// Loads a rule file; `path` empty: the compiled-in validate/rules.toml.
RulesResult LoadRules(const std::optional<std::filesystem::path>& path,
                      const FormVocabulary& vocabulary = DefaultFormVocabulary());
/// Parses rule text; `file` names it in errors.
RulesResult ParseRules(std::string_view toml_text, const std::string& file,
                       const FormVocabulary& vocabulary = DefaultFormVocabulary());
/// The text of the shipped validate/rules.toml.
std::string_view DefaultRulesText();

}  // namespace intake
