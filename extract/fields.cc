#include "extract/fields.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "extract/confidence.h"
#include "extract/crosscheck.h"
#include "extract/reading.h"

namespace intake {
namespace {

// ---- Telling the filler's ink from the form's -------------------------------

// Darker than this on the registered page is ink (blue ballpoint on a gray
// scan included); darker than kPrintedLevel on the blank is the form's own
// print, anti-aliased edges included.
constexpr int kInkLevel = 160;
constexpr int kPrintedLevel = 200;
// Around each field the print is fitted to the page again, within
// kAlignSearchPx, and widened by kAlignedSlackPx before it is taken away (the
// fax's own blur). Where too little print lies near a field to fit it (under
// kMinAlignInkPx pixels), it is widened by kRegistrationSlackPx instead, so a
// registration error of that much leaves no printed edge behind.
constexpr int kAlignSearchPx = 3;
constexpr int kAlignedSlackPx = 1;
constexpr int kMinAlignInkPx = 40;
constexpr int kRegistrationSlackPx = 2;
// Pieces of ink smaller than this are fax noise or dust, not writing, unless
// they end a letter as a period does: one at most kDotPx across.
constexpr int kSpeckPx = 6;
constexpr int kDotPx = 8;
// A piece of ink at most this thick that runs across most of the region
// (kRuleSpan of its width or height) is a fax streak or the edge of a printed
// rule; so is any piece lying wholly within kRuleBandPx of a ruled line (a
// faxed rule comes out thicker and wavier than the blank's, and breaks into
// dashes when what is left of it is taken away).
constexpr int kRuleThicknessPx = 3;
constexpr double kRuleSpan = 0.6;
constexpr int kRuleBandPx = 4;
// A row or column of the blank that is dark over this share of the region is
// a ruled line.
constexpr double kRuleDarkShare = 0.5;

// ---- Text boxes ---------------------------------------------------------------

// How far around the widget a field's writing is looked for: people write
// past the widget's edges, and hand print rises into the label above it.
// The ruled cell around the field limits it (see WritingArea).
constexpr int kTextMarginX = 10;
constexpr int kTextMarginTop = 14;
constexpr int kTextMarginBottom = 8;
// A box with fewer pixels of writing than this is blank: a period alone
// (~10 px) is not a value, the thinnest typed digit (~40 px) is.
constexpr int kMinTextInkPx = 30;
// White border around the writing handed to Tesseract.
constexpr int kOcrPadPx = 12;

// ---- Checkboxes and the signature ---------------------------------------------

// The printed square's border is inside its rectangle; ink is measured this
// far in (the registration slack takes the rest of the border away).
constexpr int kCheckboxInsetPx = 2;
// Share of the open inner square that must be covered to call it checked: a
// check mark covers ~15-30%, an X ~30-45%, a filled dot more; an empty box on
// a noisy fax stays under ~2%. A reading one spread away is all but certain.
constexpr double kCheckedInk = 0.06;
constexpr double kCheckedInkSpread = 0.06;
// Pixels of writing in the signature box that make a signature: an initial
// scrawl has ~400 at kTemplateDpi, a full signature thousands, fax noise
// after the speck filter a few dozen. Decided on a log scale; a factor of 4
// from the threshold is all but certain.
constexpr int kSignatureInsetPx = 4;
constexpr double kSignatureInkPx = 150;
constexpr double kSignatureLogSpread = 1.386;  // ln 4

cv::Mat View(const GrayImage& image) {
  return cv::Mat(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
}

cv::Rect ToRect(Box box) { return {box.x, box.y, box.w, box.h}; }

std::array<double, 4> ToArray(cv::Rect r) {
  return {static_cast<double>(r.x), static_cast<double>(r.y), static_cast<double>(r.width),
          static_cast<double>(r.height)};
}

bool Complete(const GrayImage& image) {
  return !image.Empty() && image.pixels.size() == static_cast<std::size_t>(image.width) * image.height;
}

bool SameSize(const GrayImage& a, const GrayImage& b) {
  return Complete(a) && Complete(b) && a.width == b.width && a.height == b.height;
}

// What the filler added inside `area`: `ink` is 255 where the page is dark and
// the blank form (widened by the registration slack) prints nothing; `open` is
// 255 where the blank prints nothing, i.e. where writing can be seen; `hidden`
// is 255 where the page is dark under the form's print (the print itself, and
// any stroke crossing it).
// `near_rule_rows` / `near_rule_columns` flag the rows and columns of the
// area within kRuleBandPx of a ruled line of the (fitted) print.
struct AddedInk {
  cv::Mat ink;
  cv::Mat open;
  cv::Mat hidden;
  std::vector<bool> near_rule_rows;
  std::vector<bool> near_rule_columns;
};

// Flags the lines (rows of `print`, or its columns when `columns`) that are
// ruled, and every line within kRuleBandPx of one.
std::vector<bool> NearRules(const cv::Mat& print, bool columns) {
  cv::Mat sums;  // 255 per printed pixel, along each row (or column)
  cv::reduce(print, sums, columns ? 0 : 1, cv::REDUCE_SUM, CV_32S);
  const int count = columns ? print.cols : print.rows;
  const double ruled = 255 * kRuleDarkShare * (columns ? print.rows : print.cols);
  std::vector<bool> near(count, false);
  for (int i = 0; i < count; ++i) {
    if (sums.at<int>(columns ? 0 : i, columns ? i : 0) < ruled) continue;
    for (int j = std::max(0, i - kRuleBandPx); j <= std::min(count - 1, i + kRuleBandPx); ++j) near[j] = true;
  }
  return near;
}

// `rect` of `image`, white where it lies off the image.
cv::Mat Window(const GrayImage& image, cv::Rect rect) {
  cv::Mat out(rect.size(), CV_8UC1, cv::Scalar(255));
  const cv::Rect on = rect & cv::Rect(0, 0, image.width, image.height);
  if (on.area() > 0) View(image)(on).copyTo(out(on - rect.tl()));
  return out;
}

AddedInk InkAddedIn(const GrayImage& page, const GrayImage& blank, cv::Rect area) {
  // Both pages around `area`, with room for the slack and the search.
  const int margin = kAlignSearchPx + kRegistrationSlackPx;
  const cv::Rect outer(area.x - margin, area.y - margin, area.width + 2 * margin, area.height + 2 * margin);
  cv::Mat dark, print;
  cv::threshold(Window(page, outer), dark, kInkLevel, 255, cv::THRESH_BINARY_INV);
  cv::threshold(Window(blank, outer), print, kPrintedLevel, 255, cv::THRESH_BINARY_INV);

  // The shift of the print that lies best on the page here: registration is
  // exact to a pixel or two over a page, and a field needs it exact locally.
  // overlap(d) counts the print's pixels near the area that are dark on the
  // page when the print is moved by d; the smallest best shift wins.
  const cv::Rect near(kAlignSearchPx, kAlignSearchPx, area.width + 2 * kRegistrationSlackPx,
                      area.height + 2 * kRegistrationSlackPx);
  cv::Mat dark_f, print_f, overlap;
  dark.convertTo(dark_f, CV_32F, 1.0 / 255);
  print(near).convertTo(print_f, CV_32F, 1.0 / 255);
  cv::matchTemplate(dark_f, print_f, overlap, cv::TM_CCORR);
  cv::Point best(0, 0);
  int best_overlap = 0;
  for (int dy = -kAlignSearchPx; dy <= kAlignSearchPx; ++dy) {
    for (int dx = -kAlignSearchPx; dx <= kAlignSearchPx; ++dx) {
      const int count = static_cast<int>(std::lround(overlap.at<float>(kAlignSearchPx + dy, kAlignSearchPx + dx)));
      const bool closer = std::abs(dx) + std::abs(dy) < std::abs(best.x) + std::abs(best.y);
      if (count > best_overlap || (count == best_overlap && closer)) {
        best_overlap = count;
        best = {dx, dy};
      }
    }
  }
  // With enough print to fit against, the fitted print is widened by a
  // pixel; without, by the whole registration slack.
  const int slack = best_overlap >= kMinAlignInkPx ? kAlignedSlackPx : kRegistrationSlackPx;
  const cv::Rect inner(margin, margin, area.width, area.height);
  const cv::Rect widened(margin - kRegistrationSlackPx, margin - kRegistrationSlackPx,
                         area.width + 2 * kRegistrationSlackPx, area.height + 2 * kRegistrationSlackPx);
  const cv::Mat fitted = print(widened - best);
  cv::Mat printed;
  cv::dilate(fitted, printed, cv::getStructuringElement(cv::MORPH_RECT, {2 * slack + 1, 2 * slack + 1}));
  const cv::Rect center(kRegistrationSlackPx, kRegistrationSlackPx, area.width, area.height);
  printed = printed(center);
  AddedInk added;
  added.near_rule_rows = NearRules(fitted(center), false);
  added.near_rule_columns = NearRules(fitted(center), true);
  cv::bitwise_not(printed, added.open);
  cv::bitwise_and(dark(inner), added.open, added.ink);
  cv::bitwise_and(dark(inner), printed, added.hidden);
  return added;
}

// The pieces of the added ink that can be writing: specks, streaks and what
// is left of ruled lines are dropped.
cv::Mat WritingOnly(const AddedInk& added) {
  const cv::Mat& ink = added.ink;
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  auto all_near = [](const std::vector<bool>& near, int from, int length) {
    return std::all_of(near.begin() + from, near.begin() + from + length, [](bool b) { return b; });
  };
  auto box = [&](int i) {
    return cv::Rect(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                    stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
  };
  std::vector<std::uint8_t> keep(count, 0);
  std::vector<int> dots;  // small pieces that are writing only beside a letter
  for (int i = 1; i < count; ++i) {
    const cv::Rect r = box(i);
    const bool speck = stats.at<int>(i, cv::CC_STAT_AREA) < kSpeckPx;
    const bool streak = (r.height <= kRuleThicknessPx && r.width >= kRuleSpan * ink.cols) ||
                        (r.width <= kRuleThicknessPx && r.height >= kRuleSpan * ink.rows);
    const bool rule_left =
        all_near(added.near_rule_rows, r.y, r.height) || all_near(added.near_rule_columns, r.x, r.width);
    keep[i] = speck || streak || rule_left ? 0 : 255;
    if (!keep[i] && !streak && r.width <= kDotPx && r.height <= kDotPx) dots.push_back(i);
  }
  // A period, a comma or the dot of an initial is as small as fax noise and
  // sits on the line people write on; it is kept when it ends a letter:
  // level with the letter's foot and at most half its height after it.
  for (int i : dots) {
    const cv::Rect dot = box(i);
    for (int j = 1; j < count; ++j) {
      if (!keep[j] || j == i) continue;
      const cv::Rect letter = box(j);
      const int gap = dot.x - (letter.x + letter.width);
      const int foot = letter.y + letter.height;
      if (letter.height > 2 * dot.height && gap >= -1 && gap <= letter.height / 2 &&
          dot.y >= letter.y + letter.height / 2 && dot.y <= foot + 1 && dot.y + dot.height >= foot - kDotPx) {
        keep[i] = 255;
        break;
      }
    }
  }
  cv::Mat writing(ink.size(), CV_8UC1);
  for (int y = 0; y < ink.rows; ++y) {
    const int* label = labels.ptr<int>(y);
    std::uint8_t* out = writing.ptr<std::uint8_t>(y);
    for (int x = 0; x < ink.cols; ++x) out[x] = keep[label[x]];
  }
  return writing;
}

// The widget with room around it for writing that strays past its edges,
// stopped at the ruled lines of the field's cell above and beside it, so the
// neighbours' writing stays out. Below, the margin is kept whatever is
// printed there: descenders cross the line people write on.
cv::Rect WritingArea(const GrayImage& blank, cv::Rect widget) {
  widget &= cv::Rect(0, 0, blank.width, blank.height);
  auto row_is_rule = [&](int y) {
    int dark = 0;
    for (int x = widget.x; x < widget.x + widget.width; ++x) dark += blank.At(x, y) < kPrintedLevel;
    return dark >= kRuleDarkShare * widget.width;
  };
  auto column_is_rule = [&](int x) {
    int dark = 0;
    for (int y = widget.y; y < widget.y + widget.height; ++y) dark += blank.At(x, y) < kPrintedLevel;
    return dark >= kRuleDarkShare * widget.height;
  };
  int top = widget.y, left = widget.x, right = widget.x + widget.width;
  while (top > std::max(0, widget.y - kTextMarginTop) && !row_is_rule(top - 1)) --top;
  const int bottom = std::min(blank.height, widget.y + widget.height + kTextMarginBottom);
  while (left > std::max(0, widget.x - kTextMarginX) && !column_is_rule(left - 1)) --left;
  while (right < std::min(blank.width, widget.x + widget.width + kTextMarginX) && !column_is_rule(right)) ++right;
  return {left, top, right - left, bottom - top};
}

std::optional<GrayImage> WritingImage(const GrayImage& page, const GrayImage& blank, cv::Rect widget) {
  const cv::Rect area = WritingArea(blank, widget);
  const AddedInk added = InkAddedIn(page, blank, area);
  cv::Mat writing = WritingOnly(added);
  if (cv::countNonZero(writing) < kMinTextInkPx) return std::nullopt;
  // Taking the print away cuts every stroke that crosses a printed line (the
  // tail of a "p" through the line it is written on). Where the writing goes
  // on at both sides of such a gap and the page is dark in it, the gap is
  // the stroke's: it is put back.
  const int gap = 2 * kRegistrationSlackPx + kRuleThicknessPx + 2;
  cv::Mat across, along;
  cv::morphologyEx(writing, across, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {1, gap}));
  cv::morphologyEx(writing, along, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {gap, 1}));
  cv::bitwise_or(across, along, across);
  cv::bitwise_and(across, added.hidden, across);
  cv::bitwise_or(writing, across, writing);
  // Soft edges of the strokes stay with them; everything else turns white.
  cv::Mat keep;
  cv::dilate(writing, keep, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
  const cv::Rect tight = cv::boundingRect(writing);
  cv::Mat out(tight.height + 2 * kOcrPadPx, tight.width + 2 * kOcrPadPx, CV_8UC1, cv::Scalar(255));
  View(page)(area)(tight).copyTo(out(cv::Rect(kOcrPadPx, kOcrPadPx, tight.width, tight.height)), keep(tight));
  GrayImage image = GrayImage::Blank(out.cols, out.rows, page.dpi_x > 0 ? page.dpi_x : kTemplateDpi,
                                     page.dpi_y > 0 ? page.dpi_y : kTemplateDpi);
  for (int y = 0; y < out.rows; ++y) {
    std::copy_n(out.ptr<std::uint8_t>(y), out.cols, &image.pixels[static_cast<std::size_t>(y) * out.cols]);
  }
  return image;
}

MarkReading DecideMark(double ink, double threshold, double spread, double measured) {
  return {ink >= threshold, MarkConfidence(ink, threshold, spread), measured};
}

cv::Rect Inset(Box box, int by) { return {box.x + by, box.y + by, box.w - 2 * by, box.h - 2 * by}; }

// A text or initials field: its writing, read (reading.h) when there is any.
std::optional<FieldReading> ReadText(const TemplateField& field, const GrayImage& page, const GrayImage& blank,
                                     cv::Rect widget, const ReadingContext& context, OcrEngine& ocr) {
  const std::optional<GrayImage> crop = WritingImage(page, blank, widget);
  if (!crop) return std::nullopt;
  FieldReading reading = ReadWriting(field, *crop, context, ocr);
  reading.box = ToArray(widget);
  return reading;
}

}  // namespace

std::optional<GrayImage> WritingInField(const GrayImage& page, const GrayImage& blank, Box widget) {
  return WritingImage(page, blank, ToRect(widget));
}

MarkReading ReadCheckbox(const GrayImage& page, const GrayImage& blank, Box square) {
  const cv::Rect inner = Inset(square, kCheckboxInsetPx) & cv::Rect(0, 0, page.width, page.height);
  if (!SameSize(page, blank) || inner.width <= 0 || inner.height <= 0) return {};
  const AddedInk added = InkAddedIn(page, blank, inner);
  const int open = cv::countNonZero(added.open);
  if (open == 0) return {};
  const double share = cv::countNonZero(WritingOnly(added)) / static_cast<double>(open);
  return DecideMark(share, kCheckedInk, kCheckedInkSpread, share);
}

MarkReading ReadSignature(const GrayImage& page, const GrayImage& blank, Box box) {
  const cv::Rect inner = Inset(box, kSignatureInsetPx) & cv::Rect(0, 0, page.width, page.height);
  if (!SameSize(page, blank) || inner.width <= 0 || inner.height <= 0) return {};
  const int pixels = cv::countNonZero(WritingOnly(InkAddedIn(page, blank, inner)));
  return DecideMark(std::log(pixels + 1.0), std::log(kSignatureInkPx), kSignatureLogSpread, pixels);
}

std::map<std::string, FieldReading> ReadFields(const FormTemplate& form,
                                               const std::vector<std::optional<RegisteredPage>>& pages,
                                               const std::vector<std::optional<int>>& file_pages, OcrEngine& ocr) {
  // The page of template page `number` as registered, when it is there and usable.
  auto page_of = [&](int number) -> const GrayImage* {
    const std::size_t i = static_cast<std::size_t>(number - 1);
    if (number < 1 || i >= pages.size() || i >= form.pages.size() || !pages[i]) return nullptr;
    return SameSize(pages[i]->image, form.pages[i].blank) ? &pages[i]->image : nullptr;
  };
  auto file_page_of = [&](int number) -> std::optional<int> {
    const std::size_t i = static_cast<std::size_t>(number - 1);
    return i < file_pages.size() ? file_pages[i] : std::nullopt;
  };
  auto box_of = [&](const TemplateField& field) {
    return ToPixels(field.rect, form.pages[field.page - 1], kTemplateDpi);
  };

  const ReadingContext context = ReadingContext::Now(form.language);
  std::map<std::string, FieldReading> fields;
  // Checkbox groups: the options read so far, with the decisions' combined
  // confidence and the union of their squares.
  struct Group {
    std::vector<std::string> checked;
    double confidence = 1;
    cv::Rect box;
    int page = 0;
    bool complete = true;
  };
  std::map<std::string, Group> groups;

  for (const TemplateField& field : form.fields) {
    const GrayImage* page = page_of(field.page);
    if (field.kind == FieldKind::kCheckbox) {
      Group& group = groups[field.group];
      if (!page) {
        group.complete = false;
        continue;
      }
      const Box square = box_of(field);
      const MarkReading mark = ReadCheckbox(*page, form.pages[field.page - 1].blank, square);
      if (mark.present) group.checked.push_back(field.option);
      group.confidence *= mark.confidence;
      group.box = group.box.area() == 0 ? ToRect(square) : (group.box | ToRect(square));
      group.page = field.page;
      continue;
    }
    if (!page) continue;
    const GrayImage& blank = form.pages[field.page - 1].blank;
    const Box box = box_of(field);
    if (field.kind == FieldKind::kSignature) {
      const MarkReading mark = ReadSignature(*page, blank, box);
      fields["signature.present"] = FieldReading{.value = mark.present,
                                                 .confidence = mark.confidence,
                                                 .page = file_page_of(field.page),
                                                 .box = ToArray(ToRect(box))};
      continue;
    }
    try {
      std::optional<FieldReading> reading = ReadText(field, *page, blank, ToRect(box), context, ocr);
      if (!reading) continue;
      reading->page = file_page_of(field.page);
      fields[field.key] = std::move(*reading);
    } catch (const std::exception&) {
      // An OpenCV failure on one box (a rectangle off the page in a broken
      // template) leaves that field for a person, not the whole form.
      fields[field.key] =
          FieldReading{.value = "", .confidence = 0.0, .page = file_page_of(field.page), .box = ToArray(ToRect(box))};
    }
  }
  for (auto& [key, group] : groups) {
    if (!group.complete) continue;
    std::sort(group.checked.begin(), group.checked.end());
    fields[key] = FieldReading{.value = group.checked,
                               .confidence = group.confidence,
                               .page = file_page_of(group.page),
                               .box = ToArray(group.box)};
  }
  CrossCheckNames(fields);
  std::vector<std::string> initials;
  for (const TemplateField& field : form.fields) {
    if (field.format == FieldFormat::kInitials) initials.push_back(field.key);
  }
  CrossCheckInitials(fields, initials);
  return fields;
}

std::map<std::string, FieldReading> FieldsFromAcroForm(const FormTemplate& form,
                                                       const std::vector<AcroFormValue>& values) {
  auto box_of = [&](const TemplateField& field) {
    return ToRect(ToPixels(field.rect, form.pages[field.page - 1], kTemplateDpi));
  };
  const ReadingContext context = ReadingContext::Now(form.language);
  std::map<std::string, FieldReading> fields;
  // Every group is reported, checked or not, on the page and over the squares
  // the template gives it (the pages of an e-filled form are the template's).
  struct Group {
    std::set<std::string> checked;
    cv::Rect box;
    int page = 0;
  };
  std::map<std::string, Group> groups;
  for (const TemplateField& field : form.fields) {
    if (field.kind != FieldKind::kCheckbox) continue;
    Group& group = groups[field.group];
    group.box = group.box.area() == 0 ? box_of(field) : (group.box | box_of(field));
    group.page = field.page;
  }
  for (const AcroFormValue& value : values) {
    const auto field = std::find_if(form.fields.begin(), form.fields.end(), [&](const TemplateField& f) {
      const bool kind_matches = value.is_checkbox ? f.kind == FieldKind::kCheckbox
                                                  : f.kind == FieldKind::kText || f.kind == FieldKind::kInitials;
      return kind_matches && (f.widget == value.name || f.key == value.name);
    });
    if (field == form.fields.end()) continue;
    if (field->kind == FieldKind::kCheckbox) {
      if (value.value != "Off" && !value.value.empty()) groups[field->group].checked.insert(field->option);
      continue;
    }
    const Interpretation read = Interpret(*field, value.value, context);
    if (read.value.empty()) continue;
    const std::optional<int> page = value.page > 0 ? std::optional<int>(value.page) : std::nullopt;
    fields[field->key] = FieldReading{.value = read.value,
                                      .confidence = AcroFormConfidence(read.check != FormatCheck::kFailed),
                                      .page = page,
                                      .box = ToArray(box_of(*field))};
  }
  for (const auto& [key, group] : groups) {
    fields[key] = FieldReading{.value = std::vector<std::string>(group.checked.begin(), group.checked.end()),
                               .confidence = 1.0,
                               .page = group.page,
                               .box = ToArray(group.box)};
  }
  return fields;
}

}  // namespace intake
