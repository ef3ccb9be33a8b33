// corpus/random.h: private to the corpus module. The one source of
// randomness of the generator: a seeded std::mt19937_64 with distributions
// written out here, because the standard library's distributions may differ
// between library versions and the corpus must not.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace intake::corpus_detail {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  /// An independent stream for a named part of the work (a document, a file),
  /// so that what one part draws never shifts another.
  static Rng For(std::uint64_t seed, std::string_view part, std::uint64_t index) {
    std::uint64_t h = 1469598103934665603ULL ^ seed;
    for (char c : part) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ index) * 0x9E3779B97F4A7C15ULL;
    return Rng(h ^ (h >> 29));
  }

  std::uint64_t Next() { return engine_(); }
  /// Uniform in [0, 1).
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double Uniform(double low, double high) { return low + (high - low) * Uniform(); }
  /// Uniform integer in [low, high].
  int Int(int low, int high) { return low + static_cast<int>(engine_() % static_cast<std::uint64_t>(high - low + 1)); }
  bool Chance(double p) { return Uniform() < p; }
  /// Standard normal (Box-Muller).
  double Normal() {
    const double u = 1.0 - Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * Uniform());
  }
  template <class T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(engine_() % items.size())];
  }
  /// Index drawn with the given weights (not all zero).
  std::size_t Weighted(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }
  template <class T>
  void Shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[engine_() % i]);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace intake::corpus_detail
