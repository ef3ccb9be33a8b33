// Identification, registration and assembly of pages: on pages made here from
// the templates' blank renders with known degradations, and on the shared
// samples (fax, scan and e-mail pages as truth.jsonl and files.jsonl describe
// them), prepared by the real decode and preprocess modules.
#include <algorithm>
#include <ctime>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "classifiers/geometry.h"
#include "classifiers/identify.h"
#include "classifiers/subject.h"
#include "decode/decode.h"
#include "email/message.h"
#include "preprocess/prepare.h"
#include "tests/support/test_support.h"

namespace intake {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::SharedDir;
using testing::SourceDir;

cv::Mat AsMat(const GrayImage& image) {
  return cv::Mat(image.height, image.width, CV_8U, const_cast<std::uint8_t*>(image.pixels.data()));
}

GrayImage FromMat(const cv::Mat& mat, double dpi_x, double dpi_y) {
  GrayImage image = GrayImage::Blank(mat.cols, mat.rows, dpi_x, dpi_y);
  for (int y = 0; y < mat.rows; ++y) std::copy_n(mat.ptr<std::uint8_t>(y), mat.cols, &image.At(0, y));
  return image;
}

// CPU time of this process in milliseconds: the machine may be shared, so
// speed is reported as CPU time rather than wall time.
double ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// One template set and one OCR engine for the whole file: both take a while to load.
class Classifiers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    DisableOcrThreading();
    Result<TemplateSet> set = LoadTemplates({DefaultFormsDir()});
    ASSERT_TRUE(set) << set.error().message;
    templates_ = new TemplateSet(std::move(*set));
    auto engine = OcrEngine::Create(OcrOptions{});
    ASSERT_TRUE(engine) << engine.error().message;
    ocr_ = engine->release();
    // Build every page's model now, so that timings below are of pages, not start-up.
    for (const FormTemplate& form : templates_->forms) {
      for (int page = 1; page <= static_cast<int>(form.pages.size()); ++page) classify::ModelOf(form, page);
    }
  }
  static void TearDownTestSuite() {
    delete ocr_;
    delete templates_;
  }
  static const FormTemplate& Form(const std::string& code) { return *templates_->Find(code); }

  static TemplateSet* templates_;
  static OcrEngine* ocr_;
};
TemplateSet* Classifiers::templates_ = nullptr;
OcrEngine* Classifiers::ocr_ = nullptr;

// ---- Pages made from the blank forms ---------------------------------------

struct Degradation {
  std::string name;
  double dpi_x = 204, dpi_y = 196;  // as received; prepared pages are square
  double scale = 1, angle_deg = 0, shift_x_in = 0, shift_y_in = 0;
  bool bilevel = true;
  bool header = true;   // a fax header line stamped across the top
  double salt = 0;      // share of pixels flipped to black
  bool photo = false;   // perspective, grey paper, dark surround
};

const std::vector<Degradation>& Degradations() {
  static const std::vector<Degradation> list = {
      {"normal fax, shrunk, turned", 204, 98, 0.97, 0.45, 0.12, -0.10, true, true, 0.002},
      {"fine fax, enlarged, turned back", 204, 196, 1.03, -0.40, -0.15, 0.08, true, true, 0.001},
      {"grey scan", 300, 300, 0.99, 0.25, 0.05, 0.10, false, false, 0},
      {"phone photo", 150, 150, 0.85, 2.0, 0, 0, false, false, 0, true},
  };
  return list;
}

// Writes plausible entries into some fields, as a person would.
void FillSomeFields(cv::Mat& page, const FormTemplate& form, int page_number, double dpi, std::mt19937& rng) {
  const TemplatePage& tpage = form.pages[page_number - 1];
  int n = 0;
  for (const TemplateField& field : form.fields) {
    if (field.page != page_number || n++ % 2) continue;
    const Box box = ToPixels(field.rect, tpage, dpi);
    if (field.kind == FieldKind::kCheckbox) {
      cv::line(page, {box.x, box.y}, {box.x + box.w, box.y + box.h}, 0, 2);
      cv::line(page, {box.x + box.w, box.y}, {box.x, box.y + box.h}, 0, 2);
    } else if (field.kind != FieldKind::kSignature) {
      const std::string text = std::to_string(rng() % 100000) + " JANE Q";
      cv::putText(page, text.substr(0, std::max<std::size_t>(2, box.w / (dpi / 9))),
                  {box.x + 4, box.y + box.h - box.h / 5}, cv::FONT_HERSHEY_SIMPLEX, dpi / 300.0, 0, 2);
    }
  }
}

// The page as it would reach the classifier: rendered, filled, moved, degraded,
// then prepared by the real preprocess module (orientation left alone).
GrayImage MakePage(const FormTemplate& form, int page_number, const Degradation& d, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<std::uint8_t> pdf = ReadFile(form.pdf_path);
  Result<GrayImage> render = RenderPdfPage(pdf, page_number, d.dpi_x, d.dpi_x);
  EXPECT_TRUE(render) << render.error().message;
  cv::Mat page = AsMat(*render).clone();
  FillSomeFields(page, form, page_number, d.dpi_x, rng);

  const cv::Point2f centre(page.cols / 2.0f, page.rows / 2.0f);
  cv::Mat moved;
  if (d.photo) {
    // The sheet fills ~85% of a larger frame, seen a little from below and the side.
    const cv::Size frame(static_cast<int>(page.cols * 1.1), static_cast<int>(page.rows * 1.08));
    const float w = static_cast<float>(page.cols), h = static_cast<float>(page.rows);
    const std::vector<cv::Point2f> from = {{0, 0}, {w, 0}, {0, h}, {w, h}};
    const float s = static_cast<float>(d.scale);
    const cv::Point2f o(frame.width * 0.08f, frame.height * 0.07f);
    const std::vector<cv::Point2f> to = {o + cv::Point2f(0.02f * w, 0), o + cv::Point2f(s * w, 0.03f * h),
                                         o + cv::Point2f(0, s * h), o + cv::Point2f(s * w * 0.98f, s * h * 1.01f)};
    cv::Mat paper = page * 0.75 + 40;  // grey paper, ink not quite black
    cv::warpPerspective(paper, moved, cv::getPerspectiveTransform(from, to), frame, cv::INTER_LINEAR,
                        cv::BORDER_CONSTANT, cv::Scalar(45));
    for (int y = 0; y < moved.rows; ++y) {  // light falling off towards the bottom
      cv::Mat row = moved.row(y);
      row.convertTo(row, -1, 1.0 - 0.25 * y / moved.rows);
    }
  } else {
    cv::Mat m = cv::getRotationMatrix2D(centre, d.angle_deg, d.scale);
    m.at<double>(0, 2) += d.shift_x_in * d.dpi_x;
    m.at<double>(1, 2) += d.shift_y_in * d.dpi_x;
    const int width = d.bilevel ? 1728 : page.cols;  // a fax line is 1728 pixels
    cv::warpAffine(page, moved, m, cv::Size(width, page.rows), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(255));
  }
  if (d.header) {
    cv::rectangle(moved, cv::Rect(0, 0, moved.cols, static_cast<int>(0.1 * d.dpi_x)), cv::Scalar(255), cv::FILLED);
    cv::putText(moved, "NOV-21-2026 10:14  FROM: LAW OFFICE  6175550100  P.001/002", {10, static_cast<int>(0.08 * d.dpi_x)},
                cv::FONT_HERSHEY_PLAIN, d.dpi_x / 170.0, 0, 1);
  }
  if (d.dpi_y != d.dpi_x) cv::resize(moved, moved, cv::Size(moved.cols, static_cast<int>(moved.rows * d.dpi_y / d.dpi_x)), 0, 0, cv::INTER_AREA);
  if (d.bilevel) cv::threshold(moved, moved, 160, 255, cv::THRESH_BINARY);
  std::uniform_real_distribution<double> uniform(0, 1);
  for (int y = 0; y < moved.rows && d.salt > 0; ++y) {
    for (int x = 0; x < moved.cols; ++x) {
      if (uniform(rng) < d.salt) moved.at<std::uint8_t>(y, x) = 0;
    }
  }
  // A photo carries no resolution of its own: decode calls it 300 dpi.
  const double dpi_x = d.photo ? 300 : d.dpi_x, dpi_y = d.photo ? 300 : d.dpi_y;
  PrepareOptions options;
  options.detect_orientation = false;
  Result<PreparedPage> prepared = PreparePage(FromMat(moved, dpi_x, dpi_y), options, nullptr);
  EXPECT_TRUE(prepared) << prepared.error().message;
  return prepared ? prepared->image : GrayImage{};
}

// ---- Measuring a registration by the form's own ruled lines ---------------

struct LineError {
  double mean = 0, max = 0;
  int lines = 0;
};

// Sub-pixel position of the line in a darkness profile nearest `near` (the
// darkest when `near` is absent): the nearest, so that handwriting running
// along a line beside it is not taken for the line.
std::optional<double> ProfilePeak(const std::vector<double>& profile, double floor,
                                  std::optional<double> near = std::nullopt) {
  std::optional<std::size_t> best;
  for (std::size_t i = 1; i + 1 < profile.size(); ++i) {
    if (profile[i] < floor || profile[i] < profile[i - 1] || profile[i] < profile[i + 1]) continue;
    const bool better = !best || (near ? std::abs(i - *near) < std::abs(*best - *near) : profile[i] > profile[*best]);
    if (better) best = i;
  }
  if (!best) return std::nullopt;
  const double l = profile[*best - 1], c = profile[*best], r = profile[*best + 1];
  const double d = l - 2 * c + r;
  return static_cast<double>(*best) + (std::abs(d) < 1e-9 ? 0 : 0.5 * (l - r) / d);
}

// For every long ruled line of the blank (horizontal and vertical), how far
// the same line lies on the registered page, in template pixels.
LineError MeasureRuledLines(const GrayImage& blank, const GrayImage& registered) {
  cv::Mat ink = AsMat(blank) < 128;
  LineError error;
  double total = 0;
  for (bool horizontal : {true, false}) {
    cv::Mat lines;
    cv::morphologyEx(ink, lines, cv::MORPH_OPEN,
                     cv::getStructuringElement(cv::MORPH_RECT, horizontal ? cv::Size(120, 1) : cv::Size(1, 120)));
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(lines, labels, stats, centroids, 8, CV_32S);
    for (int i = 1; i < n; ++i) {
      const cv::Rect r(stats.at<int>(i, 0), stats.at<int>(i, 1), stats.at<int>(i, 2), stats.at<int>(i, 3));
      const int thickness = horizontal ? r.height : r.width, length = horizontal ? r.width : r.height;
      if (thickness > 6 || length < 150) continue;
      const int along0 = (horizontal ? r.x : r.y) + length / 10, along1 = (horizontal ? r.x : r.y) + length * 9 / 10;
      const int across0 = (horizontal ? r.y : r.x) - 8, across1 = (horizontal ? r.y : r.x) + thickness + 8;
      auto profile = [&](const GrayImage& image) {
        std::vector<double> p;
        for (int a = across0; a < across1; ++a) {
          double sum = 0;
          for (int b = along0; b < along1; ++b) sum += 255 - (horizontal ? image.At(b, a) : image.At(a, b));
          p.push_back(sum / (255.0 * (along1 - along0)));
        }
        return p;
      };
      const std::optional<double> want = ProfilePeak(profile(blank), 0.5);
      const std::optional<double> got = want ? ProfilePeak(profile(registered), 0.25, *want) : std::nullopt;
      if (!want || !got) continue;
      const double e = std::abs(*got - *want);
      total += e;
      error.max = std::max(error.max, e);
      ++error.lines;
    }
  }
  error.mean = error.lines ? total / error.lines : 0;
  return error;
}

// ---- The template models ---------------------------------------------------

TEST_F(Classifiers, EveryShippedPageShowsFourCornerMarksWhereFormsJsonSaysAndItsCodeBox) {
  const nlohmann::json forms_json = nlohmann::json::parse(ReadFile(SourceDir() / "forms" / "forms.json"));
  for (const FormTemplate& form : templates_->forms) {
    for (const TemplatePage& page : form.pages) {
      SCOPED_TRACE(form.code + " page " + std::to_string(page.number));
      const classify::PageModel* model = classify::ModelOf(form, page.number);
      ASSERT_NE(model, nullptr);
      EXPECT_GT(model->landmarks.size(), 20u);
      for (const nlohmann::json& anchor : forms_json["forms"][form.code]["anchors"]) {
        if (anchor["page"] != page.number) continue;
        const PdfRect rect{anchor["rect"][0], anchor["rect"][1], anchor["rect"][2], anchor["rect"][3]};
        const Box box = ToPixels(rect, page, kTemplateDpi);
        const std::string name = anchor["name"];
        const std::map<std::string, int> corners = {
            {"mark_tl", classify::kTopLeft}, {"mark_tr", classify::kTopRight},
            {"mark_bl", classify::kBottomLeft}, {"mark_br", classify::kBottomRight}};
        if (corners.contains(name)) {
          const classify::Point centre = model->marks[corners.at(name)];
          EXPECT_NEAR(centre.x, box.x + box.w / 2.0, 1.0) << name;
          EXPECT_NEAR(centre.y, box.y + box.h / 2.0, 1.0) << name;
        } else if (name == "form_code") {
          ASSERT_TRUE(model->code_box);
          const Box inside = *model->code_box;
          EXPECT_GE(inside.x, box.x);
          EXPECT_GE(inside.y, box.y);
          EXPECT_LE(inside.x + inside.w, box.x + box.w);
          EXPECT_LE(inside.y + inside.h, box.y + box.h);
          EXPECT_GT(inside.w * inside.h, 0.6 * box.w * box.h);
        }
      }
    }
  }
}

// ---- Identification and registration of made pages ------------------------

TEST_F(Classifiers, EveryTemplatePageIsIdentifiedAndRegisteredUnderFaxScanAndPhotoDegradations) {
  int pages = 0;
  double worst_line = 0, line_total = 0, time_ms = 0;
  for (const FormTemplate& form : templates_->forms) {
    for (int number = 1; number <= static_cast<int>(form.pages.size()); ++number) {
      for (const Degradation& d : Degradations()) {
        SCOPED_TRACE(form.code + " page " + std::to_string(number) + ", " + d.name);
        const GrayImage page = MakePage(form, number, d, 17u * number + pages);
        ++pages;
        const double start = ThreadCpuMs();
        const PageIdentity id = IdentifyPage(page, *templates_, *ocr_);
        ASSERT_NE(id.form, nullptr);
        EXPECT_EQ(id.form->code, form.code);
        EXPECT_EQ(id.page, number);
        EXPECT_GE(id.confidence, 0.95);
        EXPECT_FALSE(id.separator);
        Result<RegisteredPage> registered = RegisterPage(page, form, number);
        time_ms += ThreadCpuMs() - start;
        ASSERT_TRUE(registered) << registered.error().message;
        const GrayImage& blank = form.pages[number - 1].blank;
        ASSERT_EQ(registered->image.width, blank.width);
        ASSERT_EQ(registered->image.height, blank.height);
        EXPECT_LT(registered->residual_px, 1.0);
        if (!d.photo) {
          EXPECT_NEAR(registered->scale, d.scale, 0.005);
        }
        const LineError lines = MeasureRuledLines(blank, registered->image);
        EXPECT_GT(lines.lines, 20);
        EXPECT_LT(lines.mean, 0.8);
        EXPECT_LT(lines.max, 2.0);
        worst_line = std::max(worst_line, lines.max);
        line_total += lines.mean;
      }
    }
  }
  std::cout << "made pages: " << pages << ", ruled-line error mean " << line_total / pages << " px, worst "
            << worst_line << " px (200 dpi), identify+register " << time_ms / pages << " ms CPU/page\n";
}

// A phone snap of a sheet lying on a desk: the sheet fills half the frame,
// seen at a slant, on a darker mottled surface, lit unevenly. Straightened,
// it is identified and registered like a scan; a scan is left alone.
TEST_F(Classifiers, APhotoOfASheetOnADeskIsStraightenedThenIdentifiedAndRegistered) {
  const FormTemplate& form = Form("HIS-AMEND-ES");
  Result<GrayImage> render = RenderPdfPage(ReadFile(form.pdf_path), 1, 150, 150);
  ASSERT_TRUE(render);
  EXPECT_FALSE(StraightenPhotographedSheet(*render).has_value());

  const cv::Mat sheet = AsMat(*render) * 0.8 + 45;  // off-white paper, grey ink
  const float w = static_cast<float>(sheet.cols), h = static_cast<float>(sheet.rows);
  const cv::Size frame(static_cast<int>(w * 1.45f), static_cast<int>(h * 1.4f));
  const std::vector<cv::Point2f> from = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  const std::vector<cv::Point2f> to = {{0.22f * w, 0.18f * h}, {1.12f * w, 0.24f * h}, {1.22f * w, 1.22f * h},
                                       {0.14f * w, 1.16f * h}};
  cv::Mat desk(frame, CV_8UC1);
  cv::RNG rng(7);
  rng.fill(desk, cv::RNG::UNIFORM, 60, 110);
  cv::GaussianBlur(desk, desk, {0, 0}, 3);
  cv::warpPerspective(sheet, desk, cv::getPerspectiveTransform(from, to), frame, cv::INTER_LINEAR,
                      cv::BORDER_TRANSPARENT);
  for (int x = 0; x < desk.cols; ++x) {  // light falling off towards the right
    cv::Mat column = desk.col(x);
    column.convertTo(column, -1, 1.0 - 0.3 * x / desk.cols);
  }
  GrayImage photo = GrayImage::Blank(desk.cols, desk.rows, 300, 300);
  std::copy(desk.datastart, desk.dataend, photo.pixels.begin());

  std::optional<GrayImage> straightened = StraightenPhotographedSheet(photo);
  ASSERT_TRUE(straightened.has_value());
  EXPECT_EQ(straightened->width, 1700);
  EXPECT_EQ(straightened->height, 2200);
  const PageIdentity id = IdentifyPage(*straightened, *templates_, *ocr_);
  ASSERT_NE(id.form, nullptr);
  EXPECT_EQ(id.form->code, form.code);
  Result<RegisteredPage> registered = RegisterPage(*straightened, form, 1);
  ASSERT_TRUE(registered) << registered.error().message;
  EXPECT_LT(registered->residual_px, 1.5);
}

TEST(Language, ProseIsToldEnglishOrSpanishByItsCommonWords) {
  EXPECT_EQ(LanguageOfText("Please send the records of my mother to our office by fax."), "en");
  EXPECT_EQ(LanguageOfText("Por favor envíen los registros de mi madre a la oficina del abogado."), "es");
  EXPECT_EQ(LanguageOfText("FAX 617 555 0100"), std::nullopt);
  EXPECT_EQ(LanguageOfText(""), std::nullopt);
}

TEST_F(Classifiers, ThePrintedWordsOfAPageTellItsLanguage) {
  for (const std::string code : {"HIS-AUTH-EN", "HIS-AUTH-ES", "HIS-VERBAL-ES"}) {
    Result<GrayImage> render = RenderPdfPage(ReadFile(Form(code).pdf_path), 1, 200, 200);
    ASSERT_TRUE(render);
    EXPECT_EQ(LanguageOfPage(*render, *ocr_), Form(code).language) << code;
  }
}

// With its code box whited out (a sticker, a torn corner) a page is still
// recognized by its layout, and its language by its printed labels, with a
// lower confidence than when the code is read.
TEST_F(Classifiers, WithoutItsCodeBoxAPageIsKnownByLayoutAndLabelsWithLowerConfidence) {
  int right = 0, pages = 0;
  for (const FormTemplate& form : templates_->forms) {
    for (int number = 1; number <= static_cast<int>(form.pages.size()); ++number) {
      {
        const Degradation& d = Degradations()[0];
        SCOPED_TRACE(form.code + " page " + std::to_string(number) + ", " + d.name);
        GrayImage page = MakePage(form, number, d, 5 + pages++);
        const PageIdentity id = IdentifyPage(page, *templates_, *ocr_);
        ASSERT_NE(id.form, nullptr);
        ASSERT_EQ(id.form->code, form.code);
        // Find the box where the registration puts it, and paint it white.
        const classify::PageModel* model = classify::ModelOf(form, number);
        const std::optional<classify::ScoredFit> fit = classify::PageView(page).Fit(*model);
        ASSERT_TRUE(fit);
        const Box box = *model->code_box;
        const classify::Point a = fit->fit.to_page.Apply({box.x - 15.0, box.y - 15.0});
        const classify::Point b = fit->fit.to_page.Apply({box.x + box.w + 15.0, box.y + box.h + 15.0});
        cv::rectangle(AsMat(page), cv::Point(static_cast<int>(a.x), static_cast<int>(a.y)),
                      cv::Point(static_cast<int>(b.x), static_cast<int>(b.y)), cv::Scalar(255), cv::FILLED);
        const PageIdentity blind = IdentifyPage(page, *templates_, *ocr_);
        ASSERT_NE(blind.form, nullptr);
        EXPECT_EQ(blind.form->form, form.form);
        EXPECT_EQ(blind.page, number);
        EXPECT_LT(blind.confidence, id.confidence);
        EXPECT_GE(blind.confidence, 0.5);
        right += blind.form == &form;
      }
    }
  }
  std::cout << "code box blanked: language right on " << right << " of " << pages << " pages\n";
  EXPECT_EQ(right, pages);
}

// A page fed in crooked and high: the fax header is stamped over what is left
// of its top, its top corner marks are off the paper and its code box is cut.
// The bottom marks place it, the layout and the labels still name it.
TEST_F(Classifiers, APageShiftedUpUnderTheHeaderIsFoundByItsBottomMarksLayoutAndLabels) {
  const Degradation high{"normal fax, fed high", 204, 98, 1.0, 0.3, 0.05, -0.38, true, true, 0.001};
  for (const char* code : {"HIS-AUTH-ES", "HIS-AMEND-EN"}) {
    SCOPED_TRACE(code);
    const FormTemplate& form = Form(code);
    const GrayImage page = MakePage(form, 1, high, 3);
    const PageIdentity id = IdentifyPage(page, *templates_, *ocr_);
    ASSERT_NE(id.form, nullptr);
    EXPECT_EQ(id.form->code, code);
    EXPECT_EQ(id.page, 1);
    EXPECT_GE(id.confidence, 0.8);
    Result<RegisteredPage> registered = RegisterPage(page, form, 1);
    ASSERT_TRUE(registered) << registered.error().message;
    const LineError lines = MeasureRuledLines(form.pages[0].blank, registered->image);
    EXPECT_LT(lines.mean, 1.0);
    EXPECT_LT(lines.max, 2.5);
  }
}

// A page left upside down (orientation detection unsure, or wrong): the
// marks still fit, turned half round, and the layout says which way is up.
TEST_F(Classifiers, AnUpsideDownPageIsIdentifiedAndRegisteredUpright) {
  const FormTemplate& form = Form("HIS-AUTH-EN");
  for (int number : {1, 2}) {
    SCOPED_TRACE(number);
    cv::Mat turned;
    cv::rotate(AsMat(MakePage(form, number, Degradations()[1], 11)), turned, cv::ROTATE_180);
    const GrayImage page = FromMat(turned, 204, 204);
    const PageIdentity id = IdentifyPage(page, *templates_, *ocr_);
    ASSERT_NE(id.form, nullptr);
    EXPECT_EQ(id.form, &form);
    EXPECT_EQ(id.page, number);
    EXPECT_GE(id.confidence, 0.95);
    Result<RegisteredPage> registered = RegisterPage(page, form, number);
    ASSERT_TRUE(registered) << registered.error().message;
    const LineError lines = MeasureRuledLines(form.pages[number - 1].blank, registered->image);
    EXPECT_LT(lines.mean, 1.0);
    EXPECT_LT(lines.max, 2.0);
  }
}

GrayImage TextPage(const std::vector<std::string>& lines, double font, int thickness, bool with_marks) {
  cv::Mat page(2200, 1700, CV_8U, cv::Scalar(255));
  int y = 250;
  for (const std::string& line : lines) {
    cv::putText(page, line, {150, y}, cv::FONT_HERSHEY_SIMPLEX, font, 0, thickness);
    y += static_cast<int>(60 * font) + 20;
  }
  if (with_marks) {  // another form with corner squares where ours have them
    for (cv::Point p : {cv::Point(61, 67), cv::Point(1614, 67), cv::Point(61, 2108), cv::Point(1614, 2108)}) {
      cv::rectangle(page, cv::Rect(p.x, p.y, 25, 25), 0, cv::FILLED);
    }
    for (int row = 0; row < 8; ++row) cv::rectangle(page, cv::Rect(150, 900 + row * 120, 1400, 100), 0, 2);
  }
  return FromMat(page, 200, 200);
}

TEST_F(Classifiers, LettersCoverSheetsBlankPagesAndOtherMarkedFormsAreNotOurForms) {
  const std::vector<std::pair<std::string, GrayImage>> pages = {
      {"letter", TextPage({"Dear Records Department,", "Please send all records of my client", "for the period",
                           "Sincerely, A. Lawyer, Esq."}, 1.2, 2, false)},
      {"cover sheet", TextPage({"FAX", "TO: Medical Records", "FROM: Clinic", "PAGES: 3"}, 2.5, 5, false)},
      {"blank page", TextPage({}, 1, 1, false)},
      {"another form with corner marks", TextPage({"RELEASE OF INFORMATION", "Patient name", "Date"}, 1.2, 2, true)},
  };
  for (const auto& [name, page] : pages) {
    SCOPED_TRACE(name);
    const PageIdentity id = IdentifyPage(page, *templates_, *ocr_);
    EXPECT_EQ(id.form, nullptr);
    EXPECT_FALSE(id.separator);
    EXPECT_GE(id.confidence, 0.9);
  }
}

TEST_F(Classifiers, ASeparatorSheetIsRecognizedByItsWords) {
  const GrayImage separator = TextPage({"", "", "", "", "DOCUMENT", "", "SEPARATOR"}, 5, 18, false);
  const PageIdentity id = IdentifyPage(separator, *templates_, *ocr_);
  EXPECT_TRUE(id.separator);
  EXPECT_EQ(id.form, nullptr);
  const GrayImage heading = TextPage({"", "", "", "", "FAX COVER", "", "URGENT"}, 5, 18, false);
  EXPECT_FALSE(IdentifyPage(heading, *templates_, *ocr_).separator);
}

TEST_F(Classifiers, APageWithoutMarksCannotBeRegisteredAndSaysWhy) {
  Result<RegisteredPage> registered = RegisterPage(TextPage({"Dear Sir"}, 1, 2, false), Form("HIS-AMEND-EN"), 1);
  ASSERT_FALSE(registered);
  EXPECT_EQ(registered.error().code, ErrorCode::kOcrError);
  EXPECT_THAT(registered.error().message, ::testing::HasSubstr("corner marks were not found"));
}

// ---- Assembly ---------------------------------------------------------------

// Assembly needs only each template's identity and page count.
class Assembly : public ::testing::Test {
 protected:
  Assembly() {
    for (const auto& [code, pages] : std::vector<std::pair<std::string, int>>{
             {"HIS-AUTH-EN", 2}, {"HIS-AUTH-ES", 2}, {"HIS-AMEND-EN", 1}, {"HIS-VERBAL-EN", 1}}) {
      FormTemplate form;
      form.code = code;
      form.pages.resize(pages);
      set_.forms.push_back(std::move(form));
    }
  }
  const FormTemplate& Form(const std::string& code) const { return *set_.Find(code); }
  PageIdentity P(const std::string& code, int page) const { return {&Form(code), page, 0.99, false}; }
  static PageIdentity Other() { return {nullptr, 0, 0.97, false}; }
  static PageIdentity Separator() { return {nullptr, 0, 0.97, true}; }
  using Pages = std::vector<std::optional<int>>;

  TemplateSet set_;
};

TEST_F(Assembly, PageTwoBeforePageOneIsStillOneDocumentInTemplateOrder) {
  const auto docs = AssembleDocuments({P("HIS-AUTH-EN", 2), P("HIS-AUTH-EN", 1)});
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].form, &Form("HIS-AUTH-EN"));
  EXPECT_EQ(docs[0].form_pages, (Pages{2, 1}));
  EXPECT_TRUE(docs[0].supporting_pages.empty());
}

TEST_F(Assembly, ASecondPageOneStartsANewDocumentAndAMissingPageStaysEmpty) {
  const auto docs = AssembleDocuments({P("HIS-AUTH-EN", 1), P("HIS-AUTH-EN", 2), P("HIS-AUTH-EN", 1)});
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].form_pages, (Pages{1, 2}));
  EXPECT_EQ(docs[1].form_pages, (Pages{3, std::nullopt}));
}

TEST_F(Assembly, CoverSheetBeforeAndIdCopyAfterAreSupportingPagesOfTheForm) {
  const auto docs = AssembleDocuments({Other(), P("HIS-AUTH-ES", 1), P("HIS-AUTH-ES", 2), Other(), Other()});
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].form_pages, (Pages{2, 3}));
  EXPECT_EQ(docs[0].supporting_pages, (std::vector<int>{1, 4, 5}));
}

TEST_F(Assembly, DifferentFormsOrLanguagesAreDifferentDocuments) {
  const auto docs = AssembleDocuments({P("HIS-AUTH-EN", 1), P("HIS-AUTH-ES", 2), P("HIS-AMEND-EN", 1)});
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].form_pages, (Pages{1, std::nullopt}));
  EXPECT_EQ(docs[1].form_pages, (Pages{std::nullopt, 2}));
  EXPECT_EQ(docs[2].form, &Form("HIS-AMEND-EN"));
}

TEST_F(Assembly, AFileOfOnlyOtherPagesIsOneOtherDocument) {
  const auto docs = AssembleDocuments({Other(), Other(), Other()});
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].form, nullptr);
  EXPECT_EQ(docs[0].other_pages, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(AssembleDocuments({}).empty());
}

TEST_F(Assembly, ASeparatorEndsADocumentAndIsNeitherDocumentNorSupporting) {
  const auto docs = AssembleDocuments({P("HIS-VERBAL-EN", 1), Separator(), Other(), P("HIS-VERBAL-EN", 1),
                                       Separator(), Other(), Separator()});
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].form_pages, (Pages{1}));
  EXPECT_TRUE(docs[0].supporting_pages.empty());
  EXPECT_EQ(docs[1].form_pages, (Pages{4}));
  EXPECT_EQ(docs[1].supporting_pages, (std::vector<int>{3}));
  EXPECT_EQ(docs[2].form, nullptr);
  EXPECT_EQ(docs[2].other_pages, (std::vector<int>{6}));
}

TEST_F(Assembly, InAScanBatchALetterIsADocumentOfItsOwnAndEndsTheFormBeforeIt) {
  const auto docs = AssembleDocuments({Other(), P("HIS-AMEND-EN", 1), Other(), Other(), P("HIS-AUTH-ES", 1),
                                       P("HIS-AUTH-ES", 2)},
                                      OtherPages::kStandAlone);
  ASSERT_EQ(docs.size(), 4u);
  EXPECT_EQ(docs[0].other_pages, (std::vector<int>{1}));
  EXPECT_EQ(docs[1].form_pages, (Pages{2}));
  EXPECT_TRUE(docs[1].supporting_pages.empty());
  EXPECT_EQ(docs[2].other_pages, (std::vector<int>{3, 4}));
  EXPECT_EQ(docs[3].form_pages, (Pages{5, 6}));
  EXPECT_TRUE(docs[3].supporting_pages.empty());
}

// ---- The shared samples -----------------------------------------------------

std::vector<nlohmann::json> TruthDocuments() {
  std::vector<nlohmann::json> docs;
  std::ifstream truth(SharedDir() / "samples" / "truth.jsonl");
  for (std::string line; std::getline(truth, line);) docs.push_back(nlohmann::json::parse(line));
  return docs;
}

std::string CodeOf(const nlohmann::json& doc) {
  std::string language = doc["language"];
  std::transform(language.begin(), language.end(), language.begin(), ::toupper);
  return "HIS-" + doc["form"].get<std::string>() + "-" + language;
}

struct SamplePage {
  std::string file;        // relative to samples/
  std::string attachment;  // e-mail only
  int number = 0;          // page within the file (or attachment)
  std::string role;        // form, cover, attachment, other, separator
  std::string code;        // for a form page: "HIS-AUTH-EN"
  int form_page = 0;
  GrayImage image;         // prepared
};

// Every page of the sample files of `kinds` ("fax", "scan", "email"), decoded
// and prepared as the pipeline does, with what truth.jsonl says it is. Pages
// the truth says arrived upside down are turned by the truth, not by the
// orientation detector (~0.5 s a page, and preprocess's own tests cover it).
std::vector<SamplePage> LoadSamples(const std::set<std::string>& kinds) {
  const fs::path samples = SharedDir() / "samples";
  std::map<std::string, nlohmann::json> docs;
  for (const nlohmann::json& doc : TruthDocuments()) docs[doc["doc_id"]] = doc;
  // An e-mail attachment's pages belong to the truth document that lists them.
  auto doc_of_attachment = [&](const std::string& file, const std::string& name) -> const nlohmann::json* {
    for (const auto& [id, doc] : docs) {
      if (doc["file"] != file || !doc["pages"].is_array()) continue;
      for (const nlohmann::json& part : doc["pages"]) {
        if (part.is_object() && part["attachment"] == name) return &doc;
      }
    }
    return nullptr;
  };
  PrepareOptions options;
  options.detect_orientation = false;
  std::vector<SamplePage> pages;
  std::ifstream files(samples / "files.jsonl");
  for (std::string line; std::getline(files, line);) {
    const nlohmann::json file = nlohmann::json::parse(line);
    const std::string kind = file["kind"];
    if (!kinds.contains(kind) || !fs::exists(samples / file["file"].get<std::string>())) continue;
    const std::vector<std::uint8_t> bytes = ReadFile(samples / file["file"].get<std::string>());
    std::vector<std::pair<nlohmann::json, std::vector<std::uint8_t>>> parts;  // (description, bytes)
    if (kind == "email") {
      Result<MailMessage> message = ParseMessage(bytes);
      EXPECT_TRUE(message);
      for (const nlohmann::json& attachment : file["attachments"]) {
        for (const MailAttachment& a : message->attachments) {
          if (a.filename == attachment["name"]) parts.emplace_back(attachment, a.bytes);
        }
      }
    } else {
      parts.emplace_back(file, bytes);
    }
    for (const auto& [part, part_bytes] : parts) {
      Result<DecodedFile> decoded = Decode(part_bytes, DecodeLimits{});
      EXPECT_TRUE(decoded) << file["file"];
      if (!decoded) continue;
      for (const nlohmann::json& described : part["pages"]) {
        SamplePage page;
        page.file = file["file"];
        page.attachment = kind == "email" ? part["name"].get<std::string>() : "";
        page.number = described["n"];
        page.role = described["role"];
        if (page.role == "form") {
          const nlohmann::json* doc = described.contains("doc") ? &docs[described["doc"]]
                                                                 : doc_of_attachment(page.file, page.attachment);
          EXPECT_NE(doc, nullptr) << page.file;
          if (!doc) continue;
          page.code = CodeOf(*doc);
          page.form_page = described["src"][1];
        }
        GrayImage image = decoded->pages[page.number - 1].image;
        if (described.value("rot180", false)) image = RotateQuarterTurns(image, 180);
        Result<PreparedPage> prepared = PreparePage(image, options, nullptr);
        EXPECT_TRUE(prepared) << page.file;
        if (!prepared) continue;
        page.image = std::move(prepared->image);
        pages.push_back(std::move(page));
      }
    }
  }
  return pages;
}

std::string Describe(const PageIdentity& id) {
  if (id.separator) return "separator";
  if (!id.form) return "not a form";
  return id.form->code + " page " + std::to_string(id.page);
}

std::string Expected(const SamplePage& page) {
  if (page.role == "separator") return "separator";
  if (page.role != "form") return "not a form";
  return page.code + " page " + std::to_string(page.form_page);
}

// The truth's documents of one fax or scan file found among the assembled
// ones: each form with exactly its pages, each OTHER document's pages in an
// OTHER document.
void CheckAssembly(const std::string& file, const std::vector<LogicalDocument>& assembled) {
  SCOPED_TRACE(file);
  for (const nlohmann::json& doc : TruthDocuments()) {
    if (doc["file"] != file) continue;
    const std::vector<int> want = doc["pages"].get<std::vector<int>>();
    bool found = false;
    for (const LogicalDocument& got : assembled) {
      if (doc["form"] == "OTHER") {
        found |= !got.form && std::all_of(want.begin(), want.end(), [&](int p) {
          return std::find(got.other_pages.begin(), got.other_pages.end(), p) != got.other_pages.end();
        });
      } else if (got.form && got.form->code == CodeOf(doc)) {
        std::vector<int> pages;
        for (const std::optional<int>& p : got.form_pages) {
          if (p) pages.push_back(*p);
        }
        found |= pages == want;
      }
    }
    EXPECT_TRUE(found) << doc["doc_id"];
  }
}

void CheckSamples(const std::set<std::string>& kinds, const TemplateSet& templates, OcrEngine& ocr) {
  if (!fs::exists(SharedDir() / "samples" / "files.jsonl")) GTEST_SKIP() << "no shared samples";
  const std::vector<SamplePage> pages = LoadSamples(kinds);
  ASSERT_FALSE(pages.empty());
  int right = 0, forms = 0;
  double residual_total = 0, residual_worst = 0, line_total = 0, line_worst = 0, time_ms = 0;
  std::map<std::string, std::vector<PageIdentity>> files;  // fax and scan files, pages in order
  for (const SamplePage& page : pages) {
    SCOPED_TRACE(page.file + " " + page.attachment + " page " + std::to_string(page.number));
    const double start = ThreadCpuMs();
    const PageIdentity id = IdentifyPage(page.image, templates, ocr);
    Result<RegisteredPage> registered = Fail(ErrorCode::kInternal, "not a form");
    if (id.form) registered = RegisterPage(page.image, *id.form, id.page);
    time_ms += ThreadCpuMs() - start;
    if (page.attachment.empty()) files[page.file].push_back(id);
    EXPECT_EQ(Describe(id), Expected(page));
    right += Describe(id) == Expected(page);
    EXPECT_GE(id.confidence, 0.9);
    if (page.role != "form" || !id.form) continue;
    ++forms;
    ASSERT_TRUE(registered) << registered.error().message;
    EXPECT_LT(registered->residual_px, 1.0);
    const LineError lines = MeasureRuledLines(id.form->pages[id.page - 1].blank, registered->image);
    EXPECT_LT(lines.mean, 1.0);
    EXPECT_LT(lines.max, 3.0);
    residual_total += registered->residual_px;
    residual_worst = std::max(residual_worst, registered->residual_px);
    line_total += lines.mean;
    line_worst = std::max(line_worst, lines.max);
  }
  for (const auto& [file, ids] : files) {
    const bool scan_batch = file.find("/scan/") != std::string::npos;
    CheckAssembly(file, AssembleDocuments(ids, scan_batch ? OtherPages::kStandAlone : OtherPages::kSupporting));
  }
  std::string kind_names;
  for (const std::string& kind : kinds) kind_names += (kind_names.empty() ? "" : "+") + kind;
  std::cout << "sample pages (" << kind_names << "): " << right << "/"
            << pages.size() << " identified as the truth says; " << forms << " form pages registered, landmark residual "
            << "mean " << residual_total / std::max(1, forms) << " px (worst " << residual_worst
            << "), ruled-line error mean " << line_total / std::max(1, forms) << " px (worst " << line_worst
            << ") at 200 dpi; identify+register " << time_ms / pages.size() << " ms CPU/page\n";
}

TEST_F(Classifiers, EverySampleFaxPageIsIdentifiedRegisteredAndAssembledAsTheTruthSays) {
  CheckSamples({"fax"}, *templates_, *ocr_);
}

TEST_F(Classifiers, EverySampleScanAndEmailPageIsIdentifiedRegisteredAndAssembledAsTheTruthSays) {
  CheckSamples({"scan", "email"}, *templates_, *ocr_);
}

// ---- The e-mail subject's hint --------------------------------------------------

TEST(SubjectHint, EnglishAndSpanishSubjectsNameTheirFormAndVagueOnesNone) {
  EXPECT_EQ(FormNamedInSubject("Authorization for release of records"), "AUTH");
  EXPECT_EQ(FormNamedInSubject("Records request"), "AUTH");
  EXPECT_EQ(FormNamedInSubject("SOLICITUD DE EXPEDIENTE"), "AUTH");
  EXPECT_EQ(FormNamedInSubject("Autorización para divulgar información"), "AUTH");
  EXPECT_EQ(FormNamedInSubject("Request to amend my record"), "AMEND");
  EXPECT_EQ(FormNamedInSubject("Correction to medical record"), "AMEND");
  EXPECT_EQ(FormNamedInSubject("Corrección de mi expediente"), "AMEND");
  EXPECT_EQ(FormNamedInSubject("Solicitud de enmienda"), "AMEND");
  EXPECT_EQ(FormNamedInSubject("Autorización verbal"), "VERBAL");
  EXPECT_EQ(FormNamedInSubject("Verbal auth form"), "VERBAL");
  for (const char* vague : {"Scanned document", "Fwd: forms", "Help", "signed form", "(no subject)", ""}) {
    EXPECT_EQ(FormNamedInSubject(vague), std::nullopt) << vague;
  }
}

TEST(SubjectHint, AgreeingSubjectFirmsContradictingOneDoubtsAndNoneLeavesTheConfidence) {
  EXPECT_GT(WithSubjectHint(0.85, "AUTH", "AUTH"), 0.9);
  EXPECT_LT(WithSubjectHint(0.995, "AUTH", "AMEND"), 0.9);  // a person looks (INT-01)
  EXPECT_GT(WithSubjectHint(0.995, "AUTH", "AMEND"), 0.8);  // the pages still say AUTH
  EXPECT_DOUBLE_EQ(WithSubjectHint(0.85, "AUTH", std::nullopt), 0.85);
  EXPECT_DOUBLE_EQ(WithSubjectHint(1.0, "AUTH", "VERBAL"), 1.0);
}

}  // namespace
}  // namespace intake
