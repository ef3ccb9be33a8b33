// classifiers/subject.h: what an e-mail's subject line says about the form it carries.
//
// The hospital asks senders to name the category in the subject ("Amendment
// request", "Autorización verbal"), and many do; many write "Scanned
// document" or nothing. The subject is a hint, never the answer: the form is
// what the pages show. A subject that names the identified form makes the
// classification surer; one that names another form makes it doubtful, so
// that a person looks (rule INT-01) rather than trusting either alone.
//
//   const std::optional<std::string> named = FormNamedInSubject(subject);  // "AMEND"
//   confidence = WithSubjectHint(confidence, request.form, named);
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace intake {

/// The form ("AUTH", "AMEND" or "VERBAL") a subject line names, in English or
/// Spanish, case and accents aside; nullopt when it names none. A verbal
/// authorization is named before an authorization ("Autorización verbal"),
/// an amendment before a records request ("Correction to my medical record").
std::optional<std::string> FormNamedInSubject(std::string_view subject);

/// `confidence` (0..1) that the pages are `form`, after the subject's hint:
/// the odds multiplied by kAgreeingSubjectOdds when `named` is that form,
/// divided by kContradictingSubjectOdds when `named` is another, unchanged
/// without a hint. A certain identification (1: the form's own AcroForm
/// fields) stays certain.
double WithSubjectHint(double confidence, const std::string& form, const std::optional<std::string>& named);

/// How much a subject naming a form moves the odds; set by judgment, not
/// fitted (the generated corpus never mislabels its subjects). Agreeing, it
/// lifts a layout-only identification (0.85) over INT-01's 0.9. Contradicting,
/// it brings even a form code read exactly (0.995) under it: a sender who
/// names one form and attaches another may have attached the wrong one, and a
/// person should look; the form stays what the pages show.
inline constexpr double kAgreeingSubjectOdds = 4;
inline constexpr double kContradictingSubjectOdds = 25;

}  // namespace intake
