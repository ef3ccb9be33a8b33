// The bench's charts as one self-contained SVG (no fonts or scripts fetched).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "pipeline/bench_run.h"

namespace intake {
namespace {

constexpr int kWidth = 980, kHeight = 420;
constexpr int kPlot = 300;  // each chart's plotting square

std::string Text(double x, double y, const std::string& text, const std::string& anchor = "middle", int size = 12) {
  return fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="{}" text-anchor="{}">{}</text>)", x, y, size, anchor,
                     text) + "\n";
}

// Confidence (x) against observed accuracy (y), one dot per bucket sized by
// its field count, and the diagonal a calibrated engine would follow.
std::string CalibrationChart(const Score& score, int left, int top) {
  std::string svg;
  auto X = [&](double v) { return left + v * kPlot; };
  auto Y = [&](double v) { return top + (1 - v) * kPlot; };
  svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#444"/>)", left, top, kPlot,
                     kPlot) + "\n";
  svg += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#999" stroke-dasharray="4 4"/>)",
                     X(0), Y(0), X(1), Y(1)) + "\n";
  for (int tick = 0; tick <= 10; tick += 2) {
    svg += Text(X(tick / 10.0), top + kPlot + 16, fmt::format("{:.1f}", tick / 10.0));
    svg += Text(left - 6, Y(tick / 10.0) + 4, fmt::format("{:.1f}", tick / 10.0), "end");
  }
  int most = 1;
  for (const CalibrationBucket& b : score.calibration) most = std::max(most, b.fields.total);
  std::string path;
  for (const CalibrationBucket& b : score.calibration) {
    if (b.fields.total == 0) continue;
    const double x = X((b.low + b.high) / 2), y = Y(b.fields.Rate());
    path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", x, y);
    const double r = 3 + 9 * std::sqrt(static_cast<double>(b.fields.total) / most);
    svg += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}" fill="#2a6fb0" fill-opacity="0.6"><title>{:.1f}-{:.1f}: {}/{}</title></circle>)",
                       x, y, r, b.low, b.high, b.fields.right, b.fields.total) + "\n";
  }
  if (!path.empty()) svg += fmt::format(R"(<path d="{}" fill="none" stroke="#2a6fb0"/>)", path) + "\n";
  svg += Text(left + kPlot / 2.0, top - 12, "Calibration: confidence against observed accuracy", "middle", 13);
  svg += Text(left + kPlot / 2.0, top + kPlot + 34, "confidence given (bucket middle; dot area = fields)");
  svg += fmt::format(R"svg(<text x="{}" y="{}" font-size="12" text-anchor="middle" transform="rotate(-90 {} {})">share right</text>)svg",
                     left - 36, top + kPlot / 2, left - 36, top + kPlot / 2) + "\n";
  return svg;
}

// One bar per field kind (and per fill mode), accuracy on a 0..100% scale.
std::string KindChart(const Score& score, int left, int top) {
  std::vector<std::pair<std::string, Tally>> bars;
  for (const auto& [kind, tally] : score.fields_by_kind) bars.emplace_back(kind, tally);
  for (const auto& [fill, tally] : score.fields_by_fill) bars.emplace_back("fill: " + fill, tally);
  std::string svg;
  const int width = 420, row = bars.empty() ? 0 : std::min(22, kPlot / static_cast<int>(bars.size()));
  svg += Text(left + width / 2.0, top - 12, "Field accuracy by kind (exact after normalization)", "middle", 13);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& [name, tally] = bars[i];
    const double y = top + static_cast<double>(i) * row;
    svg += Text(left - 6, y + row * 0.7, name, "end", 11);
    svg += fmt::format(R"(<rect x="{}" y="{:.1f}" width="{}" height="{:.1f}" fill="#eee"/>)", left, y + 2, width,
                       row - 4.0) + "\n";
    svg += fmt::format(R"(<rect x="{}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>)", left, y + 2,
                       width * tally.Rate(), row - 4.0, tally.Rate() >= 0.97 ? "#3a8f3a" : tally.Rate() >= 0.9 ? "#c9a227" : "#c0504d") + "\n";
    svg += Text(left + width + 6, y + row * 0.7, fmt::format("{:.1f}% ({})", 100 * tally.Rate(), tally.total), "start", 11);
  }
  return svg;
}

}  // namespace

std::string BenchSvg(const BenchRunReport& report) {
  std::string svg = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif">)",
                                kWidth, kHeight) + "\n";
  svg += fmt::format(R"(<rect width="{}" height="{}" fill="white"/>)", kWidth, kHeight) + "\n";
  svg += CalibrationChart(report.score, 60, 50);
  svg += KindChart(report.score, 470, 50);
  svg += Text(kWidth / 2.0, kHeight - 10,
              fmt::format("{} documents, {} pages; {:.2f} pages/s on {} threads; silent field errors {:.2f}%",
                          report.score.truth_documents, report.pages, report.pages_per_second, report.threads,
                          report.score.silent_fields.total ? 100 * (1 - report.score.silent_fields.Rate()) : 0.0),
              "middle", 11);
  return svg + "</svg>\n";
}

}  // namespace intake
