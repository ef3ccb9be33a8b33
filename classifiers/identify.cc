// Identification: which template page a prepared page is (see identify.h).
//
// 1. Corner marks: solid squares that fit a template's four marks in size,
//    spacing and angle give the map from template to page.
// 2. Layout: the page, mapped onto each template page at kLayoutDpi, is
//    compared with that page's blank (normalized correlation). This tells
//    AUTH page 1 from page 2 from AMEND from VERBAL cheaply, but barely tells
//    English from Spanish: their boxes and bars are the same.
// 3. The form-code box ("HIS-AUTH-ES"), read by one small OCR call with the
//    code alphabet only, says form and language.
// A page with neither marks and layout nor a code is not one of our forms; it
// may then be a mailroom separator sheet, recognized by its big words.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "classifiers/geometry.h"
#include "classifiers/identify.h"

namespace intake {
namespace {

using classify::Homography;

constexpr const char* kCodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
constexpr double kCodeReadScale = 1.5;  // read the code box at 300 dpi

// Layout correlation of a page with the blank of the template page it is.
// Measured on the samples and the made pages: filled forms through fax, scan
// and photo score 0.84-0.99 against their own page and 0.8-0.97 against its
// twin in the other language; other forms' pages score up to 0.57, pages that
// are no form of ours (letters, other hospitals' forms) under 0.25.
using classify::kLayoutMatch;
constexpr double kLayoutSure = 0.70;
constexpr double kLayoutUnlike = 0.30;  // below: nothing like any of our pages
constexpr double kLayoutSlack = 0.15;   // how much worse the coded form's layout may be than the best

struct Candidate {
  const FormTemplate* form = nullptr;
  int page = 0;
  const classify::PageModel* model = nullptr;
  Homography to_page;
  double layout = 0;
};

int EditDistance(const std::string& a, const std::string& b) {
  std::vector<int> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const int up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Letters OCR confuses with digits, folded together before comparing codes.
std::string FoldLookalikes(std::string text) {
  for (char& c : text) {
    switch (c) {
      case '0': c = 'O'; break;
      case '1': c = 'I'; break;
      case '5': c = 'S'; break;
      case '8': c = 'B'; break;
      default: break;
    }
  }
  return text;
}

// The text of the form-code box of `model`, located on the page by `to_page`.
std::string ReadCode(const GrayImage& page, const Homography& to_page, const classify::PageModel& model,
                     OcrEngine& ocr) {
  const Box box = *model.code_box;
  Homography shift;
  shift.m = {1, 0, static_cast<double>(box.x), 0, 1, static_cast<double>(box.y), 0, 0, 1};
  const int width = static_cast<int>(box.w * kCodeReadScale), height = static_cast<int>(box.h * kCodeReadScale);
  const GrayImage crop = classify::WarpToTemplate(page, shift.Then(to_page), width, height, kCodeReadScale);
  Result<OcrText> text = ocr.ReadRegion(crop, Box{}, OcrMode::kSingleLine, kCodeAlphabet);
  if (!text) return {};
  std::string code;
  for (char c : text->text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') code += c;
  }
  return code;
}

struct CodeMatch {
  const FormTemplate* form = nullptr;  // the one template the code names, or nullptr
  int distance = 99;
};

CodeMatch MatchCode(const std::string& read, const TemplateSet& templates) {
  if (read.empty()) return {};
  const std::string folded = FoldLookalikes(read);
  CodeMatch best;
  int second = 99;
  for (const FormTemplate& form : templates.forms) {
    const int d = EditDistance(folded, FoldLookalikes(form.code));
    if (d < best.distance) {
      second = best.distance;
      best = {&form, d};
    } else if (d < second) {
      second = d;
    }
  }
  // Codes of one form in two languages differ in one letter: a reading is
  // trusted only when it is clearly nearer one code than any other.
  if (best.distance > 2 || second - best.distance < 1) return {};
  return best;
}

// Big letters that stand in a row with at least five others of about their
// height: the words of a heading, not the grain of a photo.
std::vector<Box> LettersInRows(const std::vector<Box>& letters) {
  std::vector<Box> rows;
  if (letters.size() > 400) return rows;  // texture, not words
  for (const Box& a : letters) {
    int in_row = 0;
    for (const Box& b : letters) {
      const double ratio = b.h / static_cast<double>(a.h);
      in_row += ratio > 0.75 && ratio < 1.33 && std::abs((b.y + b.h / 2.0) - (a.y + a.h / 2.0)) < 0.3 * a.h;
    }
    if (in_row >= 6) rows.push_back(a);
  }
  return rows;
}

// A mailroom separator sheet: "DOCUMENT SEPARATOR" in letters a third of an
// inch tall or more. Only a page with rows of such letters is read, and only
// there, shrunk so the letters are ~40 pixels tall: cheap, and body text
// elsewhere costs nothing.
bool IsSeparator(const GrayImage& page, const std::vector<Box>& big_letters, OcrEngine& ocr) {
  const std::vector<Box> heading = LettersInRows(big_letters);
  if (heading.size() < 12) return false;
  int x0 = page.width, y0 = page.height, x1 = 0, y1 = 0;
  std::vector<int> heights;
  for (const Box& b : heading) {
    x0 = std::min(x0, b.x);
    y0 = std::min(y0, b.y);
    x1 = std::max(x1, b.x + b.w);
    y1 = std::max(y1, b.y + b.h);
    heights.push_back(b.h);
  }
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  const double letter = heights[heights.size() / 2];
  const double scale = std::min(1.0, 40.0 / letter);
  const int margin = static_cast<int>(letter);
  Homography shift;
  shift.m = {1, 0, static_cast<double>(x0 - margin), 0, 1, static_cast<double>(y0 - margin), 0, 0, 1};
  const GrayImage words = classify::WarpToTemplate(page, shift, static_cast<int>((x1 - x0 + 2 * margin) * scale),
                                                   static_cast<int>((y1 - y0 + 2 * margin) * scale), scale);
  Result<OcrText> text = ocr.ReadRegion(words, Box{}, OcrMode::kBlock, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  if (!text) return false;
  std::string letters;
  for (char c : text->text) {
    if (std::isalpha(static_cast<unsigned char>(c))) letters += c;
  }
  const auto near = [&](const std::string& word) {
    for (std::size_t at = 0; at + word.size() <= letters.size() + 1; ++at) {
      if (EditDistance(letters.substr(at, word.size()), word) <= 2) return true;
    }
    return false;
  };
  return near("DOCUMENT") && near("SEPARATOR");
}

PageIdentity Identify(const GrayImage& page, const TemplateSet& templates, OcrEngine& ocr) {
  PageIdentity id;
  if (page.Empty()) return id;
  classify::PageView view(page);
  const classify::PageInk& ink = view.ink();
  // The likeliest readings of the marks first; the alternatives (a stray blob
  // taken for a lost mark) only when no template page looks like the page.
  std::vector<Candidate> candidates;
  for (bool quick : {true, false}) {
    candidates.clear();
    for (const FormTemplate& form : templates.forms) {
      for (int number = 1; number <= static_cast<int>(form.pages.size()); ++number) {
        const classify::PageModel* model = classify::ModelOf(form, number);
        if (!model) continue;
        if (const std::optional<classify::ScoredFit> fit = view.Fit(*model, quick)) {
          candidates.push_back({&form, number, model, fit->fit.to_page, fit->layout});
        }
      }
    }
    const bool any = std::any_of(candidates.begin(), candidates.end(),
                                 [](const Candidate& c) { return c.layout >= kLayoutMatch; });
    if (any) break;
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.layout > b.layout; });

  if (candidates.empty() || candidates.front().layout < kLayoutMatch) {
    id.separator = IsSeparator(page, ink.big_letters, ocr);
    id.confidence = candidates.empty() || candidates.front().layout < kLayoutUnlike ? 0.97 : 0.8;
    return id;
  }
  const Candidate& best = candidates.front();
  CodeMatch code;
  if (best.model->code_box) code = MatchCode(ReadCode(page, best.to_page, *best.model, ocr), templates);

  // The code names the form and language, the layout its page. A code that
  // the layout contradicts (its form's pages look much less like the page
  // than another form's do) is not trusted.
  if (code.form) {
    const auto named = std::find_if(candidates.begin(), candidates.end(),
                                    [&](const Candidate& c) { return c.form == code.form; });
    if (named != candidates.end() && named->layout >= kLayoutMatch && named->layout > best.layout - kLayoutSlack) {
      id.form = named->form;
      id.page = named->page;
      const double belief = code.distance == 0 ? 0.995 : code.distance == 1 ? 0.98 : 0.95;
      id.confidence = named->layout >= kLayoutSure ? belief : belief - 0.1;
      return id;
    }
  }
  // No code to go by: the layout names form and page, and the printed labels,
  // compared with the twin in the other language, the language.
  id.form = best.form;
  id.page = best.page;
  id.confidence = code.form ? 0.5 : 0.8;
  const auto twin = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) {
    return c.form != best.form && c.form->form == best.form->form && c.page == best.page;
  });
  if (twin == candidates.end() || code.form) return id;
  const classify::PageModel& model = *best.model;
  const GrayImage labels = classify::WarpToTemplate(
      ink.reduced, best.to_page.Then(classify::Shrinking(1.0 / ink.reduction)), model.labels.width,
      model.labels.height, classify::kLabelDpi / kTemplateDpi);
  const auto [own, other] = classify::LabelSimilarity(labels, model.labels, twin->model->labels);
  if (other > own) {
    id.form = twin->form;
    id.page = twin->page;
  }
  // Measured on made pages whose code box was blanked (tests): the right
  // twin's labels correlate 0.77-0.93, the wrong one's -0.15-0.30, a gap of
  // 0.48 or more on every page. Handwriting over labels narrows it, so the
  // belief falls off well before the gap closes.
  const double gap = std::abs(own - other);
  id.confidence = gap > 0.3 ? 0.95 : gap > 0.15 ? 0.85 : gap > 0.07 ? 0.7 : 0.55;
  return id;
}

}  // namespace

PageIdentity IdentifyPage(const GrayImage& page, const TemplateSet& templates, OcrEngine& ocr) {
  try {
    return Identify(page, templates, ocr);
  } catch (const std::exception&) {
    return PageIdentity{};  // confidence 0: a person decides what the page is
  }
}

}  // namespace intake
