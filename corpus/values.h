// corpus/values.h: private to the corpus module. Synthetic people and the
// values a person writes into a form.
//
// Nothing here names a form: a field's value is chosen from its format and
// key alone (a date whose key holds "dob" is a birth date, a name under
// "recipient." is the recipient's), and checkbox groups by their options (a
// group with an "imaging_cd" option is what the sender asks to be released).
// The people are invented: names from common English and Spanish names,
// addresses with the right ZIP for their town, 555-01xx phone numbers and
// example.* e-mail domains.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "corpus/random.h"
#include "templates/template.h"

namespace intake::corpus_detail {

using Day = std::chrono::sys_days;

std::string IsoDate(Day day);
std::string UpperUtf8(const std::string& text);
std::string StripAccents(const std::string& text);
/// True when every character of `text` is plain ASCII.
bool IsAscii(const std::string& text);

struct Address {
  std::string street, city, state, zip;  // zip: 5 digits
};

struct Person {
  std::string first, last, middle;  // middle: one letter or empty
  Day dob{};
  std::string phone;  // 10 digits
  std::string email;
  Address address;
  std::string FullName() const;
};

/// A new synthetic person; `spanish` favours Spanish names; born on `dob`.
Person MakePerson(Rng& rng, bool spanish, Day dob);
/// A fictional organization with its address, phone, fax and e-mail.
struct Organization {
  std::string name;
  Address address;
  std::string phone, fax, email;
};
/// `clinic`: a health care provider; otherwise any recipient (provider, law
/// firm, insurer, agency, school).
Organization MakeOrganization(Rng& rng, bool spanish, bool clinic);
std::string MakePhone(Rng& rng, const std::string& state);

enum class FillMode { kHand, kTyped, kEfill };
std::string_view ToString(FillMode mode);

enum class HardCase {
  kUnsigned,
  kNoSignatureDate,
  kNoItemChecked,
  kMissingPage,
  kOutOfOrder,
  kExpired,
  kMinorSelf,
  kCrossout,
  kStrayMarks,
};
std::string_view ToString(HardCase hard_case);

/// How the sender fills the form: what the planner decided for the document.
struct FillRequest {
  const FormTemplate* form = nullptr;
  FillMode mode = FillMode::kHand;
  Day received{};  // the day the document arrives
  std::optional<std::string> fax_line;
  std::vector<HardCase> hard_cases;
  bool wants_imaging = false;  // ask for images on CD, where the form offers it
};

/// One filled text field: as written on the page, and its normalized truth.
struct WrittenValue {
  std::string text;
  std::string truth;
};

struct FilledForm {
  std::map<std::string, WrittenValue> text;                 // filled text and initials fields, by key
  std::map<std::string, std::vector<std::string>> checked;  // every group -> its checked options, sorted
  bool signed_by_hand = true;                               // a signature is drawn
  std::string auth_kind;  // for forms with an imaging option: records, imaging_only, ...
  bool uppercase = true;  // hand-printed in block capitals
  // A value first written wrong, struck through and written again.
  std::optional<std::string> crossout_key;
  std::string crossout_wrong;
  Person patient;
  std::string signer_name;      // for the drawn signature
  std::string patient_initials;
};

/// True when the form can carry the hard case (e.g. kMissingPage needs two pages).
bool Applies(HardCase hard_case, const FormTemplate& form, FillMode mode);

FilledForm FillForm(const FillRequest& request, Rng& rng);

/// A date as forms ask for it: MM/DD/YYYY.
std::string UsDate(Day day);

/// Sentences for documents that are not forms.
struct LetterText {
  std::string firm, attorney, street, city_line, phone, date_line, re_line, salutation, closing;
  std::vector<std::string> paragraphs;
};
LetterText MakeAttorneyLetter(Rng& rng, Day written, bool spanish);
/// A fax station identifier as fax machines are set up ("LIBRARY FAX", "+15085550199").
std::string MakeStationId(Rng& rng);
/// Subject lines and message bodies of e-mails that carry a form.
std::string MakeSubject(Rng& rng, const std::string& form, bool spanish);
std::string MakeBody(Rng& rng, bool spanish, bool has_attachment, const std::string& signer);

}  // namespace intake::corpus_detail
