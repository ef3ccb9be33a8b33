// extract/crosscheck.h: fields of one form that say the same thing twice, read against each other.
//
// When the patient signs their own form ("self" checked under the signer's
// authority), the printed name under the signature is the patient's name
// written a second time, in the same hand, in another box: two readings of
// one value. Where they agree, each confirms the other (two independent
// misreadings rarely agree letter for letter). Where a part disagrees, the
// more confident reading is taken for both boxes: a misread last name is
// mended by the signer's line and the other way round. Readings too far
// apart to be one name misread (the wrong box ticked, a signer who is
// somebody else) are left as they are, and so is a name written "LAST,
// FIRST".
//
// Initials boxes (one per sensitive category the signer agrees to release)
// are all written by the signer: the same two or three letters each time,
// and the first letters of the name the signer prints. A box read otherwise
// than the others and the name agree on is a box misread.
//
//   std::map<std::string, FieldReading> fields = ReadFields(form, pages, file_pages, ocr);
//   CrossCheckNames(fields);
//   CrossCheckInitials(fields, {"sensitive.hiv", "sensitive.std", ...});
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/request.h"

namespace intake {

/// Reconciles patient.first_name, patient.middle_initial and
/// patient.last_name with signer.name when signer.authority holds "self".
void CrossCheckNames(std::map<std::string, FieldReading>& fields);

/// Reconciles the initials boxes `keys` (those read) with each other and with
/// the first letters of signer.name (of the patient's first and last names
/// when "self" signed and no signer's name was read). Where at least two of
/// these sources agree and none other has as many, a box read otherwise takes
/// their value; boxes that agree are confirmed.
void CrossCheckInitials(std::map<std::string, FieldReading>& fields, const std::vector<std::string>& keys);

}  // namespace intake
