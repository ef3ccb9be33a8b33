// recognizer/lexicon.h: the words people write on these forms, for the recognizer to check its readings against.
//
// A hand-printed "PORTIAND" or "MARLBOROUCH" is one stroke away from a word;
// the recognizer's network saw the stroke it could not place. Given a
// lexicon, FieldRecognizer::ReadWords searches its network's output for the
// most probable reading made only of words the lexicon holds, and the reader
// (extract/reading.h) weighs it against the free reading. The words come from
// Debian's word lists (wamerican-huge: English words, given names, surnames
// and places; wspanish: Spanish words, with their plurals), installed by
// scripts/install-deps.sh; without them the lexicon is empty and names are
// read freely.
//
// Words are compared folded: upper case, accents dropped ("Sánchez" is
// SANCHEZ), so a list without accents still vouches for "Julián".
//
//   const Lexicon& words = Lexicon::Default();   // loaded once, shared by every thread
//   words.Contains("Weymouth");                   // true
//   Lexicon::Range r = words.Extend(words.All(), 'W');  // the words starting "W"
//
// Thread-safe: immutable once loaded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace intake {

class Lexicon {
 public:
  /// The words of `files` (one word a line, UTF-8); files that do not exist
  /// are skipped. A file whose name is "spanish" also gives each word's plural.
  static Lexicon Load(const std::vector<std::filesystem::path>& files);

  /// The lexicon of DefaultLexiconFiles(), loaded on first use.
  static const Lexicon& Default();

  /// The words of `words` (UTF-8, any case, accents or not).
  static Lexicon Of(const std::vector<std::string>& words);

  /// The words that say who a person is to a patient, in English and
  /// Spanish: family ("MOTHER", "NIETA", "IN-LAW", "STEP"), household and
  /// friends, and legal standing ("GUARDIAN", "HEALTH CARE PROXY").
  static const Lexicon& Relationships();

  std::size_t Size() const { return words_.size(); }
  bool Empty() const { return words_.empty(); }

  /// Whether `word` (UTF-8, any case, accents or not) is a word of the lexicon.
  bool Contains(std::string_view word) const;

  /// Whether every run of letters in `text` is a word of the lexicon or a
  /// lone initial; letters right after digits ("2ND") are not looked up.
  bool Knows(std::string_view text) const;

  /// The words that start with a given folded prefix: a range of the sorted
  /// list and the prefix's length. What the recognizer's search carries for
  /// the word it is in the middle of.
  struct Range {
    std::uint32_t begin = 0, end = 0;
    std::uint32_t depth = 0;
    bool Empty() const { return begin >= end; }
  };
  Range All() const { return {0, static_cast<std::uint32_t>(words_.size()), 0}; }
  /// The words of `range` whose next letter is `folded` ('A'..'Z').
  Range Extend(Range range, char folded) const;
  /// Whether the prefix of `range` is itself a word.
  bool IsWord(Range range) const { return !range.Empty() && words_[range.begin].size() == range.depth; }

 private:
  std::vector<std::string> words_;  // folded, sorted, unique
};

/// A character (one UTF-8 character) as the lexicon compares it: 'A'..'Z'
/// for a Latin letter with or without accent, 0 for anything else.
char FoldLetter(std::string_view character);

/// `text` with every letter folded by FoldLetter and every other character
/// kept as it is ("Mónica 2b" is "MONICA 2B").
std::string FoldLetters(std::string_view text);

/// How many bytes must be changed, added or dropped to make `a` into `b`
/// (Levenshtein); compare folded text for letters.
std::size_t EditDistance(std::string_view a, std::string_view b);

/// /usr/share/dict/american-english-huge and /usr/share/dict/spanish.
std::vector<std::filesystem::path> DefaultLexiconFiles();

}  // namespace intake
