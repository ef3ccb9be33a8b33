#include "corpus/pages.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include "decode/decode.h"

namespace intake::corpus_detail {
namespace {

constexpr double kLetterWidth = 612, kLetterHeight = 792;

GrayImage LetterPage(double dpi_x, double dpi_y) {
  return GrayImage::Blank(static_cast<int>(std::lround(kLetterWidth * dpi_x / 72)),
                          static_cast<int>(std::lround(kLetterHeight * dpi_y / 72)), dpi_x, dpi_y);
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

// Breaks `text` into lines no wider than `width` points.
std::vector<std::string> Wrap(Pen& pen, const std::string& text, const Script& script, double width) {
  std::vector<std::string> lines;
  std::string line;
  for (const std::string& word : Words(text)) {
    const std::string candidate = line.empty() ? word : line + " " + word;
    if (!line.empty() && pen.Measure(candidate, script) > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

const Font& PickCovering(const std::vector<Font>& fonts, const std::vector<Font>& fallback, const std::string& text,
                         Rng& rng) {
  std::vector<const Font*> covering;
  for (const Font& f : fonts) {
    if (f.Covers(text)) covering.push_back(&f);
  }
  if (covering.empty()) {
    for (const Font& f : fallback) {
      if (f.Covers(text)) covering.push_back(&f);
    }
  }
  if (covering.empty()) return fallback.front();
  return *covering[static_cast<std::size_t>(rng.Int(0, static_cast<int>(covering.size()) - 1))];
}

std::uint8_t PenInk(Rng& rng) {
  // Black ballpoint scans dark; blue scans as a mid gray.
  return static_cast<std::uint8_t>(rng.Chance(0.55) ? rng.Int(10, 50) : rng.Int(70, 110));
}

// Writes one line of text in a field box, shrinking it to fit.
void WriteInBox(GrayImage& page, Pen& pen, const std::string& text, double x, double top, double w, double h,
                Script script, bool hand, Rng& rng) {
  const double margin = hand ? rng.Uniform(1.5, 6) : 2.5;
  const double room = w - margin - 1.5;
  const double width = pen.Measure(text, script);
  if (width > room && width > 0) script.size_pt = std::max(script.size_pt * 0.5, script.size_pt * room / width);
  const double baseline = top + h * (hand ? rng.Uniform(0.72, 0.84) : 0.76);
  pen.Write(page, text, x + margin, baseline, script, rng);
}

}  // namespace

Result<std::shared_ptr<const std::vector<std::uint8_t>>> BlankPages::Pdf(const FormTemplate& form) {
  std::lock_guard lock(mutex_);
  auto it = pdfs_.find(form.code);
  if (it != pdfs_.end()) return it->second;
  std::ifstream in(form.pdf_path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIoError, "cannot read the form PDF of " + form.code);
  auto bytes = std::make_shared<const std::vector<std::uint8_t>>((std::istreambuf_iterator<char>(in)),
                                                                 std::istreambuf_iterator<char>());
  pdfs_.emplace(form.code, bytes);
  return bytes;
}

Result<GrayImage> BlankPages::Get(const FormTemplate& form, int page, double dpi_x, double dpi_y) {
  const auto key = std::make_tuple(form.code, page, dpi_x, dpi_y);
  {
    std::lock_guard lock(mutex_);
    if (auto it = pages_.find(key); it != pages_.end()) return *it->second;
  }
  auto pdf = Pdf(form);
  if (!pdf) return tl::unexpected(pdf.error());
  Result<GrayImage> image = RenderPdfPage(**pdf, page, dpi_x, dpi_y);
  if (!image) return tl::unexpected(image.error());
  std::lock_guard lock(mutex_);
  pages_.emplace(key, std::make_shared<const GrayImage>(*image));
  return *image;
}

Writer MakeWriter(FillMode mode, const FontCatalog& fonts, const FilledForm& filled, Rng& rng) {
  std::string all;
  for (const auto& [key, value] : filled.text) all += value.text + " " + (key == filled.crossout_key ? filled.crossout_wrong : "");
  Writer writer;
  writer.mode = mode;
  const std::uint8_t ink = PenInk(rng);
  writer.hand.font = &PickCovering(fonts.hand(), fonts.typed(), all, rng);
  writer.hand.ink = ink;
  writer.hand.slant_deg = rng.Uniform(-6, 14);
  writer.hand.jitter = rng.Uniform(0.6, 1.8);
  // Ballpoints write thin; felt pens and markers thick.
  writer.hand.weight = rng.Chance(0.4) ? rng.Uniform(2, 5) : rng.Uniform(0, 1.2);
  writer.size_factor = rng.Uniform(0.55, 0.72);
  writer.signature_ink = ink;
  writer.tick_style = static_cast<int>(rng.Weighted({0.5, 0.35, 0.15}));
  if (mode == FillMode::kHand) {
    writer.main = writer.hand;
  } else {
    writer.main.font = &PickCovering(fonts.typed(), fonts.typed(), all, rng);
    writer.main.size_pt = rng.Uniform(9, 11.5);
    writer.main.ink = static_cast<std::uint8_t>(rng.Int(0, 25));
  }
  return writer;
}

void WriteFormPage(GrayImage& page, const FormTemplate& form, int number, const FilledForm& filled,
                   const Writer& writer, bool stray_marks, Pen& pen, Rng& rng) {
  const double height_pt = form.pages[number - 1].height_pt;
  const bool hand = writer.mode == FillMode::kHand;
  for (const TemplateField& field : form.fields) {
    if (field.page != number) continue;
    const double top = height_pt - field.rect.y - field.rect.h;
    const PdfRect& r = field.rect;
    if (field.kind == FieldKind::kSignature) {
      if (filled.signed_by_hand) pen.Signature(page, r.x, top, r.w, r.h, writer.signature_ink, rng);
      continue;
    }
    if (field.kind == FieldKind::kCheckbox) {
      const auto it = filled.checked.find(field.group);
      const bool ticked = it != filled.checked.end() &&
                          std::find(it->second.begin(), it->second.end(), field.option) != it->second.end();
      if (ticked && hand) {
        pen.Tick(page, r.x, top, r.w, r.h, writer.tick_style, writer.hand.ink, rng);
      } else if (ticked) {
        Script x = writer.main;
        x.size_pt = r.h * 1.15;
        const double w = pen.Measure("X", x);
        pen.Write(page, "X", r.x + (r.w - w) / 2, top + r.h * 0.92, x, rng);
      } else if (stray_marks && rng.Chance(0.35)) {
        // A pen resting near the box, never inside it.
        const double gap = rng.Uniform(2.0, 5.0);
        const bool left = rng.Chance(0.5);
        const double x = left ? r.x - gap - rng.Uniform(1, 4) : r.x + r.w + gap;
        const double y = top + rng.Uniform(-0.2, 1.0) * r.h;
        pen.Stroke(page, {{x, y}, {x + rng.Uniform(0.5, 3.5), y + rng.Uniform(-1.5, 1.5)}}, rng.Uniform(0.6, 1.0),
                   writer.hand.ink);
      }
      continue;
    }
    const auto value = filled.text.find(field.key);
    if (value == filled.text.end()) continue;
    const bool by_hand = hand || field.kind == FieldKind::kInitials;
    Script script = by_hand ? writer.hand : writer.main;
    const double line_h = r.h / std::max(1, field.lines);
    if (by_hand) script.size_pt = std::min(15.0, line_h * writer.size_factor * rng.Uniform(0.95, 1.05) / 0.72);
    if (field.lines > 1) {
      std::vector<std::string> lines = Wrap(pen, value->second.text, script, r.w - 8);
      while (static_cast<int>(lines.size()) > field.lines && script.size_pt > 5) {
        script.size_pt *= 0.9;
        lines = Wrap(pen, value->second.text, script, r.w - 8);
      }
      for (std::size_t i = 0; i < lines.size(); ++i) {
        WriteInBox(page, pen, lines[i], r.x, top + i * line_h, r.w, line_h, script, by_hand, rng);
      }
      continue;
    }
    if (filled.crossout_key == field.key) {
      // The slip, struck through, and the value written again after it.
      const double x0 = r.x + rng.Uniform(2, 5);
      const double baseline = top + r.h * 0.8;
      const double wrong_w = pen.Write(page, filled.crossout_wrong, x0, baseline, script, rng);
      const double mid = baseline - script.size_pt * 0.35;
      if (rng.Chance(0.6)) {
        pen.Stroke(page, {{x0 - 1, mid + rng.Uniform(-1, 1)}, {x0 + wrong_w + 1, mid + rng.Uniform(-1, 1)}}, 1.0,
                   script.ink);
        if (rng.Chance(0.5)) pen.Stroke(page, {{x0 - 1, mid + 2}, {x0 + wrong_w + 1, mid + 1.5}}, 1.0, script.ink);
      } else {
        std::vector<PointPt> zigzag;
        for (double x = x0; x <= x0 + wrong_w; x += script.size_pt * 0.35) {
          zigzag.push_back({x, mid + (zigzag.size() % 2 ? 3.0 : -3.0)});
        }
        pen.Stroke(page, zigzag, 0.9, script.ink);
      }
      const double x1 = x0 + wrong_w + rng.Uniform(5, 9);
      WriteInBox(page, pen, value->second.text, x1 - 2, top, r.x + r.w - x1 + 2, r.h, script, true, rng);
      continue;
    }
    WriteInBox(page, pen, value->second.text, r.x, top, r.w, r.h, script, by_hand, rng);
  }
}

GrayImage DrawCoverSheet(const CoverSheet& cover, double dpi_x, double dpi_y, const FontCatalog& fonts, Pen& pen,
                         Rng& rng) {
  GrayImage page = LetterPage(dpi_x, dpi_y);
  Script title{.font = &fonts.bold(), .size_pt = rng.Uniform(30, 48), .ink = 10};
  Script text{.font = &PickCovering(fonts.typed(), fonts.typed(), "", rng), .size_pt = rng.Uniform(11, 13), .ink = 15};
  Script label = text;
  label.font = &fonts.bold();
  const int style = rng.Int(0, 2);
  double y = rng.Uniform(60, 90);
  const std::string heading = style == 0 ? "FAX" : style == 1 ? "Fax Transmittal" : "FACSIMILE COVER SHEET";
  if (style == 1) title.size_pt *= 0.7;
  if (style == 2) title.size_pt = 22;
  pen.Write(page, heading, 54, y + title.size_pt, title, rng);
  y += title.size_pt + 24;
  if (style != 1) {
    pen.Rect(page, 54, y, 504, 3, 0, 20);
    y += 20;
  }
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"To:", cover.to},         {"Fax:", cover.to_fax},   {"From:", cover.from}, {"Phone:", cover.from_phone},
      {"Fax:", cover.from_fax},  {"Date:", cover.date},    {"Pages:", cover.pages}, {"Re:", cover.re}};
  // Some senders fill the printed cover sheet by pen.
  Script filled = text;
  if (rng.Chance(0.35)) {
    filled.font = &PickCovering(fonts.hand(), fonts.typed(), cover.to + cover.from + cover.re, rng);
    filled.jitter = 1.2;
    filled.ink = PenInk(rng);
    filled.size_pt = 14;
  }
  for (const auto& [name, value] : rows) {
    pen.Write(page, name, 54, y + 14, label, rng);
    if (style == 2) pen.Stroke(page, {{130, y + 17}, {400, y + 17}}, 0.6, 40);
    pen.Write(page, value, 134, y + 14, filled, rng);
    y += 28;
  }
  y += 12;
  if (rng.Chance(0.6)) {
    double x = 54;
    for (const char* box : {"Urgent", "For Review", "Please Comment", "Please Reply"}) {
      pen.Rect(page, x, y, 9, 9, 0.8, 30);
      x += 14 + pen.Write(page, box, x + 14, y + 8.5, text, rng) + 18;
    }
    y += 30;
  }
  if (!cover.comments.empty()) {
    pen.Write(page, "Comments:", 54, y + 14, label, rng);
    y += 24;
    for (const std::string& line : Wrap(pen, cover.comments, filled, 480)) {
      pen.Write(page, line, 54, y + 14, filled, rng);
      y += filled.size_pt * 1.5;
    }
  }
  Script small = text;
  small.size_pt = 8.5;
  double notice_y = 640;
  pen.Write(page, "CONFIDENTIALITY NOTICE", 54, notice_y, label, rng);
  for (const std::string& line :
       Wrap(pen,
            "The documents accompanying this facsimile transmission contain confidential information that is legally "
            "privileged. This information is intended only for the use of the individual or entity named above. If "
            "you have received this fax in error, please notify us immediately by telephone and destroy the "
            "documents.",
            small, 504)) {
    notice_y += 12;
    pen.Write(page, line, 54, notice_y, small, rng);
  }
  return page;
}

GrayImage DrawLetter(const LetterText& letter, double dpi_x, double dpi_y, const FontCatalog& fonts, Pen& pen,
                     Rng& rng) {
  GrayImage page = LetterPage(dpi_x, dpi_y);
  Script head{.font = &fonts.bold(), .size_pt = 15, .ink = 10};
  Script body{.font = &PickCovering(fonts.typed(), fonts.typed(), letter.re_line + letter.paragraphs.front(), rng),
              .size_pt = 11,
              .ink = 12};
  const double head_w = pen.Measure(letter.firm, head);
  pen.Write(page, letter.firm, (kLetterWidth - head_w) / 2, 70, head, rng);
  const std::string address = letter.street + "  |  " + letter.city_line + "  |  " + letter.phone;
  Script small = body;
  small.size_pt = 9;
  pen.Write(page, address, (kLetterWidth - pen.Measure(address, small)) / 2, 86, small, rng);
  pen.Rect(page, 72, 94, 468, 1.2, 0, 30);
  double y = 130;
  auto line = [&](const std::string& text, const Script& s) {
    pen.Write(page, text, 72, y, s, rng);
    y += s.size_pt * 1.45;
  };
  line(letter.date_line, body);
  y += 14;
  for (const char* l : {"Health Information Services", "Release of Information", "450 Brookline Avenue",
                        "Boston, MA 02215"}) {
    line(l, body);
  }
  y += 14;
  Script bold = body;
  bold.font = &fonts.bold();
  for (const std::string& l : Wrap(pen, letter.re_line, bold, 468)) line(l, bold);
  y += 10;
  line(letter.salutation, body);
  y += 6;
  for (const std::string& paragraph : letter.paragraphs) {
    for (const std::string& l : Wrap(pen, paragraph, body, 468)) line(l, body);
    y += 8;
  }
  y += 6;
  line(letter.closing, body);
  pen.Signature(page, 72, y - 4, 200, 44, PenInk(rng), rng);
  y += 46;
  line(letter.attorney, body);
  return page;
}

GrayImage DrawIdCopy(const Person& person, Day issued, bool card_only, double dpi_x, double dpi_y,
                     const FontCatalog& fonts, Pen& pen, Rng& rng) {
  // A license is 3.375 x 2.125 in; a copier at 150% makes it 364 x 230 pt.
  const double cw = 364, ch = 230;
  GrayImage page = card_only ? GrayImage::Blank(static_cast<int>(std::lround(cw * dpi_x / 72)),
                                                static_cast<int>(std::lround(ch * dpi_y / 72)), dpi_x, dpi_y)
                             : LetterPage(dpi_x, dpi_y);
  const double x = card_only ? 0 : rng.Uniform(60, 180), y = card_only ? 0 : rng.Uniform(60, 200);
  // The copier renders the card's printed background as a light gray.
  pen.Rect(page, x, y, cw, ch, 0, static_cast<std::uint8_t>(rng.Int(200, 235)));
  pen.Rect(page, x, y, cw, ch, 1.2, 60);
  pen.Rect(page, x, y, cw, 34, 0, 90);
  Script head{.font = &fonts.bold(), .size_pt = 16, .ink = 250};
  const std::string state = person.address.state == "MA" ? "MASSACHUSETTS" : "DRIVER LICENSE";
  pen.Write(page, state, x + 12, y + 24, head, rng);
  Script small{.font = &fonts.regular(), .size_pt = 8, .ink = 20};
  Script value{.font = &PickCovering(fonts.typed(), fonts.typed(), person.last + person.first, rng), .size_pt = 11, .ink = 10};
  pen.Write(page, "DRIVER'S LICENSE", x + cw - 110, y + 24, small, rng);
  // The photo: a dark oval of a face on a lighter square.
  pen.Rect(page, x + 14, y + 46, 100, 128, 0, 150);
  std::vector<PointPt> face;
  for (double t = 0; t <= 2 * M_PI + 0.1; t += 0.2) face.push_back({x + 64 + 8 * std::cos(t), y + 96 + 14 * std::sin(t)});
  pen.Stroke(page, face, 30, 80);
  pen.Stroke(page, {{x + 30, y + 172}, {x + 64, y + 146}, {x + 98, y + 172}}, 22, 70);
  char number[16];
  std::snprintf(number, sizeof number, "S%08d", rng.Int(10000000, 99999999));
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"NO.", number},
      {"DOB", UsDate(person.dob)},
      {"", UpperUtf8(person.last)},
      {"", UpperUtf8(person.first)},
      {"", UpperUtf8(person.address.street)},
      {"", UpperUtf8(person.address.city) + ", " + person.address.state + " " + person.address.zip.substr(0, 5)},
      {"ISS", UsDate(issued)},
  };
  double ry = y + 56;
  for (const auto& [label, text] : rows) {
    if (!label.empty()) pen.Write(page, label, x + 126, ry, small, rng);
    pen.Write(page, text, x + (label.empty() ? 126 : 150), ry, value, rng);
    ry += 20;
  }
  pen.Signature(page, x + 126, y + ch - 40, 180, 34, 40, rng);
  return page;
}

GrayImage DrawOtherAuthorization(const Person& patient, Day signed_on, double dpi_x, double dpi_y,
                                 const FontCatalog& fonts, Pen& pen, Rng& rng) {
  GrayImage page = LetterPage(dpi_x, dpi_y);
  static const std::vector<std::string> hospitals = {"MERCY VALLEY MEDICAL CENTER", "ST. BRIGID'S HOSPITAL",
                                                     "LAKESIDE REGIONAL HEALTH", "GRANITE STATE MEDICAL CENTER"};
  const std::string hospital = rng.Pick(hospitals);
  Script serif{.font = &fonts.serif(), .size_pt = 16, .ink = 15};
  Script body{.font = &fonts.serif(), .size_pt = 10, .ink = 15};
  Script bold{.font = &fonts.bold(), .size_pt = 11, .ink = 10};
  Script hand{.font = &PickCovering(fonts.hand(), fonts.typed(), patient.first + patient.last, rng),
              .size_pt = 13,
              .ink = PenInk(rng),
              .slant_deg = rng.Uniform(0, 10),
              .jitter = 1.2};
  auto centered = [&](const std::string& text, double y, const Script& s) {
    pen.Write(page, text, (kLetterWidth - pen.Measure(text, s)) / 2, y, s, rng);
  };
  centered(hospital, 64, serif);
  centered("Health Information Management", 80, body);
  pen.Stroke(page, {{54, 92}, {558, 92}}, 2.0, 20);
  centered("AUTHORIZATION TO RELEASE PROTECTED HEALTH INFORMATION", 116, bold);
  double y = 150;
  auto blank = [&](const std::string& label, double x, double w, const std::string& value) {
    const double lw = pen.Write(page, label, x, y, body, rng);
    pen.Stroke(page, {{x + lw + 4, y + 2}, {x + w, y + 2}}, 0.6, 30);
    if (!value.empty()) pen.Write(page, UpperUtf8(value), x + lw + 10, y - 1, hand, rng);
  };
  blank("1. Patient name:", 54, 360, patient.first + " " + patient.last);
  blank("Date of birth:", 372, 558, UsDate(patient.dob));
  y += 30;
  blank("Address:", 66, 558, patient.address.street + ", " + patient.address.city);
  y += 40;
  pen.Write(page, "2. I authorize the release of the following (circle all that apply):", 54, y, body, rng);
  y += 22;
  static const std::vector<std::string> items = {"History & Physical", "Operative Reports", "Laboratory",
                                                 "Emergency Record", "Imaging Reports", "Entire Chart"};
  for (std::size_t i = 0; i < items.size(); ++i) {
    const double x = 70 + (i % 3) * 165, yy = y + (i / 3) * 22;
    std::vector<PointPt> circle;
    for (double t = 0; t <= 2 * M_PI + 0.1; t += 0.3) circle.push_back({x + 4 * std::cos(t), yy - 3.5 + 4 * std::sin(t)});
    pen.Stroke(page, circle, 0.7, 30);
    pen.Write(page, items[i], x + 10, yy, body, rng);
    if (rng.Chance(0.35)) {
      std::vector<PointPt> ring;
      for (double t = 0; t <= 2 * M_PI + 0.3; t += 0.3) ring.push_back({x + 50 + 60 * std::cos(t), yy - 4 + 10 * std::sin(t)});
      pen.Stroke(page, ring, 1.0, hand.ink);
    }
  }
  y += 60;
  pen.Rect(page, 54, y, 504, 120, 0.8, 30);
  pen.Write(page, "3. Recipient of information", 62, y + 16, bold, rng);
  pen.Write(page, "Name / Facility", 62, y + 44, body, rng);
  pen.Write(page, "Address", 62, y + 74, body, rng);
  pen.Write(page, "Purpose of disclosure", 62, y + 104, body, rng);
  pen.Stroke(page, {{170, y + 30}, {170, y + 120}}, 0.6, 30);
  for (double ly : {y + 52.0, y + 82.0}) pen.Stroke(page, {{54, ly}, {558, ly}}, 0.6, 30);
  pen.Write(page, hospital, 178, y + 44, hand, rng);
  y += 150;
  for (const std::string& line :
       Wrap(pen,
            "I understand that this authorization may be revoked at any time in writing, except to the extent that "
            "action has already been taken. Information disclosed may be re-disclosed by the recipient and no longer "
            "protected by federal privacy regulations. This authorization expires one year from the date signed.",
            body, 504)) {
    pen.Write(page, line, 54, y, body, rng);
    y += 13;
  }
  y += 40;
  pen.Stroke(page, {{54, y}, {330, y}}, 0.6, 30);
  pen.Stroke(page, {{380, y}, {558, y}}, 0.6, 30);
  pen.Signature(page, 60, y - 40, 250, 44, hand.ink, rng);
  pen.Write(page, UsDate(signed_on), 390, y - 4, hand, rng);
  pen.Write(page, "Signature of patient or representative", 54, y + 12, body, rng);
  pen.Write(page, "Date", 380, y + 12, body, rng);
  Script tiny = body;
  tiny.size_pt = 7;
  pen.Write(page, "Form HIM-117 (Rev. 06/2024)", 54, 750, tiny, rng);
  return page;
}

GrayImage DrawSeparator(double dpi_x, double dpi_y, const FontCatalog& fonts, Pen& pen, Rng& rng) {
  GrayImage page = LetterPage(dpi_x, dpi_y);
  pen.Rect(page, 54, 60, 504, 24, 0, 0);
  pen.Rect(page, 54, 708, 504, 24, 0, 0);
  Script big{.font = &fonts.bold(), .size_pt = 40, .ink = 0};
  for (const auto& [text, y] : std::vector<std::pair<std::string, double>>{{"DOCUMENT", 360}, {"SEPARATOR", 420}}) {
    pen.Write(page, text, (kLetterWidth - pen.Measure(text, big)) / 2, y, big, rng);
  }
  // A patch code: thick and thin bars the scanner recognises.
  double x = 200;
  for (int i = 0; i < 14; ++i) {
    const double w = rng.Chance(0.5) ? 6 : 2;
    pen.Rect(page, x, 480, w, 70, 0, 0);
    x += w + 4;
  }
  return page;
}

}  // namespace intake::corpus_detail
