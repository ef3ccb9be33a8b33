#include "validate/validate.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace intake {

// Generated from forms/forms.json by CMake (default_rules.cc).
std::string_view DefaultFormsJsonText();

namespace {

enum class Kind {
  kAll, kAny, kMissing, kPresent, kAllMissing, kAnyMissing, kChecked, kNotChecked, kNoneChecked,
  kCheckedWithout, kDateBefore, kDateAfter, kAgeUnder, kAgeAtLeast, kNamesPatient, kNamesSomeoneElse,
  kFaxLine, kLanguageUnknown, kClassificationBelow, kPagesMissing,
};

constexpr std::pair<std::string_view, Kind> kKinds[] = {
    {"all", Kind::kAll},
    {"any", Kind::kAny},
    {"missing", Kind::kMissing},
    {"present", Kind::kPresent},
    {"all_missing", Kind::kAllMissing},
    {"any_missing", Kind::kAnyMissing},
    {"checked", Kind::kChecked},
    {"not_checked", Kind::kNotChecked},
    {"none_checked", Kind::kNoneChecked},
    {"checked_without", Kind::kCheckedWithout},
    {"date_before", Kind::kDateBefore},
    {"date_after", Kind::kDateAfter},
    {"age_under", Kind::kAgeUnder},
    {"age_at_least", Kind::kAgeAtLeast},
    {"names_patient", Kind::kNamesPatient},
    {"names_someone_else", Kind::kNamesSomeoneElse},
    {"fax_line", Kind::kFaxLine},
    {"language_unknown", Kind::kLanguageUnknown},
    {"classification_below", Kind::kClassificationBelow},
    {"pages_missing", Kind::kPagesMissing},
};

constexpr std::string_view kReceived = "received";

std::string_view KindName(RuleFieldKind kind) {
  switch (kind) {
    case RuleFieldKind::kText: return "a text field";
    case RuleFieldKind::kDate: return "a date field";
    case RuleFieldKind::kYesNo: return "a yes/no field";
    case RuleFieldKind::kCheckboxes: return "a checkbox group";
  }
  return "a field";
}

struct Condition {
  Kind kind = Kind::kAll;
  std::vector<Condition> children;  // all, any
  std::vector<std::string> fields;  // the subject field(s)
  std::string option;               // checked, not_checked, checked_without
  std::string other;                // text (checked_without), than (dates), on (ages), fax line
  int number = 0;                   // plus_months, years
  double threshold = 0;             // classification_below
};

struct Rule {
  std::string id;
  std::vector<std::string> forms;
  std::string severity;
  std::optional<std::string> field;
  Condition when;
  std::string message_en;
  std::string message_es;
};

}  // namespace

struct RuleSet::Compiled {
  std::vector<Rule> rules;
};

// ---------------------------------------------------------------------------
// Form vocabulary

Result<FormVocabulary> FormVocabularyFromJson(const nlohmann::json& forms_json) {
  try {
    FormVocabulary vocabulary;
    const nlohmann::json& renames = forms_json.contains("widget_renames") ? forms_json.at("widget_renames")
                                                                          : nlohmann::json::object();
    for (const auto& [code, form] : forms_json.at("forms").items()) {
      FormFields& out = vocabulary[form.at("form").get<std::string>()];
      for (const nlohmann::json& field : form.at("fields")) {
        const std::string kind = field.at("kind").get<std::string>();
        std::string key = field.at("key").get<std::string>();
        if (kind == "checkbox") {
          const std::string group = field.at("group").get<std::string>();
          out.fields[group] = RuleFieldKind::kCheckboxes;
          out.options[group].insert(field.at("option").get<std::string>());
        } else if (kind == "signature") {
          out.fields[key + ".present"] = RuleFieldKind::kYesNo;
        } else {
          if (renames.contains(key)) key = renames.at(key).get<std::string>();
          const bool date = field.contains("format") && field.at("format") == "date";
          out.fields[key] = date ? RuleFieldKind::kDate : RuleFieldKind::kText;
        }
      }
    }
    if (vocabulary.empty()) return Fail(ErrorCode::kCorruptFile, "the form list names no forms");
    return vocabulary;
  } catch (const nlohmann::json::exception& e) {
    return Fail(ErrorCode::kCorruptFile, std::string("the form list is not in the forms.json layout: ") + e.what());
  }
}

const FormVocabulary& DefaultFormVocabulary() {
  static const FormVocabulary vocabulary = [] {
    Result<FormVocabulary> parsed = FormVocabularyFromJson(nlohmann::json::parse(DefaultFormsJsonText()));
    if (!parsed) throw std::logic_error("built-in forms.json: " + parsed.error().message);
    return *parsed;
  }();
  return vocabulary;
}

std::string Describe(const RuleError& error) { return error.file + ": " + error.rule + ": " + error.why; }

// ---------------------------------------------------------------------------
// Loading

class RuleParser {
 public:
  RuleParser(std::string file, const FormVocabulary& vocabulary) : file_(std::move(file)), vocabulary_(vocabulary) {}

  RulesResult Parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, file_);
    } catch (const toml::parse_error& e) {
      Error("(file)", fmt::format("{} (line {}, column {})", e.description(), e.source().begin.line,
                                  e.source().begin.column));
      return tl::unexpected(errors_);
    }
    auto compiled = std::make_shared<RuleSet::Compiled>();
    for (const auto& [key, node] : root) {
      if (key.str() != "rule") Error("(file)", fmt::format("unknown key '{}': rules are [[rule]] tables", key.str()));
    }
    const toml::array* rules = root.contains("rule") ? root.get("rule")->as_array() : nullptr;
    if (!rules || rules->empty()) {
      Error("(file)", "no [[rule]] tables");
    } else {
      for (std::size_t i = 0; i < rules->size(); ++i) {
        const std::string fallback = fmt::format("rule #{}", i + 1);
        if (const toml::table* table = (*rules)[i].as_table()) {
          if (std::optional<Rule> rule = ParseRule(*table, fallback)) compiled->rules.push_back(std::move(*rule));
        } else {
          Error(fallback, "must be a table");
        }
      }
    }
    if (!errors_.empty()) return tl::unexpected(errors_);
    RuleSet set;
    set.compiled_ = std::move(compiled);
    return set;
  }

 private:
  void Error(const std::string& rule, std::string why) { errors_.push_back({file_, rule, std::move(why)}); }

  std::optional<Rule> ParseRule(const toml::table& table, const std::string& fallback) {
    const std::size_t errors_before = errors_.size();
    Rule rule;
    const std::optional<std::string> id = table["id"].value_exact<std::string>();
    rule_ = id && !id->empty() ? *id : fallback;
    if (!id || id->empty()) Error(rule_, "id is required (a string such as \"AUTH-10\")");
    if (id && !id->empty() && !ids_.insert(*id).second) Error(rule_, "duplicate id: another rule has it");
    rule.id = rule_;

    for (const auto& [key, node] : table) {
      static constexpr std::string_view kKeys[] = {"id", "forms", "severity", "field", "when", "message"};
      if (std::find(std::begin(kKeys), std::end(kKeys), key.str()) == std::end(kKeys)) {
        Error(rule_, fmt::format("unknown key '{}'", key.str()));
      }
    }

    ReadForms(table, rule);
    rule.severity = table["severity"].value_exact<std::string>().value_or("");
    if (rule.severity != "deficient" && rule.severity != "pend") {
      Error(rule_, "severity must be \"deficient\" or \"pend\"");
    }
    ReadMessages(table, rule);
    if (const toml::node* field = table.get("field")) {
      if (std::optional<std::string> name = field->value_exact<std::string>()) {
        CheckField(*name, {}, "field", rule.forms);
        rule.field = *name;
      } else {
        Error(rule_, "field must be a string (a field name)");
      }
    }
    if (const toml::node* when = table.get("when")) {
      rule.when = ParseCondition(*when, "when", rule.forms);
    } else {
      Error(rule_, "when is required (the condition under which the rule is broken)");
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return rule;
  }

  void ReadForms(const toml::table& table, Rule& rule) {
    const toml::array* forms = table["forms"].as_array();
    if (!forms || forms->empty()) {
      Error(rule_, "forms must list the forms the rule applies to, e.g. [\"AUTH\"]");
      return;
    }
    for (const toml::node& node : *forms) {
      const std::optional<std::string> form = node.value_exact<std::string>();
      if (form && (*form == "OTHER" || vocabulary_.count(*form))) {
        rule.forms.push_back(*form);
      } else {
        Error(rule_, fmt::format("forms: unknown form {}; known: {}, OTHER", form ? "'" + *form + "'" : "(not a string)",
                                 KnownForms()));
      }
    }
  }

  std::string KnownForms() const {
    std::string out;
    for (const auto& [form, fields] : vocabulary_) out += (out.empty() ? "" : ", ") + form;
    return out;
  }

  void ReadMessages(const toml::table& table, Rule& rule) {
    const toml::table* messages = table["message"].as_table();
    if (!messages) {
      Error(rule_, "message is required, in English and Spanish: message.en and message.es");
      return;
    }
    for (const auto& [key, node] : *messages) {
      if (key.str() != "en" && key.str() != "es") {
        Error(rule_, fmt::format("message.{}: messages are in English (en) and Spanish (es) only", key.str()));
      }
    }
    for (const auto& [language, out] : {std::pair{"en", &rule.message_en}, std::pair{"es", &rule.message_es}}) {
      const std::optional<std::string> text = (*messages)[language].value_exact<std::string>();
      if (!text || text->find_first_not_of(" \t\r\n") == std::string::npos) {
        Error(rule_, fmt::format("message.{} is missing or empty", language));
      } else {
        *out = *text;
      }
    }
  }

  // Reports `name` if it is not a field of every form, or (when `kinds` is
  // not empty) not of one of those kinds.
  void CheckField(const std::string& name, std::initializer_list<RuleFieldKind> kinds, const std::string& path,
                  const std::vector<std::string>& forms) {
    std::vector<std::string> lacking;
    for (const std::string& form : forms) {
      const auto vocabulary = vocabulary_.find(form);
      if (vocabulary == vocabulary_.end()) {
        lacking.push_back(form);
        continue;
      }
      const auto field = vocabulary->second.fields.find(name);
      if (field == vocabulary->second.fields.end()) {
        lacking.push_back(form);
      } else if (kinds.size() && std::find(kinds.begin(), kinds.end(), field->second) == kinds.end()) {
        Error(rule_, fmt::format("{}: '{}' is {} on form {}, not {}", path, name, KindName(field->second), form,
                                 KindName(*kinds.begin())));
        return;
      }
    }
    if (!lacking.empty()) {
      std::string list;
      for (const std::string& form : lacking) list += (list.empty() ? "" : ", ") + form;
      Error(rule_, fmt::format("{}: unknown field '{}' (not a field of form {})", path, name, list));
    }
  }

  void CheckOption(const std::string& group, const std::string& option, const std::string& path,
                   const std::vector<std::string>& forms) {
    for (const std::string& form : forms) {
      const auto vocabulary = vocabulary_.find(form);
      if (vocabulary == vocabulary_.end()) continue;  // CheckField reported it
      const auto options = vocabulary->second.options.find(group);
      if (options != vocabulary->second.options.end() && !options->second.count(option)) {
        Error(rule_, fmt::format("{}: '{}' is not an option of '{}' on form {}", path, option, group, form));
        return;
      }
    }
  }

  Condition ParseCondition(const toml::node& node, const std::string& path, const std::vector<std::string>& forms) {
    Condition condition;
    const toml::table* table = node.as_table();
    if (!table) {
      Error(rule_, path + ": a condition must be a table such as { missing = \"signature.date\" }");
      return condition;
    }
    std::vector<std::string> heads;
    for (const auto& [key, value] : *table) {
      for (const auto& [name, kind] : kKinds) {
        if (name == key.str()) {
          heads.emplace_back(name);
          condition.kind = kind;
        }
      }
    }
    if (heads.size() != 1) {
      std::string keys;
      for (const auto& [key, value] : *table) keys += (keys.empty() ? "" : ", ") + std::string(key.str());
      Error(rule_, heads.empty() ? fmt::format("{}: unknown predicate ({})", path, keys)
                                 : fmt::format("{}: one predicate per condition, found {}", path, keys));
      return condition;
    }
    const std::string head = heads.front();
    const std::string at = path + "." + head;
    const toml::node& subject = *table->get(head);
    std::vector<std::string> allowed = {head};

    switch (condition.kind) {
      case Kind::kAll:
      case Kind::kAny: {
        const toml::array* list = subject.as_array();
        if (!list || list->empty()) {
          Error(rule_, at + ": must be a non-empty list of conditions");
          break;
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
          condition.children.push_back(ParseCondition((*list)[i], fmt::format("{}[{}]", at, i + 1), forms));
        }
        break;
      }
      case Kind::kMissing:
      case Kind::kPresent:
        ReadField(subject, at, forms, {}, condition);
        break;
      case Kind::kAllMissing:
      case Kind::kAnyMissing: {
        const toml::array* list = subject.as_array();
        if (!list || list->empty()) {
          Error(rule_, at + ": must be a non-empty list of field names");
          break;
        }
        for (const toml::node& item : *list) ReadField(item, at, forms, {}, condition);
        break;
      }
      case Kind::kNoneChecked:
        ReadField(subject, at, forms, {RuleFieldKind::kCheckboxes}, condition);
        break;
      case Kind::kChecked:
      case Kind::kNotChecked:
      case Kind::kCheckedWithout:
        ReadField(subject, at, forms, {RuleFieldKind::kCheckboxes}, condition);
        allowed.push_back("option");
        condition.option = RequiredString(*table, "option", at);
        if (!condition.option.empty() && !condition.fields.empty()) {
          CheckOption(condition.fields.front(), condition.option, at, forms);
        }
        if (condition.kind == Kind::kCheckedWithout) {
          allowed.push_back("text");
          condition.other = RequiredString(*table, "text", at);
          if (!condition.other.empty()) CheckField(condition.other, {RuleFieldKind::kText}, at + ".text", forms);
        }
        break;
      case Kind::kDateBefore:
      case Kind::kDateAfter:
        ReadField(subject, at, forms, {RuleFieldKind::kDate}, condition);
        allowed.insert(allowed.end(), {"than", "plus_months"});
        condition.other = ReadDateOrReceived(*table, "than", at, forms);
        condition.number = static_cast<int>(OptionalInteger(*table, "plus_months", at, -1200, 1200));
        break;
      case Kind::kAgeUnder:
      case Kind::kAgeAtLeast:
        ReadField(subject, at, forms, {RuleFieldKind::kDate}, condition);
        allowed.insert(allowed.end(), {"years", "on"});
        if (!table->contains("years")) Error(rule_, at + ": years is required");
        condition.number = static_cast<int>(OptionalInteger(*table, "years", at, 0, 150));
        condition.other = ReadDateOrReceived(*table, "on", at, forms);
        break;
      case Kind::kNamesPatient:
      case Kind::kNamesSomeoneElse:
        ReadField(subject, at, forms, {RuleFieldKind::kText}, condition);
        for (const char* name : {"patient.first_name", "patient.last_name"}) CheckField(name, {}, at, forms);
        break;
      case Kind::kFaxLine:
        if (std::optional<std::string> line = subject.value_exact<std::string>(); line && !line->empty()) {
          condition.other = *line;
        } else {
          Error(rule_, at + ": must be the name of a fax line, e.g. \"imaging\"");
        }
        break;
      case Kind::kLanguageUnknown:
      case Kind::kPagesMissing:
        if (subject.value_exact<bool>() != true) Error(rule_, at + ": must be true");
        break;
      case Kind::kClassificationBelow: {
        const std::optional<double> value = subject.value<double>();
        if (!value || *value <= 0 || *value > 1) {
          Error(rule_, at + ": must be a confidence above 0 and at most 1");
        } else {
          condition.threshold = *value;
        }
        break;
      }
    }
    for (const auto& [key, value] : *table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        Error(rule_, fmt::format("{}: '{}' does not apply to {}", path, key.str(), head));
      }
    }
    return condition;
  }

  void ReadField(const toml::node& node, const std::string& at, const std::vector<std::string>& forms,
                 std::initializer_list<RuleFieldKind> kinds, Condition& condition) {
    const std::optional<std::string> name = node.value_exact<std::string>();
    if (!name || name->empty()) {
      Error(rule_, at + ": must be a field name");
      return;
    }
    CheckField(*name, kinds, at, forms);
    condition.fields.push_back(*name);
  }

  std::string RequiredString(const toml::table& table, const char* key, const std::string& at) {
    const std::optional<std::string> value = table[key].value_exact<std::string>();
    if (!value || value->empty()) Error(rule_, fmt::format("{}: {} is required (a string)", at, key));
    return value.value_or("");
  }

  std::string ReadDateOrReceived(const toml::table& table, const char* key, const std::string& at,
                                 const std::vector<std::string>& forms) {
    const std::string value = RequiredString(table, key, at);
    if (!value.empty() && value != kReceived) CheckField(value, {RuleFieldKind::kDate}, at + "." + key, forms);
    return value;
  }

  int64_t OptionalInteger(const toml::table& table, const char* key, const std::string& at, int64_t low,
                          int64_t high) {
    const toml::node* node = table.get(key);
    if (!node) return 0;
    const std::optional<int64_t> value = node->value_exact<int64_t>();
    if (!value || *value < low || *value > high) {
      Error(rule_, fmt::format("{}: {} must be a whole number from {} to {}", at, key, low, high));
      return 0;
    }
    return *value;
  }

  std::string file_;
  const FormVocabulary& vocabulary_;
  std::vector<RuleError> errors_;
  std::set<std::string> ids_;
  std::string rule_;  // the rule being read, for errors
};

RulesResult ParseRules(std::string_view toml_text, const std::string& file, const FormVocabulary& vocabulary) {
  return RuleParser(file, vocabulary).Parse(toml_text);
}

RulesResult LoadRules(const std::optional<std::filesystem::path>& path, const FormVocabulary& vocabulary) {
  if (!path) return ParseRules(DefaultRulesText(), "(built-in)", vocabulary);
  std::ifstream in(*path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in) {
    return tl::unexpected(std::vector<RuleError>{
        {path->string(), "(file)", std::string("cannot read the rule file: ") + std::strerror(errno)}});
  }
  return ParseRules(text.str(), path->string(), vocabulary);
}

// ---------------------------------------------------------------------------
// Evaluation

namespace {

struct Env {
  const Request& request;
  const RuleContext& context;
};

const nlohmann::json* Value(const Env& env, const std::string& key) {
  const auto it = env.request.fields.find(key);
  return it == env.request.fields.end() ? nullptr : &it->second.value;
}

// Absent, null, blank text, an empty list or a "no".
bool IsMissing(const Env& env, const std::string& key) {
  const nlohmann::json* value = Value(env, key);
  if (!value || value->is_null()) return true;
  if (value->is_string()) return value->get_ref<const std::string&>().find_first_not_of(" \t\r\n") == std::string::npos;
  if (value->is_array()) return value->empty();
  if (value->is_boolean()) return !value->get<bool>();
  return false;
}

bool IsChecked(const Env& env, const std::string& group, const std::string& option) {
  const nlohmann::json* value = Value(env, group);
  if (!value || !value->is_array()) return false;
  return std::any_of(value->begin(), value->end(), [&](const nlohmann::json& item) { return item == option; });
}

std::optional<Date> DateIn(const Env& env, const std::string& key) {
  if (key == kReceived) return env.context.received;
  const nlohmann::json* value = Value(env, key);
  if (!value || !value->is_string()) return std::nullopt;
  return ParseDate(value->get_ref<const std::string&>());
}

std::optional<std::string> TextIn(const Env& env, const std::string& key) {
  const nlohmann::json* value = Value(env, key);
  if (!value || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

// Adds months; a day the target month lacks becomes its last day (a form
// signed on January 31 expires on the last day of the month 12 months on).
Date AddMonths(Date date, int months) {
  const Date moved = date + std::chrono::months(months);
  if (moved.ok()) return moved;
  return std::chrono::year_month_day_last(moved.year(), std::chrono::month_day_last(moved.month()));
}

// Whole years; a February 29 birthday comes on March 1 in common years.
int AgeOn(Date dob, Date on) {
  int years = static_cast<int>(on.year()) - static_cast<int>(dob.year());
  if (std::chrono::month_day(on.month(), on.day()) < std::chrono::month_day(dob.month(), dob.day())) --years;
  return years;
}

// --- Names ------------------------------------------------------------------

// Lower-case ASCII words: accents folded (Latin-1 letters), everything that
// is not a letter or digit a separator.
std::vector<std::string> Words(const std::string& text) {
  // U+00C0..U+00FF, each mapped to its base letter ('\0' = separator).
  static constexpr char kLatin1[] =
      "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"
      "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";
  std::vector<std::string> words(1);
  auto separate = [&] {
    if (!words.back().empty()) words.emplace_back();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        words.back() += static_cast<char>(std::tolower(c));
      } else {
        separate();
      }
      continue;
    }
    // A two-byte UTF-8 sequence C3 xx is U+00C0..U+00FF; other characters
    // separate words.
    if (c == 0xC3 && i + 1 < text.size()) {
      const unsigned char next = static_cast<unsigned char>(text[i + 1]);
      const char base = next >= 0x80 && next <= 0xBF ? kLatin1[next - 0x80] : '\0';
      ++i;
      if (base) {
        words.back() += base;
        continue;
      }
    } else {
      while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) ++i;
    }
    separate();
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

// Whether `name` names the patient: it holds the patient's first name (or its
// initial) and one of the patient's last names. Words must match exactly
// (after folding case and accents): a near miss such as Mario for Maria is
// another person, and a misread name is caught by its low confidence.
// nullopt when undecidable.
std::optional<bool> NamesPatient(const Env& env, const std::string& field) {
  const std::optional<std::string> name = TextIn(env, field);
  const std::optional<std::string> first = TextIn(env, "patient.first_name");
  const std::optional<std::string> last = TextIn(env, "patient.last_name");
  if (!name || !first || !last) return std::nullopt;
  const std::vector<std::string> words = Words(*name);
  const std::vector<std::string> firsts = Words(*first);
  const std::vector<std::string> lasts = Words(*last);
  if (words.empty() || firsts.empty() || lasts.empty()) return std::nullopt;
  auto holds = [&](const std::string& wanted) { return std::find(words.begin(), words.end(), wanted) != words.end(); };
  const bool first_ok = holds(firsts.front()) || holds(firsts.front().substr(0, 1));
  const bool last_ok = std::any_of(lasts.begin(), lasts.end(), [&](const std::string& w) { return w.size() > 1 && holds(w); });
  return first_ok && last_ok;
}

// Evaluates; on true, `witness` (if still empty) gets the field that decided.
bool Holds(const Condition& c, const Env& env, std::optional<std::string>& witness) {
  auto decide = [&](bool result, const std::string& field) {
    if (result && !witness) witness = field;
    return result;
  };
  switch (c.kind) {
    case Kind::kAll: {
      std::optional<std::string> last;
      for (const Condition& child : c.children) {
        last.reset();
        if (!Holds(child, env, last)) return false;
      }
      if (!witness) witness = last;
      return true;
    }
    case Kind::kAny:
      return std::any_of(c.children.begin(), c.children.end(),
                         [&](const Condition& child) { return Holds(child, env, witness); });
    case Kind::kMissing:
      return decide(IsMissing(env, c.fields[0]), c.fields[0]);
    case Kind::kPresent:
      return decide(!IsMissing(env, c.fields[0]), c.fields[0]);
    case Kind::kAllMissing:
      return decide(std::all_of(c.fields.begin(), c.fields.end(), [&](const std::string& f) { return IsMissing(env, f); }),
                    c.fields[0]);
    case Kind::kAnyMissing:
      for (const std::string& field : c.fields) {
        if (IsMissing(env, field)) return decide(true, field);
      }
      return false;
    case Kind::kChecked:
      return decide(IsChecked(env, c.fields[0], c.option), c.fields[0]);
    case Kind::kNotChecked:
      return decide(!IsChecked(env, c.fields[0], c.option), c.fields[0]);
    case Kind::kNoneChecked:
      return decide(IsMissing(env, c.fields[0]), c.fields[0]);
    case Kind::kCheckedWithout:
      return decide(IsChecked(env, c.fields[0], c.option) && IsMissing(env, c.other), c.other);
    case Kind::kDateBefore:
    case Kind::kDateAfter: {
      const std::optional<Date> a = DateIn(env, c.fields[0]);
      const std::optional<Date> b = DateIn(env, c.other);
      if (!a || !b) return false;
      const Date moved = AddMonths(*a, c.number);
      return decide(c.kind == Kind::kDateBefore ? moved < *b : moved > *b, c.fields[0]);
    }
    case Kind::kAgeUnder:
    case Kind::kAgeAtLeast: {
      const std::optional<Date> dob = DateIn(env, c.fields[0]);
      const std::optional<Date> on = DateIn(env, c.other);
      if (!dob || !on) return false;
      const bool under = AgeOn(*dob, *on) < c.number;
      return decide(c.kind == Kind::kAgeUnder ? under : !under, c.fields[0]);
    }
    case Kind::kNamesPatient:
    case Kind::kNamesSomeoneElse: {
      const std::optional<bool> patient = NamesPatient(env, c.fields[0]);
      if (!patient) return false;
      return decide(c.kind == Kind::kNamesPatient ? *patient : !*patient, c.fields[0]);
    }
    case Kind::kFaxLine:
      return env.request.source.fax_line == c.other;
    case Kind::kLanguageUnknown:
      return !env.request.language;
    case Kind::kClassificationBelow:
      return env.context.classification_confidence && *env.context.classification_confidence < c.threshold;
    case Kind::kPagesMissing:
      return env.context.pages_seen && env.context.pages_expected &&
             *env.context.pages_seen < *env.context.pages_expected;
  }
  return false;
}

void CollectFields(const Condition& c, std::set<std::string>& out) {
  out.insert(c.fields.begin(), c.fields.end());
  const bool other_is_field = c.kind == Kind::kCheckedWithout || c.kind == Kind::kDateBefore ||
                              c.kind == Kind::kDateAfter || c.kind == Kind::kAgeUnder || c.kind == Kind::kAgeAtLeast;
  if (other_is_field && c.other != kReceived) out.insert(c.other);
  if (c.kind == Kind::kNamesPatient || c.kind == Kind::kNamesSomeoneElse) {
    out.insert({"patient.first_name", "patient.last_name"});
  }
  for (const Condition& child : c.children) CollectFields(child, out);
}

}  // namespace

std::vector<Finding> RuleSet::Evaluate(const Request& request, const RuleContext& context) const {
  std::vector<Finding> findings;
  const Env env{request, context};
  for (const Rule& rule : compiled_->rules) {
    if (std::find(rule.forms.begin(), rule.forms.end(), request.form) == rule.forms.end()) continue;
    std::optional<std::string> witness;
    if (!Holds(rule.when, env, witness)) continue;
    findings.push_back(Finding{rule.id, rule.severity, rule.field ? rule.field : witness,
                               context.language == "es" ? rule.message_es : rule.message_en});
  }
  return findings;
}

std::vector<RuleInfo> RuleSet::rules() const {
  std::vector<RuleInfo> out;
  for (const Rule& rule : compiled_->rules) {
    std::set<std::string> fields;
    CollectFields(rule.when, fields);
    out.push_back({rule.id, rule.forms, rule.severity, {fields.begin(), fields.end()}, rule.message_en,
                   rule.message_es});
  }
  return out;
}

}  // namespace intake
