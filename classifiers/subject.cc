#include "classifiers/subject.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace intake {
namespace {

// Lower case, Spanish accents folded to their letters (UTF-8 in, ASCII-ish out).
std::string Folded(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, char>, 14> kAccents = {
      {{"á", 'a'}, {"é", 'e'}, {"í", 'i'}, {"ó", 'o'}, {"ú", 'u'}, {"ü", 'u'}, {"ñ", 'n'},
       {"Á", 'a'}, {"É", 'e'}, {"Í", 'i'}, {"Ó", 'o'}, {"Ú", 'u'}, {"Ü", 'u'}, {"Ñ", 'n'}}};
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    bool folded = false;
    for (const auto& [accented, plain] : kAccents) {
      if (text.substr(i).starts_with(accented)) {
        out.push_back(plain);
        i += accented.size();
        folded = true;
        break;
      }
    }
    if (!folded) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++]))));
  }
  return out;
}

// Word stems naming each form, English and Spanish, in the order they are tried.
struct Naming {
  const char* form;
  std::array<std::string_view, 8> stems;
};
constexpr std::array<Naming, 3> kNamings = {{
    {"VERBAL", {"verbal"}},
    {"AMEND", {"amend", "correction", "correct my", "enmienda", "enmendar", "correccion"}},
    {"AUTH", {"authoriz", "authoris", "release of", "records", "imaging", "autorizacion", "expediente", "imagenes"}},
}};

}  // namespace

std::optional<std::string> FormNamedInSubject(std::string_view subject) {
  const std::string folded = Folded(subject);
  for (const Naming& naming : kNamings) {
    for (std::string_view stem : naming.stems) {
      if (!stem.empty() && folded.find(stem) != std::string::npos) return naming.form;
    }
  }
  return std::nullopt;
}

double WithSubjectHint(double confidence, const std::string& form, const std::optional<std::string>& named) {
  if (!named || confidence <= 0 || confidence >= 1) return confidence;
  const double odds = confidence / (1 - confidence) * (*named == form ? kAgreeingSubjectOdds : 1 / kContradictingSubjectOdds);
  return odds / (1 + odds);
}

}  // namespace intake
