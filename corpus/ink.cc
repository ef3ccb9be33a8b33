#include "corpus/ink.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace intake::corpus_detail {
namespace {

namespace fs = std::filesystem;

// The fonts the generator knows, by file name (Debian packages in brackets).
// Typed: how a form is filled on a computer and printed.
const std::vector<std::string> kTypedFonts = {
    "DejaVuSans.ttf",          "DejaVuSerif.ttf",          "DejaVuSansMono.ttf",          // fonts-dejavu-core
    "DejaVuSansCondensed.ttf", "DejaVuSerifCondensed.ttf",                                // fonts-dejavu-extra
    "LiberationSans-Regular.ttf", "LiberationSerif-Regular.ttf", "LiberationMono-Regular.ttf",  // fonts-liberation2
    "FreeSans.ttf",            "FreeSerif.ttf",            "FreeMono.ttf"};               // fonts-freefont-ttf
// Hand-like: how people print on paper.
const std::vector<std::string> kHandFonts = {
    "dkg.ttf",                                                     // fonts-dkg-handwriting
    "Breip.ttf",                                                   // fonts-breip
    "BecauseWeBuild-Regular.otf", "BecauseWeCreate-Regular.otf",   // fonts-bwht
    "BecauseWeLearn-Regular.otf", "BecauseWeMentor-Regular.otf",
    "femkeklaver.ttf",                                             // fonts-femkeklaver
    "Humor-Sans.ttf",                                              // fonts-humor-sans
    "Rufscript010.ttf",                                            // fonts-rufscript
    "SteveHand.ttf", "Delphine.ttf",                               // fonts-sjfonts
    "ComicNeue-Regular.otf", "ComicNeue-Light.otf",                // fonts-comic-neue
    "DancingScript-Regular.otf",                                   // fonts-dancingscript
    "CabinSketch-Regular.ttf",                                     // fonts-cabinsketch
    "KleeOne-Regular.ttf",                                         // fonts-klee
    "Purisa.ttf",                                                  // fonts-tlwg-purisa-ttf
    "setofont.ttf",                                                // fonts-seto
    "YOzRN_.ttf",                                                  // fonts-yozvox-yozfont-new-kana
    "Domestic_Manners.ttf",                                        // fonts-dustin
    "StayPuft.ttf",                                                // fonts-staypuft
    "YuseiMagic-Regular.ttf",                                      // fonts-yusei-magic
    "UnPilgia.ttf",                                                // fonts-unfonts-extra
    "aescrawl.ttf"};                                               // fonts-aenigma
constexpr char kBoldFont[] = "DejaVuSans-Bold.ttf";

std::u32string Codepoints(std::string_view text) {
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : 3;
    char32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k <= extra && i + k < text.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

// Blends `coverage` (0..255) of `ink` onto the page at (x0, y0), clipped:
// dark ink on paper, or light print on a dark band.
void Composite(GrayImage& page, const std::uint8_t* coverage, int width, int height, int pitch, int x0, int y0,
               std::uint8_t ink) {
  for (int y = std::max(0, -y0); y < height && y0 + y < page.height; ++y) {
    const std::uint8_t* src = coverage + static_cast<std::ptrdiff_t>(y) * pitch;
    std::uint8_t* dst = &page.pixels[static_cast<std::size_t>(y0 + y) * page.width];
    for (int x = std::max(0, -x0); x < width && x0 + x < page.width; ++x) {
      const int a = src[x];
      if (a == 0) continue;
      const int p = dst[x0 + x];
      dst[x0 + x] = static_cast<std::uint8_t>(p + ((ink - p) * a + (ink > p ? 127 : -127)) / 255);
    }
  }
}

// Catmull-Rom through `knots`, sampled as polyline points.
std::vector<PointPt> Spline(const std::vector<PointPt>& knots) {
  std::vector<PointPt> out;
  if (knots.size() < 2) return knots;
  for (std::size_t i = 0; i + 1 < knots.size(); ++i) {
    const PointPt p0 = knots[i == 0 ? 0 : i - 1], p1 = knots[i], p2 = knots[i + 1];
    const PointPt p3 = knots[std::min(i + 2, knots.size() - 1)];
    // The cubic Bezier of this segment.
    const PointPt c1{p1.x + (p2.x - p0.x) / 6, p1.y + (p2.y - p0.y) / 6};
    const PointPt c2{p2.x - (p3.x - p1.x) / 6, p2.y - (p3.y - p1.y) / 6};
    for (int s = (i == 0 ? 0 : 1); s <= 8; ++s) {
      const double t = s / 8.0, u = 1 - t;
      out.push_back({u * u * u * p1.x + 3 * u * u * t * c1.x + 3 * u * t * t * c2.x + t * t * t * p2.x,
                     u * u * u * p1.y + 3 * u * u * t * c1.y + 3 * u * t * t * c2.y + t * t * t * p2.y});
    }
  }
  return out;
}

}  // namespace

bool Font::Covers(std::string_view utf8) const {
  for (char32_t c : Codepoints(utf8)) {
    if (c >= latin1.size() || !latin1[c]) return false;
  }
  return true;
}

Result<FontCatalog> FontCatalog::Find(const std::vector<fs::path>& dirs, const std::vector<std::string>& only) {
  std::map<std::string, fs::path> found;
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) found.emplace(file.filename().string(), file);
  }

  FT_Library library = nullptr;
  if (FT_Init_FreeType(&library) != 0) return Fail(ErrorCode::kInternal, "FreeType could not start");
  auto load = [&](const std::string& name) -> std::optional<Font> {
    const auto it = found.find(name);
    if (it == found.end()) return std::nullopt;
    FT_Face face = nullptr;
    if (FT_New_Face(library, it->second.c_str(), 0, &face) != 0) return std::nullopt;
    Font font{.name = name, .path = it->second, .latin1 = std::vector<bool>(256, false)};
    for (char32_t c = 0x20; c < 0x100; ++c) font.latin1[c] = FT_Get_Char_Index(face, c) != 0;
    font.latin1[0x20] = true;
    FT_Done_Face(face);
    // A font without digits or capitals cannot fill a form.
    for (char c : std::string("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/-.@")) {
      if (!font.latin1[static_cast<unsigned char>(c)]) return std::nullopt;
    }
    return font;
  };
  FontCatalog catalog;
  for (const std::string& name : kTypedFonts) {
    if (auto font = load(name)) catalog.typed_.push_back(std::move(*font));
  }
  for (const std::string& name : kHandFonts) {
    if (auto font = load(name)) catalog.hand_.push_back(std::move(*font));
  }
  if (auto bold = load(kBoldFont)) catalog.extra_.push_back(std::move(*bold));
  FT_Done_FreeType(library);
  if (catalog.typed_.empty()) {
    return Fail(ErrorCode::kInternal, "no DejaVu fonts found under the font folders: install fonts-dejavu-core");
  }
  catalog.print_ = catalog.typed_;
  if (!only.empty()) {
    auto stem = [](const Font& f) { return fs::path(f.name).stem().string(); };
    std::string unknown;
    for (const std::string& name : only) {
      auto named = [&](const Font& f) { return stem(f) == name; };
      const bool known = std::any_of(catalog.typed_.begin(), catalog.typed_.end(), named) ||
                         std::any_of(catalog.hand_.begin(), catalog.hand_.end(), named);
      if (!known) unknown += (unknown.empty() ? "" : ", ") + name;
    }
    if (!unknown.empty()) return Fail(ErrorCode::kUnsupportedFormat, "not a known font found here: " + unknown);
    auto keep_only = [&](std::vector<Font>& fonts) {
      std::erase_if(fonts, [&](const Font& f) { return std::find(only.begin(), only.end(), stem(f)) == only.end(); });
    };
    keep_only(catalog.typed_);
    keep_only(catalog.hand_);
    if (catalog.typed_.empty() || catalog.hand_.empty()) {
      return Fail(ErrorCode::kUnsupportedFormat, "the fonts asked for need at least one typed and one hand-like font");
    }
  }
  auto named = [&](const std::string& name) -> const Font* {
    for (const Font& f : catalog.print_) {
      if (f.name == name) return &f;
    }
    return &catalog.print_.front();
  };
  catalog.regular_ = named("DejaVuSans.ttf");
  catalog.serif_ = named("DejaVuSerif.ttf");
  catalog.mono_ = named("DejaVuSansMono.ttf");
  catalog.bold_ = catalog.extra_.empty() ? catalog.regular_ : &catalog.extra_.front();
  return catalog;
}

struct Pen::State {
  FT_Library library = nullptr;
  std::map<fs::path, FT_Face> faces;

  FT_Face Face(const Font& font) {
    auto it = faces.find(font.path);
    if (it != faces.end()) return it->second;
    FT_Face face = nullptr;
    if (FT_New_Face(library, font.path.c_str(), 0, &face) != 0) face = nullptr;
    faces.emplace(font.path, face);
    return face;
  }
};

Pen::Pen() : state_(std::make_unique<State>()) {
  if (FT_Init_FreeType(&state_->library) != 0) throw std::runtime_error("FreeType could not start");
}

Pen::~Pen() {
  for (auto& [path, face] : state_->faces) {
    if (face) FT_Done_Face(face);
  }
  FT_Done_FreeType(state_->library);
}

double Pen::Measure(std::string_view text, const Script& script) {
  FT_Face face = state_->Face(*script.font);
  if (!face) return 0;
  FT_Set_Char_Size(face, 0, static_cast<FT_F26Dot6>(std::lround(script.size_pt * 64)), 72, 72);
  FT_Set_Transform(face, nullptr, nullptr);
  double width = 0;
  for (char32_t c : Codepoints(text)) {
    if (FT_Load_Char(face, c, FT_LOAD_NO_HINTING) == 0) width += face->glyph->advance.x / 64.0;
  }
  return width;
}

double Pen::Write(GrayImage& page, std::string_view text, double x, double baseline, const Script& script, Rng& rng) {
  FT_Face face = state_->Face(*script.font);
  if (!face) return 0;
  const double px_per_pt = page.dpi_x / 72, aspect = page.dpi_y / page.dpi_x;
  FT_Set_Char_Size(face, 0, static_cast<FT_F26Dot6>(std::lround(script.size_pt * 64)),
                   static_cast<FT_UInt>(std::lround(page.dpi_x)), static_cast<FT_UInt>(std::lround(page.dpi_x)));
  const double j = script.jitter;
  double pen_x = x * px_per_pt;
  const double base_y = baseline * page.dpi_y / 72;
  for (char32_t c : Codepoints(text)) {
    const double k = 1 + 0.05 * j * rng.Normal();
    const double rot = 0.035 * j * rng.Normal();
    const double slant = std::tan((script.slant_deg + 2.0 * j * rng.Normal()) * M_PI / 180);
    const double dy = 0.035 * j * rng.Normal() * script.size_pt * page.dpi_y / 72;
    // M = aspect * k * rotation * shear, in FreeType's y-up coordinates.
    const double cr = std::cos(rot), sr = std::sin(rot);
    const double m00 = k * cr, m01 = k * (cr * slant - sr), m10 = k * sr * aspect, m11 = k * (sr * slant + cr) * aspect;
    FT_Matrix matrix{static_cast<FT_Fixed>(std::lround(m00 * 65536)), static_cast<FT_Fixed>(std::lround(m01 * 65536)),
                     static_cast<FT_Fixed>(std::lround(m10 * 65536)), static_cast<FT_Fixed>(std::lround(m11 * 65536))};
    const double whole = std::floor(pen_x);
    FT_Vector delta{static_cast<FT_Pos>(std::lround((pen_x - whole) * 64)), 0};
    FT_Set_Transform(face, &matrix, &delta);
    if (FT_Load_Char(face, c, FT_LOAD_NO_HINTING) != 0) continue;
    const FT_GlyphSlot glyph = face->glyph;
    if (script.weight > 0 && glyph->format == FT_GLYPH_FORMAT_OUTLINE) {
      FT_Outline_Embolden(&glyph->outline, static_cast<FT_Pos>(std::lround(script.weight / 100 * script.size_pt *
                                                                           page.dpi_x / 72 * 64)));
    }
    if (FT_Render_Glyph(glyph, FT_RENDER_MODE_NORMAL) != 0) continue;
    const FT_Bitmap& bitmap = glyph->bitmap;
    if (bitmap.pixel_mode == FT_PIXEL_MODE_GRAY && bitmap.buffer) {
      Composite(page, bitmap.buffer, static_cast<int>(bitmap.width), static_cast<int>(bitmap.rows), bitmap.pitch,
                static_cast<int>(whole) + glyph->bitmap_left, static_cast<int>(std::lround(base_y + dy)) - glyph->bitmap_top,
                script.ink);
    }
    pen_x += glyph->advance.x / 64.0 + 0.04 * j * rng.Normal() * script.size_pt * px_per_pt;
  }
  return pen_x / px_per_pt - x;
}

void Pen::Stroke(GrayImage& page, const std::vector<PointPt>& points, double width, std::uint8_t ink) {
  if (points.empty()) return;
  const double sx = page.dpi_x / 72, sy = page.dpi_y / 72;
  const int thickness = std::max(1, static_cast<int>(std::lround(width * sx)));
  double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
  for (const PointPt& p : points) {
    x0 = std::min(x0, p.x * sx), x1 = std::max(x1, p.x * sx);
    y0 = std::min(y0, p.y * sy), y1 = std::max(y1, p.y * sy);
  }
  const int margin = thickness + 2;
  const int left = static_cast<int>(std::floor(x0)) - margin, top = static_cast<int>(std::floor(y0)) - margin;
  const int w = static_cast<int>(std::ceil(x1)) + margin - left, h = static_cast<int>(std::ceil(y1)) + margin - top;
  cv::Mat mask = cv::Mat::zeros(h, w, CV_8U);
  std::vector<cv::Point> pts;
  for (const PointPt& p : points) {
    pts.emplace_back(static_cast<int>(std::lround((p.x * sx - left) * 16)),
                     static_cast<int>(std::lround((p.y * sy - top) * 16)));
  }
  if (pts.size() == 1) {
    cv::circle(mask, pts.front(), thickness * 8, 255, cv::FILLED, cv::LINE_AA, 4);
  } else {
    cv::polylines(mask, pts, false, 255, thickness, cv::LINE_AA, 4);
  }
  Composite(page, mask.data, w, h, static_cast<int>(mask.step), left, top, ink);
}

void Pen::Rect(GrayImage& page, double x, double y, double w, double h, double line_width, std::uint8_t ink) {
  if (line_width > 0) {
    Stroke(page, {{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}, line_width, ink);
    return;
  }
  const int left = static_cast<int>(std::lround(x * page.dpi_x / 72)), top = static_cast<int>(std::lround(y * page.dpi_y / 72));
  const int right = static_cast<int>(std::lround((x + w) * page.dpi_x / 72));
  const int bottom = static_cast<int>(std::lround((y + h) * page.dpi_y / 72));
  for (int yy = std::max(0, top); yy < std::min(page.height, bottom); ++yy) {
    for (int xx = std::max(0, left); xx < std::min(page.width, right); ++xx) {
      std::uint8_t& p = page.At(xx, yy);
      p = std::min(p, ink);
    }
  }
}

std::vector<std::vector<PointPt>> Pen::SignatureStrokes(double x, double y, double w, double h, Rng& rng) {
  std::vector<std::vector<PointPt>> strokes;
  const double base = y + h * rng.Uniform(0.62, 0.78);
  double cursor = x + w * rng.Uniform(0.04, 0.12);
  const double end = x + w * rng.Uniform(0.45, 0.85);
  const int words = rng.Int(1, 3);
  const double word_width = (end - cursor) / words;
  for (int word = 0; word < words; ++word) {
    std::vector<PointPt> knots;
    // A capital: a tall loop up from the baseline.
    const double cap = h * rng.Uniform(0.35, 0.55);
    knots.push_back({cursor, base});
    knots.push_back({cursor + word_width * 0.05, base - cap});
    knots.push_back({cursor + word_width * 0.12, base - cap * rng.Uniform(0.6, 1.0)});
    knots.push_back({cursor + word_width * 0.08, base + h * 0.05});
    // Then the small letters: humps, loops and descenders along the baseline.
    const int letters = rng.Int(3, 8);
    double at = 0.12;
    for (int i = 0; i < letters; ++i) {
      const double step = 0.8 / letters * rng.Uniform(0.6, 1.4);
      const int shape = static_cast<int>(rng.Weighted({0.55, 0.25, 0.2}));
      const double height = h * rng.Uniform(0.08, 0.22);
      if (shape == 1) {
        // A loop up (l, h, b), drawn back over itself.
        knots.push_back({cursor + word_width * (at + step * 0.6), base - height * rng.Uniform(2.0, 3.0)});
        knots.push_back({cursor + word_width * (at + step * 0.3), base - height * 1.2});
      } else if (shape == 2) {
        // A descender (g, y, j).
        knots.push_back({cursor + word_width * (at + step * 0.5), base - height});
        knots.push_back({cursor + word_width * (at + step * 0.4), base + h * rng.Uniform(0.15, 0.3)});
      } else {
        knots.push_back({cursor + word_width * (at + step * 0.5), base - height});
      }
      at += step;
      knots.push_back({cursor + word_width * at, base + h * rng.Uniform(-0.03, 0.05)});
    }
    strokes.push_back(Spline(knots));
    cursor += word_width * rng.Uniform(0.95, 1.1);
  }
  if (rng.Chance(0.4)) {
    // A flourish under the name.
    const double under = base + h * rng.Uniform(0.08, 0.18);
    strokes.push_back(Spline({{x + w * 0.08, under + h * 0.05},
                              {(x + end) / 2, under - h * rng.Uniform(0.0, 0.08)},
                              {end + w * 0.05, under + h * rng.Uniform(-0.05, 0.05)}}));
  }
  return strokes;
}

void Pen::Signature(GrayImage& page, double x, double y, double w, double h, std::uint8_t ink, Rng& rng) {
  const double width = rng.Uniform(0.7, 1.3);
  for (const std::vector<PointPt>& stroke : SignatureStrokes(x, y, w, h, rng)) Stroke(page, stroke, width, ink);
}

void Pen::Tick(GrayImage& page, double x, double y, double w, double h, int style, std::uint8_t ink, Rng& rng) {
  const double cx = x + w / 2 + rng.Uniform(-0.12, 0.12) * w, cy = y + h / 2 + rng.Uniform(-0.12, 0.12) * h;
  const double s = rng.Uniform(0.8, 1.35);
  const double r = w / 2 * s;
  const double width = rng.Uniform(0.8, 1.3);
  auto j = [&] { return rng.Uniform(-0.12, 0.12) * w; };
  switch (style) {
    case 0:
      Stroke(page, {{cx - r + j(), cy - r + j()}, {cx + r + j(), cy + r + j()}}, width, ink);
      Stroke(page, {{cx + r + j(), cy - r + j()}, {cx - r + j(), cy + r + j()}}, width, ink);
      break;
    case 1:
      Stroke(page, Spline({{cx - r * 0.9, cy}, {cx - r * 0.3 + j(), cy + r * 0.8}, {cx + r * 1.3 + j(), cy - r * 1.6}}),
             width, ink);
      break;
    default: {
      // A dot filled in with small circles, as a pen fills a box.
      std::vector<PointPt> scribble;
      for (double t = 0; t < 6 * M_PI; t += 0.4) {
        const double rr = r * 0.75 * (0.4 + 0.6 * std::fmod(t, 2 * M_PI) / (2 * M_PI));
        scribble.push_back({cx + rr * std::cos(t), cy + rr * std::sin(t)});
      }
      Stroke(page, scribble, width * 1.2, ink);
    }
  }
}

}  // namespace intake::corpus_detail
